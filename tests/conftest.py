"""Shared test helpers. Tests run on CPU; GPU tests skip cleanly without CUDA."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


@pytest.fixture
def defaults():
    from rubric import answers

    return answers.defaults()


@pytest.fixture(autouse=True, scope="session")
def _own_probe_lock(tmp_path_factory):
    """Each test session its own machine lock (probes/measure/machine_lock.py), so that two test runs on
    one machine (or a test run beside a real probe) do not refuse each other."""
    import os

    from probes.measure.machine_lock import LOCK_ENV

    before = os.environ.get(LOCK_ENV)
    os.environ[LOCK_ENV] = str(tmp_path_factory.mktemp("lock") / "genarch-probe.lock")
    yield
    if before is None:
        os.environ.pop(LOCK_ENV, None)
    else:
        os.environ[LOCK_ENV] = before
