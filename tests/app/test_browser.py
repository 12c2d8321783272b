"""The app in a real browser: Debian's chromium, driven by Playwright, against the app started here
on 127.0.0.1 with the same command as `genarch app`, at a 1280×800 desktop and a 390×844 phone.

  * the verdict and its five metric cards are in view without scrolling, at both sizes;
  * a link with answers gives the same recommendation as app.analysis.analyse, and again after a
    reload; the link the questionnaire leaves in the address bar opens the same scenario elsewhere;
  * the example picker loads every example in examples/;
  * the Compare page shows two scenarios side by side;
  * fill the questionnaire (after a bad upload that must not break the session), see the chart,
    download the PDF and check it;
  * a screenshot of every page at both sizes, written to GENARCH_SCREENSHOTS (default
    tests/app/screenshots-out/, which ignores itself in git), to be looked at.

Needs /usr/bin/chromium and poppler-utils (`make test` installs them as root); skipped without
them, except under CI, which must have them. One server and one browser for the module.
"""
from __future__ import annotations

import functools
import os
import re
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from app import scenarios
from app.analysis import analyse
from app.cmd_app import streamlit_command
from reports.verdict import verdict_sentence
from rubric import answers as answers_mod

from tests.conftest import EXAMPLES, ROOT
from tests.app.conftest import PROBE_RESULTS, require_tool

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
# url_path -> the page's heading (app/streamlit_app.py's pages, in the sidebar's order); the
# questionnaire, the default page, is served at the root.
PAGES = {"questionnaire": "Your situation", "recommendation": "Recommendation: ",
         "probes": "Measurements on your hardware", "report": "Report", "compare": "Compare scenarios"}
# What shows that a page has drawn all of itself, for its screenshot.
DRAWN = {"questionnaire": ".st-key-q_submit button", "recommendation": "[data-testid='stPlotlyChart'] .main-svg",
         "probes": "[data-testid='stPlotlyChart'] .main-svg", "report": ".st-key-report_preview h1"}


@functools.lru_cache(maxsize=1)
def _longest_verdict() -> str:
    """The example whose verdict is longest (a variant name, a plan, an elimination): the
    hardest to fit above the fold."""
    return max((e.name for e in scenarios.examples()),
               key=lambda name: len(verdict_sentence(analyse(scenarios.load_example(name)[0]))))


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
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # The server learns its pages when the entry script first runs: a first visit straight to
        # /recommendation would be told "page not found". A real user's first visit is the root.
        page = _open(browser, "desktop")
        page.goto(server)
        page.get_by_role("heading", name=PAGES["questionnaire"]).wait_for()
        page.context.close()
        yield browser
        browser.close()


def _open(browser, size: str):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)  # a loaded 2-core CI machine renders slowly
    return page


@pytest.fixture
def desktop(browser):
    page = _open(browser, "desktop")
    yield page
    page.context.close()


def _shots() -> Path:
    folder = Path(os.environ.get("GENARCH_SCREENSHOTS") or ROOT / "tests" / "app" / "screenshots-out")
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not os.environ.get("GENARCH_SCREENSHOTS") and not ignore.exists():
        ignore.write_text("*\n")  # screenshots are looked at, never committed
    return folder


def _shot(page, name: str) -> None:
    """The view as the user first sees it, and the whole page (Streamlit scrolls an inner element,
    not the document, so the window is made as tall as the page for the second)."""
    folder = _shots()
    page.locator("[data-testid='stSkeleton']").first.wait_for(state="detached")  # widgets still arriving
    page.screenshot(path=str(folder / f"{name}.png"))
    size = page.viewport_size
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    if height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": min(height, 12_000)})
        page.wait_for_timeout(500)  # charts and grids redraw at the new size
        page.screenshot(path=str(folder / f"{name}-full.png"))
        page.set_viewport_size(size)


def _idle(page) -> None:
    """Wait until Streamlit has finished rerunning the script."""
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden")
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for()


def _go(page, title: str) -> None:
    """Client-side navigation through the sidebar: a new URL would start a new session."""
    page.locator("[data-testid='stSidebarNav'] a", has_text=title).click()


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


def _link(path: str, answers: dict) -> str:
    return f"{path}?{urllib.parse.urlencode(scenarios.to_query_params(answers))}"


def _words(text: str) -> str:
    return " ".join(text.split())


def _verdict(page) -> str:
    return _words(page.locator(".st-key-verdict").inner_text())


def _clipped_tables(page) -> list[list[int]]:
    """[scroll width, visible width] of every drawn table whose columns do not all fit."""
    return page.evaluate("Array.from(document.querySelectorAll('[data-testid=stDataFrame] .dvn-scroller'))"
                         ".map(e => [e.scrollWidth, e.clientWidth]).filter(([s, c]) => s > c + 1)")


def _in_view(box: dict, width: int, height: int) -> bool:
    return box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width and box["y"] + box["height"] <= height


@pytest.mark.parametrize("size", SIZES)
def test_the_verdict_and_its_cards_are_in_view_without_scrolling(server, browser, size):
    answers, _ = scenarios.load_example(_longest_verdict())
    expected = analyse(answers)
    page = _open(browser, size)
    try:
        page.goto(server + _link("/recommendation", answers))
        page.locator(".st-key-verdict_cards [data-testid='stMetric']").nth(4).wait_for()
        _idle(page)
        width, height = SIZES[size]
        assert _verdict(page) == _words(verdict_sentence(expected))
        boxes = [page.locator(".st-key-verdict").bounding_box()] + [
            card.bounding_box() for card in page.locator(".st-key-verdict_cards [data-testid='stMetric']").all()]
        assert len(boxes) == 6
        out = [box for box in boxes if not _in_view(box, width, height)]
        assert not out, f"below the fold or off the side at {width}×{height}: {out}"
        assert page.evaluate("document.querySelector('[data-testid=stMain]').scrollTop") == 0
        # the ranking: the table on a desktop, the cards on a phone, never both
        wide, narrow = page.locator(".st-key-ranking_wide"), page.locator(".st-key-ranking_narrow")
        assert (wide.is_visible(), narrow.is_visible()) == ((True, False) if size == "desktop" else (False, True))
        if size == "desktop":
            wide.locator("[data-testid='stDataFrame'] .dvn-scroller").wait_for()
            assert not _clipped_tables(page)  # no column cut off, nothing to scroll sideways
    finally:
        page.context.close()


def test_a_link_gives_the_same_recommendation_after_a_reload(server, desktop):
    answers = answers_mod.validate({"latency_budget_ms": 40, "binding_constraint": "latency"})
    expected = analyse(answers)
    page = desktop
    page.goto(f"{server}/recommendation?latency_budget_ms=40&binding_constraint=latency")
    heading = page.get_by_role("heading", name=f"Recommendation: {expected['recommendation'].upper()}")
    heading.wait_for()
    assert _verdict(page) == _words(verdict_sentence(expected))
    page.reload()
    heading.wait_for()
    _idle(page)
    assert _verdict(page) == _words(verdict_sentence(expected))
    query = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)
    assert query == {"latency_budget_ms": ["40"], "binding_constraint": ["latency"]}


def test_the_example_picker_loads_each_example(server, desktop):
    page = desktop
    page.goto(server)
    page.get_by_role("heading", name=PAGES["questionnaire"]).wait_for()
    examples = scenarios.examples()
    assert len(examples) == len(list(EXAMPLES.glob("*.yaml"))) >= 6
    for example in examples:
        answers, _ = scenarios.load_example(example.name)
        expected = analyse(answers)["recommendation"].upper()
        _choose(page, "Start from an example", example.name)
        page.get_by_text(f"Loaded the example {example.name}.").first.wait_for()
        _idle(page)
        sidebar = page.locator("[data-testid='stSidebar']")
        assert f"{expected} · binding constraint" in _words(sidebar.inner_text()), example.name
        query = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)
        assert {k: v[0] for k, v in query.items()} == scenarios.to_query_params(answers), example.name


@pytest.mark.parametrize("size", SIZES)
def test_the_comparison_view_shows_two_scenarios(server, browser, size):
    first, second = "latency-bound", "conditioning-bound"
    decisions = {name: analyse(scenarios.load_example(name)[0])["recommendation"] for name in (first, second)}
    page = _open(browser, size)
    try:
        page.goto(f"{server}/compare")
        page.get_by_role("heading", name=PAGES["compare"]).wait_for()
        for name in (first, second):
            _choose(page, "Or add an example", name)
            _idle(page)
            page.locator(".st-key-compare_add_example button").click()
            page.get_by_text(f"Saved {name} for comparison.").wait_for()
        page.get_by_role("heading", name="Decisions and key estimates").wait_for()
        _idle(page)
        picked = page.locator(".st-key-compare_pick").inner_text()
        assert first in picked and second in picked
        table = page.locator("[data-testid='stTable']").first  # the decisions; then the differences
        box = table.bounding_box()
        assert box["width"] > 300 and box["height"] > 80  # drawn, with its rows
        # every cell whole: a long plan wraps in its cell, nothing runs past the table's right edge
        assert table.evaluate("t => t.scrollWidth <= t.clientWidth + 1")
        assert table.inner_text().count("\n") >= 8 and "Plan" in table.inner_text()
        why = _words(page.locator("[data-testid='stMainBlockContainer']").inner_text())
        assert "Why the decision differs" in why
        assert decisions[first] != decisions[second] and all(d in why for d in decisions.values())
        _shot(page, f"5-compare-{size}")
    finally:
        page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_screenshots_of_every_page(server, browser, size):
    """Each page at this size, with the longest verdict's answers (the link carries them) and,
    on the Probes page, the stored probe results loaded: the screenshots are to be looked at."""
    answers, _ = scenarios.load_example(_longest_verdict())
    page = _open(browser, size)
    try:
        for number, (path, heading) in enumerate(PAGES.items(), 1):
            if path == "compare":
                continue  # test_the_comparison_view_shows_two_scenarios shoots it with two scenarios
            page.goto(server + _link("/" if path == "questionnaire" else f"/{path}", answers))
            page.get_by_role("heading", name=heading).first.wait_for()
            if path == "probes":
                page.locator(".st-key-probe_upload input[type=file]").set_input_files(str(PROBE_RESULTS))
            page.locator(DRAWN[path]).first.wait_for()
            _idle(page)
            assert not page.get_by_text("Page not found").count(), path
            if size == "desktop" and path in ("recommendation", "probes"):
                assert not _clipped_tables(page), path  # the ranking and the machines fit 1280 px
            assert not page.locator("[data-testid='stException']").count(), path
            _shot(page, f"{number}-{path}-{size}")
    finally:
        page.context.close()


def test_fill_recommend_chart_and_pdf(server, browser, desktop, tmp_path):
    page = desktop
    page.goto(server)
    page.get_by_role("heading", name=PAGES["questionnaire"]).wait_for()

    # A bad upload: an error in the page, and the session keeps working.
    page.locator(".st-key-answers_upload input[type=file]").set_input_files(
        {"name": "bad.yaml", "mimeType": "application/x-yaml", "buffer": b"resolution: [1\n"})
    page.get_by_text("Not loaded: bad.yaml: not valid YAML at line 2").wait_for()

    latency = page.locator(".st-key-q_latency_budget_ms input")
    latency.fill("30")
    _choose(page, "Binding constraint", "latency")
    page.locator(".st-key-q_submit button").click()
    answers = answers_mod.validate({"latency_budget_ms": 30, "binding_constraint": "latency"})
    expected = analyse(answers)
    top = expected["recommendation"].upper()
    page.get_by_text(f"Recommendation: {top}").first.wait_for()
    _idle(page)

    # The address bar now holds the scenario: opened in another session, it gives the same decision.
    other = _open(browser, "desktop")
    try:
        query = urllib.parse.urlparse(page.url).query
        assert urllib.parse.parse_qs(query) == {"latency_budget_ms": ["30"], "binding_constraint": ["latency"]}
        other.goto(f"{server}/recommendation?{query}")
        other.get_by_role("heading", name=f"Recommendation: {top}").wait_for()
        assert _verdict(other) == _words(verdict_sentence(expected))
    finally:
        other.context.close()

    _go(page, "Recommendation")
    page.get_by_role("heading", name=f"Recommendation: {top}").wait_for()
    chart = page.locator("[data-testid='stPlotlyChart']", has_text="Score points lost to each criterion")
    chart.locator(".main-svg").first.wait_for()
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 200  # drawn, not collapsed

    _go(page, "Report")
    page.get_by_role("heading", name="Report", exact=True).wait_for()
    with page.expect_download() as download:
        page.locator(".st-key-report_pdf button").click()
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)

    info = subprocess.run([require_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True).stdout
    assert int(next(l.split()[-1] for l in info.splitlines() if l.startswith("Pages:"))) >= 2
    images = subprocess.run([require_tool("pdfimages"), "-list", str(pdf)], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    assert len(images) >= 1  # the contribution chart at least
    first_page = subprocess.run([require_tool("pdftotext"), "-f", "1", "-l", "1", str(pdf), "-"],
                                capture_output=True, text=True, check=True).stdout
    assert re.search(rf"\b{expected['recommendation']}\b", first_page, re.IGNORECASE)
    assert "30 ms" in first_page  # the answer the form changed, in the summary's inputs
