"""The answers format: load the question schema, validate a user's answers, fill defaults.

The schema (`data/questions.yaml`) is the one contract that `genarch questions`, `genarch
recommend` and the app's questionnaire all read. Validation is strict: unknown fields (with the
nearest valid name suggested), wrong types, out-of-range, NaN/inf and unknown choices each raise
`InputError` with one line naming the field and what is expected.
"""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from rubric.errors import InputError

DATA_DIR = Path(__file__).parent / "data"
MAX_ANSWERS_BYTES = 1_000_000  # an answers file is a few hundred bytes; refuse anything huge
# `1e6` is a float in YAML 1.2 but a string in PyYAML's YAML 1.1; accept it as the number it is.
_YAML11_EXPONENT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$")
TYPES = ("int", "number", "bool", "choice", "choices", "hardware")


@dataclass(frozen=True)
class Question:
    name: str
    type: str
    help: str
    default: Any
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    exclusive_min: float | None = None
    nullable: bool = False
    choices: tuple[str, ...] = ()

    def expected(self) -> str:
        """What a valid value looks like, in words, for error messages and `genarch questions`."""
        if self.type in ("choice", "hardware"):
            text = "one of " + ", ".join(self.choices)
        elif self.type == "choices":
            text = "a non-empty list of " + ", ".join(self.choices)
        elif self.type == "bool":
            text = "true or false"
        else:
            text = "an integer" if self.type == "int" else "a number"
            if self.exclusive_min is not None:
                text += f" > {self.exclusive_min:g}"
            elif self.min is not None:
                text += f" ≥ {self.min:g}"
            if self.max is not None:
                text += f" and ≤ {self.max:g}"
        return text + (", or null" if self.nullable else "")


def _load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@lru_cache(maxsize=1)
def questions() -> dict[str, Question]:
    """The question schema, validated once. Hardware choices come from the hardware catalog."""
    raw = _load_yaml(DATA_DIR / "questions.yaml")["questions"]
    hardware = tuple(_load_yaml(DATA_DIR / "hardware.yaml")["devices"])
    allowed = set(Question.__dataclass_fields__) - {"name"}
    result = {}
    for name, spec in raw.items():
        unknown = set(spec) - allowed
        if unknown or spec.get("type") not in TYPES:
            raise ValueError(f"questions.yaml: {name}: bad keys {sorted(unknown)} or type {spec.get('type')!r}")
        spec = dict(spec, choices=tuple(hardware if spec["type"] == "hardware" else spec.get("choices", ())))
        question = Question(name=name, **spec)
        result[name] = question
        # The defaults must themselves be valid answers: check them with the same code.
        _validate_value(question, question.default)
    return result


def defaults() -> dict[str, Any]:
    return {name: _copy(q.default) for name, q in questions().items()}


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def _validate_value(q: Question, value: Any) -> Any:
    """Return the value normalised (ints as int, numbers as float), or raise InputError."""
    def bad(got: str | None = None) -> InputError:
        shown = got if got is not None else repr(value)
        return InputError(f"{q.name}: expected {q.expected()}, got {shown}")

    if value is None:
        if q.nullable:
            return None
        raise bad("null")
    if q.type == "bool":
        if not isinstance(value, bool):
            raise bad()
        return value
    if q.type in ("int", "number"):
        if isinstance(value, str) and _YAML11_EXPONENT.match(value):
            value = float(value)  # PyYAML reads `1e6` (YAML 1.2 float) as a string
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad()
        if isinstance(value, float) and not math.isfinite(value):
            raise bad(str(value))
        if q.type == "int":
            if isinstance(value, float) and not value.is_integer():
                raise bad()
            value = int(value)
        else:
            value = float(value)
        too_low = (q.exclusive_min is not None and value <= q.exclusive_min) or (
            q.min is not None and value < q.min)
        if too_low or (q.max is not None and value > q.max):
            raise bad()
        return value
    if q.type in ("choice", "hardware"):
        if not isinstance(value, str) or value not in q.choices:
            raise bad(repr(value) + _did_you_mean(value, q.choices))
        return value
    # choices: a non-empty list without duplicates; "none" only alone
    if not isinstance(value, list) or not value:
        raise bad("an empty list" if value == [] else repr(value))
    for item in value:
        if not isinstance(item, str) or item not in q.choices:
            raise bad(repr(item) + _did_you_mean(item, q.choices))
    if len(set(value)) != len(value):
        raise InputError(f"{q.name}: each value at most once, got {value!r}")
    if "none" in value and len(value) > 1:
        raise InputError(f"{q.name}: 'none' cannot be combined with other conditioning, got {value!r}")
    return list(value)


def _did_you_mean(value: Any, names) -> str:
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, list(names), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def validate(raw: Any, *, source: str = "answers") -> dict[str, Any]:
    """Validate a mapping of answers; missing fields take their documented defaults."""
    if not isinstance(raw, dict):
        kind = "empty" if raw is None else type(raw).__name__
        raise InputError(f"{source}: expected a YAML mapping of answers, got {kind}")
    schema = questions()
    for key in raw:
        if key not in schema:
            hint = _did_you_mean(str(key), schema)
            raise InputError(f"{source}: unknown field {key!r}{hint}; `genarch questions` lists the fields")
    answers = defaults()
    for key, value in raw.items():
        answers[key] = _validate_value(schema[key], value)
    return answers


def load_file(path: str | Path) -> dict[str, Any]:
    """Read, parse (yaml.safe_load) and validate an answers file."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise InputError(f"{path}: not a file")
        if size > MAX_ANSWERS_BYTES:
            raise InputError(f"{path}: {size:,} bytes is over the 1 MB limit for an answers file")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a UTF-8 text file") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None
    return parse(text, source=str(path))


def parse(text: str, *, source: str = "answers") -> dict[str, Any]:
    if len(text.encode("utf-8")) > MAX_ANSWERS_BYTES:
        raise InputError(f"{source}: over the 1 MB limit for an answers file")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"{source}: not valid YAML{where}") from None
    return validate(raw, source=source)


def to_yaml(answers: dict[str, Any]) -> str:
    """Answers as YAML in schema order (what the app saves and `genarch questions --yaml` prints)."""
    ordered = {name: answers[name] for name in questions() if name in answers}
    return yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True)
