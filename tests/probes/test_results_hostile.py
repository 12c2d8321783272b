"""The probe-results reader under fuzzing and limits: whatever a file holds, the
reader answers InputError in one printable line, or results that every consumer (the rubric's
evidence, the cost model, the decision) takes without an exception or an insane number."""
from __future__ import annotations

import copy
import json
import math
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probes.results import MAX_PROBE_BYTES, load_probe_results, parse_probe_results
from probes.results_schema import MAX_DEPTH, clean_text, render_path
from rubric.errors import InputError
from tests.reports.conftest import with_training

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
VALID = json.loads((FIXTURES / "probe-results-cpu.json").read_text())
VALID.update(json.loads((FIXTURES / "probe-results-control.json").read_text()))
VALID = with_training(VALID)  # and the training and data-needs sections, as tests/reports builds them
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _paths(tree, prefix=()):
    """Every (path) in the tree, bootstrap refits sampled (100 of them would crowd the rest out)."""
    yield prefix
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(tree, list):
        for i, v in enumerate(tree[:3]):
            yield from _paths(v, prefix + (i,))


PATHS = [p for p in _paths(VALID) if p]

HOSTILE = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10 ** 40, max_value=10 ** 40),
    st.sampled_from([0, -1, 1, 0.0, -0.0, 1e-300, -1e12, 1e300, float("nan"), float("inf"), float("-inf"),
                     10 ** 29, 0.5, 2.0, 1e6, 1e18, 1e19]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30), st.sampled_from(["\x1b[31m", "a\nb", "\ud800", "\u202e", "abc", "fp32", "gan",
                                           "diffusion", "teacher", "student", ""]),
    st.lists(st.integers(-3, 3), max_size=4), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.just([[[[[[[[[[]]]]]]]]]]), st.just({"rows": "x"}),
)


def _apply(results: dict, path: tuple, action: str, value) -> None:
    node = results
    for key in path[:-1]:
        node = node[key]
    last = path[-1]
    if action == "delete":
        del node[last]
    else:
        node[last] = value


@st.composite
def mutated_files(draw) -> bytes:
    results = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        try:
            _apply(results, path, draw(st.sampled_from(["set", "set", "delete"])), draw(HOSTILE))
        except (KeyError, IndexError, TypeError):
            pass  # an earlier mutation removed or replaced the parent
    text = json.dumps(results, allow_nan=True)
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:  # now and then, damage the bytes themselves
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=8)) + data[at + draw(st.integers(0, 8)):]
    return data


def _finite_tree(tree) -> bool:
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, float) and not math.isfinite(node):
            return False
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return True


def _consume(results: dict) -> None:
    """What the commands and the app do with a file that passed: evidence, prediction, decision."""
    from app.analysis import analyse
    from probes.summaries.cost_model import predict
    from reports.probe_view import ProbeSet, inference_records, machine_summary, training_summary
    from rubric import answers

    probe_set = ProbeSet.from_results(results, "fuzz.json")
    assert not _UNSAFE.search(probe_set.label)
    inference_records([probe_set], 2.0)
    machine_summary([probe_set])
    training_summary([probe_set])
    if results.get("cost_model"):
        try:
            out = predict(results, 8e9, 25, 1)
        except InputError as err:
            assert "\n" not in str(err)
        else:
            assert 0 < out["latency_ms_per_sample"] < math.inf and min(out["interval"]) >= 0
    try:
        decision = analyse(answers.defaults(), [probe_set])
    except InputError as err:  # a file that passed may still hold no usable cost model: one line
        assert "\n" not in str(err)
        return
    json.dumps(decision, allow_nan=False)


@settings(max_examples=300, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated_files())
def test_fuzzed_files_are_refused_in_one_line_or_safe_to_use(data):
    try:
        results = parse_probe_results(data, "fuzz.json")
    except InputError as err:
        message = str(err)
        assert message.startswith("fuzz.json: ") and "\n" not in message and not _UNSAFE.search(message)
        assert len(message) < 400
        return
    assert _finite_tree(results)
    assert not _UNSAFE.search(json.dumps(results, ensure_ascii=False))
    _consume(results)


def test_the_valid_fixture_passes_and_reaches_the_rubric():
    results = parse_probe_results(json.dumps(VALID).encode(), "ok.json")
    assert results == VALID  # nothing to clean, nothing dropped
    _consume(results)


@pytest.mark.parametrize("depth, ok", [(MAX_DEPTH - 2, True), (MAX_DEPTH + 1, False), (100_000, False)])
def test_nesting_depth_is_bounded(depth, ok):
    results = copy.deepcopy(VALID)
    results["environment"]["future"] = json.loads("[" * (min(depth, 900)) + "]" * min(depth, 900)) \
        if depth < 1000 else None
    text = json.dumps(results)
    if depth >= 1000:
        text = text.replace('"future": null', '"future": ' + "[" * depth + "]" * depth)
    if ok:
        parse_probe_results(text.encode(), "d.json")
    else:
        with pytest.raises(InputError, match="d.json: .*(nest|deep)"):
            parse_probe_results(text.encode(), "d.json")


@pytest.mark.parametrize("literal, message", [
    ("9" * 31, "integer of 31 digits"), ("-" + "9" * 5001, "integer of 5,001 digits"), ("1e400", "out of range"),
    ("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "Infinity"),
])
def test_number_tokens_are_bounded(literal, message):
    text = json.dumps(VALID).replace('"seed": 0', '"seed": ' + literal, 1)
    with pytest.raises(InputError, match=re.escape(message)):
        parse_probe_results(text.encode(), "n.json")


def test_text_fields_are_printable_and_bounded():
    results = copy.deepcopy(VALID)
    results["environment"]["device_name"] = "\x1b[2J\u009b31m\nGPU\ud800\u202e" + "x" * 500
    results["notes"] = ["line one\nline two\r\x07"]
    results["cost_model"]["fits"]["fp32\x1b[1m"] = results["cost_model"]["fits"]["fp32"]
    data = json.dumps(results).encode()
    clean = parse_probe_results(data, "t.json")
    name = clean["environment"]["device_name"]
    assert not _UNSAFE.search(name) and len(name) <= 200 and name.startswith(" [2J 31m GPU")
    assert clean["notes"] == ["line one line two  "]
    assert "fp32 [1m" in clean["cost_model"]["fits"]


def test_long_identifiers_are_refused_not_cut():
    results = copy.deepcopy(VALID)
    results["inference"][0]["dtype"] = "f" * 65
    with pytest.raises(InputError, match=r"inference row 0: dtype must be a string of at most 64 characters"):
        parse_probe_results(json.dumps(results).encode(), "l.json")


def test_render_path():
    assert render_path(("hybrid", "rows", 2)) == "hybrid row 2"
    assert render_path(("inference", 0)) == "inference row 0"
    assert render_path(("conditioning", "rows", 1, "per_class", 3)) == "conditioning row 1, per_class row 3"
    assert render_path(("cost_model", "fits", "fp32")) == "cost_model.fits.fp32"
    assert clean_text("a\x1bb\nc\ud800") == "a b c "


@pytest.mark.parametrize("kind", ["fifo", "directory", "device", "loop", "sparse", "exact-limit", "over-limit"])
def test_only_regular_files_within_the_limit_are_read(tmp_path, kind):
    path = tmp_path / "r.json"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "device":
        path = Path("/dev/zero")
    elif kind == "loop":
        path.symlink_to(tmp_path / "s.json")
        (tmp_path / "s.json").symlink_to(path)
    elif kind == "sparse":
        with open(path, "wb") as f:
            f.truncate(185_000_000)
    else:
        body = json.dumps(VALID)
        size = MAX_PROBE_BYTES if kind == "exact-limit" else MAX_PROBE_BYTES + 1
        path.write_text(body + " " * (size - len(body.encode())))
    if kind == "exact-limit":
        assert load_probe_results(path)["schema_version"] == 1
        return
    with pytest.raises(InputError) as err:
        load_probe_results(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)
    expected = {"fifo": "FIFO", "directory": "directory", "device": "device", "loop": "cannot read",
                "sparse": "185,000,000 bytes", "over-limit": "over the 5 MB limit"}[kind]
    assert expected in str(err.value)
