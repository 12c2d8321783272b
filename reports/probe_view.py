"""Probe results as flat records for charts and tables: pure functions, torch-free.

    sets = [ProbeSet.from_results(results, source="h100/probe-results.json"), ...]  # probes.probe_set
    inference_records(sets, usd_per_hour=2.0)   # one dict per measured row, with a machine label
    machine_summary(sets)                       # one dict per file: device, torch, rows, fit

Several files (one per machine: `genarch probe` run on each GPU type) are compared side by side;
each keeps a label that says which machine it is. The schema read here is probes/results.py's
(schema_version 1); fields this module does not know are ignored.
"""
from __future__ import annotations

import base64
import binascii
from pathlib import PurePath

from rubric.estimates import usd_per_1k_samples
from probes.probe_set import ProbeSet, as_mapping as _dict, as_records as _list, clean, finite as _finite


def model_label(row: dict) -> str:
    return clean(f"{row['architecture']}/{row['model_size']}")


def inference_records(sets: list[ProbeSet], usd_per_hour: float | None = None) -> list[dict]:
    """Every inference row of every file, flattened, with `machine` and `model` labels.

    `usd_per_1k_samples` is the row's device time priced at `usd_per_hour` (the questionnaire's
    gpu_hourly_usd): rubric.estimates.usd_per_1k_samples, the one USD formula."""
    records = []
    for s in sets:
        for row in s.results.get("inference") or []:
            latency, throughput = row.get("latency_ms_per_sample"), row.get("throughput_samples_per_s")
            if not (_finite(latency) and latency > 0 and _finite(throughput) and throughput > 0):
                continue  # a malformed row is skipped rather than drawn at zero
            records.append({
                "machine": s.label,
                "model": model_label(row),
                "architecture": clean(row["architecture"]),
                "model_size": clean(row["model_size"]),
                "dtype": clean(row["dtype"]),
                "nfe": int(row["nfe"]),
                "batch": int(row["batch"]),
                "batch_role": clean(row.get("batch_role") or ("single" if row["batch"] == 1 else "throughput")),
                "latency_ms_per_sample": float(latency),
                "throughput_samples_per_s": float(throughput),
                "peak_memory_mib": row.get("peak_memory_mib"),
                "flops_per_forward": row.get("flops_per_forward"),
                "usd_per_1k_samples": (usd_per_1k_samples(float(latency), usd_per_hour)
                                       if usd_per_hour is not None else None),
            })
    return records


def cheapest_rows(records: list[dict]) -> list[dict]:
    """Per (machine, model, dtype, nfe), the row with the lowest latency per sample: the
    throughput batch when it was measured, batch 1 otherwise. What a server would bill."""
    best: dict[tuple, dict] = {}
    for r in records:
        key = (r["machine"], r["model"], r["dtype"], r["nfe"])
        if key not in best or r["latency_ms_per_sample"] < best[key]["latency_ms_per_sample"]:
            best[key] = r
    return list(best.values())


def machine_summary(sets: list[ProbeSet]) -> list[dict]:
    """One row per file, for the comparison table and the report's appendix."""
    rows = []
    for s in sets:
        env = s.results.get("environment") or {}
        fit = s.results.get("cost_model") or {}
        rate = fit.get("effective_flop_per_s")
        batched = ((fit.get("fits") or {}).get(fit.get("dtype")) or {}).get("throughput_flop_per_s")
        rows.append({
            "machine": s.label,
            "file": PurePath(s.source).name,
            "device_kind": env.get("device_kind"),
            "torch": env.get("torch_version"),
            "driver": env.get("driver"),
            "dtypes": ", ".join(env.get("dtypes") or []),
            "rows": len(s.results.get("inference") or []),
            "complete": bool(s.results.get("complete")),
            "stop_reason": s.results.get("stop_reason"),
            "effective_tflop_per_s": rate / 1e12 if _finite(rate) else None,  # at batch 1
            "batch_tflop_per_s": batched / 1e12 if _finite(batched) else None,  # each further sample
            "overhead_ms_per_forward": fit.get("fixed_overhead_ms_per_forward"),
            "relative_band": fit.get("relative_band"),
            "seed": env.get("seed"),
        })
    return rows


# --- the training section: drawn when present, skipped when absent --------------------------------
# Read leniently (probes/training.py and probes/summaries/training_summary.py write it; a file without it,
# or with a shape this version does not know, simply has no training charts):
#   training.runs[]      {architecture, train_images, seed, curve: [{images_seen, fid, ...}],
#                         final: {fid, ...} or null, mode_coverage: {classes_covered, classes,
#                         kl_real_to_generated} or null, sample_grid_png_base64 (some runs)}
#   data_needs.families  {architecture: {fit: {a, b, sizes_measured}, images_needed: {...}}}
QUALITY_METRICS = ("fid",)  # the learning curves' metric (lower is better)


def training_records(sets: list[ProbeSet]) -> dict[str, list[dict]]:
    """{"curves", "data_needs", "data_fit", "mode_coverage", "sample_grids"}: lists, maybe empty."""
    out: dict[str, list[dict]] = {k: [] for k in ("curves", "data_needs", "data_fit", "mode_coverage",
                                                  "sample_grids")}
    for s in sets:
        for run in _list(_dict(s.results.get("training")).get("runs")):
            arch, size, seed = clean(run.get("architecture", "?")), run.get("train_images"), run.get("seed")
            tag = {"machine": s.label, "architecture": arch, "dataset_size": size, "seed": seed}
            for point in _list(run.get("curve")):
                out["curves"] += [{**tag, "images_seen": point.get("images_seen"), "metric": m, "value": point[m]}
                                  for m in QUALITY_METRICS if _finite(point.get(m)) and _finite(point.get("images_seen"))]
            final = _dict(run.get("final"))
            if _finite(final.get("fid")) and _finite(size):
                out["data_needs"].append({**tag, "value": final["fid"]})
            coverage = _dict(run.get("mode_coverage"))
            if _finite(coverage.get("classes_covered")) and _finite(coverage.get("classes")):
                out["mode_coverage"].append({**tag, "classes_covered": coverage["classes_covered"],
                                             "n_classes": coverage["classes"],
                                             "kl": coverage.get("kl_real_to_generated")})
            if isinstance(run.get("sample_grid_png_base64"), str):
                out["sample_grids"].append({**tag, "png_base64": run["sample_grid_png_base64"],
                                            "caption": f"{arch}, {size} training images, seed {seed}"})
        families = _dict(_dict(s.results.get("data_needs")).get("families"))
        for arch, entry in families.items():
            fit = _dict(_dict(entry).get("fit"))
            sizes = [n for n in fit.get("sizes_measured") or [] if _finite(n) and n > 0]
            if not (_finite(fit.get("a")) and _finite(fit.get("b")) and sizes):
                continue
            lo, hi = min(sizes) / 2, max(sizes) * 10  # the fitted law, out to where it stops being trusted
            for i in range(21):
                n = lo * (hi / lo) ** (i / 20)
                out["data_fit"].append({"machine": s.label, "architecture": clean(arch), "dataset_size": n,
                                        "value": fit["a"] * n ** (-fit["b"])})
    return out


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_GRID_BYTES = 2_000_000


def sample_grid_images(grids: list[dict]) -> list[tuple[str, bytes]]:
    """(caption, PNG bytes) for each sample grid that decodes to a PNG of sane size; others are
    dropped (they come from a file, and a file may hold anything)."""
    images = []
    for grid in grids:
        text = grid.get("png_base64")
        if not isinstance(text, str) or len(text) > MAX_GRID_BYTES * 4 // 3 + 4:
            continue
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            continue
        if data.startswith(PNG_SIGNATURE):
            caption = str(grid.get("caption") or f"{grid['architecture']} samples")
            images.append((f"{grid['machine']}: {caption}", data))
    return images


def training_summary(sets: list[ProbeSet]) -> list[dict]:
    """Per machine and family: divergence, seed-to-seed spread, mode coverage, images needed."""
    rows = []
    for s in sets:
        stability = _dict(_dict(s.results.get("training")).get("stability"))
        needs = _dict(s.results.get("data_needs"))
        families = _dict(needs.get("families"))
        for arch in sorted(set(stability) | set(families)):
            st, need = _dict(stability.get(arch)), _dict(_dict(families.get(arch)).get("images_needed"))
            rows.append({"machine": s.label, "architecture": clean(arch), "runs": st.get("runs"),
                         "diverged_runs": st.get("diverged_runs"),
                         "relative_spread_full_data": st.get("relative_spread_full_data"),
                         "classes_covered_mean": st.get("classes_covered_mean"), "classes": st.get("classes"),
                         "target_fid": needs.get("target_fid"), "images_needed": need.get("images"),
                         "confidence": need.get("confidence")})
    return rows
