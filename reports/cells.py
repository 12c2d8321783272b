"""How each kind of cell is written, once for every table and sentence that shows it: the terminal
(reports/text.py, reports/probe_table.py), the report (reports/document.py) and the app's pages
(app/views.py). Pure functions of a value; None is a missing cell.

    number(0.4974, ".3f")          # '0.497'; '-' when missing (the terminal tables' columns)
    fmt(0.4974)                    # '0.497'; '—' when missing (the report's and the app's cells)
    ms(1234.5), usd(0.0000881)     # '1.23 s', '0.0000881 USD'
    with_interval("345 ms", [250, 480], ms)   # '345 ms (250 ms – 480 ms)'
"""
from __future__ import annotations

from typing import Any, Callable


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def number(value: Any, spec: str, missing: str = "-") -> str:
    """A figure to a format spec ('.3f', '.0%', 'd'), or `missing` when there is none: a column of
    a fixed-width terminal table, where the spec is the column's."""
    return format(value, spec) if _is_number(value) else missing


def fmt(value: Any, digits: int = 3) -> str:
    """Any value a report or app table shows: a float to `digits` significant figures (whole
    above 10**digits), thousands separated, yes/no, '—' when missing."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 10 ** digits else f"{value:.{digits}g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {fmt(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(fmt(v) for v in value)
    return str(value)


def score(value: float) -> str:
    """A candidate's score, 0 to 1: '0.854'."""
    return f"{value:.3f}"


def share(value: float) -> str:
    """A probability or a fraction as a whole percentage: '100%', '25%'."""
    return f"{value:.0%}"


def ms(value: float) -> str:
    """Milliseconds as read aloud: '343 ms', '2.78 s'."""
    return f"{value / 1000:.3g} s" if value >= 1000 else f"{value:.3g} ms"


def usd(value: float) -> str:
    """'30,660 USD', '0.0406 USD', '0.0000881 USD' (never 8.81e-05)."""
    if value >= 100:
        return f"{value:,.0f} USD"
    if value >= 0.01 or value == 0:
        return f"{value:,.3g} USD"
    return f"{float(f'{value:.3g}'):.12f}".rstrip("0") + " USD"


def gpu_hours(value: float) -> str:
    """'225,000', '1.5': GPU-hours, the unit said by the caller."""
    return f"{value:,.0f}" if value >= 10 else f"{value:,.2g}"


def weeks(value: float) -> str:
    """'1.6', '170': weeks, the unit said by the caller."""
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def three_figures(value: float) -> str:
    """A large estimate to three significant figures, as it deserves: '137,000', not '137,365'."""
    return f"{float(f'{value:.3g}'):,.0f}"


def with_interval(point: str, interval: Any, write: Callable[[float], str]) -> str:
    """A point with its 90% interval, '345 ms (250 ms – 480 ms)'; the point alone where both ends
    read the same (a month of one device billed whatever the volume). Spaces around the dash let
    a narrow column break there rather than inside a number."""
    if not interval or write(interval[0]) == write(interval[1]):
        return point
    return f"{point} ({write(interval[0])} – {write(interval[1])})"


def gained_lost(gained: Any, lost: Any) -> str | None:
    """'+12/-2': images a method completes into the right class that the mean fill does not, and
    the reverse; None when either count is missing."""
    return f"+{gained:g}/-{lost:g}" if _is_number(gained) and _is_number(lost) else None
