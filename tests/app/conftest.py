"""Helpers for the app tests: the stored probe result, a fake probe process, AppTest for a page."""
from __future__ import annotations

import copy
import json
import os
import shutil
import sys

import pytest

from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures"
PROBE_RESULTS = FIXTURES / "probe-results-cpu.json"
FAKE_PROBE = FIXTURES / "fake_probe.py"
PAGES = ROOT / "app" / "pages"
ROWS = len(json.loads(PROBE_RESULTS.read_text())["inference"])  # measurements in the stored result


def page(name: str, timeout: float = 30):
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(PAGES / name), default_timeout=timeout)


def probe_bytes(device_name: str | None = None) -> bytes:
    """The stored result, optionally as if measured on another machine."""
    results = json.loads(PROBE_RESULTS.read_text())
    if device_name is not None:
        results = copy.deepcopy(results)
        results["environment"]["device_name"] = device_name
        results["cost_model"]["device_name"] = device_name
    return json.dumps(results).encode()


def require_tool(name: str) -> str:
    """A system tool the test needs: skipped where it is missing, but CI (which installs it) fails."""
    path = shutil.which(name) or (name if os.path.isabs(name) and os.path.exists(name) else None)
    if path is None:
        message = f"{name} is missing; `make test` as root installs it (scripts/system-deps.sh)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def _plain(value):
    """Plotly's JSON with its typed arrays ({"dtype": "f8", "bdata": base64, "shape"?}) as lists."""
    if isinstance(value, dict) and set(value) >= {"dtype", "bdata"}:
        import base64

        import numpy as np

        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        if "shape" in value:
            array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
        return array.tolist()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def plotly_charts(at) -> dict[str, dict]:
    """The plotly charts on an AppTest page, by title (its line breaks read as spaces): the figure
    as plotly's JSON, {"data": [trace, ...], "layout": {...}}. A trace's "name" is its legend entry
    (e.g. "1. gan · score 0.81", "flips to diffusion"); "x"/"y" hold its points, as lists."""
    charts = {}
    for chart in at.get("plotly_chart"):
        figure = _plain(json.loads(chart.proto.spec))
        title = (figure.get("layout", {}).get("title") or {}).get("text") or ""
        charts[title.replace("<br>", " ")] = figure
    return charts


@pytest.fixture
def fake_probe(monkeypatch):
    """`genarch probe` replaced by tests/fixtures/fake_probe.py; returns a setter for its options."""
    from app import probe_job

    options = {"args": ["0.05"]}
    monkeypatch.setattr(probe_job, "probes_installed", lambda: True)
    monkeypatch.setattr(probe_job, "probe_command",
                        lambda out_dir, profile, device, probes=("inference",): [
                            sys.executable, str(FAKE_PROBE), out_dir, *options["args"]])
    return options
