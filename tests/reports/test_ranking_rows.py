"""The ranking table shared by the app and the report: every estimate with its interval, the
status with its reason, and each candidate's plan in words."""
from __future__ import annotations

import pytest

from app.analysis import analyse
from reports.document import RANKING_HEADER, ranking_rows
from reports.text import licence_name, plan_words
from rubric.answers import load_file, validate

from tests.conftest import EXAMPLES


def _at_risk():
    """A decision with a candidate at risk: a latency limit just above some candidate's estimate
    (the engine may then pick another plan, so a few limits are tried)."""
    base = validate({"conditioning": ["text"], "binding_constraint": "latency", "serving_hardware": "a100"})
    points = sorted(e["latency_ms_per_sample"] for e in analyse(base)["estimates"].values())
    for point in points:
        for factor in (1.02, 1.05, 1.1, 1.2, 0.98):
            result = analyse({**base, "latency_budget_ms": point * factor})
            rows = [r for r in result["ranking"] if r["status"] == "at risk"]
            if rows:
                return result, rows[0], point * factor
    pytest.fail("no latency limit puts a candidate at risk")


def test_each_row_carries_intervals_odds_and_the_at_risk_status():
    result, risky, limit = _at_risk()
    rows = {row[1]: dict(zip(RANKING_HEADER, row)) for row in ranking_rows(result)}
    cell = rows[risky["architecture"]]
    e = result["estimates"][risky["architecture"]]
    p = e["p_meets_limits"]
    assert cell["status"] == f"at risk: {p:.0%} likely to meet the {limit:,g} ms latency limit"
    assert cell["p(limits)"] == f"{p:.0%}"
    low, high = e["latency_interval_ms"]
    assert " – " in cell["latency/sample (90%)"] and low < e["latency_ms_per_sample"] < high
    assert all(len(row) == len(RANKING_HEADER) for row in ranking_rows(result))


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_status_and_plan_cells_follow_the_contract(example):
    answers = load_file(EXAMPLES / example)
    result = analyse(answers)
    for cells, row in zip(ranking_rows(result), result["ranking"]):
        cell = dict(zip(RANKING_HEADER, cells))
        e = result["estimates"][row["architecture"]]
        assert cell["status"].split(":")[0] == row["status"]
        reason = {"eliminated": row["elimination_reason"], "infeasible": row["infeasible_reason"],
                  "at risk": row["at_risk"]}.get(row["status"])
        if reason:  # the reason, less the "family, variant: " the row already shows
            assert reason.split(": ", 1)[-1] in cell["status"]
        assert (cell["status"] == "ok") == (row["status"] == "ok")
        plan = cell["plan"]
        assert ("off the shelf" in plan) == (e["plan"] == "as_is" and not e["in_house_distillation"])
        assert plan.startswith("trained from scratch") == (e["plan"] == "from_scratch")
        assert ("distilled in house" in plan) == e["in_house_distillation"]
        if e["plan"] == "fine_tune":
            assert f"{e['images_used']:,}" in plan and "fine-tuned on" in plan
        if e["licence"]:
            assert plan.endswith(licence_name(e["licence"]))
        else:
            assert e["plan"] == "from_scratch"


def test_plan_words():
    licence = "Stability AI Community License (commercial use free below USD 1M annual revenue)"
    as_is = {"plan": "as_is", "licence": licence, "images_used": 0, "in_house_distillation": False}
    assert plan_words(as_is) == "off the shelf, Stability AI Community License"
    assert plan_words(as_is, full_licence=True) == f"off the shelf, {licence}"
    tune = {**as_is, "plan": "fine_tune", "images_used": 3000, "licence": "CreativeML OpenRAIL-M (use restrictions)"}
    assert plan_words(tune, 20000) == "fine-tuned on 3,000 of 20,000 images, CreativeML OpenRAIL-M"
    assert plan_words(tune, 3000) == "fine-tuned on all 3,000 of your images, CreativeML OpenRAIL-M"
    scratch = {"plan": "from_scratch", "licence": None, "images_used": 20000, "in_house_distillation": True}
    assert plan_words(scratch, 20000) == "trained from scratch on 20,000 images, then distilled in house"
    assert plan_words({**as_is, "in_house_distillation": True}).startswith("distilled in house from public weights")
    assert licence_name("OpenRAIL++ (LoRA, model card); the SDXL base …") == "OpenRAIL++"
