"""Hostile probe-results files through every command that reads them, in-process.

Each file in the corpus goes to `genarch recommend`, `genarch report` and `genarch estimate` (and
the app's upload): the answer is exit code 2 with exactly one line on stderr, or a sane output (no
control characters from the file, no NaN or infinity, no negative time); never a traceback, a
hang or an internal error, and each within a few seconds.
"""
from __future__ import annotations

import copy
import json
import os
import re
import signal
import time
from pathlib import Path

import pytest

from app.cli import main
from app.uploads import parse_probe_upload
from rubric.errors import InputError
from tests.conftest import EXAMPLES

from tests.app.conftest import PROBE_RESULTS

ANSWERS = EXAMPLES / "latency-bound.yaml"
VALID = json.loads(PROBE_RESULTS.read_text())
CONTROL = json.loads((PROBE_RESULTS.parent / "probe-results-control.json").read_text())
SECONDS = 10  # per command; the slowest honest case takes well under 2 s


def mutated(change) -> dict:
    results = copy.deepcopy(VALID)
    results.update(copy.deepcopy(CONTROL))
    change(results)
    return results


def _set(path: str, value):
    """A change that sets results[a][b]... (list indices as integers) to `value`."""
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]

    def change(results):
        node = results
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return change


def _delete(path: str):
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]

    def change(results):
        node = results
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]
    return change


def _json(results: dict) -> str:
    return json.dumps(results, allow_nan=True)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# name -> (what to write, or a callable making the path; whether the file must be refused)
def _fifo(tmp: Path) -> Path:
    path = tmp / "fifo.json"
    os.mkfifo(path)
    return path


def _directory(tmp: Path) -> Path:
    path = tmp / "dir.json"
    path.mkdir()
    return path


def _loop(tmp: Path) -> Path:
    (tmp / "a.json").symlink_to(tmp / "b.json")
    (tmp / "b.json").symlink_to(tmp / "a.json")
    return tmp / "a.json"


def _sparse(tmp: Path) -> Path:
    path = tmp / "sparse.json"
    with open(path, "wb") as f:
        f.truncate(185_000_000)
    return path


ESCAPES = "\x1b[31mEVIL\x1b]0;title\x07\nforged line\r\x9b2J\u202eevil\u0000"

CORPUS = {
    # not files one can read
    "fifo": (_fifo, True),
    "dev-zero": (lambda tmp: Path("/dev/zero"), True),
    "dev-null": (lambda tmp: Path("/dev/null"), True),
    "directory": (_directory, True),
    "symlink-loop": (_loop, True),
    "missing": (lambda tmp: tmp / "absent.json", True),
    "sparse-185MB": (_sparse, True),
    "over-5MB": ("{" + " " * 5_000_001 + "}", True),
    # not JSON, or JSON no parser should build
    "empty": ("", True),
    "binary": (b"\x00\xff\xfe" * 100, True),
    "raw-surrogate-bytes": (_json(mutated(_set("environment.device_name", "X"))).replace('"X"', '"\ud800"')
                            .encode("utf-8", "surrogatepass"), True),
    "deep-100k": (_nested(100_000), True),
    "deep-100k-under-key": ('{"schema_version": 1, "environment": ' + _nested(100_000) + "}", True),
    "deep-100-under-valid-key": (_json(mutated(_set("environment.extra", json.loads(_nested(100))))), True),
    "int-5001-digits": ('{"schema_version": ' + "9" * 5001 + "}", True),
    "int-400-digits-in-row": (_json(mutated(_set("inference.0.batch", 1))).replace('"batch": 1,', '"batch": ' + "9" * 400 + ",", 1), True),
    "float-1e400": (_json(mutated(_set("cost_model.effective_flop_per_s", 1.0))).replace(
        '"effective_flop_per_s": 1.0', '"effective_flop_per_s": 1e400', 1), True),
    "nan-rate": (_json(mutated(_set("cost_model.effective_flop_per_s", float("nan")))), True),
    "infinity-rate": (_json(mutated(_set("cost_model.fits.fp32.effective_flop_per_s", float("inf")))), True),
    "nan-latency": (_json(mutated(_set("inference.3.latency_ms_per_sample", float("nan")))), True),
    "nan-accuracy": (_json(mutated(_set("conditioning.rows.1.conditional_accuracy", float("nan")))), True),
    "top-level-list": ("[1, 2]", True),
    "schema-version-string": (_json(mutated(_set("schema_version", "1"))), True),
    "schema-version-0": (_json(mutated(_set("schema_version", 0))), True),
    "schema-version-newer": (_json(mutated(_set("schema_version", 2))), True),
    # wrongly typed sections and fields
    "training-garbage": (_json(mutated(_set("training", "garbage"))), True),
    "cost-model-list": (_json(mutated(_set("cost_model", [1, 2]))), True),
    "rate-abc": (_json(mutated(_set("cost_model.effective_flop_per_s", "abc"))), True),
    "fit-rate-abc": (_json(mutated(_set("cost_model.fits_by_architecture.gan.fp32.effective_flop_per_s", "abc"))), True),
    "hybrid-row-without-nfe": (_json(mutated(_delete("hybrid.rows.2.nfe"))), True),
    "hybrid-row-quality-null": (_json(mutated(_set("hybrid.rows.2.quality", None))), True),
    "hybrid-rows-string": (_json(mutated(_set("hybrid.rows", "x"))), True),
    "conditioning-number": (_json(mutated(_set("conditioning", 5))), True),
    "conditioning-guidance-null": (_json(mutated(_set("conditioning.rows.2.guidance_scale", None))), True),
    "steering-rows-object": (_json(mutated(_set("steering.rows", {"a": 1}))), True),
    "steering-data-string": (_json(mutated(_set("steering.data", "digits"))), True),
    "inference-object": (_json(mutated(_set("inference", {}))), True),
    "inference-row-string": (_json(mutated(_set("inference.0", "row"))), True),
    "environment-list": (_json(mutated(_set("environment", []))), True),
    "config-string": (_json(mutated(_set("config", "x"))), True),
    "data-needs-families-list": (_json(mutated(_set("data_needs", {"families": []}))), True),
    "training-runs-garbage": (_json(mutated(_set("training", {"runs": [{"architecture": "gan"}]}))), True),
    "training-stability-string": (_json(mutated(_set("training", {"stability": {"gan": "x"}}))), True),
    "fits-missing-dtype": (_json(mutated(_set("cost_model.dtype", "fp16"))), True),
    "bool-batch": (_json(mutated(_set("inference.0.batch", True))), True),
    "accuracy-above-1": (_json(mutated(_set("conditioning.rows.0.conditional_accuracy", 1.5))), True),
    "negative-fid": (_json(mutated(_set("hybrid.rows.1.quality.fid", -3.0))), True),
    # impossible fitted rates and overheads
    "negative-rate": (_json(mutated(_set("cost_model.effective_flop_per_s", -1e12))), True),
    "zero-rate": (_json(mutated(_set("cost_model.fits.fp32.effective_flop_per_s", 0))), True),
    "tiny-rate": (_json(mutated(_set("cost_model.fits.fp32.effective_flop_per_s", 1e-300))), True),
    "negative-overhead": (_json(mutated(_set("cost_model.fits.fp32.overhead_ms_per_call", -5e7))), True),
    "negative-headline-overhead": (_json(mutated(_set("cost_model.fixed_overhead_ms_per_forward", -2.6e7))), True),
    "negative-bootstrap": (_json(mutated(_set("cost_model.fits.fp32.bootstrap.0.2", -1e-9))), True),
    "inverted-range": (_json(mutated(_set("cost_model.fits.fp32.flops_per_call_range", [1e12, 1e3]))), True),
    # accepted, made printable
    "valid": (_json(mutated(lambda r: None)), False),
    "unknown-fields": (_json(mutated(_set("environment.future_field", {"x": [1, "\x1b[2J"]}))), False),
    "lone-surrogate-device-name": (_json(mutated(_set("environment.device_name", "GPU \ud800 X"))), False),
    "escapes-in-device-name": (_json(mutated(_set("cost_model.device_name", ESCAPES))), False),
    "escapes-in-data-name": (_json(mutated(_set("hybrid.data.name", ESCAPES))), False),
    "escapes-in-env-device-name": (_json(mutated(_set("environment.device_name", ESCAPES))), False),
    "long-device-name": (_json(mutated(_set("environment.device_name", "G" * 100_000))), False),
}


def _make(tmp_path: Path, case: str) -> Path:
    content, _ = CORPUS[case]
    if callable(content):
        return content(tmp_path)
    path = tmp_path / "probe-results.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    return path


COMMANDS = {
    "recommend": lambda p, tmp: ["recommend", str(ANSWERS), "--probe-results", str(p)],
    "recommend-json": lambda p, tmp: ["recommend", str(ANSWERS), "--probe-results", str(p), "--format", "json"],
    "report": lambda p, tmp: ["report", "--answers", str(ANSWERS), "--probe-results", str(p),
                              "--out", str(tmp / "report.md")],
    "estimate": lambda p, tmp: ["estimate", "--probe-results", str(p), "--flops-per-forward", "8e9",
                                "--nfe", "25", "--usd-per-hour", "2", "--format", "json"],
}

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


class _Hang(Exception):
    pass


def _run(argv: list[str], capsys) -> tuple[int, str, str, float]:
    def alarm(signum, frame):
        raise _Hang(f"{argv[0]} ran over {SECONDS} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(SECONDS)
    start = time.monotonic()
    try:
        code = main(argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    out, err = capsys.readouterr()
    return code, out, err, time.monotonic() - start


def _assert_sane(command: str, out: str, tmp_path: Path) -> None:
    texts = [out] + ([(tmp_path / "report.md").read_text()] if command == "report" else [])
    for text in texts:
        assert not _UNSAFE.search(text), f"control characters reached the output: {_UNSAFE.findall(text)[:5]}"
        assert not re.search(r"\b(NaN|-?Infinity|nan|-?inf)\b", text)
        assert not any(line.lstrip().startswith("forged line") for line in text.splitlines())
    if command == "estimate":
        data = json.loads(out)
        assert data["latency_ms_per_sample"] > 0 and all(v >= 0 for v in data["interval"])
        assert data["usd_per_1k_samples"] >= 0
    if command == "recommend-json":
        json.loads(out, parse_constant=lambda name: pytest.fail(f"{name} in the JSON output"))


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", list(CORPUS))
def test_hostile_probe_file(tmp_path, capsys, case, command):
    path = _make(tmp_path, case)
    code, out, err, seconds = _run(COMMANDS[command](path, tmp_path), capsys)
    refused = CORPUS[case][1]
    assert seconds < SECONDS
    assert "Traceback" not in err and "internal error" not in err, err
    if refused:
        assert code == 2, (code, out, err)
        assert len(err.splitlines()) == 1 and err.endswith("\n"), err
        assert not _UNSAFE.search(err)
        assert out == ""
    else:
        assert code == 0, err
        assert err == "", err
        _assert_sane(command, out, tmp_path)


@pytest.mark.parametrize("case", ["training-garbage", "cost-model-list", "rate-abc", "hybrid-row-without-nfe",
                                  "negative-rate", "nan-rate", "tiny-rate"])
def test_refusal_names_the_section_and_field(tmp_path, capsys, case):
    path = _make(tmp_path, case)
    code, _, err, _ = _run(COMMANDS["recommend"](path, tmp_path), capsys)
    assert code == 2
    expected = {"training-garbage": "training must be an object",
                "cost-model-list": "cost_model must be an object",
                "rate-abc": "cost_model: effective_flop_per_s must be",
                "hybrid-row-without-nfe": "hybrid row 2: nfe must be an integer >= 1",
                "negative-rate": "cost_model: effective_flop_per_s must be",
                "nan-rate": "NaN",
                "tiny-rate": "cost_model.fits.fp32: effective_flop_per_s must be"}[case]
    assert expected in err and str(path) in err


def test_several_files_one_bad_is_refused_before_any_output(tmp_path, capsys):
    good = tmp_path / "good.json"
    good.write_text(PROBE_RESULTS.read_text())
    bad = _make(tmp_path, "cost-model-list")
    code, out, err, _ = _run(["recommend", str(ANSWERS), "--probe-results", str(good), str(bad)], capsys)
    assert code == 2 and out == "" and len(err.splitlines()) == 1


@pytest.mark.parametrize("case", [c for c, (content, _) in CORPUS.items() if not callable(content)])
def test_app_upload_uses_the_same_reader(case):
    """The Probes page's upload: the same verdict as the commands, one line naming the upload."""
    content, refused = CORPUS[case]
    data = content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass")
    if refused:
        with pytest.raises(InputError) as err:
            parse_probe_upload("upload.json", data)
        message = str(err.value)
        assert "\n" not in message and "upload.json: " in message and not _UNSAFE.search(message)
    else:
        probe_set = parse_probe_upload("upload.json", data)
        assert not _UNSAFE.search(probe_set.label) and len(probe_set.label) <= 200
        assert not _UNSAFE.search(json.dumps(probe_set.results, ensure_ascii=False))
