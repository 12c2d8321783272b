"""Measure generation cost on this machine and write DIR/probe-results.json.

    genarch probe                                   # quick profile, auto device, ./probe-out/
    genarch probe --profile full --device cuda      # every size and NFE (what `make gpu-check` runs)
    genarch probe --budget 60 --out runs/a          # stop after ~60 s with complete: false ...
    genarch probe --budget 60 --out runs/a --resume # ... and carry on where it stopped

Times reference GANs and diffusion denoisers at several sizes, dtypes, batches and NFEs (see
probes/inference.py), fits a cost model of time against FLOPs, prints a table and writes the
results (schema: probes/RESULTS.md). Ctrl-C stops cleanly and keeps what was measured.
"""
from __future__ import annotations

import argparse
import math
import os
import sys

from probes.config import PROFILES, resolve_config
from probes.registry import describe, probe_names
from rubric.errors import InputError

DEFAULT_OUT = "probe-out"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    names = probe_names()
    parser.add_argument("--profile", choices=PROFILES, default="quick",
                        help="quick: 3 sizes x 3 NFEs per family (~1 min on a laptop CPU); "
                        "full: 5 sizes x NFE 1,2,4,10,25,50 (for GPUs)")
    parser.add_argument("--only", default=",".join(names), metavar="PROBE[,PROBE]",
                        help="probes to run: " + "; ".join(f"{n} ({describe(n)})" for n in names))
    parser.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto",
                        help="auto: cuda, then mps, then cpu")
    parser.add_argument("--dtype", default=None, metavar="DTYPE[,DTYPE]",
                        help="fp32, bf16, fp16 (default: fp32 on CPU; fp32 and bf16 or fp16 on GPUs)")
    parser.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                        help="stop after this many seconds, writing partial results")
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                        help=f"directory for probe-results.json (default {DEFAULT_OUT})")
    parser.add_argument("--resume", action="store_true",
                        help="continue DIR/probe-results.json instead of starting over")
    parser.add_argument("--data", metavar="DIR", default=None,
                        help="training probe: a folder of PNG/JPEG images (recursive; DIR/<class>/ "
                        "gives labels) instead of the built-in digits")
    parser.add_argument("--feature-extractor", choices=("domain", "inception"), default="domain",
                        help="training probe metrics: domain = a CNN genarch trains on the real data "
                        "(CPU-friendly); inception = torch-fidelity's InceptionV3, downloaded once "
                        "(falls back to domain offline, and says so). The two are not comparable")
    parser.add_argument("--seed", type=int, default=0, help="seed for weights and noise")
    parser.add_argument("--threads", default=None, metavar="N",
                        help="torch threads while measuring (default: torch's, one per physical core); "
                        "recorded in the results")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


MAX_THREADS = 1024


def _threads(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"--threads must be a whole number, got {text[:40]!r}") from None
    if not 1 <= value <= MAX_THREADS:
        raise InputError(f"--threads must be between 1 and {MAX_THREADS}, got {value}")
    return value


def _split(value: str, allowed: list[str] | tuple[str, ...], option: str) -> tuple[str, ...]:
    items = tuple(v.strip() for v in value.split(",") if v.strip())
    bad = [v for v in items if v not in allowed]
    if not items or bad:
        raise InputError(f"{option}: {', '.join(bad) or 'empty'} not among {', '.join(allowed)}")
    return tuple(dict.fromkeys(items))


def _sigterm_as_interrupt() -> None:
    """A cluster scheduler's preemption or the app's cancel sends SIGTERM: stop as Ctrl-C does,
    keeping partial results (complete: false) that --resume continues."""
    import signal

    def handler(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def run(args: argparse.Namespace) -> int:
    probes = _split(args.only, probe_names(), "--only")
    if args.budget is not None and not (math.isfinite(args.budget) and args.budget > 0):
        raise InputError(f"--budget must be a positive number of seconds, got {args.budget}")
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise InputError(f"--out {args.out}: exists and is not a directory")

    from probes.measure.device import DTYPES, default_dtypes, resolve_device  # imports torch
    from probes.runner import RESULTS_FILENAME, run_probes
    from reports.probe_table import control_tables, inference_table, training_table

    device = resolve_device(args.device)
    dtypes = _split(args.dtype, tuple(DTYPES), "--dtype") if args.dtype else default_dtypes(device)
    if device.type == "cpu" and set(dtypes) - {"fp32", "bf16"}:
        raise InputError("--dtype fp16 is not supported on CPU; use fp32 or bf16")
    if args.data is not None and not os.path.isdir(args.data):
        raise InputError(f"--data {args.data}: not a directory")
    config = resolve_config(args.profile, probes, device.type, dtypes, args.budget, args.seed,
                            data_dir=os.path.abspath(args.data) if args.data else None,
                            feature_extractor=args.feature_extractor, threads=_threads(args.threads))
    path = os.path.join(args.out, RESULTS_FILENAME)
    if args.resume and not os.path.exists(path):
        print(f"genarch probe: nothing to resume at {path}; starting afresh", file=sys.stderr)
    _sigterm_as_interrupt()
    import time

    started = time.perf_counter()
    results = run_probes(config, path, resume=args.resume,
                         show_progress=False if args.no_progress else None)
    if "inference" in probes:
        print(inference_table(results))  # its header says PARTIAL when the run stopped early
    if results.get("training"):
        print(training_table(results))
    controls = control_tables(results)
    if controls:
        print(controls)
    if "inference" not in probes and not results["complete"]:
        print(f"[PARTIAL: {results.get('stop_reason') or 'incomplete'}]")
    print(f"wrote {path}  (wall time {time.perf_counter() - started:.0f} s, profile {args.profile}, "
          f"probes {', '.join(probes)})")
    if results.get("_interrupted"):
        print(f"genarch probe: interrupted; partial results kept, continue with --resume --out {args.out}",
              file=sys.stderr)
        return 130
    if not results["complete"]:
        print(f"genarch probe: budget of {args.budget:g} s reached; partial results kept "
              f"(complete: false), continue with --resume --out {args.out}", file=sys.stderr)
    return 0
