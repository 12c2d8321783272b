"""Fitting the cost model: recovers known parameters from synthetic timings, robustly."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probes.summaries.cost_fit import fit_cost_model, fit_points


@given(overhead=st.floats(0.01, 50.0), rate=st.floats(1e9, 1e15))
@settings(max_examples=30, deadline=None)
def test_exact_timings_recover_parameters(overhead, rate):
    from tests.probes.conftest import make_synthetic_rows as synthetic_rows

    cm = fit_cost_model(synthetic_rows(overhead, rate), "test", "cpu")
    assert cm["fixed_overhead_ms_per_forward"] == pytest.approx(overhead, rel=1e-4, abs=1e-6)
    assert cm["effective_flop_per_s"] == pytest.approx(rate, rel=1e-4)


def test_noisy_timings_recover_parameters_within_noise(synthetic_rows):
    cm = fit_cost_model(synthetic_rows(2.0, 1e11, noise=0.05), "test", "cpu")
    assert cm["fixed_overhead_ms_per_forward"] == pytest.approx(2.0, rel=0.1)
    assert cm["effective_flop_per_s"] == pytest.approx(1e11, rel=0.1)
    assert 0.05 <= cm["relative_band"] <= 0.1  # the band reflects the 5% noise


def test_per_call_and_per_sample_overheads_are_told_apart():
    """time = 2 ms per call + 0.3 ms per sample + F x B at 1e11 FLOP/s (1e-8 ms/FLOP)."""
    points = [(f, b, 2.0 + 0.3 * b + 1e-8 * f * b) for f in (1e7, 1e8, 1e9) for b in (1, 8)]
    fit = fit_points(points)
    assert fit["overhead_ms_per_call"] == pytest.approx(2.0, rel=1e-6)
    assert fit["overhead_ms_per_sample"] == pytest.approx(0.3, rel=1e-6)
    assert fit["fixed_overhead_ms_per_forward"] == pytest.approx(2.3, rel=1e-6)  # at batch 1
    assert fit["effective_flop_per_s"] == pytest.approx(1e11, rel=1e-6)


def test_coefficients_stay_non_negative():
    points = [(1e9, 1, 9.0), (2e9, 1, 19.0), (4e9, 1, 39.0)]  # a line through (0, -1)
    fit = fit_points(points)
    assert fit["overhead_ms_per_call"] == 0.0 and fit["overhead_ms_per_sample"] == 0.0
    assert fit["effective_flop_per_s"] > 0
    assert all(min(t) >= 0 for t in fit["bootstrap"])


def test_a_preempted_row_does_not_drag_the_fit(synthetic_rows):
    rows = synthetic_rows(2.0, 1e11, noise=0.02)
    rows[5] = dict(rows[5], latency_ms_per_sample=rows[5]["latency_ms_per_sample"] * 5)  # a busy neighbour
    cm = fit_cost_model(rows, "test", "cpu")
    assert cm["effective_flop_per_s"] == pytest.approx(1e11, rel=0.05)
    assert cm["fixed_overhead_ms_per_forward"] == pytest.approx(2.0, rel=0.1)
    assert cm["fits"]["fp32"]["downweighted_rows"] >= 1
    assert cm["relative_band"] < 0.1  # the outlier does not set the band


def test_the_per_call_flop_term_is_told_apart_from_the_per_sample_rate():
    """time = 1 ms + F x 2e-9 ms once per call + F x B x 4e-9 ms: a FLOP at batch 1 costs 1.5x one
    in a large batch, as real generators' rows show on a CPU."""
    points = [(f, b, 1.0 + 2e-9 * f + 4e-9 * f * b) for f in (1e7, 1e8, 1e9) for b in (1, 4, 32)]
    fit = fit_points(points)
    assert fit["ms_per_flop_per_call"] == pytest.approx(2e-9, rel=1e-6)
    assert fit["ms_per_flop_per_sample"] == pytest.approx(4e-9, rel=1e-6)
    assert fit["effective_flop_per_s"] == pytest.approx(1000 / 6e-9, rel=1e-6)  # batch 1
    assert fit["throughput_flop_per_s"] == pytest.approx(1000 / 4e-9, rel=1e-6)
    assert fit["flops_per_forward_range"] == [1e7, 1e9] and fit["batch_range"] == [1, 32]
    assert all(len(refit) == 4 for refit in fit["bootstrap"])


def test_no_points_is_an_error():
    with pytest.raises(ValueError):
        fit_points([])
