"""Uploaded files are checked for type, size, encoding and schema before anything reads them."""
import json

import pytest

from app.uploads import MAX_PROBE_BYTES, display_name, parse_answers_upload, parse_probe_upload
from rubric.errors import InputError

from tests.app.conftest import PROBE_RESULTS, probe_bytes


def test_answers_upload_is_validated_like_the_cli():
    answers = parse_answers_upload("a.yaml", b"latency_budget_ms: 30\nbinding_constraint: latency\n")
    assert answers["latency_budget_ms"] == 30.0 and answers["resolution"] == 512  # defaults filled


@pytest.mark.parametrize("name, data, message", [
    ("a.txt", b"resolution: 64", "must be a .yaml or .yml file"),
    ("a.yaml", b"x" * 1_000_001, "over the 1 MB limit"),
    ("a.yaml", b"   \n", "the file is empty"),
    ("a.yaml", b"\xff\xfe", "not a UTF-8 text file"),
    ("a.yaml", b"resolution: [1\n", "not valid YAML at line 2"),
    ("a.yaml", b"resolutoin: 64", "unknown field 'resolutoin' (did you mean 'resolution'?)"),
    ("a.yml", b"resolution: 99999", "resolution: expected an integer"),
    ("../../etc/a.yaml", b"- 1", "a.yaml: expected a YAML mapping"),
])
def test_bad_answers_uploads_raise_one_line(name, data, message):
    with pytest.raises(InputError, match=None) as err:
        parse_answers_upload(name, data)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_probe_upload_round_trip():
    probe_set = parse_probe_upload("cpu.json", PROBE_RESULTS.read_bytes())
    assert probe_set.label == "AMD EPYC" and probe_set.source == "cpu.json"
    assert probe_set.results["inference"] == json.loads(PROBE_RESULTS.read_text())["inference"]


def _with_row(**changes) -> bytes:
    results = json.loads(probe_bytes())
    results["inference"][0].update(changes)
    return json.dumps(results).encode()


@pytest.mark.parametrize("name, data, message", [
    ("r.yaml", b"{}", "probe results must be a .json file"),
    ("r.json", b"{" + b" " * MAX_PROBE_BYTES + b"}", "over the 5 MB limit"),
    ("r.json", b"{not json", "r.json: not valid JSON"),
    ("r.json", json.dumps({"schema_version": 99}).encode(), "newer than this genarch reads"),
    ("r.json", json.dumps({"schema_version": 1}).encode(), "r.json: missing environment"),
    ("r.json", _with_row(latency_ms_per_sample=-1.0), "row 0: latency_ms_per_sample must be a positive number"),
    ("r.json", _with_row(throughput_samples_per_s="fast"), "throughput_samples_per_s must be a positive number"),
    ("r.json", _with_row(batch=0), "row 0: batch must be an integer >= 1"),
])
def test_bad_probe_uploads_raise_one_line_naming_the_file(name, data, message):
    with pytest.raises(InputError) as err:
        parse_probe_upload(name, data)
    assert message in str(err.value) and "genarch-upload-" not in str(err.value)


def test_display_name_drops_paths_and_long_names():
    assert display_name("C:\\Users\\x\\answers.yaml") == "answers.yaml"
    assert display_name("/etc/passwd") == "passwd"
    assert len(display_name("a" * 300 + ".yaml")) == 80
