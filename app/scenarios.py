"""Scenarios: answers in a URL, the shipped examples, and two or three scenarios compared.

    params = to_query_params(answers)          # only what differs from the defaults
    answers = from_query_params(params)        # through rubric.answers.validate, or InputError
    examples()                                 # the examples/ files: name, path, "# Expected:" line
    compare_table(scenarios), differing_answers(scenarios), why_differs(scenarios)

Pure functions (no Streamlit): the pages call them and draw. A URL is input like a file: it is
bounded before it is read, and every value goes through the same validation as an answers file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd

from reports.text import plan_of
from reports.verdict import family_name, metric_cards
from rubric import answers as answers_mod
from rubric.errors import InputError, clean_text, excerpt

# A scenario has 22 fields; a longer value than 200 characters (the longest real one, every
# conditioning, is 31) or more than 64 keys is not a scenario, and is refused before it is read.
MAX_PARAMS = 64
MAX_PARAM_CHARS = 200
NO_LIMIT = "none"  # a nullable field left empty ("no limit") in a URL
EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"  # the repository's; absent when installed
MAX_SCENARIO_NAME = 60
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


# --- answers <-> query params ---------------------------------------------------------------

def _param_text(value: Any) -> str:
    if value is None:
        return NO_LIMIT
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(value)
    if isinstance(value, float):
        text = repr(value)  # exact, unlike "%g": 1000000.5 stays 1000000.5
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def to_query_params(answers: dict[str, Any]) -> dict[str, str]:
    """The answers that differ from the defaults, as URL query params (field name -> text)."""
    defaults = answers_mod.defaults()
    return {name: _param_text(answers[name]) for name in answers_mod.questions()
            if name in answers and answers[name] != defaults[name]}


def _raw_value(q: answers_mod.Question, text: str) -> Any:
    """A param's text as the value an answers file would hold; what does not read as its type is
    passed on as text, for validation to refuse with the field's own message."""
    text = text.strip()
    if q.nullable and text.lower() in (NO_LIMIT, "null", ""):
        return None
    if q.type == "bool":
        return {"true": True, "false": False}.get(text.lower(), text)
    if q.type == "choices":
        return [item.strip() for item in text.split(",")] if text else []
    if q.type in ("int", "number") and _NUMBER.match(text):
        number = float(text)
        return int(text) if text.lstrip("+-").isdigit() else number
    return text


def from_query_params(params: Mapping[str, Any], *, source: str = "link") -> dict[str, Any]:
    """Validated answers from URL query params (a value may be a list when a key is repeated).
    Raises InputError with one line: too many or too long params, a key given twice, and
    whatever rubric.answers.validate refuses (unknown fields, wrong types, out of range)."""
    if len(params) > MAX_PARAMS:
        raise InputError(f"{source}: more than {MAX_PARAMS} query parameters; a scenario has at most "
                         f"{len(answers_mod.questions())}")
    schema, raw = answers_mod.questions(), {}
    for key, value in params.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        if key not in schema:
            raw[key] = None
            continue  # validate names it (bounded, cleaned) with the nearest field
        if len(values) != 1:
            raise InputError(f"{source}: {key} given {len(values)} times")
        text = values[0]
        if not isinstance(text, str) or len(text) > MAX_PARAM_CHARS:
            raise InputError(f"{source}: {key}: a value of at most {MAX_PARAM_CHARS} characters expected, "
                             f"got {excerpt(text)}")
        raw[key] = _raw_value(schema[key], clean_text(text, "\ufffd"))
    try:
        return answers_mod.validate(raw, source=source)
    except InputError as err:  # in the link's words: "none" is how a link says "no limit"
        raise InputError(str(err).replace(", or null,", f", or {NO_LIMIT},")) from None


# --- the shipped examples -------------------------------------------------------------------

@dataclass(frozen=True)
class Example:
    name: str  # the file's stem: "latency-bound"
    path: Path
    expected: str | None  # the header's "# Expected: gan." line, without the "# "


def examples(directory: Path = EXAMPLES_DIR) -> list[Example]:
    """The example answers files, by name; none when the directory is absent (an installed app)."""
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.glob("*.yaml")):
        expected = None
        for line in path.read_text(encoding="utf-8").splitlines()[:40]:
            if line.startswith("# Expected:"):
                expected = line[2:].strip()
                break
        found.append(Example(path.stem, path, expected))
    return found


def load_example(name: str, directory: Path = EXAMPLES_DIR) -> tuple[dict[str, Any], Example]:
    """An example's answers, through the same reader and validation as any answers file."""
    example = next((e for e in examples(directory) if e.name == name), None)
    if example is None:
        raise InputError(f"no example named {excerpt(name)}")
    return answers_mod.load_file(example.path), example


def scenario_name(text: str, taken: list[str]) -> str:
    """A saved scenario's name: one clean line, bounded, not empty (then the first free "Scenario N")."""
    name = " ".join(clean_text(str(text)[:MAX_SCENARIO_NAME * 4], " ").split())[:MAX_SCENARIO_NAME]
    number = len(taken) + 1
    while not name and f"Scenario {number}" in taken:
        number += 1
    return name or f"Scenario {number}"


# --- comparison -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    name: str
    answers: dict[str, Any]
    result: dict[str, Any]  # the decision contract (app.analysis.analyse) for these answers


def compare_table(scenarios: list[Scenario]) -> pd.DataFrame:
    """The recommendation, plan, binding constraint and key estimates (the Recommendation page's
    metric cards, written the same way), one column per scenario."""
    columns = {}
    for s in scenarios:
        column = {"Recommendation": family_name(s.result["recommendation"]), "Plan": plan_of(s.result, s.result["recommendation"]),
                  "Binding constraint": s.result["binding_constraint"]}
        column.update({card.label: card.value for card in metric_cards(s.result)})
        columns[s.name] = column
    return pd.DataFrame(columns)


@dataclass(frozen=True)
class Difference:
    field: str
    label: str
    values: tuple[str, ...]  # one per scenario, as a person reads it


def differing_answers(scenarios: list[Scenario]) -> list[Difference]:
    """The answers that are not the same in every scenario, in the questionnaire's schema order."""
    found = []
    for name, q in answers_mod.questions().items():
        values = [s.answers[name] for s in scenarios]
        if any(v != values[0] for v in values[1:]):
            found.append(Difference(name, q.title(), tuple(answers_mod.in_words(name, v) for v in values)))
    return found


def _reasons(result: dict, count: int = 2) -> str:
    names = [f"{r['name'].lower()} ({r['contribution']:+.3f} points)" for r in result["top_reasons"][:count]]
    return ", ".join(names) or "no single criterion"


def why_differs(scenarios: list[Scenario], recommend: Callable[[dict], str]) -> list[str]:
    """For each pair with different recommendations: the differing answers that alone flip the
    first scenario's recommendation to the second's (`recommend`, the family for answers, on the
    first scenario's answers with that one answer taken from the second), and each one's top
    reasons. Same recommendation everywhere: one line saying so."""
    lines = []
    for a, b in combinations(scenarios, 2):
        rec_a, rec_b = a.result["recommendation"], b.result["recommendation"]
        if rec_a == rec_b:
            continue
        flips = []
        for diff in differing_answers([a, b]):
            changed = dict(a.answers, **{diff.field: b.answers[diff.field]})
            if recommend(changed) == rec_b:
                flips.append(f"{diff.label.lower()} ({diff.values[0]} → {diff.values[1]})")
        if flips:
            alone = (f"Taking one answer from {b.name} turns {a.name}'s {rec_a} into {rec_b}: "
                     + "; ".join(flips) + ".")
        else:
            alone = (f"No single answer from {b.name} turns {a.name}'s {rec_a} into {rec_b}: "
                     "the differing answers act together.")
        lines.append(f"{a.name} → {rec_a}, {b.name} → {rec_b}. {alone} "
                     f"{a.name}'s {rec_a} leads on {_reasons(a.result)}; "
                     f"{b.name}'s {rec_b} leads on {_reasons(b.result)}.")
    if not lines and scenarios:
        lines.append(f"Every scenario gets the same recommendation, {scenarios[0].result['recommendation']}; "
                     "the differing answers move the estimates and the margin, not the choice.")
    return lines


def differences_table(scenarios: list[Scenario]) -> pd.DataFrame:
    """differing_answers as a table: one row per differing answer, one column per scenario."""
    diffs = differing_answers(scenarios)
    return pd.DataFrame([d.values for d in diffs], index=[d.label for d in diffs],
                        columns=[s.name for s in scenarios])
