"""Runs the registered probes for one config and keeps probe-results.json current after every row.

    results = run_probes(config, "out/probe-results.json", resume=False)

The file is rewritten (atomically) after each measurement, so Ctrl-C, a crash or `--budget` leave a
valid file with `complete: false` and every finished row; `resume=True` reloads it, checks that it
was made with the same options on the same device, and skips the rows it already holds. When
the run stops, for whatever reason, the cost model is fitted on the rows there are.

Beside it, probe-progress.json says where the run is, rewritten (atomically) on every step the
progress bar counts and, throttled, on every training step a probe reports through
`check_budget`: probes that write a results row only after minutes of training (hybrid,
training) still show that they move. The app's progress bar reads it (app/probe_job.py).
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

from probes.atomic import write_json_atomic
from probes.config import ProbeConfig
from probes.summaries.cost_fit import fit_cost_model
from probes.measure.machine_lock import exclusive_machine
from probes.summaries.training_summary import summarize_training
from probes.registry import get_probe
from probes.results import load_probe_results, new_results, row_key, write_probe_results
from rubric.errors import InputError

RESULTS_FILENAME = "probe-results.json"
PROGRESS_FILENAME = "probe-progress.json"
# Training steps come many per second on a GPU: the file is rewritten at most this often for
# them (each rewrite is an fsync'd rename); planned steps and finished measurements always.
PROGRESS_MIN_INTERVAL_S = 1.0


def progress_path(out_path: str) -> str:
    """The progress file beside a results file."""
    return os.path.join(os.path.dirname(os.path.abspath(out_path)), PROGRESS_FILENAME)


@dataclass
class ProgressFile:
    """Where the run is, for another process to read: the probe running (`probe`, position
    `index` in `probes`), its steps `done` of `total` (those the tqdm bar counts), the training
    steps since its last finished step, and when the probe started (Unix seconds)."""
    path: str | None
    probes: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    probe: str = ""
    index: int = 0
    done: int = 0
    total: int = 0
    label: str = ""
    training_steps: int = 0
    probe_started_unix: float = 0.0
    last_step_unix: float | None = None  # when the last counted step finished
    _written: float = 0.0

    def start(self, name: str) -> None:
        self.probe, self.index = name, self.probes.index(name) if name in self.probes else 0
        self.done = self.total = self.training_steps = 0
        self.label, self.probe_started_unix, self.last_step_unix = "", time.time(), None
        self.write()

    def finish(self, name: str) -> None:
        if name not in self.finished:
            self.finished.append(name)
        self.write()

    def write(self, throttled: bool = False) -> None:
        now = time.monotonic()
        if self.path is None or (throttled and now - self._written < PROGRESS_MIN_INTERVAL_S):
            return
        self._written = now
        record = {"probes": self.probes, "finished": self.finished, "probe": self.probe, "index": self.index,
                  "done": self.done, "total": self.total, "label": self.label,
                  "training_steps": self.training_steps, "probe_started_unix": self.probe_started_unix,
                  "last_step_unix": self.last_step_unix, "updated_unix": time.time()}
        try:
            write_json_atomic(self.path, record, label="probe progress")
        except (OSError, InputError):
            pass  # progress is a courtesy to a watcher; the results file is what must be written


class BudgetExceeded(Exception):
    """Raised between measurements once `--budget` seconds have passed."""


@dataclass
class ProbeContext:
    """What a probe gets: its config, the keys already measured, and a way to hand rows back."""
    config: ProbeConfig
    done_keys: set
    results: dict  # the whole results file being built
    write: Callable[[], None]  # rewrites it atomically
    deadline: float | None = None  # time.monotonic() value; None = no budget
    progress: object | None = None  # a tqdm bar, or None off a terminal
    notes: list = field(default_factory=list)
    progress_file: ProgressFile = field(default_factory=lambda: ProgressFile(None))

    def add_row(self, section: str, row: dict) -> None:
        """Append a row to a list section (e.g. "inference") and save the file."""
        self.results.setdefault(section, []).append(row)
        self.write()

    def section(self, name: str, default):
        """A probe's own top-level section, created from `default` when absent (resumed otherwise)."""
        return self.results.setdefault(name, default)

    def open_section(self, name: str, measurements: int) -> dict | None:
        """A section that a probe fills and marks complete at its end: planned as `measurements`
        steps of progress, and None when a resumed file already holds it complete (nothing to do)."""
        section = self.section(name, {"complete": False})
        done = bool(section.get("complete"))
        self.plan(measurements, measurements if done else 0)
        return None if done else section

    def save(self) -> None:
        self.write()

    def check_budget(self) -> None:
        """Called between measurements and on every training step: stops a run over budget, and
        tells the progress file that training moves."""
        self.progress_file.training_steps += 1
        self.progress_file.write(throttled=True)
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise BudgetExceeded

    def plan(self, total: int, already_done: int) -> None:
        if self.progress is not None:
            self.progress.total = (self.progress.total or 0) + total
            self.progress.update(already_done)
        self.progress_file.total += total
        self.progress_file.done += already_done
        self.progress_file.write()

    def advance(self, label: str = "") -> None:
        if self.progress is not None:
            self.progress.set_postfix_str(label, refresh=False)
            self.progress.update(1)
        self.progress_file.done += 1
        self.progress_file.label, self.progress_file.training_steps = label, 0
        self.progress_file.last_step_unix = time.time()
        self.progress_file.write()


def _resume(path: str, config: ProbeConfig, environment: dict) -> dict:
    import json

    results = load_probe_results(path)
    stored = results.get("config") or {}
    wanted = json.loads(json.dumps(config.to_dict()))
    diff = sorted(k for k in wanted if k != "budget_s" and stored.get(k) != wanted[k])
    if diff:
        raise InputError(f"--resume: {path} was made with different options ({', '.join(diff)}); "
                         "rerun without --resume or with the same options")
    if results["environment"].get("device_name") != environment["device_name"]:
        raise InputError(f"--resume: {path} was measured on {results['environment'].get('device_name')}, "
                         f"not {environment['device_name']}; use another --out")
    if results["environment"].get("torch_threads") not in (None, environment["torch_threads"]):
        raise InputError(f"--resume: {path} was measured with {results['environment']['torch_threads']} torch "
                         f"threads, not {environment['torch_threads']}; pass --threads "
                         f"{results['environment']['torch_threads']} or use another --out")
    results["config"]["budget_s"] = config.budget_s
    return results


BUSY_LOAD_PER_CORE = 0.5  # a 1-minute load average above half the cores: something else is running


def busy_note(env: dict) -> str | None:
    """A note for the results when the machine was already busy as the probe started (the load
    average counts runnable processes; on a GPU machine it still tells of CPU-side contention)."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not available on this platform
        return None
    env["load_average_1min_at_start"] = round(load, 2)
    cores = env.get("cpu_count") or os.cpu_count() or 1
    if load <= BUSY_LOAD_PER_CORE * cores:
        return None
    return (f"the machine was busy when the probe started (load average {load:.2f} on {cores} cores): "
            "other work running alongside inflates timings; rerun on a quiet machine to trust them")


def run_probes(config: ProbeConfig, out_path: str, resume: bool = False,
               show_progress: bool | None = None) -> dict:
    """Run every probe in `config.probes`; return the results dict also written to `out_path`.
    Raises ProbeBusy (an InputError) at once, touching nothing, when another probe holds the machine."""
    with exclusive_machine(out_path) as unguarded:
        return _run_probes(config, out_path, resume, show_progress, [unguarded] if unguarded else [])


def _run_probes(config: ProbeConfig, out_path: str, resume: bool, show_progress: bool | None,
                notes: list[str]) -> dict:
    import torch
    from diffusers.utils import logging as diffusers_logging

    from probes.measure.device import environment

    # diffusers' "cast with .to()" advice is for pretrained weights; the probes build fresh ones
    diffusers_logging.set_verbosity_error()

    device = torch.device(config.device)
    torch.set_num_threads(config.threads or torch.get_num_threads())  # recorded in env below
    env = environment(device, config.dtypes, config.seed)
    load = busy_note(env)
    if load:
        notes.append(load)
    if resume and os.path.exists(out_path):
        results = _resume(out_path, config, env)
    else:
        results = new_results(env, config.to_dict())
    results["complete"], results["stop_reason"] = False, None
    write_probe_results(out_path, results)

    done = {row_key(r) for r in results["inference"]}
    if show_progress is None:
        show_progress = sys.stderr.isatty()
    progress = None
    if show_progress:
        from tqdm import tqdm

        progress = tqdm(total=0, unit="measurement", desc="probing", file=sys.stderr)
    deadline = time.monotonic() + config.budget_s if config.budget_s is not None else None
    ctx = ProbeContext(config, done, results, lambda: write_probe_results(out_path, results),
                       deadline, progress,
                       progress_file=ProgressFile(progress_path(out_path), list(config.probes)))
    ctx.notes.extend(notes)
    interrupted = False
    try:
        for name in config.probes:
            started = time.monotonic()
            ctx.progress_file.start(name)
            try:
                get_probe(name).run(ctx)
            finally:  # wall seconds per probe, summed over resumed runs (a partial one counts too)
                wall = results.setdefault("probe_wall_s", {})
                wall[name] = wall.get(name, 0.0) + time.monotonic() - started
            ctx.progress_file.finish(name)
        results["complete"] = True
    except BudgetExceeded:
        results["stop_reason"] = "budget"
    except KeyboardInterrupt:
        results["stop_reason"], interrupted = "interrupted", True
    finally:
        if progress is not None:
            progress.close()
        results["notes"] = sorted(set(results.get("notes", []) + ctx.notes))
        results["cost_model"] = fit_cost_model(results["inference"], env["device_name"],
                                               env["device_kind"], seed=config.seed)
        summarize_training(results)  # stability and data needs, from whatever runs finished
        write_probe_results(out_path, results)
    if interrupted:
        results["_interrupted"] = True  # not written: tells the CLI to exit 130
    return results
