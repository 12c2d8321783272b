"""The controllability sections of probe results (conditioning, steering, hybrid) as flat records
and tables for charts and reports: pure functions, torch-free (the companion of probe_view.py).

    control_records(sets)        # {"guidance", "per_class", "steering", "hybrid", "references"}
    conditioning_summary(sets)   # table rows, one per model / guidance scale and machine
    steering_summary(sets), hybrid_summary(sets), control_notes(sets)
"""
from __future__ import annotations

from typing import Any

from probes.probe_set import ProbeSet, as_mapping as _dict, as_records as _list, clean, finite as _finite
from probes.probe_set import incomplete_sections
from reports.cells import gained_lost, share

# Schema in probes/RESULTS.md ("Controllability probes"). Read as leniently as training: a file
# without a section, a skipped or unfinished one, or a row of an unknown shape gives fewer rows,
# never an error. An unfinished section's rows are shown (control_notes says it is unfinished).


def _number(value: Any) -> int | float | None:
    return value if _finite(value) else None


def _quality_of(row: dict, key: str = "quality") -> dict:
    q = _dict(row.get(key))
    return {m: _number(q.get(m)) for m in ("fid", "kid", "precision", "recall")}


def control_records(sets: list[ProbeSet]) -> dict[str, list[dict]]:
    """{"guidance", "per_class", "steering", "hybrid", "references"}: lists, maybe empty.

    `references` are the horizontal lines an accuracy is read against, per machine and section:
    chance (1 / classes) and the classifier's accuracy on real images (the ceiling)."""
    out: dict[str, list[dict]] = {k: [] for k in ("guidance", "per_class", "steering", "hybrid", "references")}
    for s in sets:
        cond = _dict(s.results.get("conditioning"))
        classifier = _dict(cond.get("classifier"))
        for name, key in (("chance", "chance_accuracy"), ("classifier ceiling", "held_out_accuracy")):
            if _finite(classifier.get(key)):
                out["references"].append({"machine": s.label, "section": "conditioning", "reference": name,
                                           "accuracy": float(classifier[key])})
        # the judge's own per-class accuracy on real images: the ceiling for that class
        on_real = {c.get("class"): float(c["accuracy"]) for c in _list(classifier.get("held_out_per_class"))
                   if isinstance(c, dict) and _finite(c.get("accuracy"))}
        for row in _list(cond.get("rows")):
            if not _finite(row.get("conditional_accuracy")):
                continue
            arch, scale = clean(row.get("architecture", "?")), _number(row.get("guidance_scale"))
            out["guidance"].append({
                "machine": s.label, "architecture": arch, "guidance_scale": scale, "nfe": _number(row.get("nfe")),
                "forwards_per_sample": _number(row.get("forwards_per_sample")),
                "latency_ms_per_sample": _number(row.get("latency_ms_per_sample")),
                "samples": _number(row.get("samples")), "conditional_accuracy": float(row["conditional_accuracy"]),
                "diversity_ratio_mean": _number(row.get("diversity_ratio_mean")),
                "precision_worst_class": _number(row.get("precision_worst_class")), **_quality_of(row)})
            out["per_class"] += [{"machine": s.label, "architecture": arch, "guidance_scale": scale,
                                  "class": clean(c.get("class", "?")), "accuracy": float(c["accuracy"]),
                                  "classifier_on_real": on_real.get(c.get("class")),
                                  "diversity_ratio": _number(c.get("diversity_ratio")),
                                  "precision": _number(c.get("precision")), "recall": _number(c.get("recall"))}
                                 for c in _list(row.get("per_class")) if _finite(c.get("accuracy"))]
        steer = _dict(s.results.get("steering"))
        if _finite(steer.get("label_agreement_of_truth")):
            out["references"].append({"machine": s.label, "section": "steering", "reference": "classifier ceiling",
                                       "accuracy": float(steer["label_agreement_of_truth"])})
        for row in _list(steer.get("rows")):
            if not (isinstance(row.get("method"), str) and _finite(row.get("hole_mse"))):
                continue
            out["steering"].append({
                "machine": s.label, "method": clean(row["method"]),
                "architecture": clean(row["architecture"]) if row.get("architecture") else "none",
                "forwards_per_sample": _number(row.get("forwards_per_sample")),
                "latency_ms_per_sample": _number(row.get("latency_ms_per_sample")),
                "hole_mse": float(row["hole_mse"]), "hole_psnr_db": _number(row.get("hole_psnr_db")),
                "label_agreement": _number(row.get("label_agreement")),
                "right_only_with_method": _number(_dict(row.get("vs_mean_fill")).get("right_class_gained")),
                "right_only_with_mean_fill": _number(_dict(row.get("vs_mean_fill")).get("right_class_lost")),
                "known_max_abs_error": _number(row.get("known_max_abs_error")),
                "fid_vs_train": _quality_of(row, "quality_vs_train")["fid"], "samples": _number(row.get("samples"))})
        for row in _list(_dict(s.results.get("hybrid")).get("rows")):
            if not (_finite(row.get("nfe")) and row["nfe"] > 0):
                continue
            out["hybrid"].append({
                "machine": s.label, "architecture": clean(row.get("architecture", "?")),
                "role": clean(row.get("role", "?")), "nfe": row["nfe"],
                "sampler": clean(row["sampler"]) if row.get("sampler") else None,
                "latency_ms_per_sample": _number(row.get("latency_ms_per_sample")),
                "samples": _number(row.get("samples")), "batch": _number(row.get("batch")), **_quality_of(row)})
    return out


def _reference(records: dict[str, list[dict]], machine: str, section: str, name: str) -> float | None:
    return next((r["accuracy"] for r in records["references"] if (r["machine"], r["section"], r["reference"])
                 == (machine, section, name)), None)


def conditioning_summary(sets: list[ProbeSet]) -> list[dict]:
    """One row per measured model/guidance scale and machine: accuracy against its two references."""
    c = control_records(sets)
    return [{"machine": r["machine"], "family": r["architecture"], "guidance scale": r["guidance_scale"],
             "NFE": r["nfe"], "forwards per sample": r["forwards_per_sample"],
             "ms per sample": r["latency_ms_per_sample"], "conditional accuracy": r["conditional_accuracy"],
             "chance": _reference(c, r["machine"], "conditioning", "chance"),
             "classifier ceiling": _reference(c, r["machine"], "conditioning", "classifier ceiling"),
             "diversity ratio (real = 1)": r["diversity_ratio_mean"],
             "lowest per-class precision": r["precision_worst_class"], "FID": r["fid"], "samples": r["samples"]}
            for r in c["guidance"]]


def steering_summary(sets: list[ProbeSet]) -> list[dict]:
    """One row per completion method and machine (mean_fill: the floor without a model)."""
    c = control_records(sets)
    return [{"machine": r["machine"], "method": r["method"], "family": r["architecture"],
             "forwards per sample": r["forwards_per_sample"], "ms per sample": r["latency_ms_per_sample"],
             "hole MSE (data in [-1, 1])": r["hole_mse"],  # PSNR is the same figure (10 log10(4 / MSE))
             "label agreement": r["label_agreement"],
             "agreement ceiling": _reference(c, r["machine"], "steering", "classifier ceiling"),
             # image by image: right only with this method / right only with the mean fill
             "gained/lost vs mean fill": gained_lost(r["right_only_with_method"], r["right_only_with_mean_fill"]),
             "known pixels max change": r["known_max_abs_error"], "FID vs train": r["fid_vs_train"]}
            for r in c["steering"]]


def hybrid_summary(sets: list[ProbeSet]) -> list[dict]:
    """One row per sampler setting and machine: the teacher, its distilled students, the GAN."""
    return [{"machine": r["machine"], "role": r["role"], "family": r["architecture"], "NFE": r["nfe"],
             "sampler": r["sampler"], "ms per sample": r["latency_ms_per_sample"], "FID": r["fid"],
             "KID": r["kid"], "precision": r["precision"], "recall": r["recall"], "samples": r["samples"]}
            for r in control_records(sets)["hybrid"]]


# Where each section keeps the score of real images, and how a note names it.
FID_FLOORS = (("conditioning", "real_floor", "conditioning, training images against the held-out ones"),
              ("steering", "truth_quality_vs_train", "steering, the uncut held-out images against the train split"),
              ("hybrid", "real_floor", "hybrid, training images against the held-out ones"))


def control_notes(sets: list[ProbeSet]) -> list[str]:
    """What the tables cannot say: a skipped or unfinished section, the mask, the FID floors, the
    distillation cost."""
    notes = [f"{s.label}: {name} skipped: {skipped}" if skipped else
             f"{s.label}: {name} unfinished (the probe stopped before its end); the rows measured so far are shown"
             for s, name, skipped in incomplete_sections(sets)]
    for s in sets:
        steer = _dict(s.results.get("steering"))
        mask = _dict(steer.get("mask"))
        if _finite(mask.get("hidden_fraction")):
            notes.append(f"{s.label}: steering hides {share(mask['hidden_fraction'])} of each image "
                         f"({clean(mask.get('kind', '?'))} mask)"
                         + (f" in {int(steer['images']):,} held-out images" if _finite(steer.get("images")) else ""))
        floors = [(words, _dict(_dict(s.results.get(section)).get(key)).get("fid"))
                  for section, key, words in FID_FLOORS]
        floors = [f"{words} {fid:.3g}" for words, fid in floors if _finite(fid)]
        if floors:
            notes.append(f"{s.label}: FID floors, real images at the same sample counts (FID is biased upward at "
                         f"small counts, so no model scores 0): " + "; ".join(floors))
        dist = _dict(_dict(s.results.get("hybrid")).get("distillation"))
        if _finite(dist.get("train_s")):
            of_teacher = dist.get("share_of_teacher_train_s")
            notes.append(f"{s.label}: students distilled in {dist['train_s']:.3g} s"
                         + (f" ({share(of_teacher)} of the teacher's training time)" if _finite(of_teacher) else "")
                         + (f" by {clean(dist['method'])}" if dist.get("method") else ""))
    return notes
