"""Speed of the decision path against its goals. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bench_recommend.py [--repeats 9]

Goals on the 2-core development machine: cold `genarch recommend` ≤ 1.0 s wall time (what-ifs
included); engine plus robustness with 2,000 weight draws ≤ 100 ms. The what-if search per
example is printed too (no goal of its own: it is inside the cold figure).
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "hybrid-text-realtime.yaml"


def _summary(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=4) if len(samples) > 1 else [samples[0]] * 3
    return (f"median {statistics.median(samples) * 1e3:.1f} ms, IQR {q[0] * 1e3:.1f}–{q[2] * 1e3:.1f} ms, "
            f"min {min(samples) * 1e3:.1f} ms, n={len(samples)}")


def cold_cli(repeats: int) -> list[float]:
    exe = shutil.which("genarch") or str(Path(sys.executable).parent / "genarch")
    command = [exe, "recommend", str(EXAMPLE)] if Path(exe).exists() else [sys.executable, "-m", "app.cli", "recommend", str(EXAMPLE)]
    subprocess.run(command, capture_output=True, check=True)  # warm the OS file cache once
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return times


def engine_with_robustness(repeats: int) -> tuple[list[float], int]:
    sys.path.insert(0, str(ROOT))
    from rubric import answers, engine, knowledge

    kb = knowledge.load()
    values = answers.load_file(EXAMPLE)
    engine.decide(values, kb)  # warm-up: first call fills caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        decision = engine.decide(values, kb)
        times.append(time.perf_counter() - start)
    return times, decision.robustness.draws


def what_if_search(repeats: int) -> list[tuple[str, list[float], int]]:
    """The answer-level what-if search (the engine run again per changed answer), per example:
    what `recommend` and the app add to a decision."""
    sys.path.insert(0, str(ROOT))
    from rubric import answers, knowledge, what_if

    kb = knowledge.load()
    out = []
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        values = answers.load_file(path)
        what_if.search(values, kb)  # warm-up
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            found = what_if.search(values, kb)
            times.append(time.perf_counter() - start)
        out.append((path.stem, times, len(found)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    print(f"environment: python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs, {platform.platform()}")
    cli = cold_cli(args.repeats)
    print(f"cold `genarch recommend {EXAMPLE.name}`: {_summary(cli)}  (goal ≤ 1000 ms)")
    eng, draws = engine_with_robustness(args.repeats * 5)
    print(f"engine + robustness ({draws:,} draws), in process: {_summary(eng)}  (goal ≤ 100 ms)")
    for name, times, found in what_if_search(max(3, args.repeats // 3)):
        print(f"what-if search, {name} ({found} changes found): {_summary(times)}")


if __name__ == "__main__":
    main()
