"""Answer-level what-ifs: for each answer that could change the decision, the value at which it would.

    changes = search(answers, knowledge, evidence, current="gan")   # [WhatIf], nearest first

Users think in their answers, not in criterion weights: "with a latency budget of 345 ms or more,
diffusion wins"; "if the team could maintain a custom pipeline, hybrid". The search runs the
engine itself (rubric.engine.decide, without the robustness draws) with one answer changed at a
time, every other answer as given, over the ranges in data/what_if.yaml:
  * a number is tried at both ends of its range; where an end recommends another family, the
    boundary between the answer as given and that end is bisected on a log scale to
    `relative_precision`, and the threshold is rounded to two significant figures when the rounded
    value still gives the same recommendation. A number with no limit (null) is only tightened.
  * a choice is tried at every other value (a boolean flipped); a list has each asked item dropped.
Every change listed was checked with the engine: applying it gives the listed recommendation.
The search assumes nothing about monotony: "or more" is said only when the far end of the range
recommends the same family as the threshold does.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import yaml

from rubric import answers as answers_mod
from rubric import engine
from rubric.knowledge import DATA_DIR, Knowledge, load as load_knowledge
from rubric.utilities import fmt_quantity

MAX_BISECTIONS = 24  # 2^-24 of a log range of 10^9 is far below any precision asked


@dataclass(frozen=True)
class WhatIf:
    field: str
    label: str
    change: str  # "at_least" | "at_most" | "set"
    threshold: float | int | None  # numbers: the value found; None for a set choice
    value: Any  # the answer as changed (the threshold for numbers)
    current: Any  # the answer as given
    recommendation: str  # the family recommended with the change
    variant_name: str  # its plan's variant
    holds_to_end: bool  # numbers: the far end of the range recommends the same family
    text: str
    current_text: str  # the answer as given, in words: '250 ms', 'no limit', 'budget'
    feasible: bool = True  # False: no candidate survives the change; `recommendation` comes closest

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=1)
def settings() -> dict[str, Any]:
    with open(DATA_DIR / "what_if.yaml", encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    schema = answers_mod.questions()
    unknown = [f for f in [*raw["numbers"], *raw["choices"], *raw["drop_each"], *raw.get("skip_values", {})]
               if f not in schema]
    if unknown:
        raise ValueError(f"what_if.yaml names fields the questions do not have: {', '.join(unknown)}")
    return raw


def label(field: str) -> str:
    """'latency_budget_ms' -> 'latency budget': the question's label, to go mid-sentence (an
    acronym that starts it, 'GAN experience', stays as it is)."""
    first, _, rest = answers_mod.questions()[field].title().partition(" ")
    return " ".join(filter(None, (first if first.isupper() else first.lower(), rest)))


def quantity(field: str, value: float | int) -> str:
    """A number as a user reads their own answer: '345 ms', '40,000 images', '12,000 USD/month'."""
    unit = answers_mod.questions()[field].unit or ""
    if unit in ("images", "GPUs", "samples/month"):
        return f"{value:,.0f} {unit}"
    if unit == "weeks":
        return f"{value:,.3g} weeks"
    if unit == "USD/h":
        return f"{value:,.3g} USD/h"
    return fmt_quantity(value, unit).strip() if unit else f"{value:,.3g}"


def _choice_words(field: str, value: Any) -> str:
    q = answers_mod.questions()[field]
    if q.type == "bool":
        return {
            "team_can_maintain_custom_pipeline": "the team can maintain a custom pipeline",
            "pretrained_allowed": "public pretrained weights are allowed",
            "commercial_use": "the use is commercial",
        }.get(field, label(field)) if value else {
            "team_can_maintain_custom_pipeline": "the team cannot maintain a custom pipeline",
            "pretrained_allowed": "no public pretrained weights",
            "commercial_use": "the use is not commercial (non-commercial licences allowed)",
        }.get(field, f"not {label(field)}")
    if field == "binding_constraint":
        return "no binding constraint" if value == "none" else f"{value} as the binding constraint"
    return f"{label(field)} {str(value).replace('_', ' ')}"


@dataclass(frozen=True)
class _Outcome:
    top: str
    feasible: bool
    variant: str

    def same(self, other: "_Outcome") -> bool:
        """The same decision: the same family, and feasible or not alike (a change that leaves no
        candidate standing changes the decision even when the same family comes closest)."""
        return (self.top, self.feasible) == (other.top, other.feasible)


class _Engine:
    """The decision for changed answers, each run once; fine-tunes' image counts reused across
    runs that change only serving answers (decide's memo)."""

    def __init__(self, answers: dict, knowledge: Knowledge, evidence: dict | None) -> None:
        self.answers, self.knowledge, self.evidence = answers, knowledge, evidence or {}
        self.memo: dict = {}
        self.seen: dict[tuple, _Outcome] = {}

    def __call__(self, field: str | None, value: Any = None) -> _Outcome:
        key = (field, repr(value))
        if key not in self.seen:
            changed = self.answers if field is None else {**self.answers, field: value}
            decision = engine.decide(changed, self.knowledge, self.evidence, robust=False, memo=self.memo)
            top = decision.recommendation
            self.seen[key] = _Outcome(top, decision.feasible, decision.estimates[top].label)
        return self.seen[key]


def _rounded(value: float, toward: str, integer: bool) -> float | int:
    """Two significant figures, rounded away from the answer as given (up for at_least)."""
    if value <= 0:
        return value
    step = 10 ** (math.floor(math.log10(value)) - 1)
    nice = (math.ceil if toward == "at_least" else math.floor)(round(value / step, 9)) * step
    nice = float(f"{nice:.6g}")
    return int(round(nice)) if integer else nice


def _bounds(field: str, q) -> tuple[float, float]:
    low, high = settings()["numbers"][field]
    if q.min is not None:
        low = max(low, q.min)
    if q.exclusive_min is not None:
        low = max(low, q.exclusive_min * 1.001 if q.exclusive_min > 0 else 1e-9)
    if q.max is not None:
        high = min(high, q.max)
    return float(low), float(high)


def _number(field: str, run: _Engine, current: _Outcome, precision: float) -> list[WhatIf]:
    q = answers_mod.questions()[field]
    given = run.answers[field]
    integer = q.type == "int"
    low, high = _bounds(field, q)
    cast = (lambda v: int(round(v))) if integer else float
    found = []
    directions = ["at_most"] if given is None else ["at_most", "at_least"]
    for direction in directions:
        end = cast(low if direction == "at_most" else high)
        if given is not None and ((direction == "at_most" and end >= given) or (direction == "at_least" and end <= given)):
            continue
        at_end = run(field, end)
        start = None if given is None else cast(given)
        if given is None:  # no limit stated: first the loosest limit of the range
            start = cast(high)
            at_start = run(field, start)
            if not at_start.same(current):  # stating any limit at all changes the decision
                found.append(_number_entry(field, direction, start, given, at_start, at_end.same(at_start)))
                continue
        if at_end.same(current):
            continue
        if not low <= start <= high:  # an answer outside the realistic range (or 0, where a log
            # scale cannot start): the search starts from the range's nearer end, if it agrees
            start = cast(low if start < low else high)
            at_start = run(field, start)
            if not at_start.same(current):
                found.append(_number_entry(field, direction, start, given, at_start, at_end.same(at_start)))
                continue
        inside, outside = float(start), float(end)  # inside: as given; outside: another family
        for _ in range(MAX_BISECTIONS):
            if abs(math.log(outside / inside)) <= math.log1p(precision) or (integer and abs(outside - inside) <= 1):
                break
            middle = cast(math.exp((math.log(inside) + math.log(outside)) / 2))
            if middle in (cast(inside), cast(outside)):
                break
            if run(field, middle).same(current):
                inside = middle
            else:
                outside = middle
        threshold = cast(outside)
        outcome = run(field, threshold)
        nice = _rounded(threshold, direction, integer)
        if nice != threshold and low <= nice <= high and run(field, nice) == outcome:
            threshold = nice
        found.append(_number_entry(field, direction, threshold, given, outcome, at_end.same(outcome)))
    return found


def _to(outcome: _Outcome) -> str:
    """'→ diffusion', or '→ no candidate stands, gan comes closest'."""
    return f"→ {outcome.top}" if outcome.feasible else f"→ no candidate stands, {outcome.top} comes closest"


def _entry(field: str, change: str, threshold, value, given, outcome: _Outcome, holds_to_end: bool,
           text: str) -> WhatIf:
    return WhatIf(field, label(field), change, threshold, value, given, outcome.top, outcome.variant,
                  holds_to_end, text, answers_mod.in_words(field, given), outcome.feasible)


def _number_entry(field, direction, threshold, given, outcome: _Outcome, holds_to_end: bool) -> WhatIf:
    name, value = label(field), quantity(field, threshold)
    further = f" or {'more' if direction == 'at_least' else 'less'}" if holds_to_end else ""
    return _entry(field, direction, threshold, threshold, given, outcome, holds_to_end,
                  f"{name} of {value}{further} {_to(outcome)}")


def _choice(field: str, run: _Engine, current: _Outcome) -> list[WhatIf]:
    q = answers_mod.questions()[field]
    given = run.answers[field]
    skip = set(settings().get("skip_values", {}).get(field, []))
    values = [not given] if q.type == "bool" else [c for c in q.choices if c != given and c not in skip]
    found = []
    for value in values:
        outcome = run(field, value)
        if not outcome.same(current):
            found.append(_entry(field, "set", None, value, given, outcome, False,
                                f"{_choice_words(field, value)} {_to(outcome)}"))
    return found


def _drop_each(field: str, run: _Engine, current: _Outcome) -> list[WhatIf]:
    given = list(run.answers[field])
    found = []
    for item in given:
        if item == "none":
            continue
        rest = [i for i in given if i != item] or ["none"]
        outcome = run(field, rest)
        if not outcome.same(current):
            found.append(_entry(field, "set", None, rest, given, outcome, False,
                                f"without {item} {label(field)} {_to(outcome)}"))
    return found


def search(answers: dict, knowledge: Knowledge | None = None, evidence: dict | None = None) -> list[WhatIf]:
    """Every single-answer change found that changes the decision for `answers` (its family, or
    whether any candidate stands): those to another family first, then those that leave none;
    within each, numbers nearest first (by how far, in ratio, from the answer as given), then the
    choices in what_if.yaml's order."""
    knowledge = knowledge or load_knowledge()
    config = settings()
    run = _Engine(answers, knowledge, evidence)
    current = run(None)
    numbers = [w for f in config["numbers"] for w in _number(f, run, current, config["relative_precision"])]

    def distance(w: WhatIf) -> float:
        if w.current in (None, 0) or not w.threshold:
            return math.inf
        return abs(math.log(w.threshold / w.current))

    numbers.sort(key=distance)
    choices = [w for f in config["choices"] for w in _choice(f, run, current)]
    drops = [w for f in config["drop_each"] for w in _drop_each(f, run, current)]
    # A change to another family before one that leaves nothing standing (how far the answer is
    # from failing, which matters less than what it would take to choose otherwise).
    return sorted(numbers + choices + drops, key=lambda w: not w.feasible)
