"""Chart specs as pure functions: data in, a Vega-Lite spec (a plain dict) out.

One spec serves both outputs: the app draws it with `st.vega_lite_chart`, the PDF turns it into a
PNG with vl-convert (no browser). A function returns None when it has nothing to draw, so callers
skip the chart instead of showing an empty frame.

    decision_charts(result)                 # [(key, title, spec)] for a decision contract
    probe_charts(sets, usd_per_hour)        # [(key, title, spec)] for probe results
"""
from __future__ import annotations

from reports.control_view import control_records
from reports.probe_view import ProbeSet, cheapest_rows, inference_records, training_records
from reports.text import shown_score

WIDTH = 520  # px; the app stretches it to the column, the PDF scales it to the text width
FAMILY_COLORS = {"gan": "#e45756", "diffusion": "#4c78a8", "hybrid": "#54a24b"}
REFERENCE_COLORS = {"none": "#9d9d9d", "chance": "#9d9d9d", "classifier ceiling": "#555555"}


def _spec(title: str, data: list[dict], height: int | dict = 260, **rest) -> dict:
    """`height` in px for continuous axes; {"step": px} per category for a discrete y axis (a
    fixed height collapses the bands in Streamlit's renderer)."""
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "title": title,
            # fit the width to the column (Streamlit's default is "fit", which shrinks the height
            # to make room for the title, axes and legend)
            "width": WIDTH, "height": height, "autosize": {"type": "fit-x", "contains": "padding"},
            "data": {"values": data}, **rest}


def _family_scale(families) -> dict:
    known = [f for f in FAMILY_COLORS if f in families]
    return {"domain": known, "range": [FAMILY_COLORS[f] for f in known]} if set(families) <= set(known) else {}


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
            rows.append({"candidate": label, "criterion": reason["name"],
                         "points_lost": round(reason["weight"] * (1.0 - reason["utility"]) * scale, 4),
                         "weight": reason["weight"], "utility": reason["utility"],
                         "score": shown_score(row)})
    return rows


def contributions(result: dict) -> dict:
    """Stacked bars: the points each criterion takes off each candidate's score (shorter is better)."""
    data = contribution_rows(result)
    order = list(dict.fromkeys(r["candidate"] for r in data))
    return _spec("Score points lost to each criterion (score = 1 − the bar)", data,
                 height={"step": 40}, mark={"type": "bar"},
                 encoding={
                     "y": {"field": "candidate", "type": "nominal", "sort": order, "title": None,
                           "axis": {"labelLimit": 200}},
                     "x": {"field": "points_lost", "type": "quantitative", "aggregate": "sum",
                           "title": "1 − score (sum of the points lost)"},
                     "color": {"field": "criterion", "type": "nominal",
                               "scale": {"scheme": "tableau10"},
                               "legend": {"orient": "bottom", "columns": 3, "labelLimit": 260}},
                     "tooltip": [{"field": "candidate"}, {"field": "criterion"},
                                 {"field": "points_lost", "format": ".3f"}, {"field": "weight"},
                                 {"field": "utility", "format": ".3f"}],
                 })


def flip_changes(result: dict) -> dict | None:
    """Bars: the relative change of one weight alone that flips the top choice (None: no flip)."""
    r = result["robustness"]
    names = {reason["criterion"]: reason["name"] for reason in result["ranking"][0]["reasons"]}
    data = [{"criterion": names.get(c, c), "change_percent": round(100 * v, 1), "flips_to": r["flip_to"][c]}
            for c, v in r["flip_weight_change"].items() if v is not None]
    if not data:
        return None
    return _spec(f"Weight change that flips the choice away from {result['recommendation']}", data,
                 height={"step": 26}, mark={"type": "bar"},
                 encoding={"y": {"field": "criterion", "type": "nominal", "sort": "x", "title": None},
                           "x": {"field": "change_percent", "type": "quantitative",
                                 "title": "change of that criterion's weight (%)"},
                           "color": {"field": "flips_to", "type": "nominal", "title": "flips to",
                                     "scale": _family_scale({d["flips_to"] for d in data})},
                           "tooltip": [{"field": "criterion"}, {"field": "change_percent"}, {"field": "flips_to"}]})


def decision_charts(result: dict) -> list[tuple[str, str, dict]]:
    charts = [("chart_contributions", "Score points lost to each criterion", contributions(result))]
    flips = flip_changes(result)
    if flips is not None:
        charts.append(("chart_flips", "Weight changes that flip the decision", flips))
    return charts


def _machine_encoding(records: list[dict]) -> dict:
    machines = {r["machine"] for r in records}
    return {"strokeDash": {"field": "machine", "type": "nominal"},
            "shape": {"field": "machine", "type": "nominal"}} if len(machines) > 1 else {}


def latency_vs_nfe(records: list[dict]) -> dict | None:
    data = [r for r in records if r["batch_role"] == "single"] or records
    if not data:
        return None
    return _spec("Latency per sample against NFE (batch 1)", data, mark={"type": "line", "point": True},
                 encoding={"x": {"field": "nfe", "type": "quantitative", "scale": {"type": "log"},
                                 "title": "network evaluations per sample (NFE)"},
                           "y": {"field": "latency_ms_per_sample", "type": "quantitative",
                                 "scale": {"type": "log"}, "title": "ms per sample"},
                           "color": {"field": "model", "type": "nominal", "title": "family/size"},
                           "detail": {"field": "dtype"},
                           "tooltip": [{"field": "machine"}, {"field": "model"}, {"field": "dtype"},
                                       {"field": "nfe"}, {"field": "latency_ms_per_sample", "format": ".3f"}],
                           **_machine_encoding(data)})


def usd_per_1k(records: list[dict], usd_per_hour: float) -> dict | None:
    data = [{**r, "what": f"{r['model']} · {r['nfe']} NFE · {r['dtype']}"} for r in cheapest_rows(records)
            if r["usd_per_1k_samples"] is not None]
    if not data:
        return None
    machines = len({r["machine"] for r in data}) > 1
    return _spec(f"USD per 1,000 samples at {usd_per_hour:g} USD/h (best measured batch)", data,
                 height={"step": 18},
                 # a dot plot: the values span orders of magnitude, and bars cannot start at 0 on a log axis
                 mark={"type": "point", "filled": True, "size": 90},
                 encoding={"y": {"field": "what", "type": "nominal", "title": None, "sort": None,
                                 "axis": {"labelLimit": 240}},
                           "x": {"field": "usd_per_1k_samples", "type": "quantitative",
                                 "scale": {"type": "log"}, "title": "USD per 1,000 samples"},
                           "color": ({"field": "machine", "type": "nominal"} if machines else
                                     {"field": "architecture", "type": "nominal",
                                      "scale": _family_scale({r["architecture"] for r in data})}),
                           "tooltip": [{"field": "machine"}, {"field": "what"}, {"field": "batch"},
                                       {"field": "usd_per_1k_samples", "format": ".4g"}]})


def throughput_vs_batch(records: list[dict]) -> dict | None:
    data = [{**r, "series": f"{r['model']} · {r['nfe']} NFE"} for r in records]
    if not any(r["batch"] > 1 for r in data):  # nothing batched: every point sits at batch 1
        return None
    return _spec("Throughput against batch size (a line per family/size and NFE)", data, mark={"type": "line", "point": True},
                 encoding={"x": {"field": "batch", "type": "quantitative", "scale": {"type": "log", "base": 2}},
                           "y": {"field": "throughput_samples_per_s", "type": "quantitative",
                                 "scale": {"type": "log"}, "title": "samples per second"},
                           "color": {"field": "model", "type": "nominal", "title": "family/size"},
                           "detail": [{"field": "nfe"}, {"field": "dtype"}],
                           "tooltip": [{"field": "machine"}, {"field": "series"}, {"field": "dtype"},
                                       {"field": "batch"}, {"field": "throughput_samples_per_s", "format": ".4g"}],
                           **_machine_encoding(data)})


def _training_charts(t: dict[str, list[dict]]) -> list[tuple[str, str, dict]]:
    """Issue 4's training probe: learning curves, the data-needs law, mode coverage."""
    charts = []
    if t["curves"]:
        data = [{**r, "run": f"{r['machine']} · {r['dataset_size']} images · seed {r['seed']}"} for r in t["curves"]]
        charts.append(("chart_learning", "Learning curves", _spec(
            "Learning curves: FID against images seen (one line per run)", data,
            mark={"type": "line", "point": True},
            encoding={"x": {"field": "images_seen", "type": "quantitative", "title": "images seen"},
                      "y": {"field": "value", "type": "quantitative", "scale": {"type": "log"},
                            "title": "FID (domain features; lower is better)"},
                      "color": {"field": "architecture", "type": "nominal",
                                "scale": _family_scale({r["architecture"] for r in data})},
                      "detail": {"field": "run"},
                      "tooltip": [{"field": "run"}, {"field": "images_seen"}, {"field": "value", "format": ".3g"}]})))
    if t["data_needs"]:
        axes = {"x": {"field": "dataset_size", "type": "quantitative", "scale": {"type": "log"},
                      "title": "training images"},
                "y": {"field": "value", "type": "quantitative", "scale": {"type": "log"}, "title": "final FID"},
                "color": {"field": "architecture", "type": "nominal",
                          "scale": _family_scale({r["architecture"] for r in t["data_needs"]})}}
        layers = [{"data": {"values": t["data_needs"]}, "mark": {"type": "point", "filled": True}, "encoding": axes}]
        if t["data_fit"]:
            layers.append({"data": {"values": t["data_fit"]}, "mark": {"type": "line", "strokeDash": [4, 3]},
                           "encoding": {**axes, "detail": {"field": "machine"}}})
        spec = _spec("Data needs: final FID against training images, with the fitted power law", [])
        spec.pop("data")
        charts.append(("chart_data_needs", "Data needs", {**spec, "layer": layers}))
    if t["mode_coverage"]:
        charts.append(("chart_modes", "Mode coverage", _spec(
            "Mode coverage: classes the generated samples cover (mean over seeds)", t["mode_coverage"],
            mark={"type": "bar"},
            encoding={"x": {"field": "dataset_size", "type": "ordinal", "title": "training images"},
                      "xOffset": {"field": "architecture"},
                      "y": {"field": "classes_covered", "type": "quantitative", "aggregate": "mean",
                            "title": "classes covered"},
                      "color": {"field": "architecture", "type": "nominal",
                                "scale": _family_scale({r["architecture"] for r in t["mode_coverage"]})}})))
    return charts


def _series_scale(series) -> dict:
    """Colours for a mix of families and references: the family's colour where it has one."""
    colors = {**FAMILY_COLORS, **REFERENCE_COLORS}
    domain = list(dict.fromkeys(series))
    return {"domain": domain, "range": [colors.get(x.split(" ")[0], colors.get(x, "#b279a2")) for x in domain]}


def _layered(title: str, layers: list[dict], height: int | dict = 260) -> dict:
    spec = _spec(title, [], height)
    spec.pop("data")
    return {**spec, "layer": layers}


def guidance_chart(c: dict[str, list[dict]]) -> dict | None:
    """Conditional accuracy against guidance scale: the denoiser as a line, the GAN (no guidance)
    as a solid rule, chance and the classifier's ceiling as dashed rules."""
    guided = [{**r, "series": r["architecture"]} for r in c["guidance"] if r["guidance_scale"] is not None]
    if not guided:
        return None
    single = [{**r, "series": r["architecture"]} for r in c["guidance"] if r["guidance_scale"] is None]
    refs = [{**r, "series": r["reference"]} for r in c["references"] if r["section"] == "conditioning"]
    scale = _series_scale([r["series"] for r in guided + single + refs])
    y = {"type": "quantitative", "scale": {"domain": [0, 1]}, "title": "conditional accuracy (share)"}
    color = {"field": "series", "type": "nominal", "title": None, "scale": scale}
    tooltip = [{"field": "machine"}, {"field": "architecture"}, {"field": "guidance_scale"},
               {"field": "conditional_accuracy", "format": ".3f"}, {"field": "forwards_per_sample"},
               {"field": "latency_ms_per_sample", "format": ".3g"}, {"field": "fid", "format": ".3g"}]
    layers = [{"data": {"values": guided}, "mark": {"type": "line", "point": True},
               "encoding": {"x": {"field": "guidance_scale", "type": "quantitative",
                                  "title": "guidance scale (0 unconditional, 1 conditional, >1 guided)"},
                            "y": {"field": "conditional_accuracy", **y}, "color": color,
                            "detail": {"field": "machine"}, "tooltip": tooltip, **_machine_encoding(guided)}}]
    if single:
        layers.append({"data": {"values": single}, "mark": {"type": "rule", "strokeWidth": 2},
                       "encoding": {"y": {"field": "conditional_accuracy", **y}, "color": color,
                                    "tooltip": tooltip, **_machine_encoding(single)}})
    if refs:
        layers.append({"data": {"values": refs}, "mark": {"type": "rule", "strokeDash": [5, 4]},
                       "encoding": {"y": {"field": "accuracy", **y}, "color": color,
                                    "tooltip": [{"field": "machine"}, {"field": "reference"},
                                                {"field": "accuracy", "format": ".3f"}]}})
    return _layered("Conditioning: accuracy against guidance scale (GAN: no guidance)", layers)


def per_class_chart(c: dict[str, list[dict]]) -> dict | None:
    """Per class, for the GAN and the denoiser at its highest guidance scale: how often the class
    asked for is drawn (accuracy) and how real its samples look (precision), side by side."""
    top = {}
    for r in c["per_class"]:
        if r["guidance_scale"] is not None:
            top[r["machine"]] = max(top.get(r["machine"], r["guidance_scale"]), r["guidance_scale"])
    data = []
    for r in c["per_class"]:
        if r["guidance_scale"] is not None and r["guidance_scale"] != top[r["machine"]]:
            continue
        model = r["architecture"] + ("" if r["guidance_scale"] is None else f", guidance {r['guidance_scale']:g}")
        data += [{"machine": r["machine"], "model": model, "architecture": r["architecture"], "class": r["class"],
                  "measure": measure, "value": r[key]}
                 for measure, key in (("accuracy", "accuracy"), ("precision", "precision")) if r.get(key) is not None]
    if not data:
        return None
    # The classifier's accuracy on real images of each class: no model can score above it there.
    judged = {(r["machine"], r["class"]): r["classifier_on_real"] for r in c["per_class"]
              if r.get("classifier_on_real") is not None}
    data += [{"machine": machine, "model": "classifier on real images", "architecture": "reference", "class": cls,
              "measure": "accuracy", "value": value} for (machine, cls), value in judged.items()]
    return _spec("Conditioning per class: accuracy, precision, classifier on real",
                 data, mark={"type": "point", "filled": True, "size": 70},
                 encoding={"x": {"field": "class", "type": "nominal", "title": "class asked for", "sort": None},
                           "y": {"field": "value", "type": "quantitative", "scale": {"domain": [0, 1]},
                                 "title": "share"},
                           "color": {"field": "model", "type": "nominal", "title": None},
                           "shape": {"field": "measure", "type": "nominal", "title": None},
                           "tooltip": [{"field": "machine"}, {"field": "model"}, {"field": "class"},
                                       {"field": "measure"}, {"field": "value", "format": ".2f"}]})


def steering_charts(c: dict[str, list[dict]]) -> list[tuple[str, str, dict]]:
    """Per completion method: error inside the hole, and whether the class survives, as dot plots."""
    data = [{**r, "what": r["method"] + (" (floor)" if r["method"] == "mean_fill" else "")} for r in c["steering"]]
    if not data:
        return []
    order = list(dict.fromkeys(r["what"] for r in data))
    y = {"field": "what", "type": "nominal", "title": None, "sort": order, "axis": {"labelLimit": 200}}
    color = {"field": "architecture", "type": "nominal", "title": "family",
             "scale": _series_scale([r["architecture"] for r in data])}
    tooltip = [{"field": "machine"}, {"field": "method"}, {"field": "hole_mse", "format": ".4f"},
               {"field": "hole_psnr_db", "format": ".3g"}, {"field": "label_agreement", "format": ".3f"},
               {"field": "latency_ms_per_sample", "format": ".3g"}, {"field": "forwards_per_sample"}]
    dots = {"type": "point", "filled": True, "size": 90}
    charts = [("chart_steering", "Steering: hole error", _spec(
        "Steering: error inside the hidden region per method (lower is better)", data, height={"step": 26},
        mark=dots, encoding={"y": y, "x": {"field": "hole_mse", "type": "quantitative", "scale": {"zero": True},
                                           "title": "hole MSE (data in [-1, 1])"},
                             "color": color, "tooltip": tooltip, **_machine_encoding(data)}))]
    agreed = [r for r in data if r["label_agreement"] is not None]
    if agreed:
        x = {"type": "quantitative", "scale": {"domain": [0, 1]},
             "title": "label agreement (share read as the true class)"}
        layers = [{"data": {"values": agreed}, "mark": dots,
                   "encoding": {"y": y, "x": {"field": "label_agreement", **x}, "color": color,
                                "tooltip": tooltip, **_machine_encoding(agreed)}}]
        refs = [r for r in c["references"] if r["section"] == "steering"]
        if refs:
            layers.append({"data": {"values": refs}, "mark": {"type": "rule", "strokeDash": [5, 4], "color": "#555555"},
                           "encoding": {"x": {"field": "accuracy", **x},
                                        "tooltip": [{"field": "machine"}, {"field": "reference"},
                                                    {"field": "accuracy", "format": ".3f"}]}})
        charts.append(("chart_steering_agreement", "Steering: label agreement", _layered(
            "Steering: label agreement per method (dashed: the classifier on uncut images)", layers,
            height={"step": 26})))
    return charts


def hybrid_charts(c: dict[str, list[dict]]) -> list[tuple[str, str, dict]]:
    """FID against steps and against time per sample: teacher, distilled students, GAN (1 step)."""
    data = [{**r, "series": f"{r['architecture']} {r['role']}"} for r in c["hybrid"]
            if r["fid"] is not None and r["fid"] > 0]
    if not data:
        return []
    fid = {"field": "fid", "type": "quantitative", "scale": {"type": "log"},
           "title": "FID (domain features; lower is better)"}
    common = {"color": {"field": "series", "type": "nominal", "title": None,
                        "scale": _series_scale([r["series"] for r in data])},
              "detail": {"field": "machine"},
              "tooltip": [{"field": "machine"}, {"field": "role"}, {"field": "architecture"}, {"field": "nfe"},
                          {"field": "sampler"}, {"field": "fid", "format": ".3g"},
                          {"field": "latency_ms_per_sample", "format": ".3g"}]}
    charts = [("chart_hybrid", "Hybrid: quality against steps", _spec(
        "Hybrid: FID against steps (teacher, distilled students, GAN at 1 step)", data,
        mark={"type": "line", "point": True},
        encoding={"x": {"field": "nfe", "type": "quantitative", "scale": {"type": "log"},
                        "title": "network evaluations per sample (NFE)"}, "y": fid, **common,
                  **_machine_encoding(data)}))]
    timed = [r for r in data if r["latency_ms_per_sample"] is not None and r["latency_ms_per_sample"] > 0]
    if timed:
        charts.append(("chart_hybrid_latency", "Hybrid: quality against time", _spec(
            "Hybrid: FID against time per sample", timed, mark={"type": "line", "point": True},
            encoding={"x": {"field": "latency_ms_per_sample", "type": "quantitative", "scale": {"type": "log"},
                            "title": "ms per sample"}, "y": fid, "order": {"field": "nfe"}, **common,
                      **_machine_encoding(timed)})))
    return charts


def _control_charts(c: dict[str, list[dict]]) -> list[tuple[str, str, dict]]:
    """The controllability probes: conditioning, steering (inpainting), hybrid (distillation)."""
    charts = [("chart_guidance", "Conditioning: accuracy against guidance", guidance_chart(c)),
              ("chart_per_class", "Conditioning per class", per_class_chart(c))]
    return [chart for chart in charts if chart[2] is not None] + steering_charts(c) + hybrid_charts(c)


def probe_charts(sets: list[ProbeSet], usd_per_hour: float) -> list[tuple[str, str, dict]]:
    records = inference_records(sets, usd_per_hour)
    charts = [("chart_latency_nfe", "Latency against NFE", latency_vs_nfe(records)),
              ("chart_usd", "USD per 1,000 samples", usd_per_1k(records, usd_per_hour)),
              ("chart_throughput", "Throughput against batch", throughput_vs_batch(records))]
    charts = [c for c in charts if c[2] is not None]
    return charts + _training_charts(training_records(sets)) + _control_charts(control_records(sets))
