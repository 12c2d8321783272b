"""The probe's cost model: predicting time per sample of any network from its FLOPs, batch and
family, by pure arithmetic on the parameters `genarch probe` fitted (probes/summaries/cost_fit.py).

    predict(cost_model, flops_per_forward=803e9, nfe=25, batch=1, architecture="diffusion")
    device_profile(cost_model)

The model, per architecture family and dtype, for one forward call at batch B of a network
with F FLOPs per forward (at batch 1, as torch.utils.flop_counter counts them: 2 x MACs):

    time_per_call_ms = overhead_ms_per_call + B * overhead_ms_per_sample
                       + F * ms_per_flop_per_call + B * F * ms_per_flop_per_sample

and a sample costs NFE calls' worth: latency_ms_per_sample = NFE * time_per_call_ms / B.
- overhead_ms_per_call: paid once per call whatever the network: Python, kernel launches, the
  scheduler's bookkeeping.
- overhead_ms_per_sample: per-sample work FlopCounterMode does not count and that does not grow
  with the network (noise draws, the scheduler's element-wise update).
- ms_per_flop_per_call: FLOPs of one sample paid once per call: at batch 1 matrix products have
  few rows and small feature maps (4x4, 8x8) keep the cores half idle; a large batch amortises it.
- ms_per_flop_per_sample: the cost of each sample's FLOPs in a large batch (1 / the throughput rate).
All four are >= 0. `effective_flop_per_s` is the batch-1 rate, 1 / (the two per-FLOP terms), and
`fixed_overhead_ms_per_forward` the two overheads at batch 1: the recommend path's law
(overhead + B x F / rate) is then exact at batch 1 and conservative above it. Files written
before the per-call FLOP term carry three coefficients; they read as a zero per-call FLOP term.

Each family's fit describes the layer mix of its reference models (probes/models/ref_*.py:
DCGAN's transposed convolutions; DDPM's UNet of residual blocks and attention). Generators of
another mix run their FLOPs at another rate: on a 2-core CPU the GAN fit puts upsample-and-convolve
generators (SNGAN, CycleGAN) at batch 1 1.6-1.7x too slow (benchmarks/bench_probe_extrapolation.py).

A prediction says what lies outside what was measured (`outside`): FLOPs per forward or a batch
beyond the fitted rows, or another family's fit. Its interval is the bootstrap's 5-95% range
widened by the fit's relative band on each side. Classifier-free guidance runs the network twice
per step (or once at batch 2B): pass 2 x flops_per_forward. Torch-free and numpy-free, by design:
`genarch recommend` imports it.
"""
from __future__ import annotations

import math

from rubric.errors import InputError
from rubric.stats import quantile

MODEL = ("time_per_call_ms = overhead_ms_per_call + batch * overhead_ms_per_sample "
         "+ flops_per_forward * ms_per_flop_per_call + batch * flops_per_forward * ms_per_flop_per_sample")
THETA_NAMES = ("overhead_ms_per_call", "overhead_ms_per_sample", "ms_per_flop_per_call", "ms_per_flop_per_sample")
# Beyond this factor past the measured FLOPs or batches a prediction is called an extrapolation.
RANGE_SLACK = 1.25


def time_per_call_ms(theta, flops_per_forward: float, batch: float) -> float:
    """The model's law for coefficients in THETA_NAMES order."""
    per_call, per_sample, per_call_flop, per_sample_flop = theta
    return per_call + batch * per_sample + flops_per_forward * (per_call_flop + batch * per_sample_flop)


def coefficients(fit: dict) -> list[float]:
    """The four coefficients of a fit, reading a three-coefficient file as a zero per-call FLOP term."""
    if "ms_per_flop_per_sample" in fit:
        return [float(fit[name]) for name in THETA_NAMES]
    return [float(fit["overhead_ms_per_call"]), float(fit["overhead_ms_per_sample"]), 0.0,
            1000.0 / float(fit["effective_flop_per_s"])]


def _refit(theta: list[float]) -> list[float]:
    return theta if len(theta) == 4 else [theta[0], theta[1], 0.0, theta[2]]


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
    family = architecture or cost_model.get("architecture")
    _check_fit(fit, f"{family or 'headline'} {dtype}")
    theta = coefficients(fit)
    per_call = time_per_call_ms(theta, flops_per_forward, batch)
    boot = [time_per_call_ms(_refit(t), flops_per_forward, batch) for t in fit["bootstrap"]] or [per_call]
    lo_call = min(per_call, quantile(boot, 0.05)) * (1 - fit["relative_band"])
    hi_call = max(per_call, quantile(boot, 0.95)) * (1 + fit["relative_band"])
    per_sample = nfe / batch
    if not (math.isfinite(per_call) and per_call > 0 and math.isfinite(hi_call)):
        raise InputError(f"the probe's {dtype} cost model predicts {per_call:.3g} ms per forward for "
                         f"{flops_per_forward:.3g} FLOPs at batch {batch}: not a usable time; rerun `genarch probe`")
    beyond = outside_measured(fit, flops_per_forward, batch)
    outside = list(beyond)
    if architecture is None and family:
        outside.append(f"no family given: the {family} fit stands for it")
    return {
        "latency_ms_per_sample": per_call * per_sample,
        "interval": [max(lo_call, 0.0) * per_sample, hi_call * per_sample],
        "throughput_samples_per_s": 1000.0 / (per_call * per_sample),
        "time_per_forward_ms": per_call,
        "dtype": dtype, "device_name": cost_model.get("device_name") or "the probed device",
        "architecture_fit": family,
        # outside the measured range the interval is the bootstrap's guess, not an observation
        "extrapolated": bool(beyond),
        "outside": outside,
    }


def outside_measured(fit: dict, flops_per_forward: float, batch: int) -> list[str]:
    """What about a request lies beyond the rows the fit was made on, in words (empty: inside)."""
    reasons = []
    f_range = fit.get("flops_per_forward_range")
    if f_range:  # files before per-forward ranges were kept say it per call
        lo, hi = f_range
        if flops_per_forward > hi * RANGE_SLACK:
            reasons.append(f"{flops_per_forward:.3g} FLOPs per forward is {flops_per_forward / hi:.3g}x the "
                           f"largest reference model measured ({hi:.3g})")
        elif flops_per_forward < lo / RANGE_SLACK:
            reasons.append(f"{flops_per_forward:.3g} FLOPs per forward is below the smallest reference "
                           f"model measured ({lo:.3g})")
    else:
        lo, hi = fit["flops_per_call_range"]
        if not lo / RANGE_SLACK <= flops_per_forward * batch <= hi * RANGE_SLACK:
            reasons.append(f"{flops_per_forward * batch:.3g} FLOPs per call lies outside the measured "
                           f"{lo:.3g} to {hi:.3g}")
    b_range = fit.get("batch_range")
    if b_range and batch > b_range[1] * RANGE_SLACK:
        reasons.append(f"batch {batch} is above the largest measured ({b_range[1]})")
    return reasons


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
    for key in ("ms_per_flop_per_call", "ms_per_flop_per_sample"):
        if key in fit and not _number(fit[key], 0.0, 1000.0 / MIN_FLOP_PER_S):
            raise InputError(f"probe cost model {name}: {key} must be a number in [0, {1000.0 / MIN_FLOP_PER_S:g}], "
                             f"got {fit[key]!r:.40}")
    boot = fit.get("bootstrap")
    if not isinstance(boot, list) or not all(isinstance(t, list) and len(t) in (3, 4) and all(_number(x, 0.0) for x in t)
                                             for t in boot):
        raise InputError(f"probe cost model {name}: bootstrap must be a list of three or four non-negative "
                         "numbers each")
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
    profile = {k: cost_model.get(k) for k in ("device_name", "device_kind", "dtype",
                                              "fixed_overhead_ms_per_forward", "effective_flop_per_s",
                                              "relative_band", "architecture")}
    from probes.results_schema import MAX_FLOP_PER_S, MIN_FLOP_PER_S

    # the rate of each further sample in a batch; None in files fitted before it was kept
    head = cost_model["fits"].get(cost_model["dtype"]) or {}
    rate = head.get("throughput_flop_per_s")
    profile["throughput_flop_per_s"] = rate if _number(rate, MIN_FLOP_PER_S, MAX_FLOP_PER_S) else None
    return profile
