"""The looks every chart shares (reports/charts.py, reports/control_charts.py), in one place.

Colour is the family (gan / diffusion / hybrid, FAMILY_COLORS) in every chart, smaller model sizes
in lighter shades of it; line dash is the NFE where a chart has several; marker symbol is the
machine where several are compared. Legends sit below the plot, anchored to the figure's bottom
edge, and the figure's height holds their lines; titles wrap to fit a 390 px phone; axis titles
carry their units.
"""
from __future__ import annotations

import functools
import textwrap

import pandas as pd
import plotly.graph_objects as go

FAMILY_COLORS = {"gan": "#e45756", "diffusion": "#4c78a8", "hybrid": "#54a24b"}
REFERENCE_COLORS = {"none": "#9d9d9d", "chance": "#9d9d9d", "classifier ceiling": "#555555",
                    "classifier": "#555555"}
OTHER_COLORS = ("#b279a2", "#f58518", "#72b7b2", "#9d755d", "#eeca3b")  # names outside the families
NFE_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")  # fewest steps solid
MACHINE_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star")
TITLE_FONT_PX = 15
# About 8 px a character at 15 px: a 390 px phone (less its padding) holds 44 characters a line.
TITLE_CHARS = 44
BAND_PX = 26  # height of one category on a discrete axis


def family_of(name: str) -> str:
    """'diffusion/xs', 'gan reference', 'diffusion, guidance 3' → the family word in front."""
    return name.replace("/", " ").replace(",", " ").split(" ")[0].lower() if name else ""


def family_color(name: str, lighten: float = 0.0) -> str:
    """The family's colour (the same in every chart), blended towards white by `lighten` in [0, 1)."""
    family = family_of(name)
    color = (FAMILY_COLORS.get(family) or REFERENCE_COLORS.get(name) or REFERENCE_COLORS.get(family)
             or OTHER_COLORS[sum(map(ord, family)) % len(OTHER_COLORS)])
    if lighten <= 0:
        return color
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c + (255 - c) * lighten):02x}" for c in (r, g, b))


def nfe_dash(nfe, nfes) -> str:
    """Line dash by the NFE's rank among the chart's NFEs: solid for the fewest steps."""
    return NFE_DASHES[sorted(set(nfes)).index(nfe) % len(NFE_DASHES)]


def size_shades(models) -> dict[str, float]:
    """Within a family, the largest model in full colour and smaller ones lighter (in the order
    the probe measured them, small to large)."""
    by_family: dict[str, list[str]] = {}
    for m in dict.fromkeys(models):
        by_family.setdefault(family_of(m), []).append(m)
    return {m: 0.55 * (len(ms) - 1 - i) / len(ms) for ms in by_family.values() for i, m in enumerate(ms)}


def machine_symbols(machines) -> dict[str, str]:
    return {m: MACHINE_SYMBOLS[i % len(MACHINE_SYMBOLS)] for i, m in enumerate(dict.fromkeys(machines))}


def hover_data(rows: pd.DataFrame, fields: list[tuple[str, str, str]]) -> dict:
    """customdata and a hovertemplate for (label, column, d3 format) triples."""
    cols = [c for _, c, _ in fields]
    data = rows.reindex(columns=cols).astype(object).where(rows.reindex(columns=cols).notna(), "—")
    lines = [f"{label}: %{{customdata[{i}]{':' + fmt if fmt else ''}}}" for i, (label, _, fmt) in enumerate(fields)]
    return {"customdata": data.values.tolist(), "hovertemplate": "<br>".join(lines) + "<extra></extra>"}


def wrap_title(title: str) -> str:
    return "<br>".join(textwrap.wrap(title, TITLE_CHARS))


def new_figure(title: str, *, x: str | None, y: str | None, height: int, x_log=False, y_log=False,
               x_format: str = "~g", y_format: str = "~g") -> go.Figure:
    """An empty figure in the house style; `x`/`y` are the axis titles, with units."""
    fig = go.Figure()
    fig.update_layout(
        template="plotly_white", height=height, font={"size": 12},
        title={"text": wrap_title(title), "x": 0, "xanchor": "left", "font": {"size": TITLE_FONT_PX},
               # pushes the top margin instead of overlapping the plot
               "automargin": True, "yref": "paper", "y": 1, "yanchor": "bottom", "pad": {"b": 8, "l": 8}},
        margin={"l": 8, "r": 16, "t": 8, "b": 8, "autoexpand": True},
        # below the plot and its axis title, anchored to the figure's bottom edge: the margin grows to
        # hold it, so neither the legend nor the x axis title is clipped, however many rows it takes
        legend={"orientation": "h", "xref": "container", "x": 0, "xanchor": "left", "yref": "container", "y": 0,
                "yanchor": "bottom", "font": {"size": 11}},
        hovermode="closest", showlegend=True)
    # the axis type is left to plotly ("-": numbers or categories, from the data) unless log
    # log axes labelled at 1, 2, 5, 10, ... only ("D2"): every digit crowds a phone-sized axis
    fig.update_xaxes(title_text=x, automargin=True, type="log" if x_log else "-", tickformat=x_format,
                     **({"dtick": "D2"} if x_log else {}))
    fig.update_yaxes(title_text=y, automargin=True, type="log" if y_log else "-", tickformat=y_format,
                     **({"dtick": "D2"} if y_log else {}))
    return fig


def wrap_label(label: str, chars: int = 22) -> str:
    """A category label on a discrete axis, broken into lines so it leaves a phone's plot some width."""
    return "<br>".join(textwrap.wrap(label, chars)) or label


LEGEND_LINE_PX = 20
PHONE_WIDTH_PX = 390
# A horizontal legend entry is its symbol and gap (~40 px) and its name at 11 px (~7 px a character,
# generous); plotly wraps the entries well before the figure's edge (about 70% of the width, seen at
# 390, 640 and 720 px), so a line holds fewer than the width alone would say.
LEGEND_SYMBOL_PX, LEGEND_CHAR_PX, LEGEND_WIDTH_SHARE = 40, 7.0, 0.7


def legend_names(fig: go.Figure) -> list[str]:
    return list(dict.fromkeys(t.legendgroup or t.name for t in fig.data if t.showlegend is not False and t.name))


def legend_lines(names: list[str], width_px: int) -> int:
    """Lines a horizontal legend of these entries takes in a figure `width_px` wide (plotly fills
    a line left to right, then wraps)."""
    lines, used = 0, width_px
    for name in names:
        need = LEGEND_SYMBOL_PX + LEGEND_CHAR_PX * len(name)
        if used + need > width_px * LEGEND_WIDTH_SHARE:
            lines, used = lines + 1, 0
        used += need
    return lines


def height_at(fig: go.Figure, width_px: int) -> int:
    """The figure's height in px when drawn `width_px` wide: the plot's own (layout.meta.plot_px)
    and its legend's lines at that width. Without meta, the layout's height."""
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    if "plot_px" not in meta:
        return fig.layout.height
    return meta["plot_px"] + LEGEND_LINE_PX * legend_lines(legend_names(fig), width_px)


def legend_room(chart):
    """Grows the figure's height (the plot's own, as new_figure set it, kept in layout.meta) by the
    legend's lines on a 390 px phone: plotly takes the legend's room out of the plot rather than
    adding it, and the app stretches a chart to the column's width but never its height."""
    def grow(fig):
        if isinstance(fig, go.Figure):
            fig.update_layout(meta={"plot_px": fig.layout.height})
            fig.update_layout(height=height_at(fig, PHONE_WIDTH_PX))
        return fig

    @functools.wraps(chart)
    def drawn(*args, **kwargs):
        out = chart(*args, **kwargs)
        return [(k, t, grow(f)) for k, t, f in out] if isinstance(out, list) else grow(out)
    return drawn


def nfe_ticks(fig: go.Figure, nfes) -> None:
    """Ticks at the NFEs measured, on a log axis that would otherwise label every digit."""
    fig.update_xaxes(tickvals=sorted(set(nfes)), dtick=None)


def band_height(categories: int, groups: int = 1, extra: int = 130) -> int:
    """Height in px of a plot with a discrete axis: a band per category, wide enough for `groups`
    bars side by side (10 px each), plus `extra` for the title and the value axis."""
    return extra + categories * max(BAND_PX, 10 * groups + 8)


def several(data: pd.DataFrame, column: str) -> bool:
    return column in data and data[column].nunique() > 1
