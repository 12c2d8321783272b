"""The background probe: progress from the results file, cancel, failure; never blocks the caller."""
import json
import time

import pytest

from app import probe_job

from tests.app.conftest import PROBE_RESULTS, ROWS


def _wait(job, timeout=20.0):
    deadline = time.monotonic() + timeout
    while (status := job.status()).state == "running":
        assert time.monotonic() < deadline, "the fake probe did not finish"
        time.sleep(0.05)
    return status


def test_expected_rows_mirror_the_plan():
    config = json.loads(PROBE_RESULTS.read_text())["config"]
    # quick on CPU: (3 GAN sizes + 3 denoiser sizes × 3 NFEs) × (batch 1 + throughput) × 1 dtype
    assert probe_job.expected_rows(config) == (3 + 3 * 3) * 2
    assert probe_job.expected_rows({**config, "dtypes": ["fp32", "bf16"]}) == 48
    assert probe_job.expected_rows({}) is None


def test_the_real_command_is_genarch_probe():
    command = probe_job.probe_command("/tmp/out", "quick", "cpu")
    assert command[1:4] == ["-m", "app.cli", "probe"]
    assert command[command.index("--out") + 1] == "/tmp/out" and "--no-progress" in command


def test_start_returns_at_once_and_the_run_completes(fake_probe):
    fake_probe["args"] = ["0.02"]
    started = time.monotonic()
    job = probe_job.start("quick", "cpu")
    assert time.monotonic() - started < 1.0  # the page never waits for the probe
    status = _wait(job)
    assert status.state == "done" and status.fraction == 1.0
    assert status.rows == len(json.loads(PROBE_RESULTS.read_text())["inference"])
    assert status.expected == 24


def test_cancel_keeps_the_rows_measured(fake_probe):
    fake_probe["args"] = ["0.3"]
    job = probe_job.start()
    deadline = time.monotonic() + 10
    while job.status().rows < 1:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    running = job.status()
    assert running.state == "running" and 0 < running.fraction < 1
    job.cancel()
    status = _wait(job)
    assert status.state == "cancelled" and 1 <= status.rows < ROWS
    results = json.loads(open(job.results_path).read())
    assert results["stop_reason"] == "interrupted" and not results["complete"]


def test_failure_is_reported_with_the_log(fake_probe):
    fake_probe["args"] = ["0.01", "--fail"]
    status = _wait(probe_job.start())
    assert status.state == "failed" and "exited with code 1" in status.message
    assert "simulated probe failure" in status.message


@pytest.mark.parametrize("rows, expected, fraction", [(0, 24, 0.0), (12, 24, 0.5), (30, 24, 0.99), (5, None, 0.0)])
def test_progress_fraction_while_running(rows, expected, fraction):
    assert probe_job.JobStatus("running", rows, expected, 1.0).fraction == pytest.approx(fraction)
