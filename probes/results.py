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
import os
import tempfile
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
    """Write JSON next to `path`, then rename over it: readers see the old file or the new one,
    never half of one, even when Ctrl-C lands mid-write."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".probe-results-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(results, f, indent=1, allow_nan=False)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_probe_results(path: str | os.PathLike) -> dict:
    """Read and check a results file. Raises InputError with a one-line reason when the file is
    missing, not JSON, from a newer schema, or lacks the keys this version needs."""
    path = os.fspath(path)
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        raise InputError(f"probe results {path}: no such file (run `genarch probe` first)") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as err:
        raise InputError(f"probe results {path}: cannot read ({type(err).__name__})") from None
    try:
        results = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"probe results {path}: not valid JSON (line {err.lineno}: {err.msg}); "
                         "rerun `genarch probe`") from None
    if not isinstance(results, dict):
        raise InputError(f"probe results {path}: expected a JSON object at the top level")
    version = results.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise InputError(f"probe results {path}: schema_version missing or not an integer")
    if version > SCHEMA_VERSION:
        raise InputError(f"probe results {path}: schema_version {version} is newer than this "
                         f"genarch reads ({SCHEMA_VERSION}); upgrade genarch")
    missing = [k for k in TOP_LEVEL_KEYS if k not in results]
    if missing:
        raise InputError(f"probe results {path}: missing {', '.join(missing)}")
    if not isinstance(results["inference"], list):
        raise InputError(f"probe results {path}: 'inference' must be a list of rows")
    for i, row in enumerate(results["inference"]):
        absent = [k for k in INFERENCE_ROW_KEYS if not isinstance(row, dict) or k not in row]
        if absent:
            raise InputError(f"probe results {path}: inference row {i} lacks {', '.join(absent)}")
    if not isinstance(results["environment"], dict):
        raise InputError(f"probe results {path}: 'environment' must be an object")
    return results


def row_key(row: dict) -> tuple:
    """What identifies a measurement, so `--resume` skips the ones already in the file."""
    return (row["architecture"], row["model_size"], row["dtype"], row["nfe"], row.get("batch_role"))
