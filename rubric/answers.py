"""The answers format: load the question schema, validate a user's answers, fill defaults.

The schema (`data/questions.yaml`) is the one contract that `genarch questions`, `genarch
recommend` and the app's questionnaire all read. Validation is strict: unknown fields (with the
nearest valid name suggested), wrong types, out-of-range, NaN/inf and unknown choices each raise
`InputError` with one line naming the field and what is expected.

Hostile files are refused in one line, fast and in little memory: the YAML loader is
`yaml.safe_load`'s, less aliases (`*name`: a "billion laughs" bomb expands them exponentially),
duplicate keys, nesting deeper than MAX_DEPTH and more than MAX_NODES values; every exception
of the parser becomes an InputError. Ranges are checked on the value as parsed, before any
int()/float() conversion (which could overflow); the schema bounds the fields whose size feeds
products (volume, images, price), and a number no float can hold is refused, so whatever passes
validation is finite and no later page or command fails on it. Messages quote at most a short
excerpt of a bad value (rubric.errors.excerpt), never the repr() of a huge one.
"""
from __future__ import annotations

import difflib
import math
import os
import re
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from rubric.errors import InputError, clean_text, excerpt

DATA_DIR = Path(__file__).parent / "data"
MAX_ANSWERS_BYTES = 1_000_000  # an answers file is a few hundred bytes; refuse anything huge
MAX_DEPTH = 8  # answers need 2 levels (the mapping, the conditioning list)
MAX_NODES = 10_000  # values in one file (an answers file has about 25)
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
    label: str | None = None  # the app's plain name for the field, without its unit

    def title(self) -> str:
        """The label the app shows: the schema's, else the name in words ("training_gpus" -> "Training gpus")."""
        text = self.label or self.name.replace("_", " ")
        return text[0].upper() + text[1:]

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


class _AnswersLoader(yaml.SafeLoader):
    """yaml.safe_load's loader without aliases, duplicate keys, deep nesting or huge node counts."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def _where(self) -> str:
        mark = self.peek_event().start_mark if self.check_event() else None
        return f" at line {mark.line + 1}" if mark is not None else ""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise _Refused(f"an alias (*name){self._where()}: YAML aliases are not allowed in an answers file")
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _Refused(f"more than {MAX_NODES:,} values; an answers file has about {len(questions())}")
        if self._depth >= MAX_DEPTH:
            raise _Refused(f"nested deeper than {MAX_DEPTH} levels{self._where()}")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                    seen.add(key)
                except TypeError:  # unhashable: the base class says so with its mark
                    continue
                if duplicate:
                    raise _Refused(f"{excerpt(key)} given twice (line {key_node.start_mark.line + 1})")
        return super().construct_mapping(node, deep=deep)


class _Refused(Exception):
    """Raised inside the loader; parse() turns it into an InputError naming the source."""


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
        if not isinstance(spec.get("label", ""), str) or not isinstance(spec.get("help"), str):
            raise ValueError(f"questions.yaml: {name}: label and help must be text")
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
        return InputError(f"{q.name}: expected {q.expected()}, got {got if got is not None else excerpt(value)}")

    if value is None:
        if q.nullable:
            return None
        raise bad("null")
    if q.type == "bool":
        if not isinstance(value, bool):
            raise bad()
        return value
    if q.type in ("int", "number"):
        if isinstance(value, str) and len(value) <= 64 and _YAML11_EXPONENT.match(value):
            value = float(value)  # PyYAML reads `1e6` (YAML 1.2 float) as a string; 1e400 -> inf
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad()
        if isinstance(value, float) and not math.isfinite(value):
            raise bad(str(value))
        # The range is checked on the value as parsed: int and float compare exactly in Python,
        # whatever their size, so a 5,000-digit integer is refused here before any conversion.
        too_low = (q.exclusive_min is not None and value <= q.exclusive_min) or (
            q.min is not None and value < q.min)
        if too_low or (q.max is not None and value > q.max):
            raise bad()
        if q.type == "int":
            if isinstance(value, float) and not value.is_integer():
                raise bad()
            return int(value)
        try:
            return float(value)
        except OverflowError:  # an integer beyond any float, with no max in the schema to stop it
            raise bad() from None
    if q.type in ("choice", "hardware"):
        if not isinstance(value, str) or value not in q.choices:
            raise bad(excerpt(value) + _did_you_mean(value, q.choices))
        return value
    # choices: a non-empty list without duplicates; "none" only alone
    if not isinstance(value, list) or not value:
        raise bad("an empty list" if value == [] else excerpt(value))
    for item in value:
        if not isinstance(item, str) or item not in q.choices:
            raise bad(excerpt(item) + _did_you_mean(item, q.choices))
    if len(set(value)) != len(value):
        twice = next(item for i, item in enumerate(value) if item in value[:i])
        raise InputError(f"{q.name}: each value at most once, got {twice!r} more than once")
    if "none" in value and len(value) > 1:
        raise InputError(f"{q.name}: 'none' cannot be combined with other conditioning, got {value!r}")
    return list(value)


def _did_you_mean(value: Any, names) -> str:
    if not isinstance(value, str) or len(value) > 64:
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
        if not isinstance(key, str) or key not in schema:
            hint = _did_you_mean(key, schema)
            raise InputError(f"{source}: unknown field {excerpt(key)}{hint}; `genarch questions` lists the fields")
    answers = defaults()
    for key, value in raw.items():
        answers[key] = _validate_value(schema[key], value)
    return answers


def load_file(path: str | Path) -> dict[str, Any]:
    """Read, parse and validate an answers file: a regular file of at most MAX_ANSWERS_BYTES
    (checked on the open file, before reading: a FIFO or a device is refused at once)."""
    path = Path(path)
    name = clean_text(str(path))
    name = name if len(name) <= 200 else "…" + name[-199:]
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise InputError(f"{name}: not a file")
            if info.st_size > MAX_ANSWERS_BYTES:
                raise InputError(f"{name}: {info.st_size:,} bytes is over the 1 MB limit for an answers file")
            with os.fdopen(fd, "rb", closefd=False) as handle:
                data = handle.read(MAX_ANSWERS_BYTES + 1)
        finally:
            os.close(fd)
        if len(data) > MAX_ANSWERS_BYTES:  # grew since fstat
            raise InputError(f"{name}: over the 1 MB limit for an answers file")
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except UnicodeDecodeError:
        raise InputError(f"{name}: not a UTF-8 text file") from None
    except OSError as err:
        raise InputError(f"{name}: cannot read ({err.strerror or type(err).__name__})") from None
    except ValueError as err:  # a NUL byte in the path
        if isinstance(err, InputError):
            raise
        raise InputError(f"{name}: not a usable path") from None
    return parse(text, source=name)


def parse(text: str, *, source: str = "answers") -> dict[str, Any]:
    """Parse (yaml.safe_load, less aliases, duplicate keys and deep nesting) and validate."""
    source = clean_text(source)
    source = source if len(source) <= 200 else "…" + source[-199:]
    if len(text) > MAX_ANSWERS_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_ANSWERS_BYTES:
        raise InputError(f"{source}: over the 1 MB limit for an answers file")
    try:
        loader = _AnswersLoader(text)
        try:
            raw = loader.get_single_data()
        finally:
            loader.dispose()
    except _Refused as err:
        raise InputError(f"{source}: {err}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None)
        constructing = isinstance(err, yaml.constructor.ConstructorError)  # an unhashable key, a python tag
        why = f": {clean_text(problem)[:80]}" if constructing and isinstance(problem, str) and problem else ""
        if isinstance(err, yaml.reader.ReaderError) and isinstance(err.character, int):
            line = text.count("\n", 0, err.position) + 1 if isinstance(err.position, int) else None
            where = f" at line {line}" if line else ""
            why = f": a character YAML does not allow (U+{err.character:04X})"
        raise InputError(f"{source}: not valid YAML{where}{why}") from None
    except (ValueError, OverflowError) as err:  # a 5,000-digit integer, a 13th month…
        why = ("an integer of more than 4,300 digits" if "integer string conversion" in str(err)
               else clean_text(str(err))[:80])
        raise InputError(f"{source}: not valid YAML: a value cannot be read ({why})") from None
    except (RecursionError, MemoryError):
        raise InputError(f"{source}: too large or too deeply nested for an answers file") from None
    except Exception as err:  # noqa: BLE001 — whatever else the parser raises is still bad input
        raise InputError(f"{source}: not valid YAML ({type(err).__name__})") from None
    return validate(raw, source=source)


def _number_words(value: float) -> str:
    if isinstance(value, float) and not (value.is_integer() and abs(value) < 1e15):
        return f"{value:,.3g}"
    return f"{int(value):,}"


def in_words(name: str, value: Any) -> str:
    """An answer as a reader says it, its unit once: '250 ms', '30,000,000 samples/month',
    'no limit', 'yes', 'text, class', 'image to image'. The one wording for the report's inputs,
    the what-ifs' "yours" and the comparison of scenarios."""
    if value is None:
        return "no limit"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, (int, float)):
        question = questions().get(name)
        unit = question.unit if question else None
        return f"{_number_words(value)} {unit}" if unit else _number_words(value)
    return str(value).replace("_", " ")


def to_yaml(answers: dict[str, Any]) -> str:
    """Answers as YAML in schema order (what the app saves and `genarch questions --yaml` prints)."""
    ordered = {name: answers[name] for name in questions() if name in answers}
    return yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True)
