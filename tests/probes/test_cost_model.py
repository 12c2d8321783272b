"""The cost model: recovers known parameters from synthetic timings; predictions behave."""
from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probes.cost_model import (device_profile, fit_cost_model, fit_points, predict,
                               usd_per_1k_samples)
from rubric.errors import InputError


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


def test_families_are_fitted_apart_and_selectable(synthetic_rows):
    gan = [dict(r, architecture="gan") for r in synthetic_rows(0.1, 5e10)]
    diffusion = [dict(r, architecture="diffusion") for r in synthetic_rows(3.0, 1e11)]
    cm = fit_cost_model(gan + diffusion, "cpu0", "cpu")
    assert cm["architecture"] == "diffusion"
    assert cm["effective_flop_per_s"] == pytest.approx(1e11, rel=1e-4)
    assert cm["fits_by_architecture"]["gan"]["fp32"]["effective_flop_per_s"] == pytest.approx(5e10, rel=1e-4)
    assert predict(cm, 1e9, 1, 1, architecture="gan")["latency_ms_per_sample"] == pytest.approx(20.1, rel=1e-3)
    with pytest.raises(InputError):
        predict(cm, 1e9, 1, 1, architecture="vae")


def test_headline_dtype_is_the_fastest(synthetic_rows):
    rows = synthetic_rows(1.0, 1e12, dtype="fp32") + synthetic_rows(1.0, 8e12, dtype="bf16")
    cm = fit_cost_model(rows, "gpu", "cuda")
    assert cm["dtype"] == "bf16"
    assert {"device_name", "device_kind", "dtype", "fixed_overhead_ms_per_forward",
            "effective_flop_per_s", "relative_band"} <= set(device_profile(cm))
    slow = predict(cm, 1e10, 10, 1, dtype="fp32")["latency_ms_per_sample"]
    assert slow > predict(cm, 1e10, 10, 1)["latency_ms_per_sample"]


def test_prediction_scales_with_nfe_and_flops_and_amortises_overhead(synthetic_rows):
    cm = fit_cost_model(synthetic_rows(2.0, 1e11, noise=0.02), "test", "cpu")
    p = lambda f, n, b: predict(cm, f, n, b)["latency_ms_per_sample"]  # noqa: E731
    assert p(1e9, 50, 1) == pytest.approx(50 * p(1e9, 1, 1))
    assert p(1e10, 1, 1) > p(1e9, 1, 1)
    assert p(1e9, 1, 8) < p(1e9, 1, 1)  # the fixed overhead is shared by the batch


def test_interval_contains_point_and_widens_when_extrapolating(synthetic_rows):
    cm = fit_cost_model(synthetic_rows(2.0, 1e11, noise=0.05), "test", "cpu")
    inside = predict(cm, 1e9, 1, 1)
    outside = predict(cm, 1e13, 1, 1)
    for p in (inside, outside):
        lo, hi = p["interval"]
        assert lo <= p["latency_ms_per_sample"] <= hi
    width = lambda p: (p["interval"][1] - p["interval"][0]) / p["latency_ms_per_sample"]  # noqa
    assert not inside["extrapolated"] and outside["extrapolated"]
    assert width(outside) >= width(inside)


def test_usd_per_1k_samples():
    assert usd_per_1k_samples(3600.0, 1.0) == pytest.approx(1.0)  # 1000 x 3.6 s = 1 h


@pytest.mark.parametrize("flops,nfe,batch", [(0, 1, 1), (-1e9, 1, 1), (float("nan"), 1, 1),
                                             (1e9, 0, 1), (1e9, 1, 0), (1e9, 2.5, 1)])
def test_bad_inputs_raise_input_error(synthetic_rows, flops, nfe, batch):
    cm = fit_cost_model(synthetic_rows(1.0, 1e11), "test", "cpu")
    with pytest.raises(InputError):
        predict(cm, flops, nfe, batch)


def test_empty_cost_model_is_an_input_error():
    with pytest.raises(InputError):
        predict({"schema_version": 1, "cost_model": None}, 1e9, 1, 1)


def test_torch_free_modules_do_not_import_torch():
    code = ("import sys, probes.cost_model, probes.results, probes.config, probes.registry, "
            "reports.probe_table, app.cmd_estimate, app.cmd_probe; "
            "bad = [m for m in ('torch', 'diffusers', 'numpy') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_preempted_row_does_not_drag_the_fit(synthetic_rows):
    rows = synthetic_rows(2.0, 1e11, noise=0.02)
    rows[5] = dict(rows[5], latency_ms_per_sample=rows[5]["latency_ms_per_sample"] * 5)  # a busy neighbour
    cm = fit_cost_model(rows, "test", "cpu")
    assert cm["effective_flop_per_s"] == pytest.approx(1e11, rel=0.05)
    assert cm["fixed_overhead_ms_per_forward"] == pytest.approx(2.0, rel=0.1)
    assert cm["fits"]["fp32"]["downweighted_rows"] >= 1
    assert cm["relative_band"] < 0.1  # the outlier does not set the band
