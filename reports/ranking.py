"""The ranking, one candidate a row, built once from the decision contract: the report's table
(reports/document.py) and the app's table, details and phone cards (app/views.py) take their
cells from `ranked`, each writing the figures in its own style.

    for row in ranked(result):
        row.rank, row.family, row.status_cell, row.score, row.meets_limits
        row.figure("latency_ms_per_sample", ms)   # '345 ms (250 ms – 480 ms)'
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from reports.cells import score, share, with_interval
from reports.text import plan_words, shown_score, status_cell, status_of, status_reason, variant_of

# estimate -> its 90% interval in the contract
INTERVALS = {"latency_ms_per_sample": "latency_interval_ms", "usd_per_1k_samples": "usd_per_1k_interval",
             "monthly_usd": "monthly_usd_interval", "training_gpu_hours": "training_gpu_hours_interval",
             "weeks_to_production": "weeks_interval"}


@dataclass(frozen=True)
class RankedCandidate:
    rank: int  # 1 is the recommendation
    family: str
    status: str  # 'ok', 'at risk', 'eliminated' or 'infeasible'
    reason: str  # why it has its status, without the family's name; '' when ok
    status_cell: str  # 'ok', or the status with its reason: 'eliminated: 1.25 s predicted > …'
    score: str  # '0.854'
    meets_limits: str  # '100%': the probability of meeting every limit stated
    variant: str  # the variant's name, its step count the one its estimate was computed for
    plan: str  # how its weights are obtained: 'fine-tuned on 3,000 of 20,000 images, …'
    estimate: dict[str, Any]  # the contract's estimate, for `figure`

    def point(self, key: str, write: Callable[[float], str]) -> str:
        return write(self.estimate[key])

    def figure(self, key: str, write: Callable[[float], str]) -> str:
        """The estimate with its 90% interval, both written by `write`."""
        return with_interval(self.point(key, write), self.estimate.get(INTERVALS[key]), write)


def ranked(result: dict[str, Any]) -> list[RankedCandidate]:
    """Every candidate of the contract's ranking, best first."""
    images = (result.get("answers") or {}).get("dataset_images")
    rows = []
    for rank, row in enumerate(result["ranking"], 1):
        family = row["architecture"]
        estimate = result["estimates"][family]
        rows.append(RankedCandidate(
            rank=rank, family=family, status=status_of(row), reason=status_reason(row), status_cell=status_cell(row),
            score=score(shown_score(row)), meets_limits=share(estimate["p_meets_limits"]),
            variant=variant_of(result, family), plan=plan_words(estimate, images), estimate=estimate))
    return rows
