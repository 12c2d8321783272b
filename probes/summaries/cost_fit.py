"""Fitting the cost model (probes/summaries/cost_model.py) to the inference probe's rows: the probe side.

    cm = fit_cost_model(results["inference"], device_name, device_kind)

Per architecture family and dtype, the four non-negative coefficients of

    time_per_call_ms = overhead_ms_per_call + batch * overhead_ms_per_sample
                       + flops_per_forward * ms_per_flop_per_call
                       + batch * flops_per_forward * ms_per_flop_per_sample

are found by non-negative least squares (scipy.optimize.nnls), weighted 1/time so that the
largest calls do not set every term alone and the tiny overhead-bound ones do not set the rate
(timing noise on a shared machine grows with duration, roughly as a Poisson count would), and
made robust by Huber reweighting on relative residuals: a neighbour's burst of CPU use makes a
few rows several times too slow. The per-call FLOP term is what the rows show on every device:
a batch-1 call runs its FLOPs 1.5-3x slower than a large batch (matrix products with few rows,
transposed convolutions on 4x4 and 8x8 maps), and a per-sample overhead alone cannot say so, as
it grows with the batch rather than with the network.

Uncertainty: `relative_band` is the 90th percentile of the relative residuals of compute-bound
inlier rows (floor MIN_BAND), and 100 bootstrap refits over rows (seeded) give the spread that
grows as a prediction leaves the measured range. numpy and scipy live here only: `genarch
recommend` imports the pure prediction module, never this one.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import nnls

from probes.summaries.cost_model import MODEL, THETA_NAMES

MIN_BAND = 0.05  # even a perfect fit is not better than run-to-run noise on a shared machine
BOOTSTRAP_REFITS = 100
HUBER_K = 2.0  # robust standard deviations of full weight; 1.345 is the textbook 95%-efficiency choice
ROBUST_ITERATIONS = 10
HEADLINE_ARCHITECTURE = "diffusion"


def _design(points: np.ndarray) -> np.ndarray:
    f, b = points[:, 0], points[:, 1]
    return np.column_stack([np.ones_like(f), b, f, f * b])


def _nnls(points: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Coefficients >= 0 minimising sum(w (y - X theta)^2 / y)."""
    x, y = _design(points), points[:, 2]
    root = np.sqrt(weights / y)
    scale = np.abs(x).max(axis=0)
    scale[scale == 0] = 1.0  # columns scaled so FLOPs (~1e9) and counts (~1) condition alike
    theta, _ = nnls(x / scale * root[:, None], y * root)
    return theta / scale


def _relative_residuals(theta: np.ndarray, points: np.ndarray) -> np.ndarray:
    """measured / fitted - 1 per row; 1 where the fit gives no time at all."""
    predicted = _design(points) @ theta
    ratio = np.divide(points[:, 2], predicted, out=np.full(len(points), 2.0), where=predicted > 0)
    return ratio - 1.0


def _robust_fit(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Huber weights by iteratively reweighted least squares: full weight within HUBER_K robust
    standard deviations (1.4826 x median |r|), HUBER_K * scale / |r| beyond."""
    weights = np.ones(len(points))
    theta = _nnls(points, weights)
    for _ in range(ROBUST_ITERATIONS):
        residuals = np.abs(_relative_residuals(theta, points))
        scale = 1.4826 * float(np.median(residuals))
        if scale <= 1e-9:
            break
        weights = np.minimum(1.0, HUBER_K * scale / np.maximum(residuals, 1e-300))
        theta = _nnls(points, weights)
    return theta, weights


def fit_points(points: list[tuple[float, float, float]], seed: int = 0) -> dict:
    """Fit (flops per forward, batch, ms per call) triples; see the module docstring."""
    if not points:
        raise ValueError("no points to fit")
    p = np.asarray(points, dtype=float)
    theta, robust = _robust_fit(p)
    residuals = _relative_residuals(theta, p)
    # The band describes calls like the ones predictions are for: inliers where counted FLOPs take
    # at least half the time. Overhead-bound calls of tiny models would otherwise set it.
    terms = _design(p) * theta  # each row's milliseconds per term; the last two are FLOPs'
    compute_bound = np.abs(residuals[(terms[:, 2:].sum(axis=1) >= 0.5 * terms.sum(axis=1)) & (robust >= 1.0)])
    banded = compute_bound if len(compute_bound) >= 3 else np.abs(residuals)
    band = max(MIN_BAND, float(np.quantile(banded, 0.9))) if len(p) > 3 else 0.5
    rng = np.random.default_rng(seed)
    boot = []
    for _ in range(BOOTSTRAP_REFITS):  # resample rows, keeping each row's robust weight
        idx = rng.integers(0, len(p), len(p))
        boot.append([float(v) for v in _nnls(p[idx], robust[idx])])
    fit = dict(zip(THETA_NAMES, (float(v) for v in theta)))
    per_call, per_sample, per_call_flop, per_sample_flop = theta
    return {
        **fit,
        # the recommend path's law, overhead + batch x FLOPs / rate, exact at batch 1
        "fixed_overhead_ms_per_forward": float(per_call + per_sample),
        "effective_flop_per_s": 1000.0 / float(per_call_flop + per_sample_flop)
        if per_call_flop + per_sample_flop > 0 else None,
        # the rate of FLOPs added by one more sample of a large batch
        "throughput_flop_per_s": 1000.0 / float(per_sample_flop) if per_sample_flop > 0 else None,
        "relative_band": band,
        "n_points": len(p),
        "flops_per_call_range": [float((p[:, 0] * p[:, 1]).min()), float((p[:, 0] * p[:, 1]).max())],
        "flops_per_forward_range": [float(p[:, 0].min()), float(p[:, 0].max())],
        "batch_range": [int(p[:, 1].min()), int(p[:, 1].max())],
        "rms_relative_residual": float(np.sqrt(np.mean(residuals ** 2))),
        "downweighted_rows": int((robust < 1.0).sum()),  # rows the Huber weights treated as outliers
        "bootstrap": boot,  # refits, in THETA_NAMES order
    }


def rows_to_points(rows: list[dict]) -> list[tuple[float, float, float]]:
    """(flops per forward, batch, ms per forward call) for each usable row."""
    points = []
    for r in rows:
        flops, lat = r.get("flops_per_forward"), r.get("latency_ms_per_sample")
        if flops and lat and flops > 0 and lat > 0:
            points.append((float(flops), float(r["batch"]), lat * r["batch"] / r["nfe"]))
    return points


def fit_cost_model(rows: list[dict], device_name: str, device_kind: str, seed: int = 0) -> dict | None:
    """Fits per architecture and dtype; `fits[dtype]` is the headline architecture's (the
    denoiser's, else whatever was measured). The headline dtype is the fastest. None if no rows."""
    by_arch: dict[str, dict[str, dict]] = {}
    for arch in sorted({r.get("architecture", "") for r in rows}):
        for dtype in sorted({r["dtype"] for r in rows}):
            points = rows_to_points([r for r in rows
                                     if r.get("architecture", "") == arch and r["dtype"] == dtype])
            if points:
                by_arch.setdefault(arch, {})[dtype] = fit_points(points, seed)
    if not by_arch:
        return None
    headline_arch = HEADLINE_ARCHITECTURE if HEADLINE_ARCHITECTURE in by_arch else sorted(by_arch)[0]
    fits = by_arch[headline_arch]
    primary = max(fits, key=lambda d: fits[d]["effective_flop_per_s"] or 0.0)
    head = fits[primary]
    return {
        "model": MODEL, "device_name": device_name, "device_kind": device_kind, "dtype": primary,
        "architecture": headline_arch,
        "fixed_overhead_ms_per_forward": head["fixed_overhead_ms_per_forward"],
        "effective_flop_per_s": head["effective_flop_per_s"],
        "relative_band": head["relative_band"], "fits": fits, "fits_by_architecture": by_arch,
    }

