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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=1)
def settings() -> dict[str, Any]:
    with open(DATA_DIR / "what_if.yaml", encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    schema = answers_mod.questions()
    unknown = [f for f in [*raw["numbers"], *raw["choices"], *raw["drop_each"]] if f not in schema]
    if unknown:
        raise ValueError(f"what_if.yaml names fields the questions do not have: {', '.join(unknown)}")
    return raw


def label(field: str) -> str:
    """'latency_budget_ms' -> 'latency budget': the question's label, lower-case, without its unit."""
    q = answers_mod.questions()[field]
    text = getattr(q, "label", None) or field.replace("_", " ")
    words = text.split()
    if q.unit and len(words) > 2 and words[-1].lower() in {"ms", "usd", "hours", "weeks", "images", "month"}:
        words = words[:-1]
    acronyms = {"gpu": "GPU", "usd": "USD", "gan": "GAN", "gpus": "GPUs"}
    return " ".join(acronyms.get(w.lower(), w.lower() if i == 0 and not w.isupper() else w)
                    for i, w in enumerate(words))


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


def answer_words(field: str, value: Any) -> str:
    """An answer as given, in words: '250 ms', 'no limit', 'yes', 'text, spatial'."""
    q = answers_mod.questions()[field]
    if value is None:
        return "no limit"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if q.type in ("int", "number"):
        return quantity(field, value)
    return str(value).replace("_", " ")


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


class _Engine:
    """The recommendation for changed answers, each run once; fine-tunes' image counts reused
    across runs that change only serving answers (decide's memo)."""

    def __init__(self, answers: dict, knowledge: Knowledge, evidence: dict | None) -> None:
        self.answers, self.knowledge, self.evidence = answers, knowledge, evidence or {}
        self.memo: dict = {}
        self.seen: dict[tuple, tuple[str, str]] = {}

    def __call__(self, field: str, value: Any) -> tuple[str, str]:
        key = (field, repr(value))
        if key not in self.seen:
            changed = {**self.answers, field: value}
            decision = engine.decide(changed, self.knowledge, self.evidence, robust=False, memo=self.memo)
            top = decision.recommendation
            self.seen[key] = (top, decision.estimates[top].label)
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


def _number(field: str, run: _Engine, current_top: str, precision: float) -> list[WhatIf]:
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
        end_top, _ = run(field, end)
        start = None if given is None else cast(given)
        if given is None:  # no limit stated: first the loosest limit of the range
            start = cast(high)
            top_at_start, variant = run(field, start)
            if top_at_start != current_top:  # stating any limit at all changes the decision
                found.append(_number_entry(field, direction, start, given, top_at_start, variant,
                                           end_top == top_at_start))
                continue
        if end_top == current_top:
            continue
        if not low <= start <= high:  # an answer outside the realistic range (or 0, where a log
            # scale cannot start): the search starts from the range's nearer end, if it agrees
            start = cast(low if start < low else high)
            top_at_low, variant = run(field, start)
            if top_at_low != current_top:
                found.append(_number_entry(field, direction, start, given, top_at_low, variant,
                                           end_top == top_at_low))
                continue
        inside, outside = float(start), float(end)  # inside: as given; outside: another family
        for _ in range(MAX_BISECTIONS):
            if abs(math.log(outside / inside)) <= math.log1p(precision) or (integer and abs(outside - inside) <= 1):
                break
            middle = cast(math.exp((math.log(inside) + math.log(outside)) / 2))
            if middle in (cast(inside), cast(outside)):
                break
            if run(field, middle)[0] == current_top:
                inside = middle
            else:
                outside = middle
        threshold = cast(outside)
        top, variant = run(field, threshold)
        nice = _rounded(threshold, direction, integer)
        if nice != threshold and low <= nice <= high and run(field, nice)[0] == top:
            threshold = nice
            variant = run(field, nice)[1]
        found.append(_number_entry(field, direction, threshold, given, top, variant, end_top == top))
    return found


def _number_entry(field, direction, threshold, given, top, variant, holds_to_end) -> WhatIf:
    name, value = label(field), quantity(field, threshold)
    if holds_to_end:
        text = f"{name} of {value} or {'more' if direction == 'at_least' else 'less'} → {top}"
    else:
        text = f"{name} of {value} → {top}"
    return WhatIf(field, name, direction, threshold, threshold, given, top, variant, holds_to_end, text,
                  answer_words(field, given))


def _choice(field: str, run: _Engine, current_top: str) -> list[WhatIf]:
    q = answers_mod.questions()[field]
    given = run.answers[field]
    values = [not given] if q.type == "bool" else [c for c in q.choices if c != given]
    found = []
    for value in values:
        top, variant = run(field, value)
        if top != current_top:
            found.append(WhatIf(field, label(field), "set", None, value, given, top, variant, False,
                                f"{_choice_words(field, value)} → {top}", answer_words(field, given)))
    return found


def _drop_each(field: str, run: _Engine, current_top: str) -> list[WhatIf]:
    given = list(run.answers[field])
    found = []
    for item in given:
        if item == "none":
            continue
        rest = [i for i in given if i != item] or ["none"]
        top, variant = run(field, rest)
        if top != current_top:
            found.append(WhatIf(field, label(field), "set", None, rest, given, top, variant, False,
                                f"without {item} {label(field)} → {top}", answer_words(field, given)))
    return found


def search(answers: dict, knowledge: Knowledge | None = None, evidence: dict | None = None,
           current: str | None = None) -> list[WhatIf]:
    """Every single-answer change found that changes the recommendation (`current`, or the
    engine's for `answers`): numbers nearest first (by how far, in ratio, from the answer as
    given), then the choices in what_if.yaml's order."""
    knowledge = knowledge or load_knowledge()
    config = settings()
    run = _Engine(answers, knowledge, evidence)
    current = current or engine.decide(answers, knowledge, evidence, robust=False).recommendation
    numbers = [w for f in config["numbers"] for w in _number(f, run, current, config["relative_precision"])]

    def distance(w: WhatIf) -> float:
        if w.current in (None, 0) or not w.threshold:
            return math.inf
        return abs(math.log(w.threshold / w.current))

    numbers.sort(key=distance)
    choices = [w for f in config["choices"] for w in _choice(f, run, current)]
    drops = [w for f in config["drop_each"] for w in _drop_each(f, run, current)]
    return numbers + choices + drops
