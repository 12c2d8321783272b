"""The controllability probes' charts (conditioning, steering, hybrid) as pure functions of
control_view.control_records: a plotly Figure, or nothing when there is nothing to draw.

    control_charts(records)      # [(key, title, figure)], the last of probe_charts
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from reports.chart_style import (REFERENCE_COLORS, band_height, family_color, hover_data, legend_room, machine_symbols,
                                 new_figure, nfe_ticks, several, wrap_label)


def _span(fig: go.Figure, x: list, y: float, name: str, color: str, dash: str, hover: str) -> None:
    """A horizontal reference line across `x` as a trace, so that it has a legend entry."""
    fig.add_scatter(x=x, y=[y, y], mode="lines", name=name, line={"color": color, "dash": dash, "width": 2},
                    hovertemplate=f"{hover}: {y:.3f}<extra></extra>")


@legend_room
def guidance_chart(c: dict[str, list[dict]]) -> go.Figure | None:
    """Conditional accuracy against guidance scale: the denoiser as a line, the GAN (no guidance)
    as a solid horizontal line, chance and the classifier's ceiling as dashed ones."""
    guided = pd.DataFrame([r for r in c["guidance"] if r["guidance_scale"] is not None])
    if guided.empty:
        return None
    single = [r for r in c["guidance"] if r["guidance_scale"] is None]
    refs = [r for r in c["references"] if r["section"] == "conditioning"]
    machines = len({r["machine"] for r in c["guidance"] + refs}) > 1
    symbols = machine_symbols([r["machine"] for r in c["guidance"] + refs])
    tail = (lambda m: f" · {m}" if machines else "")
    span = [guided["guidance_scale"].min(), guided["guidance_scale"].max()]
    fig = new_figure("Conditioning: accuracy against guidance scale (GAN: no guidance)",
                     x="guidance scale (0 = unconditional)",
                     y="conditional accuracy (share)", y_format=".0%", height=360)
    fig.update_yaxes(range=[0, 1.02])
    for (family, machine), rows in guided.groupby(["architecture", "machine"], sort=False):
        rows = rows.sort_values("guidance_scale")
        fig.add_scatter(x=rows["guidance_scale"], y=rows["conditional_accuracy"], mode="lines+markers",
                        name=family + tail(machine), line={"color": family_color(family)},
                        marker={"symbol": symbols[machine], "size": 8},
                        **hover_data(rows, [("machine", "machine", ""), ("guidance", "guidance_scale", "~g"),
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


@legend_room
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
    machines = several(data, "machine")
    fig = new_figure("Conditioning per class: accuracy (●), precision (◆), classifier on real images",
                     x="class asked for", y="share", y_format=".0%", height=360)
    fig.update_yaxes(range=[0, 1.02])
    for (model, measure, machine), group in data.groupby(["model", "measure", "machine"], sort=False):
        fig.add_scatter(x=group["class"], y=group["value"], mode="markers",
                        name=f"{model} {measure}" + (f" · {machine}" if machines else ""),
                        marker={"color": family_color(model), "size": 10,
                                "symbol": "diamond" if measure == "precision" else "circle"},
                        **hover_data(group, [("machine", "machine", ""), ("model", "model", ""), ("class", "class", ""),
                                             ("measure", "measure", ""), ("value", "value", ".2f")]))
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=list(dict.fromkeys(data["class"])))
    return fig


STEERING_HOVER = [("machine", "machine", ""), ("method", "method", ""), ("hole MSE", "hole_mse", ".4f"),
                  ("hole PSNR dB", "hole_psnr_db", ".3g"), ("label agreement", "label_agreement", ".3f"),
                  ("ms per sample", "latency_ms_per_sample", ".3g"), ("forwards per sample", "forwards_per_sample", "")]


def _steering_dots(title: str, data: pd.DataFrame, x: str, x_title: str, x_format: str) -> go.Figure:
    order = list(dict.fromkeys(data["what"]))
    symbols, machines = machine_symbols(data["machine"]), several(data, "machine")
    fig = new_figure(title, x=x_title, y=None, x_format=x_format, height=band_height(len(order), extra=130))
    for (family, machine), rows in data.groupby(["architecture", "machine"], sort=False):
        fig.add_scatter(x=rows[x], y=rows["what"].map(wrap_label), mode="markers",
                        name=family + (f" · {machine}" if machines else ""),
                        marker={"color": family_color(family), "symbol": symbols[machine], "size": 11},
                        **hover_data(rows, STEERING_HOVER))
    fig.update_yaxes(categoryorder="array", categoryarray=[wrap_label(w) for w in order], autorange="reversed")
    return fig


@legend_room
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


@legend_room
def hybrid_charts(c: dict[str, list[dict]]) -> list[tuple[str, str, go.Figure]]:
    """FID against steps and against time per sample: teacher, distilled students, GAN (1 step)."""
    data = pd.DataFrame([{**r, "series": f"{r['architecture']} {r['role']}"} for r in c["hybrid"]
                         if r["fid"] is not None and r["fid"] > 0])
    if data.empty:
        return []
    hover = [("machine", "machine", ""), ("role", "role", ""), ("family", "architecture", ""), ("NFE", "nfe", ""),
             ("sampler", "sampler", ""), ("FID", "fid", ".3g"), ("ms per sample", "latency_ms_per_sample", ".3g")]
    machines = several(data, "machine")

    def draw(title: str, rows: pd.DataFrame, x: str, x_title: str) -> go.Figure:
        fig = new_figure(title, x=x_title, y="FID (domain features; lower is better)", x_log=True, y_log=True,
                         height=360)
        symbols = machine_symbols(rows["machine"])
        for (series, machine), group in rows.groupby(["series", "machine"], sort=False):
            group = group.sort_values("nfe")  # along the steps, also on the time axis
            fig.add_scatter(x=group[x], y=group["fid"], mode="lines+markers",
                            name=series + (f" · {machine}" if machines else ""),
                            line={"color": family_color(series)}, marker={"symbol": symbols[machine], "size": 9},
                            **hover_data(group, hover))
        return fig

    steps = draw("Hybrid: FID against steps (teacher, distilled students, GAN at 1 step)", data, "nfe",
                 "network evaluations per sample (NFE)")
    nfe_ticks(steps, data["nfe"])
    charts = [("chart_hybrid", "Hybrid: quality against steps", steps)]
    timed = data[data["latency_ms_per_sample"].notna() & (data["latency_ms_per_sample"] > 0)]
    if not timed.empty:
        charts.append(("chart_hybrid_latency", "Hybrid: quality against time",
                       draw("Hybrid: FID against time per sample", timed, "latency_ms_per_sample",
                             "time per sample (ms)")))
    return charts


def control_charts(c: dict[str, list[dict]]) -> list[tuple[str, str, go.Figure]]:
    """The controllability probes: conditioning, steering (inpainting), hybrid (distillation)."""
    charts = [("chart_guidance", "Conditioning: accuracy against guidance", guidance_chart(c)),
              ("chart_per_class", "Conditioning per class", per_class_chart(c))]
    return [chart for chart in charts if chart[2] is not None] + steering_charts(c) + hybrid_charts(c)
