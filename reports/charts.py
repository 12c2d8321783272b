"""Chart specs as pure functions: data in, a Vega-Lite spec (a plain dict) out.

One spec serves both outputs: the app draws it with `st.vega_lite_chart`, the PDF turns it into a
PNG with vl-convert (no browser). A function returns None when it has nothing to draw, so callers
skip the chart instead of showing an empty frame.

    decision_charts(result)                 # [(key, title, spec)] for a decision contract
    probe_charts(sets, usd_per_hour)        # [(key, title, spec)] for probe results
"""
from __future__ import annotations

from reports.probe_view import ProbeSet, cheapest_rows, inference_records, training_records

WIDTH = 520  # px; the app stretches it to the column, the PDF scales it to the text width
FAMILY_COLORS = {"gan": "#e45756", "diffusion": "#4c78a8", "hybrid": "#54a24b"}


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
    """weight × utility / Σ weights for every (candidate, criterion): the bars sum to the score."""
    total = sum(result["weights"].values()) or 1.0
    rows = []
    for rank, row in enumerate(result["ranking"], 1):
        label = f"{rank}. {row['architecture']}" + (" (eliminated)" if row["eliminated"] else "")
        for reason in row["reasons"]:
            rows.append({"candidate": label, "criterion": reason["name"],
                         "contribution": round(reason["weight"] * reason["utility"] / total, 4),
                         "weight": reason["weight"], "utility": reason["utility"],
                         "score": row["score"]})
    return rows


def contributions(result: dict) -> dict:
    """Stacked bars: each criterion's contribution to each candidate's score."""
    data = contribution_rows(result)
    order = list(dict.fromkeys(r["candidate"] for r in data))
    return _spec("Each criterion's contribution to the score (weight × utility / Σ weights)", data,
                 height={"step": 40}, mark={"type": "bar"},
                 encoding={
                     "y": {"field": "candidate", "type": "nominal", "sort": order, "title": None,
                           "axis": {"labelLimit": 200}},
                     "x": {"field": "contribution", "type": "quantitative", "aggregate": "sum",
                           "title": "score (sum of contributions)"},
                     "color": {"field": "criterion", "type": "nominal",
                               "scale": {"scheme": "tableau10"},
                               "legend": {"orient": "bottom", "columns": 3, "labelLimit": 260}},
                     "tooltip": [{"field": "candidate"}, {"field": "criterion"},
                                 {"field": "contribution", "format": ".3f"}, {"field": "weight"},
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
    charts = [("chart_contributions", "Criterion contributions", contributions(result))]
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


def probe_charts(sets: list[ProbeSet], usd_per_hour: float) -> list[tuple[str, str, dict]]:
    records = inference_records(sets, usd_per_hour)
    charts = [("chart_latency_nfe", "Latency against NFE", latency_vs_nfe(records)),
              ("chart_usd", "USD per 1,000 samples", usd_per_1k(records, usd_per_hour)),
              ("chart_throughput", "Throughput against batch", throughput_vs_batch(records))]
    charts = [c for c in charts if c[2] is not None]
    return charts + _training_charts(training_records(sets))
