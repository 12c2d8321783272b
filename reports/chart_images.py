"""Plotly figures to PNG for the PDF, through kaleido (>= 1) on an installed Chromium.

    png = to_png(fig, width_px=720)      # bytes of a PNG, width_px × scale pixels wide

Starting a browser costs about 2–5 s; one is started on the first call and kept warm in a
background thread for the life of the process (stopped at exit), so a PDF with ten charts pays it
once and each further chart takes about 0.15 s. The browser is Debian's chromium (/usr/bin/chromium)
unless BROWSER_PATH names another. When none can be found or started, ChartImageUnavailable says
why in one line, and the caller draws without the image.
"""
from __future__ import annotations

import asyncio
import atexit
import os
import threading
from concurrent.futures import TimeoutError as FutureTimeout

SYSTEM_CHROMIUM = "/usr/bin/chromium"
START_TIMEOUT_S = 30.0  # a cold Chromium starts in 2–5 s here; a hung one is given up on
RENDER_TIMEOUT_S = 30.0  # one chart renders in ~0.15 s warm
DEFAULT_HEIGHT_PX = 420


class ChartImageUnavailable(RuntimeError):
    """No PNG could be made (no browser, or it failed); the message is one line."""


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 160 else text[:157] + "..."


class _WarmBrowser:
    """One kaleido browser on its own event loop thread, shared by every call (thread-safe:
    kaleido queues the renders for its tab)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None

    def _start(self) -> None:
        try:
            import kaleido
        except ImportError as e:  # pragma: no cover - a dependency in pyproject.toml
            raise ChartImageUnavailable(f"kaleido is not installed ({e})") from None
        if not os.environ.get("BROWSER_PATH") and os.access(SYSTEM_CHROMIUM, os.X_OK):
            os.environ["BROWSER_PATH"] = SYSTEM_CHROMIUM  # choreographer reads it
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="kaleido-browser", daemon=True)
        thread.start()

        async def open_browser():
            # mathjax=False: no LaTeX in these charts, and fetching MathJax from its CDN would stall offline
            k = kaleido.Kaleido(n=1, timeout=RENDER_TIMEOUT_S, mathjax=False)
            await k.open()
            return k

        try:
            self._kaleido = asyncio.run_coroutine_threadsafe(open_browser(), loop).result(START_TIMEOUT_S)
        except BaseException as e:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)
            where = os.environ.get("BROWSER_PATH") or "no BROWSER_PATH and no /usr/bin/chromium"
            reason = "timed out" if isinstance(e, FutureTimeout) else _one_line(e)
            raise ChartImageUnavailable(f"no browser for chart images ({where}): {reason}") from None
        self._loop, self._thread = loop, thread

    def render(self, figure, opts: dict) -> bytes:
        with self._lock:
            if self._kaleido is None:
                self._start()
            loop, k = self._loop, self._kaleido
        try:
            return asyncio.run_coroutine_threadsafe(k.calc_fig(figure, opts=opts), loop).result(
                RENDER_TIMEOUT_S + 5)
        except BaseException as e:
            self.stop()  # a crashed or hung browser is replaced on the next call
            reason = "timed out" if isinstance(e, FutureTimeout) else _one_line(e)
            raise ChartImageUnavailable(f"chart image failed: {reason}") from None

    def stop(self) -> None:
        with self._lock:
            loop, thread, k = self._loop, self._thread, self._kaleido
            self._loop = self._thread = self._kaleido = None
        if loop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(k.close(), loop).result(10)
        except BaseException:  # noqa: BLE001 - closing at exit must never raise
            pass
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)

    @property
    def running(self) -> bool:
        return self._kaleido is not None


_browser = _WarmBrowser()
atexit.register(_browser.stop)


def to_png(fig, width_px: int = 720, height_px: int | None = None, scale: float = 2) -> bytes:
    """The figure as PNG bytes of (width_px × scale) × (height_px × scale) pixels; `height_px`
    defaults to the figure's height at that width (chart_style.height_at: its legend takes fewer lines
    on a page than on a phone)."""
    from reports.chart_style import height_at

    height = height_px or (height_at(fig, width_px) if hasattr(fig, "layout") else None) or DEFAULT_HEIGHT_PX
    return _browser.render(fig, {"format": "png", "width": width_px, "height": height, "scale": scale})


def stop() -> None:
    """Closes the warm browser (the next to_png starts another)."""
    _browser.stop()
