"""Predict latency and cost per sample of any model from a probe's fitted cost model.

    genarch estimate --probe-results probe-out/probe-results.json \\
        --flops-per-forward 8.03e11 --nfe 25 --batch 1 --usd-per-hour 2.5 --format json

FLOPs per forward are for batch 1, counted as torch counts them (2 x multiply-accumulates);
`python -m probes.architecture_flops` lists them for SD1.5, SDXL, DiT-XL/2 and others. For
classifier-free guidance pass twice the FLOPs. Torch-free: this reads JSON and does arithmetic.
"""
from __future__ import annotations

import argparse
import json
import math

from probes.cost_model import predict, usd_per_1k_samples
from probes.results import load_probe_results
from rubric.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--probe-results", required=True, metavar="FILE",
                        help="probe-results.json written by `genarch probe`")
    parser.add_argument("--flops-per-forward", required=True, metavar="F",
                        help="FLOPs of one network forward at batch 1, e.g. 8.03e11")
    parser.add_argument("--nfe", required=True, metavar="N", help="network forwards per sample (GAN: 1)")
    parser.add_argument("--batch", default="1", metavar="B", help="samples per call (default 1)")
    parser.add_argument("--dtype", default=None, help="which fitted dtype (default: the fastest measured)")
    parser.add_argument("--architecture", choices=("diffusion", "gan"), default=None,
                        help="which family's fit (default: diffusion, closest to production UNets/DiTs)")
    parser.add_argument("--usd-per-hour", default=None, metavar="X",
                        help="price of the device per hour, for usd_per_1k_samples")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def _number(text: str, option: str, integer: bool = False) -> float | int:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise InputError(f"{option} must be a number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"{option} must be positive, got {text}")
    if integer:
        if value != int(value):
            raise InputError(f"{option} must be a whole number, got {text}")
        return int(value)
    return value


def run(args: argparse.Namespace) -> int:
    flops = _number(args.flops_per_forward, "--flops-per-forward")
    nfe = _number(args.nfe, "--nfe", integer=True)
    batch = _number(args.batch, "--batch", integer=True)
    usd = None if args.usd_per_hour is None else _number(args.usd_per_hour, "--usd-per-hour")
    results = load_probe_results(args.probe_results)
    out = predict(results, flops, nfe, batch, dtype=args.dtype, architecture=args.architecture)
    out["usd_per_1k_samples"] = None if usd is None else usd_per_1k_samples(out["latency_ms_per_sample"], usd)
    out["usd_per_1k_samples_interval"] = (None if usd is None else
                                          [usd_per_1k_samples(v, usd) for v in out["interval"]])
    out.update(flops_per_forward=flops, nfe=nfe, batch=batch, usd_per_hour=usd,
               probe_complete=results["complete"])
    if args.format == "json":
        print(json.dumps(out, indent=2))
        return 0
    lo, hi = out["interval"]
    print(f"{out['latency_ms_per_sample']:.4g} ms per sample (interval {lo:.4g} to {hi:.4g} ms) "
          f"on {out['device_name']}, {out['dtype']}, {nfe} NFE at batch {batch}"
          + (" [extrapolated beyond the measured FLOP range]" if out["extrapolated"] else ""))
    print(f"{out['throughput_samples_per_s']:.4g} samples/s")
    if usd is not None:
        ulo, uhi = out["usd_per_1k_samples_interval"]
        print(f"${out['usd_per_1k_samples']:.4g} per 1,000 samples (${ulo:.4g} to ${uhi:.4g}) at ${usd:g}/h")
    if not results["complete"]:
        print("note: the probe results are partial (complete: false)")
    return 0
