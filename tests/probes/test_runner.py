"""Budget, Ctrl-C and --resume: partial results are valid files that a second run completes."""
from __future__ import annotations

import dataclasses
import os

import pytest

from probes import inference
from probes.results import load_probe_results, row_key
from probes.runner import run_probes
from rubric.errors import InputError


def count_measurements(monkeypatch, interrupt_at=None):
    """Wrap inference.measure to count calls, raising KeyboardInterrupt on call `interrupt_at`."""
    calls = []
    real = inference.measure

    def measure(*args, **kwargs):
        calls.append(1)
        if interrupt_at is not None and len(calls) == interrupt_at:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(inference, "measure", measure)
    return calls


def test_tiny_budget_gives_partial_results_that_resume_completes(tiny, tmp_path):
    path = str(tmp_path / "probe-results.json")
    partial = run_probes(tiny(budget_s=1e-9), path, show_progress=False)
    on_disk = load_probe_results(path)
    assert on_disk["complete"] is False and on_disk["stop_reason"] == "budget"
    assert len(partial["inference"]) < 6
    first_wall = on_disk["probe_wall_s"]["inference"]
    assert first_wall > 0  # a stopped probe records the time it used
    done = run_probes(tiny(), path, resume=True, show_progress=False)
    assert done["complete"] is True and load_probe_results(path)["complete"] is True
    keys = [row_key(r) for r in done["inference"]]
    assert len(keys) == len(set(keys)) == 6
    assert load_probe_results(path)["probe_wall_s"]["inference"] > first_wall  # summed over the resume


def test_interrupt_keeps_finished_rows_and_resume_skips_them(tiny, tmp_path, monkeypatch):
    path = str(tmp_path / "probe-results.json")
    count_measurements(monkeypatch, interrupt_at=3)
    partial = run_probes(tiny(), path, show_progress=False)
    assert partial["_interrupted"] and partial["stop_reason"] == "interrupted"
    on_disk = load_probe_results(path)
    assert on_disk["complete"] is False and len(on_disk["inference"]) == 2
    assert on_disk["cost_model"] is not None  # fitted on what there is

    calls = count_measurements(monkeypatch)
    done = run_probes(tiny(), path, resume=True, show_progress=False)
    assert done["complete"] and len(done["inference"]) == 6
    assert len(calls) == 4  # only the rows the first run did not finish


def test_resume_with_different_options_is_refused(tiny, tmp_path):
    path = str(tmp_path / "probe-results.json")
    run_probes(tiny(budget_s=1e-9), path, show_progress=False)
    other = tiny()
    other = dataclasses.replace(other, inference=dataclasses.replace(other.inference, nfes=(1, 4)))
    with pytest.raises(InputError, match="different options"):
        run_probes(other, path, resume=True, show_progress=False)


def test_without_resume_the_file_starts_over(tiny, tmp_path):
    path = str(tmp_path / "probe-results.json")
    run_probes(tiny(), path, show_progress=False)
    again = run_probes(tiny(), path, show_progress=False)
    assert len(again["inference"]) == 6


def test_a_second_probe_on_the_machine_stops_at_once_and_touches_nothing(tiny, tmp_path):
    from probes.measure.machine_lock import ProbeBusy, exclusive_machine

    first = tmp_path / "first" / "probe-results.json"
    second = str(tmp_path / "probe-results.json")
    with exclusive_machine(str(first)):
        with pytest.raises(ProbeBusy, match=rf"another genarch probe is measuring this machine \(pid {os.getpid()}, "
                                            rf"started .*, writing {first}\)"):
            run_probes(tiny(), second, show_progress=False)
        assert not os.path.exists(second)
    done = run_probes(tiny(), second, show_progress=False)  # released: the next one runs
    assert done["complete"]


def test_a_busy_machine_is_noted_in_the_results(tiny, tmp_path, monkeypatch):
    monkeypatch.setattr(os, "getloadavg", lambda: (7.5, 1.0, 1.0))
    results = run_probes(tiny(), str(tmp_path / "probe-results.json"), show_progress=False)
    assert results["environment"]["load_average_1min_at_start"] == 7.5
    assert any("busy when the probe started (load average 7.50" in n for n in results["notes"])
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    quiet = run_probes(tiny(), str(tmp_path / "quiet.json"), show_progress=False)
    assert not any("busy" in n for n in quiet["notes"])


def test_the_thread_count_is_set_and_recorded_and_a_resume_keeps_it(tiny, tmp_path):
    import dataclasses

    import torch

    before = torch.get_num_threads()
    path = str(tmp_path / "probe-results.json")
    try:
        partial = run_probes(dataclasses.replace(tiny(budget_s=1e-9), threads=1), path, show_progress=False)
        assert partial["environment"]["torch_threads"] == 1 and partial["config"]["threads"] == 1
        assert torch.get_num_threads() == 1
        with pytest.raises(InputError, match="threads"):  # another thread count would mix timings
            run_probes(tiny(), path, resume=True, show_progress=False)
    finally:
        torch.set_num_threads(before)
