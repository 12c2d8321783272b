"""Chart specs: the data behind each chart, not its looks."""
import copy

import pytest

from reports import charts
from reports.probe_view import ProbeSet, inference_records, sample_grid_images, training_records, unique_labels

from tests.reports.conftest import literal_contract, with_training


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
        family = r["candidate"].split(". ")[1].split(" ")[0]  # "2. hybrid (eliminated)" -> hybrid
        sums[family] = sums.get(family, 0) + r["points_lost"]
    # The bars are the plan shown (its reasons), so they add up to that plan's score.
    assert sums == pytest.approx({r["architecture"]: 1 - r["plan_score"] for r in result["ranking"]}, abs=2e-3)


def test_flip_chart_only_when_a_weight_flips():
    assert charts.flip_changes(literal_contract()) is None
    assert [k for k, _, _ in charts.decision_charts(literal_contract())] == ["chart_contributions"]
    spec = charts.flip_changes(literal_contract(flips={"risk": 1.5}))
    assert spec["data"]["values"] == [{"criterion": "Risk", "change_percent": 150.0, "flips_to": "b"}]


def test_probe_charts_from_the_stored_result(probe_sets):
    keys = [k for k, _, _ in charts.probe_charts(probe_sets, usd_per_hour=2.0)]
    assert keys == ["chart_latency_nfe", "chart_usd", "chart_throughput"]
    records = inference_records(probe_sets, usd_per_hour=3.6)
    assert len(records) == len(probe_sets[0].results["inference"])
    # 3.6 USD/h = 0.001 USD/s: 1,000 samples at L ms each cost L/1000 × 0.001 × 1000 = L/1000 USD
    for r in records:
        assert r["usd_per_1k_samples"] == pytest.approx(r["latency_ms_per_sample"] / 1000)


def test_several_machines_are_told_apart(probe_sets):
    other = copy.deepcopy(probe_sets[0].results)
    other["environment"]["device_name"] = "NVIDIA H100 80GB HBM3"
    sets = unique_labels(probe_sets + [ProbeSet.from_results(other, "h100.json"),
                                       ProbeSet.from_results(other, "h100-again.json")])
    assert [s.label for s in sets] == ["AMD EPYC", "NVIDIA H100 80GB HBM3 (h100.json)",
                                      "NVIDIA H100 80GB HBM3 (h100-again.json)"]
    spec = charts.latency_vs_nfe(inference_records(sets))
    assert spec["encoding"]["strokeDash"]["field"] == "machine"
    assert {r["machine"] for r in spec["data"]["values"]} == {s.label for s in sets}
    single = charts.latency_vs_nfe(inference_records(sets[:1]))
    assert "strokeDash" not in single["encoding"]


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
    keys = [k for k, _, _ in charts.probe_charts(sets, 2.0)]
    assert keys[3:] == ["chart_learning", "chart_data_needs", "chart_modes"]


def test_malformed_training_sections_are_skipped_not_fatal(probe_sets):
    results = copy.deepcopy(probe_sets[0].results)
    results["training"] = {"runs": [{"architecture": "gan", "curve": "oops", "final": {"fid": float("nan")}},
                                    "not a run", {"sample_grid_png_base64": "bm90IGEgcG5n"}]}
    results["data_needs"] = {"families": {"gan": {"fit": {"a": "x"}}}}
    t = training_records([ProbeSet.from_results(results, "t.json")])
    assert t["curves"] == t["data_needs"] == t["data_fit"] == t["mode_coverage"] == []
    assert sample_grid_images(t["sample_grids"]) == []  # base64 of "not a png": dropped
