"""Charts: the data behind each plotly figure, and the looks every chart shares (colour is the
family, dash is the NFE, symbol is the machine, legends below the plot, titles that fit a phone)."""
import copy
import json

import plotly.graph_objects as go
import pytest

from probes.probe_set import ProbeSet, unique_labels
from reports import chart_style, charts
from reports.chart_style import FAMILY_COLORS, NFE_DASHES, TITLE_CHARS
from reports.probe_view import inference_records, sample_grid_images, training_records
from reports.text import shown_score

from tests.reports.conftest import CONTROL_RESULTS, PROBE_RESULTS, literal_contract, with_training


def every_chart(result) -> list[tuple[str, str, go.Figure]]:
    """The decision's charts and every probe chart (inference, training, controllability)."""
    results = {**with_training(json.loads(PROBE_RESULTS.read_text())), **json.loads(CONTROL_RESULTS.read_text())}
    return charts.decision_charts(result) + charts.probe_charts([ProbeSet.from_results(results, "all.json")], 2.0)


def trace_color(trace) -> str | None:
    marker = getattr(trace, "marker", None)
    color = marker.color if marker is not None and isinstance(marker.color, str) else None
    line = getattr(trace, "line", None)
    return color or (line.color if line is not None else None)


def is_shade_of(color: str, base: str) -> bool:
    """`color` lies between `base` and white: every channel moved the same share of the way."""
    c = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(base[i:i + 2], 16) for i in (1, 3, 5)]
    shares = [(x - y) / (255 - y) for x, y in zip(c, b) if y < 255]
    return all(0 <= s < 1 for s in shares) and max(shares) - min(shares) < 0.02


def test_points_lost_literal():
    rows = charts.contribution_rows(literal_contract(eliminated_score=0.25))
    lost = {(r["candidate"], r["criterion"]): r["points_lost"] for r in rows}
    # a: (3×0 + 1×0.8)/4 = 0.2 lost (score 0.8);  b: (3×0.4 + 1×0.4)/4 = 0.4 (0.6);  c: (3×1 + 0)/4 = 0.75 (0.25)
    assert lost == pytest.approx({("1. a", "Speed"): 0.0, ("1. a", "Risk"): 0.2, ("2. b", "Speed"): 0.3,
                                  ("2. b", "Risk"): 0.1, ("3. c (eliminated)", "Speed"): 0.75,
                                  ("3. c (eliminated)", "Risk"): 0.0})


@pytest.mark.parametrize("name", ["latency_bound", "flipping"])
def test_points_lost_follow_the_engine_score(name, request):
    """Each bar is weight × (1 − utility) / Σ base weights (the engine's fixed divisor, read from
    the catalog here, not from the contract), and a candidate's bars add up to 1 − the score of
    the plan shown."""
    from rubric.knowledge import load

    _, result = request.getfixturevalue(name)
    scale = load().score_scale
    sums = {}
    for r in charts.contribution_rows(result):
        assert r["points_lost"] == pytest.approx(r["weight"] * (1 - r["utility"]) / scale, abs=1e-3)
        sums[r["architecture"]] = sums.get(r["architecture"], 0) + r["points_lost"]
    # The bars are the plan shown (its reasons), so they add up to that plan's score.
    assert sums == pytest.approx({r["architecture"]: 1 - r["plan_score"] for r in result["ranking"]}, abs=2e-3)


def test_points_lost_are_grouped_bars_coloured_by_family(latency_bound):
    """A bar per candidate and criterion, in the candidate's family colour (not one colour per
    criterion); the eliminated are hatched and say so in the legend."""
    _, result = latency_bound
    fig = charts.contributions(result)
    assert fig.layout.barmode == "group"
    rows = charts.contribution_rows(result)
    assert [t.name.split(" · ")[0] for t in fig.data] == list(dict.fromkeys(r["candidate"] for r in rows))
    for trace, row in zip(fig.data, result["ranking"]):
        family = row["architecture"]
        assert trace.orientation == "h" and trace.marker.color == FAMILY_COLORS[family]
        assert trace.name.endswith(f"score {shown_score(row):.2f}")
        eliminated = "(eliminated)" in trace.name
        assert eliminated == row["eliminated"] and (trace.marker.pattern.shape == "/") == eliminated
        assert list(trace.x) == [r["points_lost"] for r in rows if r["architecture"] == family]
    # the criteria that cost the most on top
    totals = {}
    for r in rows:
        label = chart_style.wrap_label(r["criterion"])
        totals[label] = totals.get(label, 0) + r["points_lost"]
    order = list(fig.layout.yaxis.categoryarray)
    assert [totals[c] for c in order] == sorted(totals.values(), reverse=True)
    assert fig.layout.yaxis.autorange == "reversed"


def test_flip_chart_only_when_a_weight_flips():
    assert charts.flip_changes(literal_contract()) is None
    assert [k for k, _, _ in charts.decision_charts(literal_contract())] == ["chart_contributions"]
    fig = charts.flip_changes(literal_contract(flips={"risk": 1.5}))
    (bar,) = fig.data
    assert (bar.name, list(bar.y), list(bar.x)) == ("flips to b", ["Risk"], [150.0])


def test_flip_bars_take_the_colour_of_the_family_they_flip_to(flipping):
    _, result = flipping
    fig = charts.flip_changes(result)
    assert fig.data and all(t.marker.color == FAMILY_COLORS[t.name.removeprefix("flips to ")] for t in fig.data)


def test_families_keep_their_colour_in_every_chart(latency_bound):
    """Every trace named after a family is drawn in that family's colour, or a lighter shade of
    it (smaller model sizes, smaller datasets), in every chart of the app and the PDF."""
    _, result = latency_bound
    seen = set()
    for key, _, fig in every_chart(result):
        for trace in fig.data:
            family = chart_style.family_of(trace.name)
            if family in FAMILY_COLORS:
                assert is_shade_of(trace_color(trace), FAMILY_COLORS[family]), (key, trace.name, trace_color(trace))
                seen.add((key, family))
    assert {f for _, f in seen} == set(FAMILY_COLORS)
    assert len({k for k, _ in seen}) >= 12  # nearly every chart has family traces


def test_nfe_is_the_line_dash(probe_sets):
    """In the throughput chart (a line per model and NFE), the fewest steps are solid and each
    further NFE has its own dash, the same for every model."""
    fig = charts.throughput_vs_batch(inference_records(probe_sets, 2.0))
    nfes = sorted({int(t.name.split(" · ")[1].split(" ")[0]) for t in fig.data})
    assert len(nfes) >= 3
    for trace in fig.data:
        nfe = int(trace.name.split(" · ")[1].split(" ")[0])
        assert trace.line.dash == NFE_DASHES[nfes.index(nfe)]
    assert fig.data[0].line.dash == "solid"


def test_legends_below_titles_that_fit_axes_that_say_their_units(latency_bound):
    _, result = latency_bound
    for key, _, fig in every_chart(result):
        legend, title = fig.layout.legend, fig.layout.title
        # anchored to the figure's bottom edge, so plotly grows the margin to hold it (never clipped)
        assert (legend.orientation, legend.yref, legend.y, legend.yanchor) == ("h", "container", 0, "bottom"), key
        assert title.automargin and all(len(line) <= TITLE_CHARS for line in title.text.split("<br>")), key
        assert fig.layout.xaxis.automargin and fig.layout.yaxis.automargin, key
        axis_titles = [a.title.text for a in (fig.layout.xaxis, fig.layout.yaxis) if a.title.text]
        assert axis_titles, key
        # room for the legend on top of the plot's own height: its lines on a phone, fewer on a page
        lines = chart_style.legend_lines(chart_style.legend_names(fig), 390)
        assert fig.layout.height == fig.layout.meta["plot_px"] + chart_style.LEGEND_LINE_PX * lines >= 180, key
        assert fig.layout.meta["plot_px"] < chart_style.height_at(fig, 640) <= fig.layout.height, key


def test_legend_lines_fill_a_line_then_wrap():
    # each entry 40 + 7 × 10 = 110 px; a 390 px figure's legend wraps at 0.7 × 390 = 273 px: two a line
    assert chart_style.legend_lines(["x" * 10] * 5, 390) == 3
    assert chart_style.legend_lines(["x" * 10] * 5, 1000) == 1
    assert chart_style.legend_lines([], 390) == 0


def test_probe_charts_from_the_stored_result(probe_sets):
    keys = [k for k, _, _ in charts.probe_charts(probe_sets, usd_per_hour=2.0)]
    assert keys == ["chart_latency_nfe", "chart_usd", "chart_throughput"]
    records = inference_records(probe_sets, usd_per_hour=3.6)
    assert len(records) == len(probe_sets[0].results["inference"])
    # 3.6 USD/h = 0.001 USD/s: 1,000 samples at L ms each cost L/1000 × 0.001 × 1000 = L/1000 USD
    for r in records:
        assert r["usd_per_1k_samples"] == pytest.approx(r["latency_ms_per_sample"] / 1000)
    usd = charts.usd_per_1k(records, 3.6)
    points = {y: x for t in usd.data for x, y in zip(t.x, t.y)}
    assert points["gan/xs · 1 NFE"] == pytest.approx(min(r["usd_per_1k_samples"] for r in records
                                                         if r["model"] == "gan/xs"))
    assert usd.layout.xaxis.type == "log"


def test_latency_is_drawn_against_the_nfe_measured(probe_sets):
    fig = charts.latency_vs_nfe(inference_records(probe_sets))
    single = [r for r in inference_records(probe_sets) if r["batch"] == 1]
    drawn = {(t.name, x): y for t in fig.data for x, y in zip(t.x, t.y)}
    assert drawn == {(r["model"], r["nfe"]): r["latency_ms_per_sample"] for r in single}
    assert list(fig.layout.xaxis.tickvals) == sorted({r["nfe"] for r in single})


def test_several_machines_are_told_apart(probe_sets):
    other = copy.deepcopy(probe_sets[0].results)
    other["environment"]["device_name"] = "NVIDIA H100 80GB HBM3"
    sets = unique_labels(probe_sets + [ProbeSet.from_results(other, "h100.json"),
                                       ProbeSet.from_results(other, "h100-again.json")])
    assert [s.label for s in sets] == ["AMD EPYC", "NVIDIA H100 80GB HBM3 (h100.json)",
                                      "NVIDIA H100 80GB HBM3 (h100-again.json)"]
    fig = charts.latency_vs_nfe(inference_records(sets))
    symbols = {}
    for trace in fig.data:
        machine = trace.name.split(" · ")[-1]
        symbols.setdefault(machine, set()).add(trace.marker.symbol)
    assert set(symbols) == {s.label for s in sets}
    assert all(len(s) == 1 for s in symbols.values()) and len(set.union(*symbols.values())) == 3
    single = charts.latency_vs_nfe(inference_records(sets[:1]))
    assert {t.marker.symbol for t in single.data} == {"circle"} and " · " not in single.data[0].name


def test_nothing_to_draw_gives_no_chart():
    assert charts.probe_charts([], 2.0) == []
    empty = ProbeSet.from_results({"environment": {}, "inference": []}, "x.json")
    assert charts.probe_charts([empty], 2.0) == []


def test_training_sections_drawn_when_present(probe_sets):
    assert not any(training_records(probe_sets).values())  # the stored result has no training
    sets = [ProbeSet.from_results(with_training(probe_sets[0].results), "t.json")]
    t = training_records(sets)
    assert len(t["curves"]) == 8 and len(t["data_needs"]) == 4 and len(t["mode_coverage"]) == 4
    assert len(t["sample_grids"]) == 2 and len(sample_grid_images(t["sample_grids"])) == 2
    # the fitted law FID = a n^-b, drawn from half the smallest size to 10x the largest
    gan_fit = [r for r in t["data_fit"] if r["architecture"] == "gan"]
    assert gan_fit[0]["dataset_size"] == pytest.approx(100) and gan_fit[-1]["dataset_size"] == pytest.approx(10_000)
    assert gan_fit[0]["value"] == pytest.approx(60.0 * 2 ** 0.43)
    drawn = charts.probe_charts(sets, 2.0)
    assert [k for k, _, _ in drawn][3:] == ["chart_learning", "chart_data_needs", "chart_modes"]
    figures = {k: f for k, _, f in drawn}
    # a line per run; one legend entry per family and dataset size
    assert len(figures["chart_learning"].data) == 4
    fit = [t for t in figures["chart_data_needs"].data if t.name == "gan fit a·n^−b"]
    assert fit and fit[0].line.dash == "dot" and len(fit[0].x) == 21
    modes = {t.name: list(t.y) for t in figures["chart_modes"].data}
    assert modes == {"gan": [7, 7], "diffusion": [10, 10]}


def test_malformed_training_sections_are_skipped_not_fatal(probe_sets):
    results = copy.deepcopy(probe_sets[0].results)
    results["training"] = {"runs": [{"architecture": "gan", "curve": "oops", "final": {"fid": float("nan")}},
                                    "not a run", {"sample_grid_png_base64": "bm90IGEgcG5n"}]}
    results["data_needs"] = {"families": {"gan": {"fit": {"a": "x"}}}}
    t = training_records([ProbeSet.from_results(results, "t.json")])
    assert t["curves"] == t["data_needs"] == t["data_fit"] == t["mode_coverage"] == []
    assert sample_grid_images(t["sample_grids"]) == []  # base64 of "not a png": dropped
