"""Hostile answers files: a corpus through `genarch recommend` in-process, each refused
with exit 2 and one short line, fast; and hypothesis fuzzing of rubric.answers.parse / validate:
every input is either refused with an InputError or gives answers the engine and the JSON
contract handle (strict JSON, no NaN, no negative time or money)."""
from __future__ import annotations

import datetime
import json
import math
import os
import time
import tracemalloc

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cli import main
from rubric import answers, contract, engine
from rubric.errors import InputError
from tests.rubric.test_properties import _value

QUESTIONS = answers.questions()
MAX_LINE = 300  # characters: an error line quotes at most a short excerpt of what it refuses
FUZZ = settings(max_examples=120, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@pytest.fixture(autouse=True)
def _bugs_raise(monkeypatch):
    """An unexpected exception must fail the test with its traceback, not become exit code 1."""
    monkeypatch.setenv("GENARCH_DEBUG", "1")


def _bomb(levels: int = 9, width: int = 9) -> str:
    """'Billion laughs': each anchor a list of `width` aliases of the previous one (9^9 strings)."""
    text = 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for i in range(1, levels):
        text += f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]\n"
    return text + f"task: *a{levels - 1}\n"


# name -> (file content, a word the one line must contain)
CORPUS = {
    "yaml bomb under a valid key": (_bomb(), "alias"),
    "one alias": ("x: &x generation\ntask: *x\n", "alias"),
    "500-deep flow nesting": ("task: " + "[" * 500 + "]" * 500 + "\n", "nested deeper"),
    "500-deep block nesting": ("".join(" " * i + f"k{i}:\n" for i in range(500)), "nested deeper"),
    "100k-deep flow nesting": ("[" * 100_000 + "]" * 100_000, "nested deeper"),
    "1e400": ("samples_per_month: 1e400\n", "samples_per_month"),
    "1.0e400 float": ("gpu_hourly_usd: 1.0e+400\n", "gpu_hourly_usd"),
    "400-digit integer, int field": ("samples_per_month: 1" + "0" * 400 + "\n", "samples_per_month"),
    "400-digit integer, number field without max": ("training_budget_gpu_hours: 1" + "0" * 400 + "\n",
                                                    "training_budget_gpu_hours"),
    "400-digit integer, dataset": ("dataset_images: 1" + "0" * 400 + "\n", "dataset_images"),
    "5001-digit integer": ("samples_per_month: 1" + "0" * 5000 + "\n", "4,300 digits"),
    "5001-digit hex integer": ("dataset_images: 0x" + "f" * 5000 + "\n", "dataset_images"),
    "5001-digit mapping key": ("1" + "0" * 5000 + ": 1\n", "answers.yaml"),
    "NaN": ("latency_budget_ms: .nan\n", "latency_budget_ms"),
    "inf": ("gpu_hourly_usd: .inf\n", "gpu_hourly_usd"),
    "-inf": ("deadline_weeks: -.inf\n", "deadline_weeks"),
    "huge string value": ("task: " + "x" * 900_000 + "\n", "task"),
    "huge quoted value": ('serving_hardware: "' + "a1" * 400_000 + '"\n', "serving_hardware"),
    "huge key": ("k" * 900_000 + ": 1\n", "answers.yaml"),
    "huge unknown key, short": ("resolutionnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn: 1\n",
                                "unknown field"),
    "huge list": ("conditioning: [" + ", ".join(["text"] * 9_000) + "]\n", "conditioning"),
    "too many values": ("conditioning: [" + ", ".join(["text"] * 60_000) + "]\n", "values"),
    "binary garbage": (bytes(range(256)) * 16, "UTF-8"),
    "non-UTF-8": (b"task: \xff\xfe generation\n", "UTF-8"),
    "NUL byte": ("task: gen\x00eration\n", "YAML"),
    "mapping key that is a list": ("? [a, b]\n: 1\n", "unhashable"),
    "mapping key that is a mapping": ("? {a: 1}\n: 1\n", "unhashable"),
    "integer key": ("1: 2\n", "unknown field 1"),
    "null key": ("~: 2\n", "unknown field null"),
    "duplicate keys": ("resolution: 512\nresolution: 1024\n", "twice"),
    "duplicate keys, nested": ("conditioning: [{a: 1, a: 2}]\n", "twice"),
    "escape sequences": ('task: "\\e[31mred\\e[0m\\a"\n', "task"),
    "newline in a value": ('task: "gen\\neration"\n', "task"),
    "lone surrogate": ('task: "\\ud800"\n', "task"),
    "bidi override": ('task: "\\u202egeneration"\n', "task"),
    "python tag": ('task: !!python/object/apply:os.system ["echo owned"]\n', "constructor"),
    "impossible date": ("resolution: 2024-13-45\n", "cannot be read"),
    "date": ("resolution: 2024-01-01\n", "a date"),
    "binary tag": ("task: !!binary aGVsbG8=\n", "binary"),
    "set": ("conditioning: !!set {text, class}\n", "conditioning"),
    "list of lists": ("conditioning: [[text]]\n", "conditioning"),
    "a list at the top": ("- a\n- b\n", "got list"),
    "a scalar at the top": ("42\n", "got int"),
    "two documents": ("task: generation\n---\ntask: generation\n", "YAML"),
    "tabs": ("\ttask: generation\n", "YAML"),
    "bool for int": ("samples_per_month: yes\n", "samples_per_month"),
    "long digits string": ("samples_per_month: '" + "9" * 100_000 + "e1'\n", "samples_per_month"),
    "backtracking exponent": ("samples_per_month: " + "1" * 900_000 + "x\n", "samples_per_month"),
    "comment only, 1 MB": ("#" + "x" * 999_000 + "\n", "empty"),
    "over 1 MB": ("task: generation\n" + "#" * 1_000_001, "1 MB"),
}


def _run(capsys, path) -> tuple[int, str, str, float]:
    start = time.perf_counter()
    code = main(["recommend", str(path)])
    elapsed = time.perf_counter() - start
    out, err = capsys.readouterr()
    return code, out, err, elapsed


def _assert_one_line(code: int, out: str, err: str, needle: str) -> None:
    assert code == 2, (code, err[:500])
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err[:500]
    assert len(err) <= MAX_LINE, err[:500]
    assert "Traceback" not in err
    assert err[:-1].isprintable(), err
    assert needle.lower() in err.lower(), err


@pytest.mark.parametrize("name", list(CORPUS))
def test_hostile_answers_file_exits_2_in_one_short_line(tmp_path, capsys, name):
    content, needle = CORPUS[name]
    path = tmp_path / "answers.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    code, out, err, elapsed = _run(capsys, path)
    _assert_one_line(code, out, err, needle)
    assert elapsed < 5, f"{name}: {elapsed:.1f} s"


def test_yaml_bomb_is_refused_fast_and_in_little_memory(tmp_path, capsys):
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb())
    assert len(path.read_bytes()) < 1000
    tracemalloc.start()
    try:
        code, out, err, elapsed = _run(capsys, path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    _assert_one_line(code, out, err, "alias")
    assert elapsed < 5 and peak < 20_000_000, (elapsed, peak)


@pytest.mark.parametrize("kind", ["fifo", "dev_zero", "directory", "symlink_loop", "missing", "nul_in_path"])
def test_files_that_are_not_answers_files(tmp_path, capsys, kind):
    path = tmp_path / "answers.yaml"
    if kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        os.mkfifo(path)  # reading it would block forever: refused before reading
    elif kind == "dev_zero":
        if not os.path.exists("/dev/zero"):
            pytest.skip("no /dev/zero here")
        path = "/dev/zero"
    elif kind == "directory":
        path.mkdir()
    elif kind == "symlink_loop":
        path.symlink_to(tmp_path / "answers.yaml")
    elif kind == "nul_in_path":
        path = str(path) + "\x00.yaml"
    code, out, err, elapsed = _run(capsys, path)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert err[:-1].isprintable() and elapsed < 5


def test_error_quotes_a_short_excerpt_never_the_whole_value():
    with pytest.raises(InputError) as err:
        answers.parse("task: " + "y" * 500_000, source="a.yaml")
    message = str(err.value)
    assert "'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy…'" in message and len(message) < 150
    with pytest.raises(InputError) as err:
        answers.validate({"samples_per_month": 10 ** 5000})  # str() of it would raise ValueError
    assert "an integer of about 5,001 digits" in str(err.value)
    with pytest.raises(InputError) as err:
        answers.validate({"conditioning": ["text"] * 5})
    assert "'text' more than once" in str(err.value) and len(str(err.value)) < 100


def test_valid_yaml_features_still_work():
    # anchors without aliases, merge keys, comments, flow and block style: plain YAML still loads
    parsed = answers.parse("# c\n<<: {task: image_to_image}\nresolution: &r 256\nconditioning:\n  - text\n")
    assert parsed["task"] == "image_to_image" and parsed["resolution"] == 256
    assert answers.parse("samples_per_month: 1e12")["samples_per_month"] == 10 ** 12


# --- fuzzing -------------------------------------------------------------------------------------

YAMLISH_PIECES = (list("ab1e9.-+_:,[]{}&*!|>'\"#?% \n\t\\") + [f"{name}: " for name in QUESTIONS]
                  + ["\x00", "\x1b", "\u202e", "\ud800", "é", "0x", ".nan", ".inf", "1e400", "- ", "  ", "~",
                     "!!binary ", "!!python/name:os.system", "&a ", "*a", "<<: ", "? ", "---\n", "yes", "2024-01-01"])
YAMLISH = st.lists(st.sampled_from(YAMLISH_PIECES), max_size=40).map("".join)
ANY_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(-10 ** 400, 10 ** 400) | st.floats()
    | st.text(max_size=60) | st.binary(max_size=20) | st.dates()
    | st.sampled_from([q.default for q in QUESTIONS.values() if q.default is not None])
    | st.sampled_from(sorted({c for q in QUESTIONS.values() for c in q.choices}))
    | st.sampled_from(["1e400", "1e6", "-1e3", "1" * 5000, "nan", "inf"]),
    lambda children: st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10)
# Each field, when present, a value of any type, or a valid one (so that many examples pass
# validation and go on to the engine and the contract); now and then an unknown field.
RAW = st.fixed_dictionaries({}, optional={name: ANY_VALUE | _value(q) | _value(q) for name, q in QUESTIONS.items()}) \
    | st.dictionaries(st.text(max_size=12), ANY_VALUE, max_size=3)
VALUE_TEXT = st.sampled_from(["1e400", "1e12", "1e13", "1e6", "-1", "0", "0.0", "-0.0", ".nan", ".inf", "-.inf", "null",
                              "~", "yes", "no", "true", "'1e3'", "0x7fffffffffffffff", "0o17", "1_000", "2024-01-01",
                              "[text]", "[none, text]", "[]", "{}", "[[text]]", "'\\x1b[31m'", "\"\\u202e\"",
                              "1" * 400, "4096", "16", "15", "4097", "100000000000", "100000000001", "10000", "10000.5"]
                             + sorted({c for q in QUESTIONS.values() for c in q.choices}))


def _flow(value) -> str:
    """A valid value as YAML flow text: `512`, `[text, class]`, `null`."""
    return yaml.safe_dump(value, default_flow_style=True).replace("\n...\n", "").strip()


# Answers files line by line: each field present or not, with a valid value (twice as likely) or
# any of VALUE_TEXT.
LINES = st.fixed_dictionaries({}, optional={
    name: _value(q).map(_flow) | _value(q).map(_flow) | VALUE_TEXT for name, q in QUESTIONS.items()}).map(
    lambda pairs: "".join(f"{k}: {v}\n" for k, v in pairs.items()))


def _sane(result: dict) -> None:
    text = json.dumps(result, allow_nan=False)  # strict JSON: raises on NaN or Infinity
    json.loads(text)
    for family, e in result["estimates"].items():
        for field in contract.NON_NEGATIVE:
            values = e[field] if isinstance(e[field], list) else [e[field]]
            for v in values:
                assert v is None or (math.isfinite(v) and v >= 0), (family, field, v)


def _accepted_answers_are_usable(parsed: dict) -> None:
    assert set(parsed) == set(QUESTIONS)
    assert answers.validate(parsed) == parsed  # idempotent: what passed passes again
    for name, q in QUESTIONS.items():
        value = parsed[name]
        if q.type in ("int", "number") and value is not None:
            kinds = int if q.type == "int" else (int, float)  # a number's default may be written as an int
            assert isinstance(value, kinds) and not isinstance(value, bool) and math.isfinite(value)
            assert q.max is None or value <= q.max
    _sane(contract.to_dict(engine.decide(parsed), parsed))


@FUZZ
@given(YAMLISH | LINES)
def test_fuzz_parse_yamlish_text(text):
    try:
        parsed = answers.parse(text, source="fuzz.yaml")
    except InputError as err:
        message = str(err)
        assert "\n" not in message and len(message) <= MAX_LINE and message.isprintable(), message
        return
    _accepted_answers_are_usable(parsed)


@FUZZ
@given(RAW)
def test_fuzz_validate_random_value_types(raw):
    for candidate in (raw, _through_yaml(raw)):
        if candidate is None:
            continue
        try:
            parsed = answers.validate(candidate) if candidate is raw else answers.parse(candidate, source="f")
        except InputError as err:
            message = str(err)
            assert "\n" not in message and len(message) <= MAX_LINE and message.isprintable(), message
            continue
        _accepted_answers_are_usable(parsed)


def _through_yaml(raw: dict) -> str | None:
    try:
        return yaml.safe_dump(raw, allow_unicode=True)
    except (yaml.YAMLError, ValueError):
        return None


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([n for n, q in QUESTIONS.items() if q.type in ("int", "number")]),
       st.one_of(st.integers(-10 ** 30, 10 ** 30), st.floats(), st.integers(10 ** 300, 10 ** 400),
                 st.sampled_from([1e308, 5e-324, -0.0, 2 ** 63, 10 ** 12, 10 ** 11 + 1, datetime.date(2024, 1, 1)])))
def test_fuzz_numeric_fields_any_magnitude(name, value):
    try:
        parsed = answers.validate({name: value})
    except InputError as err:
        assert len(str(err)) <= MAX_LINE
        return
    _accepted_answers_are_usable(parsed)
