"""Charts as pure functions: data in, a plotly Figure out (None when there is nothing to draw, so
callers skip the chart instead of showing an empty frame).

One figure serves both outputs: the app draws it with `st.plotly_chart`, the PDF turns it into a
PNG with reports/chart_images.py. The looks are shared by every chart: colour is the family
(gan / diffusion / hybrid, FAMILY_COLORS) everywhere, line dash is the NFE where a chart has
several, marker symbol is the machine where several are compared, legends sit below the plot and
titles wrap to fit a 390 px phone.

    decision_charts(result)                 # [(key, title, figure)] for a decision contract
    probe_charts(sets, usd_per_hour)        # [(key, title, figure)] for probe results
"""
from __future__ import annotations

import functools
import textwrap

import pandas as pd
import plotly.graph_objects as go

from reports.control_view import control_records
from reports.probe_view import ProbeSet, cheapest_rows, inference_records, training_records
from reports.text import shown_score

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


def _size_shades(models) -> dict[str, float]:
    """Within a family, the largest model in full colour and smaller ones lighter (in the order
    the probe measured them, small to large)."""
    by_family: dict[str, list[str]] = {}
    for m in dict.fromkeys(models):
        by_family.setdefault(family_of(m), []).append(m)
    return {m: 0.55 * (len(ms) - 1 - i) / len(ms) for ms in by_family.values() for i, m in enumerate(ms)}


def _symbols(machines) -> dict[str, str]:
    return {m: MACHINE_SYMBOLS[i % len(MACHINE_SYMBOLS)] for i, m in enumerate(dict.fromkeys(machines))}


def _hover(rows: pd.DataFrame, fields: list[tuple[str, str, str]]) -> dict:
    """customdata and a hovertemplate for (label, column, d3 format) triples."""
    cols = [c for _, c, _ in fields]
    data = rows.reindex(columns=cols).astype(object).where(rows.reindex(columns=cols).notna(), "—")
    lines = [f"{label}: %{{customdata[{i}]{':' + fmt if fmt else ''}}}" for i, (label, _, fmt) in enumerate(fields)]
    return {"customdata": data.values.tolist(), "hovertemplate": "<br>".join(lines) + "<extra></extra>"}


def wrap_title(title: str) -> str:
    return "<br>".join(textwrap.wrap(title, TITLE_CHARS))


def _figure(title: str, *, x: str | None, y: str | None, height: int, x_log=False, y_log=False,
            x_format: str = "~g", y_format: str = "~g", legend_title: str | None = None) -> go.Figure:
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
                "yanchor": "bottom", "title": {"text": legend_title} if legend_title else None,
                "font": {"size": 11}},
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


def _legend_room(chart):
    """Grows the figure's height (the plot's own, as _figure set it, kept in layout.meta) by the
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


def _nfe_ticks(fig: go.Figure, nfes) -> None:
    """Ticks at the NFEs measured, on a log axis that would otherwise label every digit."""
    fig.update_xaxes(tickvals=sorted(set(nfes)), dtick=None)


def _band_height(categories: int, groups: int = 1, extra: int = 130) -> int:
    return extra + categories * max(BAND_PX, 10 * groups + 8)


def contribution_rows(result: dict) -> list[dict]:
    """For every (candidate, criterion) the score points the criterion takes off: weight ×
    (1 − utility) / Σ base weights. A candidate's bars add up to 1 − its score, the engine's
    score = 1 − Σ w (1 − u) / Σ base weights (the rounded contract's own score decides the scale,
    so the bars always meet it)."""
    rows = []
    for rank, row in enumerate(result["ranking"], 1):
        status = row.get("status") or ("eliminated" if row["eliminated"] else "ok")
        label = f"{rank}. {row['architecture']}" + ("" if status in ("ok", "at risk", "over limit") else f" ({status})")
        shortfall = sum(r["weight"] * (1.0 - r["utility"]) for r in row["reasons"])
        scale = (1.0 - shown_score(row)) / shortfall if shortfall > 0 else 0.0
        for reason in row["reasons"]:
            rows.append({"candidate": label, "architecture": row["architecture"], "criterion": reason["name"],
                         "points_lost": round(reason["weight"] * (1.0 - reason["utility"]) * scale, 4),
                         "weight": reason["weight"], "utility": reason["utility"],
                         "score": shown_score(row)})
    return rows


@_legend_room
def contributions(result: dict) -> go.Figure:
    """Grouped horizontal bars: per criterion, the points it takes off each candidate's score, a
    bar per candidate in its family's colour (shorter is better; a candidate's bars add up to
    1 − its score). Eliminated candidates are hatched and say so in the legend."""
    data = pd.DataFrame(contribution_rows(result))
    # the criteria that cost the most first (at the top)
    order = list(data.groupby("criterion", sort=False)["points_lost"].sum().sort_values(ascending=False).index)
    candidates = list(dict.fromkeys(data["candidate"]))
    fig = _figure("Score points lost to each criterion (score = 1 − the candidate's total)",
                  x="points lost (0–1)", y=None, x_format=".2f",
                  height=_band_height(len(order), len(candidates), extra=130))
    for candidate, rows in data.groupby("candidate", sort=False):
        eliminated = candidate.endswith(")")
        fig.add_bar(y=rows["criterion"].map(wrap_label), x=rows["points_lost"], orientation="h",
                    name=f"{candidate} · score {rows['score'].iloc[0]:.2f}",
                    marker={"color": family_color(rows["architecture"].iloc[0]),
                            "pattern": {"shape": "/" if eliminated else ""}},
                    **_hover(rows, [("candidate", "candidate", ""), ("criterion", "criterion", ""),
                                    ("points lost", "points_lost", ".3f"), ("weight", "weight", "~g"),
                                    ("utility", "utility", ".3f")]))
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05)
    fig.update_yaxes(categoryorder="array", categoryarray=[wrap_label(c) for c in order], autorange="reversed")
    return fig


@_legend_room
def flip_changes(result: dict) -> go.Figure | None:
    """Bars: the relative change of one weight alone that flips the top choice, coloured by the
    family it flips to (None: no single weight flips it)."""
    r = result["robustness"]
    names = {reason["criterion"]: reason["name"] for reason in result["ranking"][0]["reasons"]}
    data = pd.DataFrame([{"criterion": names.get(c, c), "change_percent": round(100 * v, 1),
                          "flips_to": r["flip_to"][c]}
                         for c, v in r["flip_weight_change"].items() if v is not None])
    if data.empty:
        return None
    data = data.sort_values("change_percent", key=abs)
    fig = _figure(f"Weight change that flips the choice away from {result['recommendation']}",
                  x="change of one weight (%)", y=None, x_format="+~g",
                  height=_band_height(len(data), extra=120))
    for family, rows in data.groupby("flips_to", sort=False):
        fig.add_bar(y=rows["criterion"].map(wrap_label), x=rows["change_percent"], orientation="h",
                    name=f"flips to {family}",
                    marker_color=family_color(family),
                    **_hover(rows, [("criterion", "criterion", ""), ("weight change %", "change_percent", "+.1f"),
                                    ("flips to", "flips_to", "")]))
    fig.update_yaxes(categoryorder="array", categoryarray=list(data["criterion"].map(wrap_label)),
                     autorange="reversed")
    return fig


def decision_charts(result: dict) -> list[tuple[str, str, go.Figure]]:
    charts = [("chart_contributions", "Score points lost to each criterion", contributions(result))]
    flips = flip_changes(result)
    if flips is not None:
        charts.append(("chart_flips", "Weight changes that flip the decision", flips))
    return charts


def _lines(fig: go.Figure, data: pd.DataFrame, x: str, y: str, by: list[str], hover: list[tuple[str, str, str]],
           name, dash_by_nfe: bool = True) -> None:
    """A line with markers per group of `by`: colour from the model's family (smaller sizes
    lighter), dash from the NFE where there are several, symbol from the machine where several."""
    shades = _size_shades(data["model"])
    symbols = _symbols(data["machine"])
    for _, rows in data.groupby(by, sort=False):
        first = rows.iloc[0]
        rows = rows.sort_values(x)
        fig.add_scatter(x=rows[x], y=rows[y], mode="lines+markers", name=name(first),
                        line={"color": family_color(first["model"], shades[first["model"]]),
                              "dash": nfe_dash(first["nfe"], data["nfe"]) if dash_by_nfe else "solid"},
                        marker={"symbol": symbols[first["machine"]], "size": 7}, **_hover(rows, hover))


def _several(data: pd.DataFrame, column: str) -> bool:
    return column in data and data[column].nunique() > 1


@_legend_room
def latency_vs_nfe(records: list[dict]) -> go.Figure | None:
    data = pd.DataFrame([r for r in records if r["batch_role"] == "single"] or records)
    if data.empty:
        return None
    machines, dtypes = _several(data, "machine"), _several(data, "dtype")
    fig = _figure("Latency per sample against NFE (batch 1)", x="network evaluations per sample (NFE)",
                  y="latency per sample (ms)", x_log=True, y_log=True, height=360)
    # the NFE is the x axis here: one solid line runs across them
    _lines(fig, data, "nfe", "latency_ms_per_sample", ["machine", "model", "dtype"],
           [("machine", "machine", ""), ("model", "model", ""), ("dtype", "dtype", ""), ("NFE", "nfe", ""),
            ("ms per sample", "latency_ms_per_sample", ".3f")],
           lambda r: r["model"] + (f" · {r['dtype']}" if dtypes else "") + (f" · {r['machine']}" if machines else ""),
           dash_by_nfe=False)
    _nfe_ticks(fig, data["nfe"])
    return fig


@_legend_room
def usd_per_1k(records: list[dict], usd_per_hour: float) -> go.Figure | None:
    data = pd.DataFrame([r for r in cheapest_rows(records) if r["usd_per_1k_samples"] is not None])
    if data.empty:
        return None
    dtypes = _several(data, "dtype")
    data["what"] = data.apply(lambda r: f"{r['model']} · {r['nfe']} NFE" + (f" · {r['dtype']}" if dtypes else ""),
                              axis=1)
    machines = _several(data, "machine")
    symbols = _symbols(data["machine"])
    # a dot plot: the values span orders of magnitude, and bars cannot start at 0 on a log axis
    fig = _figure(f"USD per 1,000 samples at {usd_per_hour:g} USD/h (best measured batch)",
                  x="USD per 1,000 samples (log scale)", y=None, x_log=True, x_format="$~g",
                  height=_band_height(data["what"].nunique(), extra=130))
    for (family, machine), rows in data.groupby(["architecture", "machine"], sort=False):
        fig.add_scatter(x=rows["usd_per_1k_samples"], y=rows["what"].map(wrap_label), mode="markers",
                        name=family + (f" · {machine}" if machines else ""),
                        marker={"color": family_color(family), "symbol": symbols[machine], "size": 10},
                        **_hover(rows, [("machine", "machine", ""), ("model", "what", ""), ("batch", "batch", ""),
                                        ("USD per 1,000", "usd_per_1k_samples", "$.4g")]))
    fig.update_yaxes(categoryorder="array", categoryarray=[wrap_label(w) for w in dict.fromkeys(data["what"])],
                     autorange="reversed")
    fig.update_xaxes(dtick=1)  # a label per decade: dollar labels are wide
    return fig


@_legend_room
def throughput_vs_batch(records: list[dict]) -> go.Figure | None:
    data = pd.DataFrame(records)
    if data.empty or not (data["batch"] > 1).any():  # nothing batched: every point sits at batch 1
        return None
    machines, dtypes = _several(data, "machine"), _several(data, "dtype")
    fig = _figure("Throughput against batch size (dash: NFE)", x="batch size (samples)",
                  y="samples per second", x_log=True, y_log=True, height=360)
    fig.update_xaxes(dtick=0.30103)  # ticks at powers of 2 on the log axis (log10 2)
    _lines(fig, data, "batch", "throughput_samples_per_s", ["machine", "model", "nfe", "dtype"],
           [("machine", "machine", ""), ("model", "model", ""), ("NFE", "nfe", ""), ("dtype", "dtype", ""),
            ("batch", "batch", ""), ("samples/s", "throughput_samples_per_s", ".4g")],
           lambda r: f"{r['model']} · {r['nfe']} NFE" + (f" · {r['dtype']}" if dtypes else "")
           + (f" · {r['machine']}" if machines else ""))
    return fig


@_legend_room
def _training_charts(t: dict[str, list[dict]]) -> list[tuple[str, str, go.Figure]]:
    """The training probe: learning curves, the data-needs law, mode coverage."""
    charts = []
    if t["curves"]:
        data = pd.DataFrame(t["curves"])
        data["model"] = data["architecture"]
        data["run"] = data.apply(lambda r: f"{r['machine']} · {r['dataset_size']} images · seed {r['seed']}", axis=1)
        fig = _figure("Learning curves: FID against images seen, a line per run", x="images seen",
                      y="FID (domain features; lower is better)", y_log=True, x_format="~s", height=360)
        symbols, shown = _symbols(data["machine"]), set()
        sizes = sorted(data["dataset_size"].dropna().unique())
        for run, rows in data.groupby(["architecture", "run"], sort=False):
            first = rows.iloc[0]
            legend = f"{first['architecture']} · {first['dataset_size']} images"
            shade = 0.5 * (len(sizes) - 1 - sizes.index(first["dataset_size"])) / max(len(sizes), 1)
            fig.add_scatter(x=rows["images_seen"], y=rows["value"], mode="lines+markers", name=legend,
                            legendgroup=legend, showlegend=legend not in shown,
                            line={"color": family_color(first["architecture"], shade)},
                            marker={"symbol": symbols[first["machine"]]},
                            **_hover(rows, [("run", "run", ""), ("images seen", "images_seen", "~s"),
                                            ("FID", "value", ".3g")]))
            shown.add(legend)
        charts.append(("chart_learning", "Learning curves", fig))
    if t["data_needs"]:
        data = pd.DataFrame(t["data_needs"])
        fig = _figure("Data needs: final FID against training images, with the fitted power law",
                      x="training images", y="final FID (lower is better)", x_log=True, y_log=True, height=360)
        symbols = _symbols(data["machine"])
        for (family, machine), rows in data.groupby(["architecture", "machine"], sort=False):
            fig.add_scatter(x=rows["dataset_size"], y=rows["value"], mode="markers", name=f"{family} measured",
                            marker={"color": family_color(family), "symbol": symbols[machine], "size": 9},
                            **_hover(rows, [("machine", "machine", ""), ("training images", "dataset_size", "~s"),
                                            ("final FID", "value", ".3g"), ("seed", "seed", "")]))
        for (family, machine), rows in pd.DataFrame(t["data_fit"] or [{}]).dropna().groupby(
                ["architecture", "machine"], sort=False):
            fig.add_scatter(x=rows["dataset_size"], y=rows["value"], mode="lines", name=f"{family} fit a·n^−b",
                            line={"color": family_color(family), "dash": "dot"},
                            **_hover(rows, [("training images", "dataset_size", "~s"), ("fitted FID", "value", ".3g")]))
        charts.append(("chart_data_needs", "Data needs", fig))
    if t["mode_coverage"]:
        data = pd.DataFrame(t["mode_coverage"])
        mean = data.groupby(["architecture", "machine", "dataset_size"], sort=False, as_index=False).agg(
            classes_covered=("classes_covered", "mean"), n_classes=("n_classes", "max"), seeds=("seed", "count"))
        machines = _several(mean, "machine")
        fig = _figure("Mode coverage: classes the generated samples cover (mean over seeds)",
                      x="training images", y="classes covered", height=340)
        for (family, machine), rows in mean.groupby(["architecture", "machine"], sort=False):
            fig.add_bar(x=rows["dataset_size"].map("{:,}".format), y=rows["classes_covered"],
                        name=family + (f" · {machine}" if machines else ""), marker_color=family_color(family),
                        **_hover(rows, [("machine", "machine", ""), ("training images", "dataset_size", ","),
                                        ("classes covered", "classes_covered", ".3g"), ("of", "n_classes", ""),
                                        ("seeds", "seeds", "")]))
        fig.update_layout(barmode="group")
        fig.update_xaxes(type="category")
        charts.append(("chart_modes", "Mode coverage", fig))
    return charts


def _span(fig: go.Figure, x: list, y: float, name: str, color: str, dash: str, hover: str) -> None:
    """A horizontal reference line across `x` as a trace, so that it has a legend entry."""
    fig.add_scatter(x=x, y=[y, y], mode="lines", name=name, line={"color": color, "dash": dash, "width": 2},
                    hovertemplate=f"{hover}: {y:.3f}<extra></extra>")


@_legend_room
def guidance_chart(c: dict[str, list[dict]]) -> go.Figure | None:
    """Conditional accuracy against guidance scale: the denoiser as a line, the GAN (no guidance)
    as a solid horizontal line, chance and the classifier's ceiling as dashed ones."""
    guided = pd.DataFrame([r for r in c["guidance"] if r["guidance_scale"] is not None])
    if guided.empty:
        return None
    single = [r for r in c["guidance"] if r["guidance_scale"] is None]
    refs = [r for r in c["references"] if r["section"] == "conditioning"]
    machines = len({r["machine"] for r in c["guidance"] + refs}) > 1
    symbols = _symbols([r["machine"] for r in c["guidance"] + refs])
    tail = (lambda m: f" · {m}" if machines else "")
    span = [guided["guidance_scale"].min(), guided["guidance_scale"].max()]
    fig = _figure("Conditioning: accuracy against guidance scale (GAN: no guidance)",
                  x="guidance scale (0 = unconditional)",
                  y="conditional accuracy (share)", y_format=".0%", height=360)
    fig.update_yaxes(range=[0, 1.02])
    for (family, machine), rows in guided.groupby(["architecture", "machine"], sort=False):
        rows = rows.sort_values("guidance_scale")
        fig.add_scatter(x=rows["guidance_scale"], y=rows["conditional_accuracy"], mode="lines+markers",
                        name=family + tail(machine), line={"color": family_color(family)},
                        marker={"symbol": symbols[machine], "size": 8},
                        **_hover(rows, [("machine", "machine", ""), ("guidance", "guidance_scale", "~g"),
                                        ("accuracy", "conditional_accuracy", ".3f"),
                                        ("forwards per sample", "forwards_per_sample", ""),
                                        ("ms per sample", "latency_ms_per_sample", ".3g"), ("FID", "fid", ".3g")]))
    for r in single:
        _span(fig, span, r["conditional_accuracy"], f"{r['architecture']} (no guidance){tail(r['machine'])}",
              family_color(r["architecture"]), "solid", f"{r['architecture']} accuracy")
    for r in refs:
        _span(fig, span, r["accuracy"], r["reference"] + tail(r["machine"]), family_color(r["reference"]),
              "dash", r["reference"])
    return fig


@_legend_room
def per_class_chart(c: dict[str, list[dict]]) -> go.Figure | None:
    """Per class, for the GAN and the denoiser at its highest guidance scale: how often the class
    asked for is drawn (accuracy, circles) and how real its samples look (precision, diamonds)."""
    top = {}
    for r in c["per_class"]:
        if r["guidance_scale"] is not None:
            top[r["machine"]] = max(top.get(r["machine"], r["guidance_scale"]), r["guidance_scale"])
    rows = []
    for r in c["per_class"]:
        if r["guidance_scale"] is not None and r["guidance_scale"] != top[r["machine"]]:
            continue
        model = r["architecture"] + ("" if r["guidance_scale"] is None else f", guidance {r['guidance_scale']:g}")
        rows += [{"machine": r["machine"], "model": model, "architecture": r["architecture"], "class": r["class"],
                  "measure": measure, "value": r[measure]}
                 for measure in ("accuracy", "precision") if r.get(measure) is not None]
    if not rows:
        return None
    # The classifier's accuracy on real images of each class: no model can score above it there.
    judged = {(r["machine"], r["class"]): r["classifier_on_real"] for r in c["per_class"]
              if r.get("classifier_on_real") is not None}
    rows += [{"machine": machine, "model": "classifier on real images", "architecture": "classifier", "class": cls,
              "measure": "accuracy", "value": value} for (machine, cls), value in judged.items()]
    data = pd.DataFrame(rows)
    machines = _several(data, "machine")
    fig = _figure("Conditioning per class: accuracy (●), precision (◆), classifier on real images",
                  x="class asked for", y="share", y_format=".0%", height=360)
    fig.update_yaxes(range=[0, 1.02])
    for (model, measure, machine), group in data.groupby(["model", "measure", "machine"], sort=False):
        fig.add_scatter(x=group["class"], y=group["value"], mode="markers",
                        name=f"{model} {measure}" + (f" · {machine}" if machines else ""),
                        marker={"color": family_color(model), "size": 10,
                                "symbol": "diamond" if measure == "precision" else "circle"},
                        **_hover(group, [("machine", "machine", ""), ("model", "model", ""), ("class", "class", ""),
                                         ("measure", "measure", ""), ("value", "value", ".2f")]))
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=list(dict.fromkeys(data["class"])))
    return fig


STEERING_HOVER = [("machine", "machine", ""), ("method", "method", ""), ("hole MSE", "hole_mse", ".4f"),
                  ("hole PSNR dB", "hole_psnr_db", ".3g"), ("label agreement", "label_agreement", ".3f"),
                  ("ms per sample", "latency_ms_per_sample", ".3g"), ("forwards per sample", "forwards_per_sample", "")]


def _steering_dots(title: str, data: pd.DataFrame, x: str, x_title: str, x_format: str) -> go.Figure:
    order = list(dict.fromkeys(data["what"]))
    symbols, machines = _symbols(data["machine"]), _several(data, "machine")
    fig = _figure(title, x=x_title, y=None, x_format=x_format, height=_band_height(len(order), extra=130))
    for (family, machine), rows in data.groupby(["architecture", "machine"], sort=False):
        fig.add_scatter(x=rows[x], y=rows["what"].map(wrap_label), mode="markers", name=family + (f" · {machine}" if machines else ""),
                        marker={"color": family_color(family), "symbol": symbols[machine], "size": 11},
                        **_hover(rows, STEERING_HOVER))
    fig.update_yaxes(categoryorder="array", categoryarray=[wrap_label(w) for w in order], autorange="reversed")
    return fig


@_legend_room
def steering_charts(c: dict[str, list[dict]]) -> list[tuple[str, str, go.Figure]]:
    """Per completion method: error inside the hole, and whether the class survives, as dot plots."""
    data = pd.DataFrame([{**r, "what": r["method"] + (" (floor)" if r["method"] == "mean_fill" else "")}
                         for r in c["steering"]])
    if data.empty:
        return []
    error = _steering_dots("Steering: error inside the hidden region per method (lower is better)", data,
                           "hole_mse", "hole MSE (data in [−1, 1])", ".3f")
    error.update_xaxes(rangemode="tozero")
    charts = [("chart_steering", "Steering: hole error", error)]
    agreed = data[data["label_agreement"].notna()]
    if not agreed.empty:
        fig = _steering_dots("Steering: label agreement per method (dashed: the classifier on uncut images)",
                             agreed, "label_agreement", "share read as the true class", ".0%")
        fig.update_xaxes(range=[0, 1.02])
        for r in (r for r in c["references"] if r["section"] == "steering"):
            # a vertical line across the whole plot (a shape: categories have no numeric span)
            fig.add_vline(x=r["accuracy"], line={"dash": "dash", "color": REFERENCE_COLORS["classifier"]},
                          name=f"classifier on uncut images · {r['machine']}")
        charts.append(("chart_steering_agreement", "Steering: label agreement", fig))
    return charts


@_legend_room
def hybrid_charts(c: dict[str, list[dict]]) -> list[tuple[str, str, go.Figure]]:
    """FID against steps and against time per sample: teacher, distilled students, GAN (1 step)."""
    data = pd.DataFrame([{**r, "series": f"{r['architecture']} {r['role']}"} for r in c["hybrid"]
                         if r["fid"] is not None and r["fid"] > 0])
    if data.empty:
        return []
    hover = [("machine", "machine", ""), ("role", "role", ""), ("family", "architecture", ""), ("NFE", "nfe", ""),
             ("sampler", "sampler", ""), ("FID", "fid", ".3g"), ("ms per sample", "latency_ms_per_sample", ".3g")]
    machines = _several(data, "machine")

    def draw(title: str, rows: pd.DataFrame, x: str, x_title: str) -> go.Figure:
        fig = _figure(title, x=x_title, y="FID (domain features; lower is better)", x_log=True, y_log=True,
                      height=360)
        symbols = _symbols(rows["machine"])
        for (series, machine), group in rows.groupby(["series", "machine"], sort=False):
            group = group.sort_values("nfe")  # along the steps, also on the time axis
            fig.add_scatter(x=group[x], y=group["fid"], mode="lines+markers",
                            name=series + (f" · {machine}" if machines else ""),
                            line={"color": family_color(series)}, marker={"symbol": symbols[machine], "size": 9},
                            **_hover(group, hover))
        return fig

    steps = draw("Hybrid: FID against steps (teacher, distilled students, GAN at 1 step)", data, "nfe",
                 "network evaluations per sample (NFE)")
    _nfe_ticks(steps, data["nfe"])
    charts = [("chart_hybrid", "Hybrid: quality against steps", steps)]
    timed = data[data["latency_ms_per_sample"].notna() & (data["latency_ms_per_sample"] > 0)]
    if not timed.empty:
        charts.append(("chart_hybrid_latency", "Hybrid: quality against time",
                        draw("Hybrid: FID against time per sample", timed, "latency_ms_per_sample",
                             "time per sample (ms)")))
    return charts


def _control_charts(c: dict[str, list[dict]]) -> list[tuple[str, str, go.Figure]]:
    """The controllability probes: conditioning, steering (inpainting), hybrid (distillation)."""
    charts = [("chart_guidance", "Conditioning: accuracy against guidance", guidance_chart(c)),
              ("chart_per_class", "Conditioning per class", per_class_chart(c))]
    return [chart for chart in charts if chart[2] is not None] + steering_charts(c) + hybrid_charts(c)


def probe_charts(sets: list[ProbeSet], usd_per_hour: float) -> list[tuple[str, str, go.Figure]]:
    records = inference_records(sets, usd_per_hour)
    charts = [("chart_latency_nfe", "Latency against NFE", latency_vs_nfe(records)),
              ("chart_usd", "USD per 1,000 samples", usd_per_1k(records, usd_per_hour)),
              ("chart_throughput", "Throughput against batch", throughput_vs_batch(records))]
    charts = [c for c in charts if c[2] is not None]
    return charts + _training_charts(training_records(sets)) + _control_charts(control_records(sets))
