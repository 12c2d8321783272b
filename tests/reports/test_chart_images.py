"""Charts to PNG through kaleido on the system's Chromium: real images of the asked size, one warm
browser across calls, and a one-line error when there is no browser."""
import io
import os
import struct
import subprocess
import sys

import pytest

from reports import chart_images, chart_style, charts
from reports.chart_images import ChartImageUnavailable

from tests.app.conftest import require_tool
from tests.reports.conftest import literal_contract

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which a PNG must start with."""
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def chromium():
    require_tool(chart_images.SYSTEM_CHROMIUM)
    yield
    chart_images.stop()


def test_png_of_the_asked_size_from_one_warm_browser(chromium, monkeypatch, probe_sets):
    monkeypatch.delenv("BROWSER_PATH", raising=False)  # found at /usr/bin/chromium
    (_, _, fig), *_ = charts.probe_charts(probe_sets, 2.0)
    png = chart_images.to_png(fig, width_px=390, height_px=300, scale=2)
    assert png_size(png) == (780, 600)
    assert chart_images._browser.running
    browser = chart_images._browser._kaleido
    # the figure's own height when none is asked for, and the same browser for the next chart
    assert png_size(chart_images.to_png(fig, width_px=500, scale=1)) == (500, fig.layout.height)
    assert chart_images._browser._kaleido is browser


@pytest.mark.parametrize("width_px", [390, 640])
def test_nothing_drawn_touches_the_edge(chromium, latency_bound, width_px):
    """Every chart at phone width and at the PDF's: titles, axis titles and the legend below sit
    inside the image, whose outermost pixels are all background, so nothing was cut off."""
    from PIL import Image

    from tests.reports.test_charts import every_chart

    _, result = latency_bound
    for key, _, fig in every_chart(result):
        image = Image.open(io.BytesIO(chart_images.to_png(fig, width_px=width_px, scale=1))).convert("L")
        w, h = image.size
        assert (w, h) == (width_px, chart_style.height_at(fig, width_px))
        edges = [image.getpixel((x, y)) for x in range(w) for y in (0, 1, h - 2, h - 1)]
        edges += [image.getpixel((x, y)) for y in range(h) for x in (0, 1, w - 2, w - 1)]
        assert min(edges) >= 250, key
        # the legend is drawn below the plot: the lowest rows above the bottom margin hold ink
        bottom = [image.getpixel((x, y)) for x in range(w) for y in range(h - 40, h)]
        assert min(bottom) < 160, key


def test_a_browser_path_that_is_no_browser_gives_a_one_line_error(tmp_path):
    """In a fresh process (this one may hold a warm browser): BROWSER_PATH at a file that is not
    a browser fails fast with ChartImageUnavailable, and the PDF says so instead of the chart."""
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    script = (
        "from reports import chart_images, pdf, charts\n"
        "from tests.reports.conftest import literal_contract\n"
        "fig = charts.contributions(literal_contract())\n"
        "try:\n"
        "    chart_images.to_png(fig)\n"
        "except chart_images.ChartImageUnavailable as e:\n"
        "    print('ERROR', e)\n"
        "from reports import document as doc\n"
        f"open({str(tmp_path / 'r.pdf')!r}, 'wb').write(pdf.render_blocks([doc.Chart('k', 'A chart', fig)]))\n")
    env = {**os.environ, "BROWSER_PATH": str(fake)}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert out.returncode == 0, out.stderr
    error = next(line for line in out.stdout.splitlines() if line.startswith("ERROR"))
    assert str(fake) in error and "\n" not in error.strip()
    from tests.reports.test_pdf import _poppler

    text = " ".join(_poppler("pdftotext", tmp_path / "r.pdf").split())
    assert f"chart not drawn: {error.removeprefix('ERROR ')}" in text and "Figure 1: A chart" in text


def test_a_missing_browser_gives_a_one_line_error(monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    fresh = chart_images._WarmBrowser()
    with pytest.raises(ChartImageUnavailable, match=r"^no browser for chart images \(/nonexistent/chromium\)"):
        fresh.render(charts.contributions(literal_contract()), {"format": "png", "width": 100, "height": 100})
    assert not fresh.running
