"""Predict latency and cost per sample of a real pipeline, from the calibrated catalog or a probe.

    genarch estimate --model sdxl --hardware a100 [--resolution R] [--steps N]
                     [--guidance | --no-guidance] [--batch B] [--dtype fp16|bf16|fp32]
                     [--stack eager|compiled|tensorrt] [--usd-per-hour X] [--format text|json]
    genarch estimate --list-models
    genarch estimate --probe-results probe-out/probe-results.json \\
        --flops-per-forward 8.03e11 --nfe 25 --batch 1 --usd-per-hour 2.5 --format json

Catalog mode times the pipeline end to end (text encoders, every step, the decoder) with the
latency model calibrated on published measurements (rubric/data/latency_calibration.yaml); steps
and guidance default to the model's usual use, and `--batch B` gives the per-sample time of a
batch of B. The interval is 90%, from the calibration's leave-one-out errors.
Probe mode predicts any model from a probe's fitted cost model: FLOPs per forward are for batch
1, counted as torch counts them (2 x multiply-accumulates); for classifier-free guidance pass
twice the FLOPs. Torch-free: this reads YAML or JSON and does arithmetic.
"""
from __future__ import annotations

import argparse
import json
import math

from rubric.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    catalog = parser.add_argument_group("catalog mode (no probe)")
    catalog.add_argument("--model", metavar="NAME", help="a pipeline of the catalog (--list-models)")
    catalog.add_argument("--hardware", metavar="HW", help="a device of the catalog (--list-hardware)")
    catalog.add_argument("--resolution", metavar="R", help="output side in pixels (default: the model's)")
    catalog.add_argument("--steps", metavar="N", help="denoising steps (default: the model's usual)")
    catalog.add_argument("--guidance", action=argparse.BooleanOptionalAction, default=None,
                         help="classifier-free guidance (default: the model's usual)")
    catalog.add_argument("--stack", default="eager", metavar="STACK", help="eager, compiled or tensorrt (default eager)")
    catalog.add_argument("--list-models", action="store_true", help="list the catalog's pipelines and exit")
    catalog.add_argument("--list-hardware", action="store_true", help="list the catalog's devices and exit")
    probe = parser.add_argument_group("probe mode")
    probe.add_argument("--probe-results", metavar="FILE", help="probe-results.json written by `genarch probe`")
    probe.add_argument("--flops-per-forward", metavar="F", help="FLOPs of one network forward at batch 1, e.g. 8.03e11")
    probe.add_argument("--nfe", metavar="N", help="network forwards per sample (GAN: 1)")
    probe.add_argument("--architecture", choices=("diffusion", "gan"), default=None,
                       help="which family's fit (default: diffusion, closest to production UNets/DiTs)")
    parser.add_argument("--batch", default="1", metavar="B", help="samples per call (default 1)")
    parser.add_argument("--dtype", default=None, help="fp16, bf16 or fp32 (catalog default: fp16 on GPUs, fp32 "
                                                      "on CPUs; probe default: the fastest measured)")
    parser.add_argument("--usd-per-hour", default=None, metavar="X",
                        help="price of the device per hour, for usd_per_1k_samples")
    parser.add_argument("--format", choices=("text", "json"), default="text")


# The answers schema's own ceiling on a device's hourly price (questions.yaml gpu_hourly_usd).
MAX_USD_PER_HOUR = 10_000.0
# No network's single forward reaches an exaFLOP; beyond it times and money overflow.
MAX_FLOPS_PER_FORWARD = 1e18


def _number(text: str, option: str, integer: bool = False, maximum: float | None = None) -> float | int:
    try:
        value = float(text)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{option} must be a number, got {str(text)[:40]!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"{option} must be positive, got {str(text)[:40]}")
    if maximum is not None and value > maximum:
        raise InputError(f"{option} must be at most {maximum:,g}, got {str(text)[:40]}")
    if integer:
        if value != int(value):
            raise InputError(f"{option} must be a whole number, got {text}")
        if value > 1e6:
            raise InputError(f"{option} must be at most 1,000,000, got {text}")
        return int(value)
    return value


def _choice(value: str | None, option: str, choices, aliases: dict[str, str] | None = None) -> str:
    from rubric.latency_model import unify

    key = unify(value)
    key = (aliases or {}).get(key, key)
    if key not in choices:
        raise InputError(f"{option} must be one of {', '.join(choices)}; got {value!r}")
    return key


def run(args: argparse.Namespace) -> int:
    from rubric.knowledge import load as load_knowledge

    if args.list_models or args.list_hardware:
        knowledge = load_knowledge()
        if args.list_models:
            for key, p in knowledge.pipelines.items():
                print(f"{key:<14} {p.name}: {p.resolution}², {p.steps} step{'s' if p.steps > 1 else ''}"
                      f"{', guided' if p.guidance else ''}")
        else:
            for key, d in knowledge.devices.items():
                print(f"{key:<11} {d.name}")
        return 0
    if args.probe_results is not None:
        return _run_probe(args)
    if args.model is None or args.hardware is None:
        raise InputError("give --model and --hardware (catalog mode), or --probe-results with "
                         "--flops-per-forward and --nfe (probe mode); --list-models lists the models")
    return _run_catalog(args, load_knowledge())


def _run_catalog(args: argparse.Namespace, knowledge) -> int:
    from reports.cells import ms
    from rubric import latency_model as lm
    from rubric.estimates import serving_dtype, usd_per_1k_samples

    model = _choice(args.model, "--model", list(knowledge.pipelines))
    hardware = _choice(args.hardware, "--hardware", list(knowledge.devices),
                       {"a100-80gb": "a100", "h100-sxm": "h100", "4090": "rtx4090", "3090": "rtx3090"})
    stack = _choice(args.stack, "--stack", lm.STACKS)
    pipeline, device = knowledge.pipelines[model], knowledge.devices[hardware]
    if args.dtype is not None:
        dtype = _choice(args.dtype, "--dtype", lm.DTYPES)
        if dtype not in device.peak_flop_per_s:
            raise InputError(f"--dtype {dtype}: {device.name} has no {dtype} support; "
                             f"choose one of {', '.join(d for d in lm.DTYPES if d in device.peak_flop_per_s)}")
    else:
        dtype = serving_dtype(knowledge, device)
    resolution = pipeline.resolution if args.resolution is None else _number(args.resolution, "--resolution", True)
    if resolution > 8192:
        raise InputError(f"--resolution must be at most 8192, got {args.resolution}")
    steps = pipeline.steps if args.steps is None else _number(args.steps, "--steps", True)
    guidance = pipeline.guidance if args.guidance is None else args.guidance
    batch = _number(args.batch, "--batch", integer=True)
    usd = None if args.usd_per_hour is None else _number(args.usd_per_hour, "--usd-per-hour", maximum=MAX_USD_PER_HOUR)
    calibration = lm.load_calibration()
    stages = lm.stages_for(pipeline, steps, guidance)
    batch_s = lm.stages_seconds(stages, resolution, batch, device, dtype, stack, knowledge, calibration)
    per_sample_ms = batch_s / batch * 1e3
    halfwidth = calibration.interval_log_halfwidth if device.kind == "gpu" else math.log(3.0)
    low, high = lm.interval(per_sample_ms, halfwidth)
    out = {
        "model": model, "model_name": pipeline.name, "hardware": hardware, "device_name": device.name,
        "basis": "catalog", "resolution": resolution, "steps": steps, "guidance": guidance, "batch": batch,
        "dtype": dtype, "stack": stack,
        "latency_ms_per_sample": round(per_sample_ms, 3),
        "latency_interval_ms": [round(low, 3), round(high, 3)],
        "latency_ms_per_batch": round(batch_s * 1e3, 3),
        "throughput_samples_per_s": round(batch / batch_s, 4),
        "flops_per_sample": lm.stages_flops(stages, resolution, knowledge),
        "usd_per_hour": usd,
        "usd_per_1k_samples": None if usd is None else round(usd_per_1k_samples(per_sample_ms, usd), 6),
        "usd_per_1k_interval": None if usd is None else [round(usd_per_1k_samples(v, usd), 6) for v in (low, high)],
        "assumptions": [
            f"{pipeline.name}: {pipeline.source}",
            f"{steps} denoiser call{'s' if steps > 1 else ''} per sample"
            + (", each on twice the batch (classifier-free guidance)" if guidance else ", no classifier-free guidance"),
            "end to end: " + ", ".join(f"{s.architecture} ×{s.calls}" + (f" ({s.dtype})" if s.dtype else "")
                                       for s in stages),
            lm.describe(calibration, stack, device, dtype),
        ],
    }
    return _emit(out, args.format,
                 f"{ms(per_sample_ms)} per sample (90% interval {ms(low)} to {ms(high)}) for {model} on "
                 f"{device.name}, {resolution}², {steps} step{'s' if steps > 1 else ''}"
                 f"{', guided' if guidance else ''}, batch {batch}, {dtype}, {stack}",
                 ["basis: catalog (calibrated on published measurements)",
                  *(f"  - {line}" for line in out["assumptions"])])


def _emit(out: dict, output_format: str, headline: str, tail: list[str]) -> int:
    """The estimate as JSON, or as lines: headline, throughput, money when priced, then `tail`."""
    if output_format == "json":
        print(json.dumps(out, indent=2, allow_nan=False))
        return 0
    print(headline)
    print(f"{out['throughput_samples_per_s']:.4g} samples/s")
    if out["usd_per_hour"] is not None:
        ulo, uhi = out["usd_per_1k_interval"]
        print(f"${out['usd_per_1k_samples']:.4g} per 1,000 samples (${ulo:.4g} to ${uhi:.4g}) "
              f"at ${out['usd_per_hour']:g}/h")
    for line in tail:
        print(line)
    return 0


def _run_probe(args: argparse.Namespace) -> int:
    from probes.summaries.cost_model import predict
    from probes.results import load_probe_results
    from rubric.estimates import usd_per_1k_samples

    if args.flops_per_forward is None or args.nfe is None:
        raise InputError("--probe-results needs --flops-per-forward and --nfe")
    flops = _number(args.flops_per_forward, "--flops-per-forward", maximum=MAX_FLOPS_PER_FORWARD)
    nfe = _number(args.nfe, "--nfe", integer=True)
    batch = _number(args.batch, "--batch", integer=True)
    usd = None if args.usd_per_hour is None else _number(args.usd_per_hour, "--usd-per-hour", maximum=MAX_USD_PER_HOUR)
    results = load_probe_results(args.probe_results)
    out = predict(results, flops, nfe, batch, dtype=args.dtype, architecture=args.architecture)
    out["basis"] = "probe"
    out["latency_interval_ms"] = out["interval"]
    out["usd_per_1k_samples"] = None if usd is None else usd_per_1k_samples(out["latency_ms_per_sample"], usd)
    out["usd_per_1k_interval"] = out["usd_per_1k_samples_interval"] = (
        None if usd is None else [usd_per_1k_samples(v, usd) for v in out["interval"]])
    out.update(flops_per_forward=flops, nfe=nfe, batch=batch, usd_per_hour=usd,
               probe_complete=results["complete"])
    lo, hi = out["interval"]
    return _emit(out, args.format,
                 f"{out['latency_ms_per_sample']:.4g} ms per sample (interval {lo:.4g} to {hi:.4g} ms) "
                 f"on {out['device_name']}, {out['dtype']}, {nfe} NFE at batch {batch}, "
                 f"{out['architecture_fit']} fit",
                 ["basis: probe", *(f"outside what was measured: {reason}" for reason in out["outside"]),
                  *(["note: the probe results are partial (complete: false)"] if not results["complete"] else [])])
