"""The timer: statistics on literal values, and agreement with torch.utils.benchmark.Timer."""
from __future__ import annotations

import time

import pytest
import torch
import torch.utils.benchmark as benchmark

from probes.measure.timing import summarize, time_call, time_once


def test_summarize_literal_values():
    s = summarize([4.0, 1.0, 3.0, 2.0, 5.0])
    assert s.median_ms == 3.0
    assert s.p90_ms == pytest.approx(4.6)  # linear interpolation: 4 + 0.6 * (5 - 4)
    assert s.iqr_ms == pytest.approx(2.0)  # q75 = 4, q25 = 2
    assert s.mean_ms == 3.0 and s.min_ms == 1.0 and s.repeats == 5
    assert s.cv == pytest.approx((2.5 ** 0.5) / 3.0)  # sample stdev / mean


def test_summarize_single_value_has_zero_spread():
    s = summarize([7.0])
    assert (s.median_ms, s.p90_ms, s.iqr_ms, s.cv) == (7.0, 7.0, 0.0, 0.0)


def test_repeats_respect_minimum_and_maximum():
    calls = []
    stats = time_call(lambda: calls.append(1), min_repeats=5, max_repeats=5, min_time_s=10.0,
                      warmup_calls=2)
    assert stats.repeats == 5 and stats.warmup_calls == 2 and len(calls) == 7


def test_deadline_stops_repeats_early():
    stats = time_call(lambda: time.sleep(0.002), min_repeats=1, max_repeats=1000, min_time_s=60.0,
                      deadline=time.monotonic())
    assert stats.repeats == 1


def test_sleep_is_timed_in_milliseconds():
    stats = time_call(lambda: time.sleep(0.01), min_repeats=3, min_time_s=0.0)
    assert 9.0 <= stats.median_ms < 60.0


def test_time_once_returns_the_result_and_its_time():
    out, ms = time_once(lambda: time.sleep(0.02) or "done")
    assert out == "done"
    assert 15 < ms < 500


def test_agrees_with_torch_benchmark_timer():
    """Same call, two timers, each taking single calls (`Timer.timeit(1)`), compared on their
    minimum: the one statistic a preempted call on a loaded 2-core machine cannot inflate.
    (blocked_autorange's blocks of ~100 calls absorb every preemption, so their minimum is not
    comparable under load.) Both run with the same thread count."""
    torch.manual_seed(0)
    a, b = torch.randn(256, 256), torch.randn(256, 256)
    fn = lambda: torch.mm(a, b)  # noqa: E731
    timer = benchmark.Timer(stmt="fn()", globals={"fn": fn}, num_threads=torch.get_num_threads())
    ratios = []
    for _ in range(3):
        ours = time_call(fn, "cpu", warmup_calls=3, min_repeats=60, max_repeats=60, min_time_s=0).min_ms
        theirs = min(timer.timeit(1).times[0] for _ in range(60)) * 1e3
        ratios.append(ours / theirs)
    assert 0.8 < sorted(ratios)[1] < 1.25, ratios


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_timer_agrees_with_torch_benchmark_timer():
    a = torch.randn(2048, 2048, device="cuda")
    fn = lambda: torch.mm(a, a)  # noqa: E731
    ours = time_call(fn, "cuda", warmup_calls=5, min_repeats=20, min_time_s=0.2).median_ms
    theirs = benchmark.Timer(stmt="fn()", globals={"fn": fn}).blocked_autorange(
        min_run_time=0.2).median * 1e3
    assert 0.67 < ours / theirs < 1.5
