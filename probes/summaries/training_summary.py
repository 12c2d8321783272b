"""From training runs to stability, data needs and training cost (torch-free).

    summary = summarize_training(results)   # -> results["training"]["stability"], results["data_needs"]

* Stability per family: share of runs that diverged (NaN, or a discriminator whose hinge loss
  collapsed), seed-to-seed spread of final FID at each dataset size, GAN loss oscillation, and
  mode coverage (classes covered, KL from the real class histogram).
* Data needs per family: FID against training-set size as a power law (probes/summaries/data_needs.py),
  and the images needed to reach a target quality Q: by default 1.25 × the best mean final FID
  any family reached on the full training split, so that Q is reachable and the families are
  compared at one quality.
* Training cost: time and images seen to reach Q on this device.
"""
from __future__ import annotations

import statistics

from probes.summaries.data_needs import fit_power_law, images_needed, predict_fid
from rubric.measured import Scale, TrainingEvidence, TrainingFamily

TARGET_FACTOR = 1.25


def measured_where(results: dict, section: dict) -> str:
    """'digits (...) on AMD EPYC ..., quick profile': the data, the device and the probe profile
    behind a measurement, for the reason texts (the quick profile's reference models are trained
    for seconds, so a reader should see which profile a figure came from)."""
    data = (section.get("data") or {}).get("name", "probe data")
    device = (results.get("environment") or {}).get("device_name") or section.get("device") or "this machine"
    profile = (results.get("config") or {}).get("profile")
    return f"{data} on {device}" + (f", {profile} profile" if profile else "")


def measured_scale(results: dict, section: dict) -> Scale:
    """How far a probe's measurement speaks for a production setting: the side it was measured
    at, its largest reference model's parameter count, and whether the data were the user's own
    (a folder given with --data) or the bundled set."""
    def largest(tree) -> int:
        if isinstance(tree, dict):
            own = tree.get("params") if isinstance(tree.get("params"), (int, float)) else 0
            return max([int(own)] + [largest(v) for v in tree.values()])
        if isinstance(tree, list):
            return max([largest(v) for v in tree] or [0])
        return 0
    data = (section.get("data") or {}).get("name", "")
    resolution = (section.get("data") or {}).get("resolution") or section.get("resolution") or (
        results.get("config") or {}).get("resolution")
    return Scale(resolution=resolution, params=largest(section) or None, own_data=str(data).startswith("folder"))


def _by(runs, key):
    groups: dict = {}
    for run in runs:
        groups.setdefault(key(run), []).append(run)
    return groups


def _stability(runs: list[dict]) -> dict:
    diverged = [r for r in runs if r["diverged"]]
    spreads = {}
    for fraction, group in sorted(_by(runs, lambda r: r["fraction"]).items()):
        fids = [r["final"]["fid"] for r in group if r["final"]]
        if len(fids) >= 2 and statistics.mean(fids) > 0:
            spreads[str(fraction)] = {"fid_mean": statistics.mean(fids), "fid_min": min(fids),
                                      "fid_max": max(fids),
                                      "relative_spread": (max(fids) - min(fids)) / statistics.mean(fids)}
    coverage = [r["mode_coverage"] for r in runs if r.get("mode_coverage")]
    osc = [r["oscillation"] for r in runs if r.get("oscillation") is not None]
    full = spreads.get(str(max(r["fraction"] for r in runs))) if runs else None
    return {
        "runs": len(runs), "diverged_runs": len(diverged),
        "divergence_rate": len(diverged) / len(runs) if runs else None,
        "seed_spread": spreads,
        "relative_spread_full_data": full["relative_spread"] if full else None,
        "oscillation_mean": statistics.mean(osc) if osc else None,
        "classes_covered_mean": statistics.mean(c["classes_covered"] for c in coverage) if coverage else None,
        "classes": coverage[0]["classes"] if coverage else None,
        "kl_mean": statistics.mean(c["kl_real_to_generated"] for c in coverage) if coverage else None,
    }


def _time_to(curve: list[dict], target: float) -> dict | None:
    """First checkpoint at or under `target` FID, linearly interpolated from the one before."""
    previous = None
    for point in curve:
        if point["fid"] <= target:
            if previous is None or previous["fid"] == point["fid"]:
                return {"train_s": point["train_s"], "images_seen": point["images_seen"]}
            w = (previous["fid"] - target) / (previous["fid"] - point["fid"])
            return {key: previous[key] + w * (point[key] - previous[key]) for key in ("train_s", "images_seen")}
        previous = point
    return None


def summarize_training(results: dict) -> dict | None:
    training = results.get("training")
    if not training or not training.get("runs"):
        return None
    runs = training["runs"]
    families = _by(runs, lambda r: r["architecture"])
    training["stability"] = {family: _stability(group) for family, group in families.items()}
    full = max(r["fraction"] for r in runs)
    best = [statistics.mean(r["final"]["fid"] for r in group if r["fraction"] == full and r["final"])
            for group in families.values() if any(r["fraction"] == full and r["final"] for r in group)]
    target = TARGET_FACTOR * min(best) if best else None
    needs = {"target_fid": target, "feature_extractor": (training.get("extractor") or {}).get("name"),
             "target_rule": f"{TARGET_FACTOR} × the best mean final FID on the full training split",
             "families": {}}
    for family, group in families.items():
        fit = fit_power_law([(r["train_images"], r["final"]["fid"]) for r in group if r["final"]],
                            seed=results.get("config", {}).get("seed", 0))
        full_runs = [r for r in group if r["fraction"] == full and r["final"]]
        reach = [t for t in (_time_to(r["curve"], target) for r in full_runs) if t] if target else []
        entry = {"fit": fit, "images_needed": images_needed(fit, target) if fit and target else None,
                 "fid_at_10x": predict_fid(fit, 10 * max(fit["sizes_measured"])) if fit else None,
                 "time_to_target": {"runs_reaching": len(reach), "runs": len(full_runs),
                                    "train_s_median": statistics.median(t["train_s"] for t in reach) if reach else None,
                                    "images_seen_median": statistics.median(t["images_seen"] for t in reach) if reach else None}}
        needs["families"][family] = entry
    results["data_needs"] = needs
    return needs


def training_evidence(results: dict) -> TrainingEvidence | None:
    """What the rubric reads from a training probe, per family (torch-free):
    stability (divergence rate, seed-to-seed spread), mode coverage, and images needed for the
    probe's target quality, each with the words that say where it was measured."""
    training, needs = results.get("training") or {}, results.get("data_needs") or {}
    stability = training.get("stability")
    if not stability:
        return None
    where = measured_where(results, training)
    families = {}
    for family, s in stability.items():
        need = ((needs.get("families") or {}).get(family) or {}).get("images_needed") or {}
        families[family] = TrainingFamily(
            runs=s.get("runs"), divergence_rate=s.get("divergence_rate"),
            relative_spread_full_data=s.get("relative_spread_full_data"),
            # mode coverage only when all three figures the rubric combines are there
            classes_covered_mean=s.get("classes_covered_mean"),
            classes=s.get("classes") if s.get("classes_covered_mean") is not None
            and s.get("kl_mean") is not None else None,
            kl_mean=s.get("kl_mean"),
            images_needed=need.get("images"), images_needed_confidence=need.get("confidence"),
            largest_measured=max(((needs.get("families") or {}).get(family, {}).get("fit") or {}).get("sizes_measured") or [0]),
        )
    return TrainingEvidence(where=where, scale=measured_scale(results, training), target_fid=needs.get("target_fid"),
                            families=families, feature_extractor=needs.get("feature_extractor"))
