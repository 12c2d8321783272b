"""The calibrated latency model: the stored fit is reproducible, intervals hold their point,
probabilities of meeting a limit behave, and the estimate command refuses bad names."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rubric import calibrate, engine, estimates, latency_model
from rubric.answers import validate
from rubric.knowledge import DATA_DIR
from rubric.knowledge import load as load_knowledge

KB = load_knowledge()


def test_the_fit_reproduces_the_stored_parameters():
    stored = (DATA_DIR / latency_model.CALIBRATION_FILE).read_text(encoding="utf-8")
    assert calibrate.render(calibrate.calibrate()) == stored


def test_every_row_names_known_parts_and_the_model_is_within_its_interval_of_most():
    rows = calibrate.load_rows(knowledge=KB)
    cal = latency_model.load_calibration()
    inside = [abs(latency_model.math.log(latency_model.row_seconds(r, KB, cal) / r["seconds"]))
              <= cal.interval_log_halfwidth for r in rows]
    assert len(rows) == cal.rows and sum(inside) / len(rows) >= 0.9


@pytest.mark.parametrize("hardware", ["a100", "t4", "cpu", "rtx4090"])
@pytest.mark.parametrize("conditioning", [["text"], ["class"], ["none"]])
def test_intervals_contain_the_point(defaults, hardware, conditioning):
    answers = validate({**defaults, "serving_hardware": hardware, "conditioning": conditioning})
    for e in engine.decide(answers, KB).estimates.values():
        for point, (low, high) in ((e.latency_ms_per_sample, e.latency_interval_ms),
                                   (e.usd_per_1k_samples, e.usd_per_1k_interval),
                                   (e.monthly_usd, e.monthly_usd_interval),
                                   (e.training_gpu_hours, e.training_gpu_hours_interval),
                                   (e.weeks_to_production, e.weeks_interval)):
            assert low <= point <= high  # equal ends where certain (a month of one device)
        assert e.latency_interval_ms[0] < e.latency_interval_ms[1]


def test_a_stack_changes_latency_in_the_published_direction(defaults):
    latency = {stack: engine.decide(validate({**defaults, "serving_stack": stack}), KB).estimates
               ["diffusion"].latency_ms_per_sample for stack in latency_model.STACKS}
    assert latency["tensorrt"] < latency["compiled"] < latency["eager"]


@settings(max_examples=40, deadline=None)
@given(st.floats(min_value=1.0, max_value=1e5), st.floats(min_value=1.0, max_value=1e5))
def test_p_meets_limits_is_monotone_in_the_limit(low, high):
    low, high = sorted((low, high))
    base = validate({"conditioning": ["text"], "binding_constraint": "latency"})
    p = {}
    for limit in (low, high):
        d = engine.decide({**base, "latency_budget_ms": limit})
        p[limit] = {f: e.p_meets_limits for f, e in d.estimates.items()}
    assert all(p[low][f] <= p[high][f] + 1e-12 for f in p[low])


def test_a_thin_margin_keeps_the_family_ranked_at_risk():
    base = validate({"conditioning": ["text"], "binding_constraint": "latency", "serving_hardware": "a100"})
    # The hybrid's fastest plan (latency does not depend on the limit): a limit just above it
    # leaves every hybrid plan at best at risk, so the family is shown at risk, not eliminated.
    point = min(e.latency_ms_per_sample for e in estimates.estimate_plans(base, KB)["hybrid"])
    d = engine.decide({**base, "latency_budget_ms": point * 1.02})
    assert "hybrid" not in d.eliminated and "hybrid" in d.at_risk and d.status("hybrid") == "at risk"
    assert d.estimates["hybrid"].latency_ms_per_sample == pytest.approx(point)
    assert 0.15 < d.estimates["hybrid"].p_meets_limits < 0.85
    assert d.at_risk["hybrid"].startswith(f"hybrid: {d.estimates['hybrid'].p_meets_limits:.0%} likely to meet")
    # Far over the limit is still eliminated, with its odds in the reason.
    far = engine.decide({**base, "latency_budget_ms": point / 4})
    assert "hybrid" in far.eliminated and "likely to meet" in far.eliminated["hybrid"]


def _genarch(*args):
    return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("option,bad,choices", [("--model", "sd9", "sdxl"), ("--hardware", "tpu", "a100"),
                                                ("--stack", "onnx", "tensorrt")])
def test_estimate_refuses_unknown_names_in_one_line(option, bad, choices):
    args = {"--model": "sd15", "--hardware": "a100", "--stack": "eager", option: bad}
    done = _genarch("estimate", *(x for kv in args.items() for x in kv))
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and choices in done.stderr and bad in done.stderr


def test_estimate_catalog_json():
    done = _genarch("estimate", "--model", "SDXL", "--hardware", "A100", "--usd-per-hour", "2", "--format", "json")
    out = json.loads(done.stdout)
    low, high = out["latency_interval_ms"]
    assert out["basis"] == "catalog" and out["steps"] == 50 and out["guidance"] is True
    assert low < out["latency_ms_per_sample"] < high and out["usd_per_1k_samples"] > 0
    batch = json.loads(_genarch("estimate", "--model", "sdxl", "--hardware", "a100", "--batch", "8",
                                "--format", "json").stdout)
    assert batch["latency_ms_per_sample"] < out["latency_ms_per_sample"]  # batching amortises launches
