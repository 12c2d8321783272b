"""One real-browser path: Debian's chromium, driven by Playwright, against the app started here on
127.0.0.1 with the same command as `genarch app`. Fill the questionnaire (after a bad upload that
must not break the session), see the recommendation chart, download the PDF and check it.

Needs /usr/bin/chromium and poppler-utils (`make test` installs them as root); skipped without
them, except under CI, which must have them. Set GENARCH_SCREENSHOTS=DIR to keep screenshots.
"""
from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request

import pytest

from app.analysis import analyse
from app.cmd_app import streamlit_command
from rubric import answers as answers_mod

from tests.conftest import ROOT
from tests.app.conftest import require_tool

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    require_tool(CHROMIUM)
    pytest.importorskip("playwright")
    port = _free_port()
    process = subprocess.Popen(streamlit_command("127.0.0.1", port), cwd=ROOT, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.read().strip() == b"ok":
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the app did not start: {process.stdout.read().decode(errors='replace')[-2000:]}")
        time.sleep(0.3)
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def browser_page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1800}, accept_downloads=True)
        page.set_default_timeout(60_000)  # a loaded 2-core CI machine renders slowly
        yield page
        browser.close()


def _shot(page, name: str) -> None:
    folder = os.environ.get("GENARCH_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def _go(page, title: str) -> None:
    """Client-side navigation through the sidebar: a new URL would start a new session."""
    page.locator("[data-testid='stSidebarNav'] a", has_text=title).click()


def _idle(page) -> None:
    """Wait until Streamlit has finished rerunning the script (its status widget is gone)."""
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden")


def _choose(page, label: str, option: str) -> None:
    """Pick a selectbox option; a rerun that lands mid-click closes the menu, so try again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(5):
        _idle(page)
        page.get_by_role("combobox", name=label).click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=5_000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    raise AssertionError(f"could not choose {option!r} in {label!r}")


def test_fill_recommend_chart_and_pdf(server, browser_page, tmp_path):
    page = browser_page
    page.goto(server)
    page.get_by_role("heading", name="Your situation").wait_for()

    # A bad upload: an error in the page, and the session keeps working.
    page.locator(".st-key-answers_upload input[type=file]").set_input_files(
        {"name": "bad.yaml", "mimeType": "application/x-yaml", "buffer": b"resolution: [1\n"})
    page.get_by_text("Not loaded: bad.yaml: not valid YAML at line 2").wait_for()

    latency = page.locator(".st-key-q_latency_budget_ms input")
    latency.fill("30")
    latency.press("Enter")
    _choose(page, "Binding constraint", "latency")
    _idle(page)
    page.locator(".st-key-q_submit button").click()
    expected = analyse(answers_mod.validate({"latency_budget_ms": 30, "binding_constraint": "latency"}))
    top = expected["recommendation"].upper()
    page.get_by_text(f"Recommendation: {top}").first.wait_for()
    _shot(page, "1-questionnaire")

    _go(page, "Recommendation")
    page.get_by_role("heading", name=f"Recommendation: {top}").wait_for()
    chart = page.locator("[data-testid='stVegaLiteChart']", has_text="1 − score (sum of the points lost)") \
        .locator("svg.marks, canvas").first
    chart.wait_for()
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 100  # drawn, not collapsed
    _shot(page, "2-recommendation")

    _go(page, "Report")
    page.get_by_role("heading", name="Report", exact=True).wait_for()
    with page.expect_download() as download:
        page.locator(".st-key-report_pdf button").click()
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)
    _shot(page, "4-report")

    info = subprocess.run([require_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True).stdout
    assert int(next(l.split()[-1] for l in info.splitlines() if l.startswith("Pages:"))) >= 3
    images = subprocess.run([require_tool("pdfimages"), "-list", str(pdf)], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    assert len(images) >= 1  # the contribution chart at least
    text = subprocess.run([require_tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert f"Recommendation: {top}" in text and "latency_budget_ms: 30" in text
