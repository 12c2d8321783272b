"""The cost model's predictions: pure arithmetic on a fit, honest about what lies outside it."""
from __future__ import annotations

import subprocess
import sys

import pytest

from probes.summaries.cost_fit import fit_cost_model
from probes.summaries.cost_model import device_profile, outside_measured, predict
from rubric.estimates import usd_per_1k_samples
from rubric.errors import InputError


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
    code = ("import sys, probes.summaries.cost_model, probes.results, probes.config, probes.registry, "
            "reports.probe_table, app.cmd_estimate, app.cmd_probe; "
            "bad = [m for m in ('torch', 'diffusers', 'numpy') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_request_beyond_the_measured_rows_says_so(synthetic_rows):
    cm = fit_cost_model(synthetic_rows(2.0, 1e11), "test", "cpu")
    fit = cm["fits"]["fp32"]
    assert outside_measured(fit, 1e9, 4) == []
    big = predict(cm, 1e12, 1, 1, architecture="")
    assert big["extrapolated"] and "100x the largest reference model measured" in big["outside"][0]
    assert "below the smallest" in outside_measured(fit, 1e5, 1)[0]
    assert "batch 64 is above the largest measured (4)" in outside_measured(fit, 1e9, 64)[0]
    named = fit_cost_model([dict(r, architecture="diffusion") for r in synthetic_rows(2.0, 1e11)], "t", "cpu")
    assert predict(named, 1e9, 1, 1)["outside"] == ["no family given: the diffusion fit stands for it"]
    assert predict(named, 1e9, 1, 1, architecture="diffusion")["outside"] == []


def test_a_file_fitted_with_three_coefficients_still_predicts(synthetic_rows):
    """Results written before the per-call FLOP term hold [ms/call, ms/sample, ms/FLOP] refits."""
    cm = fit_cost_model(synthetic_rows(2.0, 1e11), "test", "cpu")
    fit = cm["fits"]["fp32"]
    old = {k: v for k, v in fit.items() if k not in ("ms_per_flop_per_call", "ms_per_flop_per_sample",
                                                     "flops_per_forward_range", "batch_range")}
    old["bootstrap"] = [[a, b, d] for a, b, _, d in fit["bootstrap"]]
    old_cm = dict(cm, fits={"fp32": old}, fits_by_architecture={"": {"fp32": old}})
    now, before = predict(cm, 1e9, 1, 4), predict(old_cm, 1e9, 1, 4)
    assert before["latency_ms_per_sample"] == pytest.approx(now["latency_ms_per_sample"], rel=1e-6)
    assert not before["extrapolated"]


def test_guidance_doubles_flops_not_overhead(synthetic_rows):
    cm = fit_cost_model(synthetic_rows(2.0, 1e11), "test", "cpu")
    once, guided = predict(cm, 1e9, 1, 1)["latency_ms_per_sample"], predict(cm, 2e9, 1, 1)["latency_ms_per_sample"]
    assert once < guided < 2 * once


def test_the_device_profile_carries_both_rates(synthetic_rows):
    cm = fit_cost_model(synthetic_rows(2.0, 1e11), "test", "cpu")
    profile = device_profile(cm)
    assert profile["throughput_flop_per_s"] == pytest.approx(1e11, rel=1e-4)
    assert profile["effective_flop_per_s"] == pytest.approx(1e11, rel=1e-4)  # no per-call FLOP cost here
    old = dict(cm, fits={"fp32": {k: v for k, v in cm["fits"]["fp32"].items() if k != "throughput_flop_per_s"}})
    assert device_profile(old)["throughput_flop_per_s"] is None
