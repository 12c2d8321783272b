"""Speed of the app and the reports against their goals. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bench_app.py [--repeats 5] [--no-browser]

Goals on the 2-core development machine: first page render ≤ 3 s; Markdown report ≤ 1 s; PDF
report ≤ 10 s; the page never blocks while a probe runs. Measured:
  * first render, browser: a fresh browser page until the questionnaire's submit button is
    visible, against a server started once and warmed by one visit (what a user waits for);
  * first render, cold process: AppTest of the entry script in a new Python process, imports
    included (the server side of the very first visit);
  * Markdown and PDF of the hybrid example with the stored probe result: a cold PDF in a new
    process (kaleido starts Chromium once) and warm ones in process (the browser kept warm);
  * the Probes page rerun while a (fake) probe runs in the background, and `start()` itself.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EXAMPLE = ROOT / "examples" / "hybrid-text-realtime.yaml"
PROBE = ROOT / "tests" / "fixtures" / "probe-results-cpu.json"
CHROMIUM = "/usr/bin/chromium"


def _summary(samples: list[float], goal_s: float | None = None) -> str:
    q = statistics.quantiles(samples, n=4) if len(samples) > 1 else [samples[0]] * 3
    text = (f"median {statistics.median(samples):.3f} s, IQR {q[0]:.3f}–{q[2]:.3f} s, "
            f"min {min(samples):.3f} s, max {max(samples):.3f} s, n={len(samples)}")
    return text + (f"  (goal ≤ {goal_s:g} s)" if goal_s else "")


def _inputs():
    from app.analysis import analyse
    from reports.probe_view import ProbeSet
    from rubric import answers

    values = answers.load_file(EXAMPLE)
    sets = [ProbeSet.from_results(json.loads(PROBE.read_text()), PROBE.name)]
    return values, analyse(values, sets), sets


def reports(repeats: int) -> None:
    from reports import markdown, pdf

    values, result, sets = _inputs()
    md = []
    for _ in range(repeats * 10):
        start = time.perf_counter()
        markdown.render(values, result, sets)
        md.append(time.perf_counter() - start)
    print(f"Markdown report, in process: {_summary(md, 1.0)}")
    code = ("import sys, time; sys.path.insert(0, %r); sys.argv = ['x']\n"
            "from benchmarks.bench_app import _inputs\nfrom reports import pdf\n"
            "v, r, s = _inputs(); t = time.perf_counter(); pdf.render(v, r, s); print(time.perf_counter() - t)"
            % str(ROOT))
    cold = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                 cwd=ROOT).stdout.split()[-1]) for _ in range(max(3, repeats // 2))]
    print(f"PDF report, cold process (Chromium start-up included): {_summary(cold, 10.0)}")
    warm = []
    pdf.render(values, result, sets)
    for _ in range(repeats):
        start = time.perf_counter()
        data = pdf.render(values, result, sets)
        warm.append(time.perf_counter() - start)
    print(f"PDF report, warm ({len(data):,} bytes): {_summary(warm, 10.0)}")


def cold_first_render(repeats: int) -> None:
    code = ("import time; t = time.perf_counter()\nfrom streamlit.testing.v1 import AppTest\n"
            "at = AppTest.from_file('app/streamlit_app.py', default_timeout=60).run()\n"
            "assert not at.exception\nprint(time.perf_counter() - t)")
    times = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                  cwd=ROOT).stdout.split()[-1]) for _ in range(repeats)]
    print(f"first render, cold process (AppTest of the entry script, imports included): {_summary(times, 3.0)}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def browser_first_render(repeats: int) -> None:
    if not os.path.exists(CHROMIUM):
        print("first render, browser: skipped (no /usr/bin/chromium)")
        return
    from playwright.sync_api import sync_playwright

    from app.cmd_app import streamlit_command
    from tests.app.test_browser import CHROMIUM_ARGS

    port = _free_port()
    server = subprocess.Popen(streamlit_command("127.0.0.1", port), cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        started = time.perf_counter()
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        print(f"server start to healthy: {time.perf_counter() - started:.2f} s")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            times = []
            for i in range(repeats + 1):
                page = browser.new_page()
                start = time.perf_counter()
                page.goto(url)
                page.locator(".st-key-q_submit button").wait_for(timeout=60_000)
                if i:  # the first visit warms the server (imports, caches)
                    times.append(time.perf_counter() - start)
                page.close()
            browser.close()
        print(f"first render, browser (new page until the form is ready): {_summary(times, 3.0)}")
    finally:
        server.terminate()
        server.wait(timeout=10)


def page_during_probe(repeats: int) -> None:
    from streamlit.testing.v1 import AppTest

    from app import probe_job

    fake = ROOT / "tests" / "fixtures" / "fake_probe.py"
    probe_job.probes_installed = lambda: True
    probe_job.probe_command = lambda out, profile, device, probes=("inference",): [sys.executable, str(fake), out, "0.5"]
    at = AppTest.from_file(str(ROOT / "app" / "pages" / "3_Probes.py"), default_timeout=60).run()
    start = time.perf_counter()
    at.button(key="probe_run").click().run()
    clicked = time.perf_counter() - start
    reruns = []
    for _ in range(repeats):
        start = time.perf_counter()
        at.run()
        reruns.append(time.perf_counter() - start)
    status = at.session_state["probe_job"].status()
    at.session_state["probe_job"].cancel()
    print(f"Probes page while a probe runs: click Run {clicked:.3f} s; rerun {_summary(reruns)} "
          f"(probe still {status.state}, {status.rows} rows)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    print(f"environment: python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")
    reports(args.repeats)
    cold_first_render(args.repeats)
    if not args.no_browser:
        browser_first_render(args.repeats)
    page_during_probe(args.repeats)


if __name__ == "__main__":
    main()
