"""From measured rows to a per-device law of time vs FLOPs and batch, and predictions for any model.

    cm = fit_cost_model(results["inference"], device_name, device_kind)      # probe side
    predict(cm, flops_per_forward=803e9, nfe=25, batch=1)                    # recommend side
    device_profile(cm)

The model, per architecture family and dtype, for one forward call at batch B of a network
with F FLOPs per forward (at batch 1):

    time_per_forward_ms = overhead_ms_per_call + B * overhead_ms_per_sample + 1000 * F * B / effective_flop_per_s

and a sample costs NFE forwards: latency_ms_per_sample = NFE * time_per_forward_ms / B.
- overhead_ms_per_call: paid once per call whatever the batch: Python, kernel launches, the
  scheduler's bookkeeping.
- overhead_ms_per_sample: work that grows with the batch but that FlopCounterMode does not count
  (norms, activations, softmax, the scheduler's element-wise update, memory traffic).
- effective_flop_per_s: the rate at which the counted FLOPs (matmuls, convolutions) run.
`fixed_overhead_ms_per_forward` = the two overheads at batch 1, so that the recommend path's
law (overhead + B x F / rate) is exact at batch 1 and within one per-sample overhead per extra
sample above it. All terms are constrained non-negative.

Rows slowed by a busy neighbour are outliers: the fit is Huber-robust (iteratively reweighted,
on relative residuals). The fit weights squared residuals by 1/y (time): an unweighted fit would let the largest calls
alone set every term, a relative fit (1/y^2) lets the tiny overhead-bound calls set the rate.
Timing noise on a shared machine grows with duration, roughly as a Poisson count would. The
reference sizes of each family share one topology and vary width (probes/ref_*.py), so the
number of kernels per call, hence the overheads, stays put while FLOPs span 200x.

GANs and denoisers are fitted separately (their per-FLOP efficiency differs: a UNet spends
more time in norms, attention and small kernels per counted FLOP). The headline fit, which
`predict` uses unless told otherwise, is the denoiser's: production generators (UNets, DiTs,
StyleGAN-class GANs at 100+ GFLOP) are FLOP-dominated like it, and it is measured at the NFEs
the recommend path asks about.

Uncertainty has two parts: `relative_band`, the 90th percentile of the relative residuals of
the compute-bound calls (how far single measurements sit from the fit; floor 5%), and a bootstrap over rows (100 refits,
seeded) whose 5-95% spread of predictions grows as a prediction leaves the fitted FLOP range.
The interval is the bootstrap range widened by the band on each side.

Classifier-free guidance runs the network twice per step (or once at batch 2B): pass
2 * flops_per_forward. Torch-free, numpy-free, by design: `genarch recommend` imports it.
"""
from __future__ import annotations

import itertools
import math
import random

from rubric.errors import InputError
from rubric.estimates import usd_per_1k_samples  # noqa: F401  (one formula, read here by the probe views)

MODEL = ("time_per_forward_ms = overhead_ms_per_call + batch * overhead_ms_per_sample "
         "+ 1000 * flops_per_forward * batch / effective_flop_per_s")
MIN_BAND = 0.05  # even a perfect fit is not better than run-to-run noise on a shared machine
BOOTSTRAP_REFITS = 100
HUBER_K = 2.0  # robust standard deviations of full weight; 1.345 is the textbook 95%-efficiency choice
ROBUST_ITERATIONS = 10
HEADLINE_ARCHITECTURE = "diffusion"


def _solve(m: list[list[float]], v: list[float]) -> list[float] | None:
    """Gaussian elimination with partial pivoting for a tiny dense system; None if singular."""
    n = len(v)
    a = [row[:] + [v[i]] for i, row in enumerate(m)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        if abs(a[pivot][col]) < 1e-12 * max(1.0, max(abs(x) for row in a for x in row[:n])):
            return None
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(n):
            if r != col:
                f = a[r][col] / a[col][col]
                a[r] = [x - f * y for x, y in zip(a[r], a[col])]
    return [a[i][n] / a[i][i] for i in range(n)]


def _features(f: float, b: float) -> tuple[float, float, float]:
    return (1.0, b, f * b)


def _nnls(points: list[tuple[float, float, float]], robust: list[float] | None = None) -> list[float]:
    """[ms per call, ms per sample, ms per FLOP] >= 0 minimising sum(h (y - X.theta)^2 / y), h the
    robust weights (default 1), by trying every subset of free coefficients (2^3 - 1 of them)
    and keeping the best feasible."""
    rows = [_features(f, b) for f, b, _ in points]
    w = [(1.0 if robust is None else h) / y for (_, _, y), h in zip(points, robust or [1.0] * len(points))]
    # scale columns so the normal equations are well conditioned (FLOPs are ~1e9, overhead ~1)
    scale = [max(abs(r[j]) for r in rows) or 1.0 for j in range(3)]
    best, best_loss = [0.0, 0.0, 0.0], math.inf
    for k in range(1, 4):
        for subset in itertools.combinations(range(3), k):
            xtx = [[sum(wi * r[i] * r[j] for r, wi in zip(rows, w)) / (scale[i] * scale[j])
                    for j in subset] for i in subset]
            xty = [sum(wi * r[i] * y for r, wi, (_, _, y) in zip(rows, w, points)) / scale[i]
                   for i in subset]
            sol = _solve(xtx, xty)
            if sol is None or min(sol) < 0:
                continue
            theta = [0.0, 0.0, 0.0]
            for i, value in zip(subset, sol):
                theta[i] = value / scale[i]
            loss = sum(wi * (y - sum(t * x for t, x in zip(theta, r))) ** 2
                       for r, wi, (_, _, y) in zip(rows, w, points))
            if loss < best_loss - 1e-15 * max(1.0, abs(best_loss) if best_loss < math.inf else 1.0):
                best, best_loss = theta, loss
    return best


def _robust_fit(points: list[tuple[float, float, float]]) -> tuple[list[float], list[float]]:
    """Huber-weighted fit by iteratively reweighted least squares on relative residuals. A
    neighbour's burst of CPU use makes a few rows several times too slow; full weight for
    residuals within HUBER_K robust standard deviations (1.4826 x median |r|), less beyond."""
    weights = [1.0] * len(points)
    theta = _nnls(points)
    for _ in range(ROBUST_ITERATIONS):
        residuals = [_relative_residual(theta, p) for p in points]
        scale = 1.4826 * _quantile([abs(r) for r in residuals], 0.5)
        if scale <= 1e-9:
            break
        weights = [1.0 if abs(r) <= HUBER_K * scale else HUBER_K * scale / abs(r) for r in residuals]
        theta = _nnls(points, weights)
    return theta, weights


def _relative_residual(theta: list[float], point: tuple[float, float, float]) -> float:
    f, b, y = point
    t = _time(theta, f, b)
    return y / t - 1.0 if t > 0 else 1.0


def _time(theta: list[float], f: float, b: float) -> float:
    return sum(t * x for t, x in zip(theta, _features(f, b)))


def _quantile(values: list[float], q: float) -> float:
    s = sorted(values)
    pos = q * (len(s) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def fit_points(points: list[tuple[float, float, float]], seed: int = 0) -> dict:
    """Fit (flops per forward, batch, ms per forward call) triples; see the module docstring."""
    if not points:
        raise ValueError("no points to fit")
    theta, robust = _robust_fit(points)
    residuals = [_relative_residual(theta, p) for p in points]
    # The band describes calls like the ones predictions are for: inliers (full Huber weight)
    # where counted FLOPs take at least half the time. Overhead-bound calls of tiny models and
    # preempted rows would otherwise set it.
    compute_bound = [abs(res) for (f, b, _), res, h in zip(points, residuals, robust)
                     if theta[2] * f * b >= 0.5 * _time(theta, f, b) and h == 1.0]
    banded = compute_bound if len(compute_bound) >= 3 else [abs(res) for res in residuals]
    band = max(MIN_BAND, _quantile(banded, 0.9)) if len(points) > 3 else 0.5
    rng = random.Random(seed)
    boot = []
    for _ in range(BOOTSTRAP_REFITS):  # resample rows, keeping each row's robust weight
        idx = [rng.randrange(len(points)) for _ in points]
        boot.append(_nnls([points[i] for i in idx], [robust[i] for i in idx]))
    per_call, per_sample, ms_per_flop = theta
    return {
        "overhead_ms_per_call": per_call,
        "overhead_ms_per_sample": per_sample,
        "fixed_overhead_ms_per_forward": per_call + per_sample,  # both overheads at batch 1
        "effective_flop_per_s": 1000.0 / ms_per_flop if ms_per_flop > 0 else None,
        "relative_band": band,
        "n_points": len(points),
        "flops_per_call_range": [min(f * b for f, b, _ in points), max(f * b for f, b, _ in points)],
        "rms_relative_residual": math.sqrt(sum(x * x for x in residuals) / len(residuals)),
        "downweighted_rows": sum(h < 1.0 for h in robust),  # rows the Huber weights treated as outliers
        "bootstrap": boot,  # [ms per call, ms per sample, ms per FLOP] refits
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


def _unwrap(cost_model: dict) -> dict:
    if isinstance(cost_model, dict) and "schema_version" in cost_model:  # a whole results file
        cost_model = cost_model.get("cost_model")
    if not isinstance(cost_model, dict) or not cost_model.get("fits"):
        raise InputError("probe results hold no cost model (the probe measured nothing); "
                         "rerun `genarch probe`")
    return cost_model


def predict(cost_model: dict, flops_per_forward: float, nfe: int, batch: int,
            dtype: str | None = None, architecture: str | None = None) -> dict:
    """Latency per sample of a model with `flops_per_forward` (batch 1, FLOPs = 2 x MACs) sampled
    with `nfe` forwards at `batch`. For classifier-free guidance pass 2 x flops_per_forward.
    `architecture` ("gan", "diffusion") picks that family's fit; default: the headline fit."""
    cost_model = _unwrap(cost_model)
    if isinstance(flops_per_forward, bool) or not (
            isinstance(flops_per_forward, (int, float)) and math.isfinite(flops_per_forward)
            and flops_per_forward > 0):
        raise InputError(f"flops_per_forward must be a positive number, got {flops_per_forward!r}")
    for name, value in (("nfe", nfe), ("batch", batch)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InputError(f"{name} must be an integer >= 1, got {value!r}")
    fits = cost_model["fits"]
    if architecture is not None:
        known = cost_model.get("fits_by_architecture", {})
        if architecture not in known:
            raise InputError(f"no cost model for architecture {architecture}; measured: {', '.join(known)}")
        fits = known[architecture]
    dtype = dtype or cost_model["dtype"]
    if dtype not in fits:
        raise InputError(f"no cost model for dtype {dtype}; measured: {', '.join(fits)}")
    fit = fits[dtype]
    _check_fit(fit, f"{architecture or cost_model.get('architecture') or 'headline'} {dtype}")
    theta = [fit["overhead_ms_per_call"], fit["overhead_ms_per_sample"], 1000.0 / fit["effective_flop_per_s"]]
    per_call = _time(theta, flops_per_forward, batch)
    boot = [_time(t, flops_per_forward, batch) for t in fit["bootstrap"]] or [per_call]
    lo_call = min(per_call, _quantile(boot, 0.05)) * (1 - fit["relative_band"])
    hi_call = max(per_call, _quantile(boot, 0.95)) * (1 + fit["relative_band"])
    per_sample = nfe / batch
    lo_range, hi_range = fit["flops_per_call_range"]
    if not (math.isfinite(per_call) and per_call > 0 and math.isfinite(hi_call)):
        raise InputError(f"the probe's {dtype} cost model predicts {per_call:.3g} ms per forward for "
                         f"{flops_per_forward:.3g} FLOPs at batch {batch}: not a usable time; rerun `genarch probe`")
    return {
        "latency_ms_per_sample": per_call * per_sample,
        "interval": [max(lo_call, 0.0) * per_sample, hi_call * per_sample],
        "throughput_samples_per_s": 1000.0 / (per_call * per_sample),
        "time_per_forward_ms": per_call,
        "dtype": dtype, "device_name": cost_model.get("device_name") or "the probed device",
        "architecture_fit": architecture or cost_model.get("architecture"),
        # outside the measured FLOP range the interval is the bootstrap's guess, not an observation
        "extrapolated": not lo_range <= flops_per_forward * batch <= hi_range,
    }


def _number(value, lo: float, hi: float = math.inf) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            and lo <= value <= hi)


def _check_fit(fit: dict, name: str) -> None:
    """A fit read from a file must give positive, finite, plausible times before anything is
    labelled measured: a rate in [1e6, 1e18] FLOP/s, overheads >= 0 (results_schema checks the
    same on load; this guards dicts that did not come through it)."""
    from probes.results_schema import MAX_FLOP_PER_S, MAX_MS, MIN_FLOP_PER_S

    if not isinstance(fit, dict):
        raise InputError(f"probe cost model {name}: expected an object, got {type(fit).__name__}")
    rate = fit.get("effective_flop_per_s")
    if rate is None:
        raise InputError(f"probe cost model {name} has no FLOP rate (time did not grow with FLOPs); "
                         "rerun `genarch probe --profile full`")
    if not _number(rate, MIN_FLOP_PER_S, MAX_FLOP_PER_S):
        raise InputError(f"probe cost model {name}: effective_flop_per_s must be in "
                         f"[{MIN_FLOP_PER_S:g}, {MAX_FLOP_PER_S:g}], got {rate!r:.40}")
    for key in ("overhead_ms_per_call", "overhead_ms_per_sample", "fixed_overhead_ms_per_forward"):
        if key in fit or key != "fixed_overhead_ms_per_forward":
            if not _number(fit.get(key), 0.0, MAX_MS):
                raise InputError(f"probe cost model {name}: {key} must be a number in [0, {MAX_MS:g}] ms, "
                                 f"got {fit.get(key)!r:.40}")
    if not _number(fit.get("relative_band"), 0.0, 100.0):
        raise InputError(f"probe cost model {name}: relative_band must be in [0, 100], got {fit.get('relative_band')!r:.40}")
    boot = fit.get("bootstrap")
    if not isinstance(boot, list) or not all(isinstance(t, list) and len(t) == 3 and all(_number(x, 0.0) for x in t)
                                             for t in boot):
        raise InputError(f"probe cost model {name}: bootstrap must be a list of three non-negative numbers each")
    span = fit.get("flops_per_call_range")
    if not (isinstance(span, list) and len(span) == 2 and all(_number(x, 0.0) for x in span) and span[0] <= span[1]):
        raise InputError(f"probe cost model {name}: flops_per_call_range must be [min, max] FLOPs")


def device_profile(cost_model: dict) -> dict:
    """The headline fit, for the recommend path to use in place of catalog assumptions."""
    cost_model = _unwrap(cost_model)
    if not cost_model.get("effective_flop_per_s"):
        raise InputError("probe cost model has no FLOP rate (time did not grow with FLOPs); "
                         "rerun `genarch probe --profile full`")
    _check_fit(cost_model | {"overhead_ms_per_call": cost_model.get("fixed_overhead_ms_per_forward"),
                             "overhead_ms_per_sample": 0.0, "bootstrap": [], "flops_per_call_range": [0, 0]},
               "headline")
    return {k: cost_model.get(k) for k in ("device_name", "device_kind", "dtype",
                                           "fixed_overhead_ms_per_forward", "effective_flop_per_s",
                                           "relative_band", "architecture")}
