"""The background probe: progress from the results file, cancel, failure; never blocks the caller."""
import json
import time

import pytest

from app import probe_job
from probes.registry import PROBES

from tests.app.conftest import PROBE_RESULTS, ROWS


def _wait(job, timeout=20.0):
    deadline = time.monotonic() + timeout
    while (status := job.status()).state == "running":
        assert time.monotonic() < deadline, "the fake probe did not finish"
        time.sleep(0.05)
    return status


def test_expected_rows_are_read_from_the_saved_config():
    config = json.loads(PROBE_RESULTS.read_text())["config"]
    rows = PROBES["inference"].planned
    # quick on CPU: (3 GAN sizes + 3 denoiser sizes × 3 NFEs) × (batch 1 + throughput) × 1 dtype
    assert rows(config) == (3 + 3 * 3) * 2
    assert rows({**config, "dtypes": ["fp32", "bf16"]}) == 48
    assert rows({}) is None


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
    w = {name: spec.quick_cpu_seconds for name, spec in PROBES.items()}
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


# --- progress within a probe: the runner's progress file -------------------------------------

def _record(**fields):
    return {"probes": ["inference", "hybrid"], "finished": ["inference"], "probe": "hybrid", "index": 1,
            "done": 0, "total": 6, "label": "", "training_steps": 0, "probe_started_unix": 1000.0,
            "updated_unix": 1000.0, **fields}


def test_a_probe_that_trains_before_its_first_row_still_moves():
    config = {**json.loads(PROBE_RESULTS.read_text())["config"], "probes": ["inference", "hybrid"]}
    results = {"config": config, "inference": [{}] * 24, "probe_wall_s": {"inference": 80.0}}
    w = {name: spec.quick_cpu_seconds for name, spec in PROBES.items()}
    total = w["inference"] + w["hybrid"]
    # Without the progress file the hybrid probe reads 0 until its section is complete.
    assert probe_job.progress(results)[0] == pytest.approx(w["inference"] / total)
    # 10 s into the hybrid probe, no row yet: 10 of its ~49 quick-CPU seconds.
    share, stage = probe_job.progress(results, _record(training_steps=420), now=1010.0)
    assert share == pytest.approx((w["inference"] + 10 / w["hybrid"] * w["hybrid"]) / total)
    assert stage == "probe 2 of 2, hybrid: 0 of 6 measurements; training (420 steps since the last)"
    later, _ = probe_job.progress(results, _record(training_steps=900), now=1020.0)
    assert later > share
    # Steps done count when they are further than the time: 5 of 6 after 12 s.
    share, stage = probe_job.progress(results, _record(done=5, label="hybrid student nfe 2"), now=1012.0)
    assert share == pytest.approx((w["inference"] + 5 / 6 * w["hybrid"]) / total)
    assert stage == "probe 2 of 2, hybrid: 5 of 6 measurements"
    # A slow machine: 4 of 8 steps took 35 s, so the probe should take 70 s, not its quick-CPU 49 s;
    # 60 s in, the bar reads 60 of 70 s, not the cap.
    slow = _record(done=4, total=8, last_step_unix=1035.0)
    assert probe_job.expected_probe_s(slow) == pytest.approx(70.0)
    share, _ = probe_job.progress(results, slow, now=1060.0)
    assert share == pytest.approx((w["inference"] + 60 / 70 * w["hybrid"]) / total)
    # ... and a fast one never makes the time run ahead of the quick-CPU prior.
    assert probe_job.expected_probe_s(_record(done=4, total=8, last_step_unix=1002.0)) == w["hybrid"]
    # Time alone never says a probe is done: an hour in, it stops short of whole.
    share, _ = probe_job.progress(results, _record(), now=4600.0)
    assert share == pytest.approx((w["inference"] + probe_job.TIME_SHARE_CAP * w["hybrid"]) / total)


@pytest.mark.parametrize("content", ["", "{", "[]", '{"probe": "hybrid"}', json.dumps(_record(done="3")),
                                     json.dumps(_record(total=True)), "x" * 70_000])
def test_a_progress_file_that_is_not_one_is_ignored(tmp_path, content):
    path = tmp_path / "probe-progress.json"
    path.write_text(content)
    assert probe_job.read_progress_file(str(path)) is None
    assert probe_job.read_progress_file(str(tmp_path / "absent.json")) is None


def test_the_runner_writes_every_counted_step_and_training_throttled(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from probes import runner

    path = tmp_path / runner.PROGRESS_FILENAME
    progress_file = runner.ProgressFile(str(path), ["inference", "hybrid"])
    ctx = runner.ProbeContext(SimpleNamespace(), set(), {}, lambda: None, progress_file=progress_file)
    read = lambda: probe_job.read_progress_file(str(path))  # noqa: E731
    clock = [100.0]
    monkeypatch.setattr(runner.time, "monotonic", lambda: clock[0])
    progress_file.start("hybrid")
    assert read()["probe"] == "hybrid" and read()["index"] == 1 and read()["total"] == 0
    ctx.plan(6, 1)  # a resumed probe: one step already held
    assert (read()["done"], read()["total"]) == (1, 6)
    ctx.check_budget()  # within a second of the last write: counted, not written
    assert read()["training_steps"] == 0
    clock[0] += runner.PROGRESS_MIN_INTERVAL_S
    ctx.check_budget()
    assert read()["training_steps"] == 2
    ctx.advance("hybrid teacher nfe 1")  # a counted step is always written, and resets training
    assert (read()["done"], read()["label"], read()["training_steps"]) == (2, "hybrid teacher nfe 1", 0)
    assert read()["last_step_unix"] >= read()["probe_started_unix"]
    progress_file.finish("hybrid")
    assert read()["finished"] == ["hybrid"]


def test_the_bar_moves_while_a_probe_trains_without_writing_rows(tmp_path, monkeypatch):
    """End to end: a child process drives the runner's ProbeContext as the hybrid probe does
    (training steps, no row for seconds); the job's fraction grows while no row is written."""
    import sys
    import textwrap

    script = tmp_path / "training_probe.py"
    script.write_text(textwrap.dedent(f"""
        import json, os, sys, time
        from types import SimpleNamespace
        from probes import runner
        out = sys.argv[1]
        results = json.load(open({str(PROBE_RESULTS)!r}))
        results.update(inference=[], complete=False, probe_wall_s={{}})
        results["config"]["probes"] = ["hybrid"]
        path = os.path.join(out, runner.RESULTS_FILENAME)
        json.dump(results, open(path, "w"))
        pf = runner.ProgressFile(runner.progress_path(path), ["hybrid"])
        ctx = runner.ProbeContext(SimpleNamespace(), set(), results, lambda: None, progress_file=pf)
        pf.start("hybrid")
        ctx.plan(6, 0)
        for _ in range(200):  # 4 s of "training", no row
            ctx.check_budget()
            time.sleep(0.02)
        ctx.advance("hybrid teacher nfe 1")
        time.sleep(1.0)
    """))
    monkeypatch.setattr(probe_job, "probe_command", lambda out_dir, profile, device, probes=("inference",): [
        sys.executable, str(script), out_dir])
    job = probe_job.start()
    seen = []
    deadline = time.monotonic() + 20
    while (status := job.status()).state == "running":
        assert time.monotonic() < deadline
        if status.stage.startswith("probe 1 of 1, hybrid"):
            seen.append((status.fraction, status.stage, status.rows))
        time.sleep(0.25)
    assert status.state == "done"
    training = [(f, s) for f, s, rows in seen if "training (" in s]
    assert all(rows == 0 for _, _, rows in seen)
    assert len(training) >= 3 and training[-1][0] > training[0][0] > 0  # it moved before any step
    assert any(s == "probe 1 of 1, hybrid: 1 of 6 measurements" for _, s, _ in seen)
