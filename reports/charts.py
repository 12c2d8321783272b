"""Charts as pure functions: data in, a plotly Figure out (None when there is nothing to draw, so
callers skip the chart instead of showing an empty frame).

One figure serves both outputs: the app draws it with `st.plotly_chart`, the PDF turns it into a
PNG with reports/chart_images.py. Their shared looks (colour is the family, dash the NFE, symbol
the machine, legends below) are reports/chart_style.py; the controllability probes' charts are
reports/control_charts.py.

    decision_charts(result)                 # [(key, title, figure)] for a decision contract
    probe_charts(sets, usd_per_hour)        # [(key, title, figure)] for probe results
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from reports.chart_style import (band_height, family_color, hover_data, legend_room, machine_symbols, new_figure,
                                 nfe_dash, nfe_ticks, several, size_shades, wrap_label)
from reports.control_charts import control_charts
from reports.control_view import control_records
from reports.probe_view import ProbeSet, cheapest_rows, inference_records, training_records
from reports.text import shown_score


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


@legend_room
def contributions(result: dict) -> go.Figure:
    """Grouped horizontal bars: per criterion, the points it takes off each candidate's score, a
    bar per candidate in its family's colour (shorter is better; a candidate's bars add up to
    1 − its score). Eliminated candidates are hatched and say so in the legend."""
    data = pd.DataFrame(contribution_rows(result))
    # the criteria that cost the most first (at the top)
    order = list(data.groupby("criterion", sort=False)["points_lost"].sum().sort_values(ascending=False).index)
    candidates = list(dict.fromkeys(data["candidate"]))
    fig = new_figure("Score points lost to each criterion (score = 1 − the candidate's total)",
                     x="points lost (0–1)", y=None, x_format=".2f",
                     height=band_height(len(order), len(candidates), extra=130))
    for candidate, rows in data.groupby("candidate", sort=False):
        eliminated = candidate.endswith(")")
        fig.add_bar(y=rows["criterion"].map(wrap_label), x=rows["points_lost"], orientation="h",
                    name=f"{candidate} · score {rows['score'].iloc[0]:.2f}",
                    marker={"color": family_color(rows["architecture"].iloc[0]),
                            "pattern": {"shape": "/" if eliminated else ""}},
                    **hover_data(rows, [("candidate", "candidate", ""), ("criterion", "criterion", ""),
                                        ("points lost", "points_lost", ".3f"), ("weight", "weight", "~g"),
                                        ("utility", "utility", ".3f")]))
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05)
    fig.update_yaxes(categoryorder="array", categoryarray=[wrap_label(c) for c in order], autorange="reversed")
    return fig


@legend_room
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
    fig = new_figure(f"Weight change that flips the choice away from {result['recommendation']}",
                     x="change of one weight (%)", y=None, x_format="+~g",
                     height=band_height(len(data), extra=120))
    for family, rows in data.groupby("flips_to", sort=False):
        fig.add_bar(y=rows["criterion"].map(wrap_label), x=rows["change_percent"], orientation="h",
                    name=f"flips to {family}",
                    marker_color=family_color(family),
                    **hover_data(rows, [("criterion", "criterion", ""), ("weight change %", "change_percent", "+.1f"),
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
    shades = size_shades(data["model"])
    symbols = machine_symbols(data["machine"])
    for _, rows in data.groupby(by, sort=False):
        first = rows.iloc[0]
        rows = rows.sort_values(x)
        fig.add_scatter(x=rows[x], y=rows[y], mode="lines+markers", name=name(first),
                        line={"color": family_color(first["model"], shades[first["model"]]),
                              "dash": nfe_dash(first["nfe"], data["nfe"]) if dash_by_nfe else "solid"},
                        marker={"symbol": symbols[first["machine"]], "size": 7}, **hover_data(rows, hover))


@legend_room
def latency_vs_nfe(records: list[dict]) -> go.Figure | None:
    data = pd.DataFrame([r for r in records if r["batch_role"] == "single"] or records)
    if data.empty:
        return None
    machines, dtypes = several(data, "machine"), several(data, "dtype")
    fig = new_figure("Latency per sample against NFE (batch 1)", x="network evaluations per sample (NFE)",
                     y="latency per sample (ms)", x_log=True, y_log=True, height=360)
    # the NFE is the x axis here: one solid line runs across them
    _lines(fig, data, "nfe", "latency_ms_per_sample", ["machine", "model", "dtype"],
           [("machine", "machine", ""), ("model", "model", ""), ("dtype", "dtype", ""), ("NFE", "nfe", ""),
            ("ms per sample", "latency_ms_per_sample", ".3f")],
           lambda r: r["model"] + (f" · {r['dtype']}" if dtypes else "") + (f" · {r['machine']}" if machines else ""),
           dash_by_nfe=False)
    nfe_ticks(fig, data["nfe"])
    return fig


@legend_room
def usd_per_1k(records: list[dict], usd_per_hour: float) -> go.Figure | None:
    data = pd.DataFrame([r for r in cheapest_rows(records) if r["usd_per_1k_samples"] is not None])
    if data.empty:
        return None
    dtypes = several(data, "dtype")
    data["what"] = data.apply(lambda r: f"{r['model']} · {r['nfe']} NFE" + (f" · {r['dtype']}" if dtypes else ""),
                              axis=1)
    machines = several(data, "machine")
    symbols = machine_symbols(data["machine"])
    # a dot plot: the values span orders of magnitude, and bars cannot start at 0 on a log axis
    fig = new_figure(f"USD per 1,000 samples at {usd_per_hour:g} USD/h (best measured batch)",
                     x="USD per 1,000 samples (log scale)", y=None, x_log=True, x_format="$~g",
                     height=band_height(data["what"].nunique(), extra=130))
    for (family, machine), rows in data.groupby(["architecture", "machine"], sort=False):
        fig.add_scatter(x=rows["usd_per_1k_samples"], y=rows["what"].map(wrap_label), mode="markers",
                        name=family + (f" · {machine}" if machines else ""),
                        marker={"color": family_color(family), "symbol": symbols[machine], "size": 10},
                        **hover_data(rows, [("machine", "machine", ""), ("model", "what", ""), ("batch", "batch", ""),
                                            ("USD per 1,000", "usd_per_1k_samples", "$.4g")]))
    fig.update_yaxes(categoryorder="array", categoryarray=[wrap_label(w) for w in dict.fromkeys(data["what"])],
                     autorange="reversed")
    fig.update_xaxes(dtick=1)  # a label per decade: dollar labels are wide
    return fig


@legend_room
def throughput_vs_batch(records: list[dict]) -> go.Figure | None:
    data = pd.DataFrame(records)
    if data.empty or not (data["batch"] > 1).any():  # nothing batched: every point sits at batch 1
        return None
    machines, dtypes = several(data, "machine"), several(data, "dtype")
    fig = new_figure("Throughput against batch size (dash: NFE)", x="batch size (samples)",
                     y="samples per second", x_log=True, y_log=True, height=360)
    fig.update_xaxes(dtick=0.30103)  # ticks at powers of 2 on the log axis (log10 2)
    _lines(fig, data, "batch", "throughput_samples_per_s", ["machine", "model", "nfe", "dtype"],
           [("machine", "machine", ""), ("model", "model", ""), ("NFE", "nfe", ""), ("dtype", "dtype", ""),
            ("batch", "batch", ""), ("samples/s", "throughput_samples_per_s", ".4g")],
           lambda r: f"{r['model']} · {r['nfe']} NFE" + (f" · {r['dtype']}" if dtypes else "")
           + (f" · {r['machine']}" if machines else ""))
    return fig


@legend_room
def _training_charts(t: dict[str, list[dict]]) -> list[tuple[str, str, go.Figure]]:
    """The training probe: learning curves, the data-needs law, mode coverage."""
    charts = []
    if t["curves"]:
        data = pd.DataFrame(t["curves"])
        data["model"] = data["architecture"]
        data["run"] = data.apply(lambda r: f"{r['machine']} · {r['dataset_size']} images · seed {r['seed']}", axis=1)
        fig = new_figure("Learning curves: FID against images seen, a line per run", x="images seen",
                         y="FID (domain features; lower is better)", y_log=True, x_format="~s", height=360)
        symbols, shown = machine_symbols(data["machine"]), set()
        sizes = sorted(data["dataset_size"].dropna().unique())
        for run, rows in data.groupby(["architecture", "run"], sort=False):
            first = rows.iloc[0]
            legend = f"{first['architecture']} · {first['dataset_size']} images"
            shade = 0.5 * (len(sizes) - 1 - sizes.index(first["dataset_size"])) / max(len(sizes), 1)
            fig.add_scatter(x=rows["images_seen"], y=rows["value"], mode="lines+markers", name=legend,
                            legendgroup=legend, showlegend=legend not in shown,
                            line={"color": family_color(first["architecture"], shade)},
                            marker={"symbol": symbols[first["machine"]]},
                            **hover_data(rows, [("run", "run", ""), ("images seen", "images_seen", "~s"),
                                                ("FID", "value", ".3g")]))
            shown.add(legend)
        charts.append(("chart_learning", "Learning curves", fig))
    if t["data_needs"]:
        data = pd.DataFrame(t["data_needs"])
        fig = new_figure("Data needs: final FID against training images, with the fitted power law",
                         x="training images", y="final FID (lower is better)", x_log=True, y_log=True, height=360)
        symbols = machine_symbols(data["machine"])
        for (family, machine), rows in data.groupby(["architecture", "machine"], sort=False):
            fig.add_scatter(x=rows["dataset_size"], y=rows["value"], mode="markers", name=f"{family} measured",
                            marker={"color": family_color(family), "symbol": symbols[machine], "size": 9},
                            **hover_data(rows, [("machine", "machine", ""), ("training images", "dataset_size", "~s"),
                                                ("final FID", "value", ".3g"), ("seed", "seed", "")]))
        for (family, machine), rows in pd.DataFrame(t["data_fit"] or [{}]).dropna().groupby(
                ["architecture", "machine"], sort=False):
            fig.add_scatter(x=rows["dataset_size"], y=rows["value"], mode="lines", name=f"{family} fit a·n^−b",
                            line={"color": family_color(family), "dash": "dot"},
                            **hover_data(rows, [("training images", "dataset_size", "~s"),
                                                ("fitted FID", "value", ".3g")]))
        charts.append(("chart_data_needs", "Data needs", fig))
    if t["mode_coverage"]:
        data = pd.DataFrame(t["mode_coverage"])
        mean = data.groupby(["architecture", "machine", "dataset_size"], sort=False, as_index=False).agg(
            classes_covered=("classes_covered", "mean"), n_classes=("n_classes", "max"), seeds=("seed", "count"))
        machines = several(mean, "machine")
        fig = new_figure("Mode coverage: classes the generated samples cover (mean over seeds)",
                         x="training images", y="classes covered", height=340)
        for (family, machine), rows in mean.groupby(["architecture", "machine"], sort=False):
            fig.add_bar(x=rows["dataset_size"].map("{:,}".format), y=rows["classes_covered"],
                        name=family + (f" · {machine}" if machines else ""), marker_color=family_color(family),
                        **hover_data(rows, [("machine", "machine", ""), ("training images", "dataset_size", ","),
                                            ("classes covered", "classes_covered", ".3g"), ("of", "n_classes", ""),
                                            ("seeds", "seeds", "")]))
        fig.update_layout(barmode="group")
        fig.update_xaxes(type="category")
        charts.append(("chart_modes", "Mode coverage", fig))
    return charts


def probe_charts(sets: list[ProbeSet], usd_per_hour: float) -> list[tuple[str, str, go.Figure]]:
    records = inference_records(sets, usd_per_hour)
    charts = [("chart_latency_nfe", "Latency against NFE", latency_vs_nfe(records)),
              ("chart_usd", "USD per 1,000 samples", usd_per_1k(records, usd_per_hour)),
              ("chart_throughput", "Throughput against batch", throughput_vs_batch(records))]
    charts = [c for c in charts if c[2] is not None]
    return charts + _training_charts(training_records(sets)) + control_charts(control_records(sets))
