"""Uploaded files, checked before anything reads them: type by name, size, encoding, schema.

    answers = parse_answers_upload("answers.yaml", data)              # rubric.answers.validate'd
    probe_set = parse_probe_upload("h100.json", data)                # probes.results schema

Each raises `InputError` with one line that names the file (the pages show it and carry on).
The same limits hold for `genarch report`, which reads files from disk through the same code.
"""
from __future__ import annotations

from pathlib import PurePath

from probes.probe_set import ProbeSet
from probes.results import MAX_PROBE_BYTES, load_probe_results, parse_probe_results
from rubric import answers as answers_mod
from rubric.errors import InputError

ANSWERS_SUFFIXES = (".yaml", ".yml")
PROBE_SUFFIXES = (".json",)
MAX_ANSWERS_BYTES = answers_mod.MAX_ANSWERS_BYTES  # 1 MB: an answers file is a few hundred bytes
# MAX_PROBE_BYTES (5 MB) is probes.results': the commands read files from disk under the same limit.


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


def parse_probe_upload(name: str, data: bytes) -> ProbeSet:
    """An uploaded probe-results file, through the same parser and schema as the commands."""
    shown = _check(name, data, PROBE_SUFFIXES, MAX_PROBE_BYTES, "probe results")
    results = parse_probe_results(data, f"probe results {shown}")  # named as the commands name files
    return ProbeSet.from_results(results, shown)


def read_probe_file(path: str) -> ProbeSet:
    """A probe-results file on disk (`genarch report --probe-results`, the app's own probe run),
    under the same limits: probes.results.load_probe_results."""
    results = load_probe_results(path)
    return ProbeSet.from_results(results, str(path))
