"""The JSON contract is always sane: strict JSON, every number finite, every time and
amount of money ≥ 0, over the whole answers space; a figure that would be NaN, infinite or
negative is refused naming its source; strings from files lose their control characters."""
from __future__ import annotations

import dataclasses
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.text import render
from rubric import answers as answers_mod
from rubric import contract, engine, knowledge
from rubric.errors import OutputError, clean_text
from tests.rubric.test_properties import ANSWERS, _value

KB = knowledge.load()
QUESTIONS = answers_mod.questions()
SANE = settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def _extreme(q):
    """The edges of each numeric range, and beyond test_properties' 1e9: the largest finite float
    where the schema sets no maximum, the smallest positive one where it sets an exclusive minimum."""
    if q.type not in ("int", "number"):
        return None
    low = q.min if q.min is not None else 5e-324
    high = q.max if q.max is not None else 1.7e308
    values = [low, high, 1.0 if low <= 1 <= high else low]
    if q.type == "int":
        values = [int(v) for v in values]
    return st.sampled_from(values + ([None] if q.nullable else []))


EXTREMES = st.fixed_dictionaries(
    {n: _value(q) if q.type not in ("int", "number") else _extreme(q) for n, q in QUESTIONS.items()}).map(
    answers_mod.validate)


def _assert_sane(result: dict) -> None:
    text = json.dumps(result, allow_nan=False)  # raises ValueError on NaN or Infinity
    assert json.loads(text) == result
    for family, e in result["estimates"].items():
        for field in contract.NON_NEGATIVE:
            values = e[field] if isinstance(e[field], list) else [e[field]]
            for v in values:
                assert v is None or (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0), (family, field, v)
    for row in result["ranking"]:
        assert 0 <= row["p_meets_limits"] <= 1 and math.isfinite(row["score"])
    _assert_strings_clean(result)


def _assert_strings_clean(value) -> None:
    if isinstance(value, str):
        assert value.isprintable(), repr(value[:200])
    elif isinstance(value, dict):
        for k, v in value.items():
            _assert_strings_clean(k)
            _assert_strings_clean(v)
    elif isinstance(value, list):
        for v in value:
            _assert_strings_clean(v)


@SANE
@given(ANSWERS)
def test_contract_is_strict_json_with_sane_figures(answers):
    result = contract.to_dict(engine.decide(answers, KB), answers, KB)
    _assert_sane(result)
    contract.dumps(result)


@SANE
@given(EXTREMES)
def test_contract_is_sane_at_the_edges_of_every_range(answers):
    result = contract.to_dict(engine.decide(answers, KB), answers, KB)
    _assert_sane(result)
    render(result)  # the terminal text renders whatever the contract holds


def _decision(**changes):
    decision = engine.decide(answers_mod.defaults(), KB)
    family = decision.recommendation
    decision.estimates[family] = dataclasses.replace(decision.estimates[family], **changes)
    return decision, family


@pytest.mark.parametrize("field, value", [
    ("latency_ms_per_sample", math.nan), ("latency_ms_per_sample", -2.6e7), ("latency_ms_per_sample", math.inf),
    ("usd_per_1k_samples", -0.5), ("monthly_usd", math.nan), ("training_gpu_hours", -1.0),
    ("weeks_to_production", math.inf), ("latency_interval_ms", (math.nan, 1.0)),
    ("monthly_usd_interval", (-5.0, 10.0)), ("training_gpu_hours_interval", (1.0, math.inf)),
    ("weeks_interval", (0.0, math.nan)), ("usd_per_1k_interval", (-1e-9, 1.0)),
])
# These decisions are broken by hand after the engine ran (what_if=False: the what-if search would
# run the engine again on the hand-broken evidence, which no loader lets through).
def test_nan_infinite_or_negative_time_or_money_is_refused_naming_its_source(field, value):
    decision, family = _decision(**{field: value})
    with pytest.raises(OutputError) as err:
        contract.to_dict(decision, answers_mod.defaults(), KB, what_if=False)
    message = str(err.value)
    assert family in message and field in message and "\n" not in message


def test_nan_anywhere_else_is_refused_naming_where():
    decision, _ = _decision()
    decision.evidence["device_profile"] = {"device_name": "x", "effective_flop_per_s": math.nan}
    with pytest.raises(OutputError, match=r"evidence\.device_profile\.effective_flop_per_s"):
        contract.to_dict(decision, answers_mod.defaults(), KB, what_if=False)
    decision, _ = _decision()
    decision.scores[decision.recommendation] = math.inf
    with pytest.raises(OutputError, match=r"ranking\[0\]\.score"):
        contract.to_dict(decision, answers_mod.defaults(), KB, what_if=False)


def test_strings_from_files_lose_control_characters():
    decision, _ = _decision()
    hostile = "GPU\x1b[2J\x1b]0;owned\x07\nline\r\u202egnp.exe\ud800\x85"
    decision.evidence["device_profile"] = {"device_name": hostile, "effective_flop_per_s": 1e12}
    decision.evidence["probe_results"] = "out/\x1b[31mp.json"
    decision.notes.append(f"measured on {hostile}")
    result = contract.to_dict(decision, answers_mod.defaults(), KB, what_if=False)
    assert result["evidence"]["device_profile"]["device_name"] == "GPU[2J]0;ownedlinegnp.exe\ufffd"
    assert result["evidence"]["probe_results"] == "out/[31mp.json"
    _assert_strings_clean(result)
    json.dumps(result, ensure_ascii=False).encode("utf-8")  # no lone surrogate left to fail on
    assert all(line.isprintable() for line in render(result).splitlines())


def test_negative_zero_is_written_as_zero():
    decision, _ = _decision(usd_per_1k_samples=-0.0, monthly_usd=-0.0)
    result = contract.to_dict(decision, answers_mod.defaults(), KB, what_if=False)
    assert "-0.0" not in contract.dumps(result)


def test_clean_text_keeps_ordinary_text():
    text = "Latent diffusion, SD1.5 — 25 steps, 2 × A100 (≤ 30 ms), é, 中文"
    assert clean_text(text) == text
