"""The ranking table shared by the app and the report: every estimate with its interval."""
from __future__ import annotations

from app.analysis import analyse
from reports.document import RANKING_HEADER, ranking_rows
from rubric.answers import validate


def test_each_row_carries_intervals_odds_and_the_at_risk_status():
    base = validate({"conditioning": ["text"], "binding_constraint": "latency", "serving_hardware": "a100"})
    point = analyse(base)["estimates"]["hybrid"]["latency_ms_per_sample"]
    result = analyse({**base, "latency_budget_ms": point * 1.02})
    rows = {row[1]: dict(zip(RANKING_HEADER, row)) for row in ranking_rows(result)}
    hybrid = rows["hybrid"]
    assert hybrid["status"].startswith("at risk (") and hybrid["p(limits)"].endswith("%")
    low, high = result["estimates"]["hybrid"]["latency_interval_ms"]
    assert " – " in hybrid["latency/sample (90%)"] and low < point < high
    assert all(len(row) == len(RANKING_HEADER) for row in ranking_rows(result))
