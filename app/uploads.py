"""Uploaded files, checked before anything reads them: type by name, size, encoding, schema.

    answers = parse_answers_upload("answers.yaml", data)              # rubric.answers.validate'd
    probe_set = parse_probe_upload("h100.json", data)                # probes.results schema

Each raises `InputError` with one line that names the file (the pages show it and carry on).
The same limits hold for `genarch report`, which reads files from disk through the same code.
"""
from __future__ import annotations

import math
import os
import tempfile
from pathlib import PurePath

from probes.results import load_probe_results
from reports.probe_view import ProbeSet
from rubric import answers as answers_mod
from rubric.errors import InputError

ANSWERS_SUFFIXES = (".yaml", ".yml")
PROBE_SUFFIXES = (".json",)
MAX_ANSWERS_BYTES = answers_mod.MAX_ANSWERS_BYTES  # 1 MB: an answers file is a few hundred bytes
MAX_PROBE_BYTES = 5_000_000  # a full GPU profile writes well under 1 MB
MAX_INFERENCE_ROWS = 10_000
# Row fields the charts and tables divide by or draw on a log axis.
POSITIVE_ROW_FIELDS = ("latency_ms_per_sample", "throughput_samples_per_s")


def display_name(name: str) -> str:
    """The base name only (a browser may send a path), cut to a readable length."""
    base = PurePath(str(name).replace("\\", "/")).name or "upload"
    return base if len(base) <= 80 else base[:77] + "..."


def _check(name: str, data: bytes, suffixes: tuple[str, ...], limit: int, kind: str) -> str:
    shown = display_name(name)
    if not shown.lower().endswith(suffixes):
        raise InputError(f"{shown}: {kind} must be a {' or '.join(suffixes)} file")
    if len(data) > limit:
        raise InputError(f"{shown}: {len(data):,} bytes is over the {limit / 1e6:g} MB limit for {kind}")
    if not data.strip():
        raise InputError(f"{shown}: the file is empty")
    return shown


def parse_answers_upload(name: str, data: bytes) -> dict:
    shown = _check(name, data, ANSWERS_SUFFIXES, MAX_ANSWERS_BYTES, "an answers file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{shown}: not a UTF-8 text file") from None
    return answers_mod.parse(text, source=shown)


def check_probe_results(results: dict, shown: str) -> None:
    """What the charts need beyond probes.results' own checks: sane numbers, a bounded size."""
    rows = results["inference"]
    if len(rows) > MAX_INFERENCE_ROWS:
        raise InputError(f"{shown}: {len(rows):,} inference rows is over the limit of {MAX_INFERENCE_ROWS:,}")
    for i, row in enumerate(rows):
        for key in POSITIVE_ROW_FIELDS:
            value = row[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or value <= 0:
                raise InputError(f"{shown}: inference row {i}: {key} must be a positive number, got {value!r}")
        for key in ("nfe", "batch"):
            if isinstance(row[key], bool) or not isinstance(row[key], int) or row[key] < 1:
                raise InputError(f"{shown}: inference row {i}: {key} must be an integer >= 1, got {row[key]!r}")


def parse_probe_upload(name: str, data: bytes) -> ProbeSet:
    shown = _check(name, data, PROBE_SUFFIXES, MAX_PROBE_BYTES, "probe results")
    # probes.results validates files on disk; give it one, so there is a single validator.
    fd, path = tempfile.mkstemp(prefix="genarch-upload-", suffix=".json")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        try:
            results = load_probe_results(path)
        except InputError as err:
            raise InputError(str(err).replace(path, shown)) from None
    finally:
        os.unlink(path)
    check_probe_results(results, shown)
    return ProbeSet.from_results(results, shown)


def read_probe_file(path: str) -> ProbeSet:
    """A probe-results file on disk (`genarch report --probe-results`), under the same limits."""
    try:
        size = os.path.getsize(path)
    except OSError:
        size = 0  # let load_probe_results say what is wrong with it
    if size > MAX_PROBE_BYTES:
        raise InputError(f"{path}: {size:,} bytes is over the {MAX_PROBE_BYTES / 1e6:g} MB limit for probe results")
    results = load_probe_results(path)
    check_probe_results(results, str(path))
    return ProbeSet.from_results(results, str(path))
