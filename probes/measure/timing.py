"""Timing one call on CPU, CUDA or MPS: warm-up, synchronisation, repeats, robust statistics.

    stats = time_call(lambda: model(x), device_kind="cuda", min_repeats=3, min_time_s=0.5)
    stats.median_ms, stats.p90_ms, stats.iqr_ms, stats.cv

Device work is asynchronous: on CUDA each repeat is bracketed by CUDA events and the end event is
waited on before it is read, so the time is the GPU's, not the launch queue's. On MPS the device
is synchronised before and after a host clock. On CPU `time.perf_counter` suffices.

Warm-up runs the call until both `warmup_calls` and `warmup_s` are spent, so allocator growth,
cuDNN autotuning and lazy module loading stay out of the numbers. Then it repeats until both
`min_repeats` and `min_time_s` are reached (at most `max_repeats`; longer when noisy, below), the scheme of
torch.utils.benchmark's blocked_autorange without the blocking. The median is the headline: a
single preempted repeat on a shared machine moves the mean, not the median.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass
from typing import Callable, TypeVar

from rubric.stats import quantile

T = TypeVar("T")


# On a shared CPU, OpenMP threads waiting on a preempted sibling turn a 5 ms call into 100+ ms.
# When the upper quartile sits this far above the median, keep repeating for up to
# NOISY_EXTENSION x min_time_s so the median rests on enough undisturbed repeats.
NOISY_SPREAD = 0.10
NOISY_EXTENSION = 4.0


@dataclass(frozen=True)
class TimingStats:
    median_ms: float
    p90_ms: float
    iqr_ms: float  # interquartile range: spread that ignores the worst quarter of outliers
    cv: float  # coefficient of variation, stdev / mean; > 0.1 on CPU means a noisy machine
    mean_ms: float
    min_ms: float
    repeats: int
    warmup_calls: int

    def as_dict(self) -> dict:
        return asdict(self)


def summarize(times_ms: list[float], warmup_calls: int = 0) -> TimingStats:
    if not times_ms:
        raise ValueError("no timings to summarize")
    s = sorted(times_ms)
    mean = statistics.fmean(s)
    cv = statistics.stdev(s) / mean if len(s) > 1 and mean > 0 else 0.0
    return TimingStats(
        median_ms=statistics.median(s), p90_ms=quantile(s, 0.9),
        iqr_ms=quantile(s, 0.75) - quantile(s, 0.25), cv=cv, mean_ms=mean, min_ms=s[0],
        repeats=len(s), warmup_calls=warmup_calls,
    )


def _clock(device_kind: str) -> Callable[[Callable[[], object]], float]:
    """A function that runs `fn` once and returns its duration in milliseconds."""
    if device_kind == "cuda":
        import torch

        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)

        def run_cuda(fn):
            start.record()
            fn()
            end.record()
            end.synchronize()
            return start.elapsed_time(end)

        return run_cuda
    if device_kind == "mps":
        import torch

        def run_mps(fn):
            torch.mps.synchronize()
            t0 = time.perf_counter()
            fn()
            torch.mps.synchronize()
            return (time.perf_counter() - t0) * 1e3

        return run_mps

    def run_cpu(fn):
        t0 = time.perf_counter()
        fn()
        return (time.perf_counter() - t0) * 1e3

    return run_cpu


def time_once(fn: Callable[[], T], device_kind: str = "cpu") -> tuple[T, float]:
    """(fn(), milliseconds it took): a single call, no warm-up, on the same clock as `time_call`;
    for calls too long to repeat (a whole sampling run)."""
    out: list[T] = []
    ms = _clock(device_kind)(lambda: out.append(fn()))
    return out[0], ms


def time_call(fn: Callable[[], object], device_kind: str = "cpu", *, warmup_calls: int = 1,
              warmup_s: float = 0.0, min_repeats: int = 3, max_repeats: int = 50,
              min_time_s: float = 0.2, deadline: float | None = None,
              after_repeat: Callable[[], None] | None = None) -> TimingStats:
    """Time `fn()` with warm-up and repeats; see the module docstring.

    deadline: a `time.monotonic()` value after which no further repeat starts once one is done
    (used by `--budget`). after_repeat: called between repeats, outside the timed region (the
    probe samples process memory there).
    """
    if min_repeats < 1 or max_repeats < min_repeats:
        raise ValueError("need 1 <= min_repeats <= max_repeats")
    clock = _clock(device_kind)
    t_start = time.monotonic()
    done_warmup = 0
    while done_warmup < warmup_calls or time.monotonic() - t_start < warmup_s:
        clock(fn)
        done_warmup += 1
        if deadline is not None and time.monotonic() > deadline:
            break
    times: list[float] = []
    t_timed = time.monotonic()
    while len(times) < max_repeats:
        times.append(clock(fn))
        if after_repeat is not None:
            after_repeat()
        elapsed = time.monotonic() - t_timed
        enough = len(times) >= min_repeats and elapsed >= min_time_s
        if enough and _noisy(times) and elapsed < NOISY_EXTENSION * min_time_s:
            enough = False  # a neighbour stole the CPU mid-run: more repeats, for a firmer median
        if enough or (deadline is not None and time.monotonic() > deadline):
            break
    return summarize(times, warmup_calls=done_warmup)


def _noisy(times_ms: list[float]) -> bool:
    """More than 10% between the median and the quartile above it: some repeats were preempted."""
    s = sorted(times_ms)
    median = statistics.median(s)
    return median > 0 and (quantile(s, 0.75) - median) / median > NOISY_SPREAD
