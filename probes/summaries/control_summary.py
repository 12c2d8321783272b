"""From the conditioning, steering and hybrid sections to evidence for the rubric (torch-free).

    conditioning_evidence(results)  # ConditioningEvidence(gan=..., diffusion=..., source=...) or None
    steering_evidence(results)      # SteeringEvidence(diffusion=..., gan=..., baseline=..., ...) or None
    hybrid_evidence(results)        # HybridEvidence(student_nfe=.., student_fid=.., speedup=.., ...) or None

Each returns None when its section is missing, incomplete or skipped, so a caller can fall back
to the catalog's published figures; every object carries `source`, the measurement it came from,
for the reason text. The types are the rubric's (rubric/measured.py). Pure functions of the
results dict: no torch, no I/O.

Hybrid rule: the student reported is the one with the fewest steps whose FID is within
STUDENT_FID_TOLERANCE × the teacher's FID at the NFE it was distilled from; when none is, the
student with the lowest FID, with `meets_tolerance: false`. The speed-up is the teacher's
measured time per sample at that NFE over the student's, on the same device and batch.
"""
from __future__ import annotations

from probes.summaries.training_summary import measured_scale, measured_where
from rubric.measured import (ClassAccuracy, Completion, ConditioningEvidence, GuidedClassAccuracy, HybridEvidence,
                             PairedComparison, SteeringEvidence, WorstClass)

STUDENT_FID_TOLERANCE = 1.5  # "diffusion-like quality": within 50% of the teacher's FID


def _complete(results: dict, name: str) -> dict | None:
    section = (results or {}).get(name)
    if not section or not section.get("complete") or section.get("skipped") or not section.get("rows"):
        return None
    return section


def worst_class(row: dict) -> dict | None:
    """The per-class entry of a conditioning row drawn right least often."""
    return min(row["per_class"], key=lambda c: c["accuracy"]) if row.get("per_class") else None


def classifier_on_real(classifier: dict) -> dict[str, float]:
    """{class: the classifier's accuracy on real held-out images of it}, the ceiling per class."""
    return {c["class"]: c["accuracy"] for c in classifier.get("held_out_per_class") or []}


def _quality(row: dict) -> dict:
    q = row.get("quality") or {}
    return {k: q.get(k) for k in ("fid", "kid", "precision", "recall")}


def conditioning_evidence(results: dict) -> ConditioningEvidence | None:
    section = _complete(results, "conditioning")
    if section is None:
        return None
    classifier = section.get("classifier") or {}
    chance, ceiling = classifier.get("chance_accuracy"), classifier.get("held_out_accuracy")

    on_real = classifier_on_real(classifier)

    def common(row: dict) -> dict:
        worst = worst_class(row)
        acc = row["conditional_accuracy"]
        return {"conditional_accuracy": acc, "samples": row.get("samples"),
                "chance_accuracy": chance, "classifier_ceiling": ceiling,
                "accuracy_over_chance": acc / chance if chance else None,
                "diversity_ratio_mean": row.get("diversity_ratio_mean"),
                "precision_worst_class": row.get("precision_worst_class"),
                "worst_class": worst and WorstClass(worst["class"], worst["accuracy"], on_real.get(worst["class"])),
                "latency_ms_per_sample": row.get("latency_ms_per_sample"),
                "forwards_per_sample": row.get("forwards_per_sample"), **_quality(row)}

    gan = [r for r in section["rows"] if r["architecture"] == "gan"]
    diffusion = sorted((r for r in section["rows"] if r["architecture"] == "diffusion"),
                       key=lambda r: r["guidance_scale"])
    guided = None
    if diffusion:
        best = max(diffusion, key=lambda r: r["conditional_accuracy"])
        plain = next((r for r in diffusion if r["guidance_scale"] == 1.0), None)
        accuracies = [r["conditional_accuracy"] for r in diffusion]
        guided = GuidedClassAccuracy(
            **common(best), guidance_scale=best["guidance_scale"],
            accuracy_by_guidance={f"{r['guidance_scale']:g}": r["conditional_accuracy"] for r in diffusion},
            fid_by_guidance={f"{r['guidance_scale']:g}": (r.get("quality") or {}).get("fid") for r in diffusion},
            guidance_raises_accuracy=all(a <= b for a, b in zip(accuracies, accuracies[1:])),
            unguided_accuracy=plain["conditional_accuracy"] if plain else None,
            # measured, not assumed: time per sample with guidance over the plain conditional model
            guidance_cost_ratio=(best["latency_ms_per_sample"] / plain["latency_ms_per_sample"]
                                 if plain and plain.get("latency_ms_per_sample") else None),
        )
    return ConditioningEvidence(
        source="probe-results.json: conditioning (domain classifier on class-conditional samples)",
        where=measured_where(results, section), scale=measured_scale(results, section),
        gan=ClassAccuracy(**common(gan[0])) if gan else None, diffusion=guided)


def _paired(row: dict) -> PairedComparison | None:
    paired = row.get("vs_mean_fill")
    if paired is None:
        return None
    return PairedComparison(**{k: paired.get(k) for k in ("images", "hole_mse_difference_mean", "hole_mse_difference_sd",
                                                          "right_class_gained", "right_class_lost")})


def steering_evidence(results: dict) -> SteeringEvidence | None:
    section = _complete(results, "steering")
    if section is None:
        return None

    def pick(row: dict | None) -> Completion | None:
        if row is None:
            return None
        keys = ("method", "hole_mse", "hole_psnr_db", "label_agreement", "known_max_abs_error",
                "latency_ms_per_sample", "forwards_per_sample", "samples")
        return Completion(**{k: row.get(k) for k in keys}, vs_mean_fill=_paired(row),
                          fid=(row.get("quality_vs_train") or {}).get("fid"))

    rows = section["rows"]
    by_method = {r["method"]: r for r in rows}
    return SteeringEvidence(
        diffusion=pick(by_method.get("repaint")), diffusion_without_resampling=pick(by_method.get("replace")),
        gan=pick(by_method.get("latent_optimisation")), baseline=pick(by_method.get("mean_fill")),
        label_agreement_of_truth=section.get("label_agreement_of_truth"),
        mask=(section.get("mask") or {}).get("kind"), where=measured_where(results, section),
        scale=measured_scale(results, section),
        source="probe-results.json: steering (inpainting of held-out images, no retraining)")


def hybrid_evidence(results: dict) -> HybridEvidence | None:
    section = _complete(results, "hybrid")
    if section is None:
        return None
    rows = section["rows"]
    teacher_nfe = (section.get("distillation") or {}).get("teacher_nfe")
    teachers = {r["nfe"]: r for r in rows if r["role"] == "teacher"}
    students = sorted((r for r in rows if r["role"] == "student"), key=lambda r: r["nfe"])
    gan = next((r for r in rows if r["role"] == "reference"), None)
    teacher = teachers.get(teacher_nfe) or (teachers[max(teachers)] if teachers else None)
    if teacher is None or not students:
        return None
    teacher_fid = teacher["quality"]["fid"]
    within = [r for r in students if r["quality"]["fid"] <= STUDENT_FID_TOLERANCE * teacher_fid]
    student = within[0] if within else min(students, key=lambda r: r["quality"]["fid"])
    same_steps = teachers.get(student["nfe"])
    distillation = section.get("distillation") or {}
    return HybridEvidence(
        student_nfe=student["nfe"], student_fid=student["quality"]["fid"],
        student_latency_ms_per_sample=student["latency_ms_per_sample"],
        teacher_nfe=teacher["nfe"], teacher_fid=teacher_fid,
        teacher_latency_ms_per_sample=teacher["latency_ms_per_sample"],
        teacher_fid_at_student_nfe=same_steps["quality"]["fid"] if same_steps else None,
        speedup=teacher["latency_ms_per_sample"] / student["latency_ms_per_sample"]
        if student["latency_ms_per_sample"] else None,
        quality_ratio=student["quality"]["fid"] / teacher_fid if teacher_fid else None,
        meets_tolerance=bool(within), tolerance=STUDENT_FID_TOLERANCE,
        student_recall=student["quality"].get("recall"), teacher_recall=teacher["quality"].get("recall"),
        distillation_train_s=distillation.get("train_s"),
        distillation_share_of_teacher_train_s=distillation.get("share_of_teacher_train_s"),
        teacher_train_s=(section.get("teacher") or {}).get("train_s"),
        gan_fid=gan["quality"]["fid"] if gan else None,
        gan_latency_ms_per_sample=gan["latency_ms_per_sample"] if gan else None,
        device=section.get("device"), where=measured_where(results, section),
        scale=measured_scale(results, section),
        source="probe-results.json: hybrid (progressive distillation of the reference denoiser)",
    )
