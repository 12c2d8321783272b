"""Probe measurements as the rubric reads them: the typed evidence, and the one place that reads it.

    TrainingEvidence, ConditioningEvidence, SteeringEvidence, HybridEvidence   # built by the probes'
        summaries (probes/summaries/training_summary.py, probes/summaries/control_summary.py) from a validated file
    training_for(evidence, "gan")          # TrainingFamily or None
    class_support(evidence, "diffusion")   # Reading: support on the published 0–1 scale, words, figure
    relevance(knowledge, section, resolution, params)   # how far a measurement speaks for a plan
    plain(evidence["hybrid"])              # JSON-ready, for the contract

`evidence` is what app.analysis.evidence_for assembles: a mapping with `device_profile`, `notes`,
`probe_results` and one typed object (or None) per section in SECTIONS. The objects are frozen
dataclasses without defaults, so a misspelt field fails where the evidence is built or read
(TypeError, AttributeError) instead of reading as None. Pure functions; no I/O. The rubric's
utility curves (rubric/utilities.py) and cost estimates (rubric/estimates.py) call the readers
here and keep the arithmetic of their own; the probes import this module, never the reverse.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, is_dataclass
from typing import TYPE_CHECKING, Any, Mapping

from rubric.uncertainty import se_mean, se_paired_share_difference, se_share

if TYPE_CHECKING:
    from rubric.knowledge import Knowledge

# Marks a field left out of the JSON when None (the probe's file leaves it out then too).
OMIT_NONE = {"omit_when_none": True}


@dataclass(frozen=True)
class Scale:
    """How far a measurement speaks for production: the image side it was measured at (px), the
    largest reference model's parameter count, and whether the data were the team's own."""
    resolution: float | None
    params: int | None
    own_data: bool


# --- training -------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrainingFamily:
    """One family's training-probe measurements (probes.summaries.training_summary)."""
    runs: int | None
    divergence_rate: float | None
    relative_spread_full_data: float | None
    classes_covered_mean: float | None
    classes: int | None  # None unless all three mode-coverage figures are there
    kl_mean: float | None
    images_needed: float | None  # for the probe's target FID
    images_needed_confidence: str | None
    largest_measured: float


@dataclass(frozen=True)
class TrainingEvidence:
    where: str
    scale: Scale
    target_fid: float | None
    families: dict[str, TrainingFamily]
    feature_extractor: str | None
    file: str | None = field(default=None, metadata=OMIT_NONE)

    @property
    def source(self) -> str:
        return "genarch probe (training)"


# --- conditioning ---------------------------------------------------------------------------

@dataclass(frozen=True)
class WorstClass:
    label: str = field(metadata={"key": "class"})
    accuracy: float
    classifier_on_real: float | None  # the classifier's accuracy on real images of the class


@dataclass(frozen=True)
class ClassAccuracy:
    """A class-conditional model's accuracy as the domain classifier reads it, with its references."""
    conditional_accuracy: float
    samples: int | None
    chance_accuracy: float | None
    classifier_ceiling: float | None
    accuracy_over_chance: float | None
    diversity_ratio_mean: float | None
    precision_worst_class: float | None
    worst_class: WorstClass | None
    latency_ms_per_sample: float | None
    forwards_per_sample: int | None
    fid: float | None
    kid: float | None
    precision: float | None
    recall: float | None


@dataclass(frozen=True)
class GuidedClassAccuracy(ClassAccuracy):
    """The guided diffusion model at its most accurate guidance scale, and the sweep behind it."""
    guidance_scale: float
    accuracy_by_guidance: dict[str, float]
    fid_by_guidance: dict[str, float | None]
    guidance_raises_accuracy: bool
    unguided_accuracy: float | None
    guidance_cost_ratio: float | None  # time per sample guided over unguided, measured


@dataclass(frozen=True)
class ConditioningEvidence:
    source: str
    where: str
    scale: Scale
    gan: ClassAccuracy | None = field(metadata=OMIT_NONE)
    diffusion: GuidedClassAccuracy | None = field(metadata=OMIT_NONE)
    file: str | None = field(default=None, metadata=OMIT_NONE)


# --- steering -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PairedComparison:
    """A completion against the mean fill on the same images (probes/steering.py vs_mean_fill)."""
    images: int | None
    hole_mse_difference_mean: float | None
    hole_mse_difference_sd: float | None
    right_class_gained: int | None = field(metadata=OMIT_NONE)  # right only with the method
    right_class_lost: int | None = field(metadata=OMIT_NONE)  # right only with the mean fill


@dataclass(frozen=True)
class Completion:
    """One inpainting method's measurement (a steering row)."""
    method: str
    hole_mse: float | None
    hole_psnr_db: float | None
    label_agreement: float | None
    known_max_abs_error: float | None
    latency_ms_per_sample: float | None
    forwards_per_sample: int | None
    samples: int | None
    vs_mean_fill: PairedComparison | None
    fid: float | None


@dataclass(frozen=True)
class SteeringEvidence:
    diffusion: Completion | None  # RePaint
    diffusion_without_resampling: Completion | None
    gan: Completion | None  # latent optimisation
    baseline: Completion | None  # the mean fill: the floor without a model
    label_agreement_of_truth: float | None
    mask: str | None
    where: str
    scale: Scale
    source: str
    file: str | None = field(default=None, metadata=OMIT_NONE)


# --- hybrid ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class HybridEvidence:
    """The distilled student reported by probes.summaries.control_summary.hybrid_evidence, its teacher, the GAN."""
    student_nfe: int
    student_fid: float
    student_latency_ms_per_sample: float
    teacher_nfe: int
    teacher_fid: float
    teacher_latency_ms_per_sample: float
    teacher_fid_at_student_nfe: float | None
    speedup: float | None
    quality_ratio: float | None
    meets_tolerance: bool
    tolerance: float
    student_recall: float | None
    teacher_recall: float | None
    distillation_train_s: float | None
    distillation_share_of_teacher_train_s: float | None
    teacher_train_s: float | None
    gan_fid: float | None
    gan_latency_ms_per_sample: float | None
    device: str | None
    where: str
    scale: Scale
    source: str
    file: str | None = field(default=None, metadata=OMIT_NONE)


SECTIONS = {"training": TrainingEvidence, "conditioning": ConditioningEvidence,
            "steering": SteeringEvidence, "hybrid": HybridEvidence}
Section = TrainingEvidence | ConditioningEvidence | SteeringEvidence | HybridEvidence


def plain(value: Any) -> Any:
    """Evidence as JSON-ready data, shaped as the probe's file shapes it (dataclasses.asdict, with
    the fields marked OMIT_NONE left out when None and each field under its JSON key)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.metadata.get("key", f.name): plain(getattr(value, f.name)) for f in fields(value)
                if not (f.metadata.get("omit_when_none") and getattr(value, f.name) is None)}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def section(evidence: Mapping[str, Any], name: str) -> Section | None:
    """The typed measurement of one section, or None; anything else there is a TypeError."""
    value = evidence.get(name)
    if value is not None and not isinstance(value, SECTIONS[name]):
        raise TypeError(f"evidence[{name!r}] must be a {SECTIONS[name].__name__}, got {type(value).__name__}")
    return value


def training(evidence: Mapping[str, Any]) -> TrainingEvidence | None:
    return section(evidence, "training")


def hybrid(evidence: Mapping[str, Any]) -> HybridEvidence | None:
    return section(evidence, "hybrid")


def training_for(evidence: Mapping[str, Any], family_id: str) -> TrainingFamily | None:
    """This family's training-probe measurements, if any."""
    t = training(evidence)
    return t.families.get(family_id) if t else None


def measured_at(s: Section) -> str:
    """'probe-results.json: hybrid (...) on digits (...) on AMD EPYC ..., quick profile'."""
    return f"{s.source} on {s.where}"


def figure_source(evidence: Mapping[str, Any], name: str) -> str:
    """A measured figure's source: the probe, the data, the device, and the file."""
    s = section(evidence, name)
    if s is None:
        return f"measured: genarch probe ({name}) on probe data, {evidence.get('probe_results')}"
    return f"measured: {measured_at(s)}, {s.file or evidence.get('probe_results')}"


def relevance(knowledge: Knowledge, s: Section | None, resolution: int,
              production_params: float) -> tuple[float, str]:
    """How far a probe section's measurement speaks for a production model of `production_params`
    at `resolution` (0–1), and the words that say why (criteria.yaml evidence_relevance): less on
    the bundled data than on the user's own, less the more doublings of image side and of
    parameter count lie between the probe's reference model and the production one."""
    spec = knowledge.evidence_relevance
    scale = s.scale if s is not None else Scale(None, None, False)
    factor, why = 1.0, []
    if not scale.own_data:
        factor *= spec["bundled_data"]
        why.append(f"bundled data ×{spec['bundled_data']:g}")
    octaves = 0.0
    if scale.resolution:
        octaves += max(0.0, math.log2(resolution / scale.resolution)) / spec["resolution_octaves_per_halving"]
        why.append(f"{scale.resolution:g} px probe for {resolution} px")
    if scale.params:
        octaves += max(0.0, math.log2(production_params / scale.params)) / spec["parameter_octaves_per_halving"]
        why.append(f"{scale.params / 1e6:.2g} M-parameter probe for {production_params / 1e6:,.0f} M")
    return factor / (1.0 + octaves), ", ".join(why)


# --- what a criterion reads -------------------------------------------------------------------

@dataclass(frozen=True)
class Reading:
    """A measurement as a criterion blends it: `value` is a support or utility on 0–1, or, where
    `curve` names one of criteria.yaml's curves, the ratio to read through it; `text` the words
    (with the standard error where the file holds enough to compute one); the figure's name,
    value and unit; and the section it came from (figure_source names it)."""
    value: float
    text: str
    figure: tuple[str, Any, str]
    section: str
    curve: str | None = None


def _clip01(x: float) -> float:
    return max(0.0, min(1.0, x))


def _plus_minus(value: float, se: float | None) -> str:
    return f"{value:.2f}" + (f" ± {se:.2f}" if se is not None else "")


def class_support(evidence: Mapping[str, Any], family_id: str) -> Reading | None:
    """Class conditioning measured by the conditioning probe: conditional accuracy placed
    between chance (0) and the domain classifier's accuracy on real images (1)."""
    c = section(evidence, "conditioning")
    m = {"gan": c.gan, "diffusion": c.diffusion}.get(family_id) if c else None
    if not m or m.chance_accuracy is None or not m.classifier_ceiling:
        return None
    chance, ceiling, acc, n = m.chance_accuracy, m.classifier_ceiling, m.conditional_accuracy, m.samples
    guided = m if isinstance(m, GuidedClassAccuracy) else None
    span = ceiling - chance
    support = _clip01((acc - chance) / span) if span > 0 else 0.0
    se = se_share(acc, n) / span if n and span > 0 else None
    how = f" at guidance {guided.guidance_scale:g}" if guided and guided.guidance_scale is not None else ""
    on = f" on {n:,} samples" if n else ""
    text = (f"class measured: conditional accuracy {acc:.2f}{how}{on} (chance {chance:.2f}, "
            f"classifier on real images {ceiling:.2f}) -> {_plus_minus(support, se)}")
    worst = m.worst_class
    if worst:
        text += f", weakest class {worst.label} at {worst.accuracy:.2f}"
        if worst.classifier_on_real is not None:  # a class the judge cannot read caps every model
            text += f" (the classifier reads real ones at {worst.classifier_on_real:.2f})"
    if m.precision_worst_class is not None:
        text += f", lowest per-class precision {m.precision_worst_class:.2f}"
    if guided and guided.guidance_cost_ratio:
        text += f"; guidance cost {guided.guidance_cost_ratio:.1f}× per sample"
    return Reading(support, text, ("conditional accuracy", round(acc, 3), "share"), "conditioning")


def _editing_se(m: Completion, floor: Completion, by_label: bool) -> float | None:
    """Standard error of the completion's gain over the mean fill, before it is scaled to support:
    paired when the file holds the image-by-image comparison (probes/steering.py, vs_mean_fill),
    else treating the two shares as independent (which overstates it); None with neither."""
    paired, n = m.vs_mean_fill, m.samples
    if by_label:
        if paired is not None and paired.right_class_gained is not None and paired.images:
            return se_paired_share_difference(paired.right_class_gained, paired.right_class_lost, paired.images)
        return math.hypot(se_share(m.label_agreement, n), se_share(floor.label_agreement, n)) if n else None
    if paired is not None and paired.hole_mse_difference_sd is not None and paired.images:
        return se_mean(paired.hole_mse_difference_sd, paired.images)
    return None


def editing_support(evidence: Mapping[str, Any], family_id: str) -> Reading | None:
    """Post-hoc editing measured by the steering probe (inpainting without retraining): how much
    of the gap from a mean-filled hole to the uncut truth the completion closes, read by the
    domain classifier; by hole error against the mean fill when the data has no labels."""
    s = section(evidence, "steering")
    if s is None:
        return None
    m, floor = {"gan": s.gan, "diffusion": s.diffusion}.get(family_id), s.baseline
    if not m or not floor:
        return None
    truth = s.label_agreement_of_truth
    by_label = (None not in (m.label_agreement, floor.label_agreement, truth)
                and truth > floor.label_agreement)
    if by_label:
        scale = truth - floor.label_agreement
        support = _clip01((m.label_agreement - floor.label_agreement) / scale)
        basis = (f"completions keep the class {m.label_agreement:.2f} (mean fill {floor.label_agreement:.2f}, "
                 f"uncut truth {truth:.2f})")
        figure = (f"{m.method} label agreement", round(m.label_agreement, 3), "share")
    elif m.hole_mse is not None and floor.hole_mse:
        scale = floor.hole_mse
        support = _clip01(1.0 - m.hole_mse / scale)
        basis = f"hole MSE {m.hole_mse:.3g} against mean fill {floor.hole_mse:.3g}"
        figure = (f"{m.method} hole MSE", round(m.hole_mse, 4), "(data units)²")
    else:
        return None
    se = _editing_se(m, floor, by_label)
    se = se / scale if se is not None else None
    method = m.method.replace("_", " ")
    on = f" on {m.samples:,} images" if m.samples else ""
    ms = f", {m.latency_ms_per_sample:.3g} ms per image" if m.latency_ms_per_sample is not None else ""
    return Reading(support, f"editing measured ({method}){on}: {basis}{ms} -> {_plus_minus(support, se)}",
                   figure, "steering")


def training_score(evidence: Mapping[str, Any], family_id: str, score: str) -> Reading | None:
    """A family score the training probe measures: stability (runs that did not diverge, times
    one minus the seed-to-seed FID spread) or diversity (share of classes covered, times
    exp(−KL) from the real class histogram)."""
    m = training_for(evidence, family_id)
    if m and score == "stability" and m.divergence_rate is not None:
        spread = m.relative_spread_full_data or 0.0
        value = (1 - m.divergence_rate) * (1 - min(1.0, spread))
        return Reading(value, f"measured: {m.divergence_rate:.0%} of {m.runs} runs diverged, "
                              f"seed-to-seed FID spread {spread:.0%} -> {value:.2f}",
                       ("runs diverged", f"{m.divergence_rate:.0%} of {m.runs}", ""), "training")
    if m and score == "diversity" and m.classes:
        value = m.classes_covered_mean / m.classes * math.exp(-m.kl_mean)
        return Reading(value, f"measured: {m.classes_covered_mean:.1f} of {m.classes} classes covered, "
                              f"KL to the real histogram {m.kl_mean:.2f} -> {value:.2f}",
                       ("classes covered", f"{m.classes_covered_mean:.1f} of {m.classes}", ""), "training")
    return None


def data_need(evidence: Mapping[str, Any], family_id: str, images_used: int) -> Reading | None:
    """Images needed for the probe's target quality, when every measured family reached it: on
    the team's own images against the images the plan uses (the within_limit curve); on the
    bundled data only the families' ratio carries over (relative_need)."""
    t = training(evidence)
    m = t.families.get(family_id) if t else None
    if not (m and m.images_needed and all(f.images_needed for f in t.families.values())):
        return None
    need = m.images_needed
    if t.scale.own_data or str(t.where).startswith("folder"):
        ratio, curve = need / max(images_used, 1), "within_limit"
        text = f"measured on your images: ~{need:,.0f} needed for the probe's target quality"
    else:
        ratio, curve = need / min(f.images_needed for f in t.families.values()), "relative_need"
        text = f"measured: {ratio:.2g}× the images of the most data-efficient family for the probe's target quality"
    if m.images_needed_confidence == "low":
        text += " (extrapolated, low confidence)"
    return Reading(ratio, text, ("images needed for the probe's target FID", round(need), "images"), "training", curve)


def student(evidence: Mapping[str, Any], score: str, teacher_score: float) -> Reading | None:
    """A distilled family's fidelity or diversity from the hybrid probe: the teacher family's
    published score, scaled by what distillation kept of the teacher's quality on the probe's
    data (FID ratio for fidelity, recall ratio for diversity; never above the teacher)."""
    m = hybrid(evidence)
    if m is None:
        return None
    steps = f"the {m.student_nfe}-step student"
    if score == "fidelity" and m.student_fid and m.teacher_fid:
        return _kept(teacher_score, m.teacher_fid / m.student_fid, f"{steps}'s FID {m.student_fid:.3g}",
                     f"{m.teacher_nfe}-step teacher's {m.teacher_fid:.3g}", ("student FID", round(m.student_fid, 3), ""))
    if score == "diversity" and m.student_recall is not None and m.teacher_recall:
        return _kept(teacher_score, m.student_recall / m.teacher_recall, f"{steps}'s recall {m.student_recall:.2f}",
                     f"teacher's {m.teacher_recall:.2f}", ("student recall", round(m.student_recall, 3), ""))
    return None


def _kept(teacher_score: float, ratio: float, student_text: str, teacher_text: str, figure: tuple) -> Reading:
    """The teacher's score times the share of its quality the student kept (never above 1)."""
    kept = min(1.0, ratio)
    value = teacher_score * kept
    return Reading(value, f"measured: {student_text} against its {teacher_text} keeps {kept:.0%} of the teacher's "
                          f"{teacher_score:.2f} -> {value:.2f}", figure, "hybrid")
