"""`genarch probe` and `genarch estimate`: exit code 2 on bad input, files and JSON on good input."""
from __future__ import annotations

import json

import pytest

from app.cli import main
from probes import config as probe_config
from probes.results import load_probe_results


@pytest.fixture
def results_file(tmp_path, synthetic_rows):
    from probes.summaries.cost_fit import fit_cost_model
    from probes.results import new_results, write_probe_results

    rows = synthetic_rows(1.0, 1e11)
    for r in rows:
        r.update(architecture="gan", model_size="xs", throughput_samples_per_s=1.0,
                 peak_memory_mib=1.0, cv=0.0)
    r = new_results({"device_name": "test-cpu", "device_kind": "cpu"}, {})
    r.update(inference=rows, complete=True, cost_model=fit_cost_model(rows, "test-cpu", "cpu"))
    path = tmp_path / "probe-results.json"
    write_probe_results(path, r)
    return str(path)


def test_estimate_json(results_file, capsys):
    code = main(["estimate", "--probe-results", results_file, "--flops-per-forward", "1e9",
                 "--nfe", "10", "--batch", "1", "--usd-per-hour", "3.6", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    # 1 ms overhead + 1e9 FLOP at 1e11 FLOP/s = 11 ms per forward, x 10 NFE
    assert out["latency_ms_per_sample"] == pytest.approx(110.0, rel=1e-3)
    lo, hi = out["interval"]
    assert lo <= out["latency_ms_per_sample"] <= hi
    assert out["usd_per_1k_samples"] == pytest.approx(0.11, rel=1e-3)  # 110 s of a $3.6/h device


def test_estimate_text(results_file, capsys):
    assert main(["estimate", "--probe-results", results_file, "--flops-per-forward", "2e9",
                 "--nfe", "1"]) == 0
    assert "ms per sample" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    ["--flops-per-forward", "-5", "--nfe", "1"],
    ["--flops-per-forward", "abc", "--nfe", "1"],
    ["--flops-per-forward", "1e9", "--nfe", "0"],
    ["--flops-per-forward", "1e9", "--nfe", "2.5"],
    ["--flops-per-forward", "1e9", "--nfe", "1", "--batch", "-1"],
    ["--flops-per-forward", "1e9", "--nfe", "1", "--usd-per-hour", "inf"],
    ["--flops-per-forward", "1e9", "--nfe", "1", "--dtype", "fp8"],
    ["--flops-per-forward", "1e9", "--nfe", "1", "--format", "xml"],
])
def test_estimate_bad_input_exits_2_with_one_line(results_file, capsys, argv):
    assert main(["estimate", "--probe-results", results_file, *argv]) == 2 if "xml" not in argv \
        else _argparse_exit(["estimate", "--probe-results", results_file, *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err and len(err.splitlines()) == 1


def _argparse_exit(argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    return exit_info.value.code


@pytest.mark.parametrize("content", [None, "{broken", '{"schema_version": 99}'])
def test_estimate_unusable_results_file_exits_2(tmp_path, capsys, content):
    path = tmp_path / "r.json"
    if content is not None:
        path.write_text(content)
    assert main(["estimate", "--probe-results", str(path), "--flops-per-forward", "1e9",
                 "--nfe", "1"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv", [["--only", "bogus"], ["--budget", "-1"], ["--budget", "nan"],
                                  ["--dtype", "fp8"], ["--device", "cpu", "--dtype", "fp16"],
                                  ["--threads", "0"], ["--threads", "two"], ["--threads", "99999"]])
def test_probe_bad_input_exits_2(tmp_path, capsys, argv):
    assert main(["probe", "--out", str(tmp_path), *argv]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_probe_while_another_probe_runs_exits_2_with_one_line(tmp_path, capsys):
    from probes.measure.machine_lock import exclusive_machine

    with exclusive_machine(str(tmp_path / "other")):
        assert main(["probe", "--only", "inference", "--device", "cpu", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "another genarch probe is measuring this machine" in err[0]
    assert not (tmp_path / "run" / "probe-results.json").exists()


def test_probe_cuda_without_cuda_exits_2(tmp_path, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA present")
    assert main(["probe", "--device", "cuda", "--out", str(tmp_path)]) == 2


def test_probe_end_to_end_writes_results_and_resumes(tmp_path, capsys, monkeypatch, tiny_settings):
    monkeypatch.setitem(probe_config._INFERENCE, ("quick", "cpu"), tiny_settings)
    out = tmp_path / "run"
    assert main(["probe", "--only", "inference", "--device", "cpu", "--out", str(out), "--budget", "1e-9"]) == 0
    assert "PARTIAL" in capsys.readouterr().out
    assert load_probe_results(out / "probe-results.json")["complete"] is False
    assert main(["probe", "--only", "inference", "--device", "cpu", "--out", str(out), "--resume"]) == 0
    printed = capsys.readouterr().out
    results = load_probe_results(out / "probe-results.json")
    assert results["complete"] is True and len(results["inference"]) == 6
    assert "cost model (" in printed and "diffusion" in printed


def test_sigterm_keeps_partial_results_like_ctrl_c(tmp_path):
    """A scheduler's preemption (SIGTERM) stops the real command cleanly: exit 130, the rows
    measured so far kept with complete: false, ready for --resume."""
    import json
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "probe", "--only", "inference",
                                "--device", "cpu", "--out", str(out), "--no-progress"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    path = out / "probe-results.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if json.loads(path.read_text())["inference"]:
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    results = json.loads(path.read_text())
    assert results["complete"] is False and results["stop_reason"] == "interrupted"
    assert results["inference"] and "--resume" in err
