"""probe-results.json: the versioned contract between the probes and everything that reads them.

    results = new_results(environment, config)      # complete: False until the run finishes
    write_probe_results(path, results)              # atomic: tmp file + os.replace
    results = load_probe_results(path)              # InputError (one line) when unusable

The schema is documented field by field in probes/RESULTS.md. Torch-free: `genarch recommend`
and `genarch estimate` load results without importing torch.

Versioning: SCHEMA_VERSION is an integer raised on any change a reader could trip on (a renamed
or re-meant field). Adding a field does not raise it; readers ignore fields they do not know. A
file from a newer schema is refused with a message to upgrade genarch, never half-read.
"""
from __future__ import annotations

import json
import math
import os
import stat
import time

from rubric.errors import InputError

SCHEMA_VERSION = 1

TOP_LEVEL_KEYS = ("schema_version", "environment", "config", "inference", "cost_model", "complete")
ENVIRONMENT_KEYS = ("device_kind", "device_name", "driver", "torch_version", "cpu", "dtypes", "seed",
                    "genarch_version")
# Keys every inference row has (probes/RESULTS.md lists the optional ones too).
INFERENCE_ROW_KEYS = ("architecture", "model_size", "nfe", "batch", "dtype",
                      "latency_ms_per_sample", "throughput_samples_per_s", "peak_memory_mib",
                      "flops_per_forward", "cv")


def new_results(environment: dict, config: dict) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "created_unix": time.time(),
        "environment": environment,
        "config": config,
        "inference": [],
        "cost_model": None,
        "complete": False,
        "stop_reason": None,  # "budget", "interrupted" or None
    }


def write_probe_results(path: str | os.PathLike, results: dict) -> None:
    """Write JSON through probes.atomic.write_atomic: readers see the old file or the new one,
    never half of one, even when Ctrl-C lands mid-write; a FIFO, device or folder at `path` is
    refused (InputError) and a symlink planted there is replaced, never followed. NaN or
    Infinity raise ValueError before anything is written."""
    from probes.atomic import write_atomic

    path = os.fspath(path)
    data = (json.dumps(results, indent=1, allow_nan=False) + "\n").encode("utf-8")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    write_atomic(path, data, f"probe results {path}")


MAX_PROBE_BYTES = 5_000_000  # a full GPU profile writes well under 1 MB; the same limit everywhere
MAX_INT_DIGITS = 30  # no field holds more; Python would refuse 4,300 and choke well before


class _Refused(ValueError):
    """A JSON token the reader will not turn into a value (raised by the parse hooks)."""


def _parse_int(text: str) -> int:
    digits = len(text) - text.startswith("-")
    if digits > MAX_INT_DIGITS:
        raise _Refused(f"an integer of {digits:,} digits (at most {MAX_INT_DIGITS})")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > 400:
        raise _Refused(f"a number written with {len(text):,} characters")
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"a number out of range ({text[:20]})")
    return value


def _parse_constant(name: str):
    raise _Refused(f"{name} (NaN and Infinity are not JSON numbers)")


def shown_path(path: str | os.PathLike) -> str:
    """How a file is named in messages: its path with control characters made harmless."""
    from probes.results_schema import clean_text

    text = clean_text(os.fsdecode(path))
    return text if len(text) <= 200 else "..." + text[-197:]


def read_bounded(path: str | os.PathLike, limit: int, shown: str) -> bytes:
    """The bytes of a regular file of at most `limit` bytes. Anything else (a FIFO, a device, a
    directory, a socket, a symlink loop, a larger file) is refused at once in one line, before
    reading: stat first, open non-blocking (a FIFO swapped in cannot hang), fstat again, and never
    read more than limit + 1 bytes."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{shown}: no such file (run `genarch probe` first)") from None
    except (OSError, ValueError) as err:  # ELOOP, EACCES, ENAMETOOLONG, an embedded NUL byte
        raise InputError(f"{shown}: cannot read ({getattr(err, 'strerror', None) or err})") from None
    _check_kind(info, limit, shown)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        raise InputError(f"{shown}: cannot read ({err.strerror or err})") from None
    try:
        _check_kind(os.fstat(fd), limit, shown)  # the file opened is the one checked
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as err:
        raise InputError(f"{shown}: cannot read ({err.strerror or err})") from None
    finally:
        os.close(fd)
    if total > limit:
        raise InputError(f"{shown}: over the {limit / 1e6:g} MB limit for probe results")
    return b"".join(chunks)


def _check_kind(info: os.stat_result, limit: int, shown: str) -> None:
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise InputError(f"{shown}: is a directory; name the probe-results.json file in it")
    if not stat.S_ISREG(mode):
        kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "not a file")
        raise InputError(f"{shown}: is {kind}, not a regular file")
    if info.st_size > limit:
        raise InputError(f"{shown}: {info.st_size:,} bytes is over the {limit / 1e6:g} MB limit for probe results")


def parse_probe_results(data: bytes, shown: str) -> dict:
    """Bytes of a probe-results file -> the validated results (probes/results_schema.py), or
    InputError in one line naming `shown`. The one parser behind every command and the app."""
    from probes.results_schema import validate

    if len(data) > MAX_PROBE_BYTES:
        raise InputError(f"{shown}: {len(data):,} bytes is over the {MAX_PROBE_BYTES / 1e6:g} MB limit "
                         "for probe results")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"{shown}: not UTF-8 text (byte {err.start:,}); rerun `genarch probe`") from None
    if not text.strip():
        raise InputError(f"{shown}: the file is empty; rerun `genarch probe`")
    try:
        results = json.loads(text, parse_int=_parse_int, parse_float=_parse_float,
                             parse_constant=_parse_constant)
    except json.JSONDecodeError as err:
        raise InputError(f"{shown}: not valid JSON (line {err.lineno}: {err.msg}); "
                         "rerun `genarch probe`") from None
    except _Refused as err:
        raise InputError(f"{shown}: refused {err}") from None
    except RecursionError:
        raise InputError(f"{shown}: nested too deeply to be probe results") from None
    except (ValueError, MemoryError) as err:
        raise InputError(f"{shown}: not valid JSON ({type(err).__name__})") from None
    return validate(results, shown)


def load_probe_results(path: str | os.PathLike, shown: str | None = None) -> dict:
    """Read and check a results file. Raises InputError with a one-line reason when the file is
    missing, not a regular file, over MAX_PROBE_BYTES, not JSON, from a newer schema, or when a
    field is missing or has the wrong type or an impossible value (probes/results_schema.py).
    Strings in the result are printable (no control characters)."""
    shown = shown or f"probe results {shown_path(path)}"
    return parse_probe_results(read_bounded(path, MAX_PROBE_BYTES, shown), shown)


def row_key(row: dict) -> tuple:
    """What identifies a measurement, so `--resume` skips the ones already in the file."""
    return (row["architecture"], row["model_size"], row["dtype"], row["nfe"], row.get("batch_role"))
