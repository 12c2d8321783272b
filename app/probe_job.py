"""`genarch probe` in a background process, watched through the results file it keeps current.

    job = start(profile="quick", device="auto", probes=("inference", "training"))  # returns at once
    job.status()    # running / done / failed / cancelled, progress across probes, stage, log tail
    job.cancel()    # SIGINT: the probe stops cleanly and keeps what it measured

Progress comes from probe-progress.json, which the runner rewrites on every step its progress
bar counts and, at most once a second, on every training step (probes/runner.py): within the
probe running, the steps done of those it planned, or, while a probe trains for minutes before
its first step, the time it has run against what it takes in the quick profile on a 2-core CPU
(or longer, where its steps so far extrapolate to longer), whichever is further. Probes that finished count whole; probes are weighted by how long each
takes (probes.registry holds each probe's time and what its steps are). Without the progress file (a run just starting), the rows in probe-results.json count.
Torch is imported only by the child process, never by the app.
"""
from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

from probes.registry import PROBES, ProbeSpec
from probes.results import load_probe_results
from probes.runner import PROGRESS_FILENAME, RESULTS_FILENAME
from rubric.errors import InputError

CANCEL_GRACE_S = 15.0  # after SIGINT the probe fits its cost model and writes the file


def probes_installed() -> bool:
    """Whether this environment can run probes (they need torch and diffusers)."""
    return all(importlib.util.find_spec(m) is not None for m in ("torch", "diffusers"))


def spec_for(name: str) -> ProbeSpec:
    """The probe's spec; for a name a file gives that this version does not know, one step (its
    section) weighing a minute."""
    return PROBES.get(name) or ProbeSpec(name, "", "", 60.0, lambda results: None)


def probe_command(out_dir: str, profile: str, device: str, probes: tuple[str, ...] = ("inference",)) -> list[str]:
    return [sys.executable, "-m", "app.cli", "probe", "--profile", profile, "--only", ",".join(probes),
            "--device", device, "--out", out_dir, "--no-progress"]


# The time share of a probe stops short of whole: only its last step says it is done.
TIME_SHARE_CAP = 0.95
# A progress file is a few hundred bytes; anything far larger is not one.
MAX_PROGRESS_BYTES = 64_000


def read_progress_file(path: str) -> dict | None:
    """The runner's progress record, or None when absent, half-written or not one."""
    try:
        if os.path.getsize(path) > MAX_PROGRESS_BYTES:
            return None
        with open(path, encoding="utf-8") as f:
            record = json.load(f)
    except (OSError, ValueError):
        return None
    fields = {"probe": str, "done": int, "total": int, "training_steps": int, "probe_started_unix": (int, float),
              "finished": list, "label": str}
    if not isinstance(record, dict) or not all(isinstance(record.get(k), t) and not isinstance(record.get(k), bool)
                                               for k, t in fields.items()):
        return None
    return record


def expected_probe_s(record: dict) -> float:
    """How long the running probe should take: its quick-CPU time, or longer where the steps done
    so far extrapolate to longer (a busy machine, a larger profile), so that time alone does not
    run the bar ahead of the work."""
    prior = float(spec_for(record["probe"]).quick_cpu_seconds)
    last = record.get("last_step_unix")
    done, total = record["done"], record["total"]
    if isinstance(last, (int, float)) and not isinstance(last, bool) and 0 < done <= total:
        return max(prior, (last - record["probe_started_unix"]) / done * total)
    return prior


def within_probe(record: dict, now: float) -> float:
    """Share of the running probe done: its steps done of those planned, or the time it has run
    against how long it should take (capped below whole), whichever is further."""
    steps = min(record["done"] / record["total"], 1.0) if record["total"] > 0 else 0.0
    timed = min(max(now - record["probe_started_unix"], 0.0) / expected_probe_s(record), TIME_SHARE_CAP)
    return max(steps, timed)


def _running_stage(record: dict, i: int, count: int, unit: str) -> str:
    name, done, total = record["probe"], record["done"], record["total"]
    text = f"probe {i + 1} of {count}, {name}: {done} of {total} {unit}" if total else \
        f"probe {i + 1} of {count}, {name}: starting"
    if record["training_steps"]:
        text += f"; training ({record['training_steps']:,} steps since the last)"
    return text


def progress(results: dict, record: dict | None = None, now: float | None = None) -> tuple[float, str]:
    """(share of the run done, what it is measuring now) from the results file being written and
    the runner's progress record (`read_progress_file`), when there is one."""
    config = results.get("config") or {}
    probes = list(config.get("probes") or (record or {}).get("probes") or ["inference"])
    finished = set(results.get("probe_wall_s") or {}) | set((record or {}).get("finished") or [])
    now = time.time() if now is None else now
    done, stage = {}, ""
    for i, name in enumerate(probes):
        if name in finished:
            done[name] = 1.0
            continue
        if record is not None and record["probe"] == name:
            done[name] = within_probe(record, now)
            if not stage:
                stage = _running_stage(record, i, len(probes), spec_for(name).unit or "measurements")
            continue
        spec = spec_for(name)
        count, planned, unit = spec.done(results), spec.planned(config), spec.unit
        done[name] = min(count / planned, 1.0) if planned else 0.0
        if not stage and done[name] < 1.0:
            detail = f": {count} of about {planned} {unit}" if unit and planned else ": training and measuring"
            stage = f"probe {i + 1} of {len(probes)}, {name}{detail}"
    weights = {name: spec_for(name).quick_cpu_seconds for name in probes}
    return sum(weights[n] * done[n] for n in probes) / sum(weights.values()), stage


@dataclass
class JobStatus:
    state: str  # "running", "done", "failed", "cancelled"
    rows: int  # inference rows measured
    expected: int | None
    elapsed_s: float
    message: str = ""
    progress: float | None = None  # share done across every probe of the run (progress())
    stage: str = ""  # "probe 2 of 3, training: 4 of about 12 training runs"

    @property
    def fraction(self) -> float:
        if self.state != "running":
            return 1.0
        if self.progress is not None:
            return min(self.progress, 0.99)
        return min(self.rows / self.expected, 0.99) if self.expected else 0.0


@dataclass
class ProbeJob:
    process: subprocess.Popen
    out_dir: str
    log_path: str
    started: float = field(default_factory=time.monotonic)
    cancelled_at: float | None = None

    @property
    def results_path(self) -> str:
        return os.path.join(self.out_dir, RESULTS_FILENAME)

    @property
    def progress_path(self) -> str:
        return os.path.join(self.out_dir, PROGRESS_FILENAME)

    def _read(self) -> dict | None:
        """The results written so far, through the same bounded, validated reader as any probe
        file (the folder is the app's own, but what the page shows must have passed the checks)."""
        try:
            return load_probe_results(self.results_path)
        except InputError:
            return None  # not written yet, or not yet readable

    def log_tail(self, lines: int = 6) -> str:
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:]).strip()
        except OSError:
            return ""

    def status(self) -> JobStatus:
        results = self._read() or {}
        rows = len(results.get("inference") or [])
        expected = PROBES["inference"].planned(results.get("config"))
        elapsed = time.monotonic() - self.started
        code = self.process.poll()
        if code is None and self.cancelled_at is not None \
                and time.monotonic() - self.cancelled_at > CANCEL_GRACE_S:
            self.process.kill()  # it ignored SIGINT for too long
            code = self.process.wait()
        if code is None:
            record = read_progress_file(self.progress_path)
            share, stage = progress(results, record) if results else (0.0, "starting")
            return JobStatus("running", rows, expected, elapsed,
                             "cancelling: finishing the current measurement" if self.cancelled_at else "",
                             share, stage)
        if self.cancelled_at is not None or code == 130:
            return JobStatus("cancelled", rows, expected, elapsed, "cancelled; the rows measured so far are kept")
        if code == 0 and results:
            return JobStatus("done", rows, expected, elapsed)
        return JobStatus("failed", rows, expected, elapsed,
                         f"genarch probe exited with code {code}: {self.log_tail(3) or 'no output'}")

    def cancel(self) -> None:
        """Ask the probe to stop as Ctrl-C would (it keeps what it measured); returns at once.
        `status()` kills it if it is still running CANCEL_GRACE_S later."""
        if self.process.poll() is None and self.cancelled_at is None:
            self.cancelled_at = time.monotonic()
            self.process.send_signal(signal.SIGINT)


def start(profile: str = "quick", device: str = "auto", probes: tuple[str, ...] = ("inference",)) -> ProbeJob:
    """Start `genarch probe` writing into a fresh temporary directory; return at once."""
    out_dir = tempfile.mkdtemp(prefix="genarch-probe-")
    log_path = os.path.join(out_dir, "probe.log")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(probe_command(out_dir, profile, device, tuple(probes)),
                                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return ProbeJob(process, out_dir, log_path)
