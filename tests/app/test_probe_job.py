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


def test_the_command_runs_the_probes_chosen():
    command = probe_job.probe_command("/tmp/out", "quick", "cpu", ("inference", "hybrid"))
    assert command[command.index("--only") + 1] == "inference,hybrid"
    default = probe_job.probe_command("/tmp/out", "quick", "cpu")
    assert default[default.index("--only") + 1] == "inference"


def test_progress_spans_every_probe_of_the_run():
    config = {**json.loads(PROBE_RESULTS.read_text())["config"], "probes": ["inference", "training", "hybrid"],
              "training": {"fractions": [0.1, 0.3, 1.0], "seeds": [0, 1]}}
    w = probe_job.QUICK_CPU_SECONDS
    total = w["inference"] + w["training"] + w["hybrid"]
    share, stage = probe_job.progress({"config": config, "inference": [{}] * 12})
    assert share == pytest.approx(0.5 * w["inference"] / total)
    assert stage == "probe 1 of 3, inference: 12 of about 24 measurements"
    # inference finished (its wall time is recorded even with fewer rows than planned), 3 of 12 runs
    running = {"config": config, "inference": [{}] * 20, "probe_wall_s": {"inference": 80.0},
               "training": {"runs": [{}] * 3}}
    share, stage = probe_job.progress(running)
    assert share == pytest.approx((w["inference"] + 0.25 * w["training"]) / total)
    assert stage == "probe 2 of 3, training: 3 of about 12 training runs"
    share, stage = probe_job.progress({**running, "probe_wall_s": {"inference": 80.0, "training": 170.0},
                                       "hybrid": {"complete": False, "rows": []}})
    assert stage == "probe 3 of 3, hybrid: training and measuring"
    assert probe_job.JobStatus("running", 20, 24, 1.0, progress=share).fraction == pytest.approx(
        (w["inference"] + w["training"]) / total)


def test_the_page_starts_the_probes_selected(monkeypatch):
    from tests.app.conftest import page

    started = []
    monkeypatch.setattr(probe_job, "probes_installed", lambda: True)
    monkeypatch.setattr(probe_job, "start", lambda profile, device, probes: started.append(probes))
    at = page("3_Probes.py").run()
    assert at.multiselect(key="probe_only").value == ["inference"]
    at.multiselect(key="probe_only").set_value(["training", "steering"]).run()
    at.button(key="probe_run").click().run()
    assert started == [("training", "steering")]
    at.multiselect(key="probe_only").set_value([]).run()
    assert at.button(key="probe_run").disabled  # nothing to run
