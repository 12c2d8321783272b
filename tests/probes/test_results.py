"""probe-results.json: round trip, atomic writes, and clear errors for unusable files."""
from __future__ import annotations

import json
import os

import pytest

from probes.config import config_from_dict, resolve_config
from probes.results import SCHEMA_VERSION, load_probe_results, new_results, write_probe_results
from rubric.errors import InputError

ROW = dict(architecture="gan", model_size="xs", nfe=1, batch=1, dtype="fp32",
           latency_ms_per_sample=0.5, throughput_samples_per_s=2000.0, peak_memory_mib=300.0,
           flops_per_forward=2.6e6, cv=0.05, batch_role="single")


def results_with_row():
    r = new_results({"device_name": "cpu0", "device_kind": "cpu"}, {"profile": "quick"})
    r["inference"].append(dict(ROW))
    return r


def test_round_trip(tmp_path):
    path = tmp_path / "probe-results.json"
    write_probe_results(path, results_with_row())
    loaded = load_probe_results(path)
    assert loaded == json.loads(json.dumps(results_with_row() | {"created_unix": loaded["created_unix"]}))
    assert loaded["schema_version"] == SCHEMA_VERSION and loaded["complete"] is False
    assert os.listdir(tmp_path) == ["probe-results.json"]  # no temporary file left behind


def test_config_round_trips_through_json():
    config = resolve_config("full", ("inference",), "cuda", ("fp32", "bf16"), 30.0, 1)
    assert config_from_dict(json.loads(json.dumps(config.to_dict()))) == config


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "r.json"
    r = results_with_row()
    r["schema_version"] = SCHEMA_VERSION + 1
    path.write_text(json.dumps(r))
    with pytest.raises(InputError, match="newer"):
        load_probe_results(path)


@pytest.mark.parametrize("text", ["", "{not json", "[1, 2]", '{"schema_version": "1"}',
                                  '{"schema_version": 1}'])
def test_corrupt_files_are_refused_in_one_line(tmp_path, text):
    path = tmp_path / "r.json"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_probe_results(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def test_row_missing_a_contract_key_is_refused(tmp_path):
    r = results_with_row()
    del r["inference"][0]["latency_ms_per_sample"]
    write_probe_results(tmp_path / "r.json", r)
    with pytest.raises(InputError, match="latency_ms_per_sample"):
        load_probe_results(tmp_path / "r.json")


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_probe_results(tmp_path / "absent.json")


def test_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "r.json"
    write_probe_results(path, results_with_row())
    with pytest.raises(ValueError):
        write_probe_results(path, {"x": float("nan")})  # allow_nan=False refuses mid-write
    assert load_probe_results(path)["inference"][0]["model_size"] == "xs"
    assert os.listdir(tmp_path) == ["r.json"]
