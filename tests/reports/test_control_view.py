"""The controllability sections (conditioning, steering, hybrid) in records, tables, charts, reports.

tests/fixtures/probe-results-control.json holds the three sections as a whole quick-profile run
wrote them on a CPU (digits, 10 classes); `with_control` adds them to any results file."""
import copy
import json
import re

import pytest

from probes.probe_set import ProbeSet, unique_labels
from reports import charts, control_charts, document
from reports.chart_style import FAMILY_COLORS, REFERENCE_COLORS
from reports.markdown import render
from reports.control_view import (conditioning_summary, control_notes, control_records, hybrid_summary,
                                  steering_summary)

from tests.reports.conftest import ROOT

CONTROL = json.loads((ROOT / "tests" / "fixtures" / "probe-results-control.json").read_text())
CONTROL_KEYS = ["chart_guidance", "chart_per_class", "chart_steering", "chart_steering_agreement", "chart_hybrid",
                "chart_hybrid_latency"]
SECTIONS = ("conditioning", "steering", "hybrid")


def with_control(results: dict) -> dict:
    return {**copy.deepcopy(results), **copy.deepcopy(CONTROL)}


def without_control(results: dict) -> dict:
    return {k: v for k, v in results.items() if k not in SECTIONS}


def literal() -> dict:
    """One row of each kind, with round numbers to find again in every output."""
    classifier = {"held_out_accuracy": 0.9, "chance_accuracy": 0.25, "classes": 4,
                  "held_out_per_class": [{"class": "a", "accuracy": 0.65, "images": 20}]}
    return {"environment": {"device_name": "Test GPU"},
            "conditioning": {"complete": True, "classifier": classifier, "rows": [
                {"architecture": "gan", "guidance_scale": None, "nfe": 1, "forwards_per_sample": 1,
                 "latency_ms_per_sample": 0.5, "samples": 40, "conditional_accuracy": 0.6,
                 "diversity_ratio_mean": 0.7, "precision_worst_class": 0.3, "quality": {"fid": 12.5},
                 "per_class": [{"class": "a", "accuracy": 0.8, "diversity_ratio": 0.9, "precision": 0.75}]},
                {"architecture": "diffusion", "guidance_scale": 3.0, "nfe": 10, "forwards_per_sample": 20,
                 "latency_ms_per_sample": 8.0, "samples": 40, "conditional_accuracy": 0.85,
                 "diversity_ratio_mean": 0.55, "quality": {"fid": 7.5}, "per_class": []}]},
            "steering": {"complete": True, "label_agreement_of_truth": 0.95, "images": 40,
                         "mask": {"kind": "bottom_half", "hidden_fraction": 0.5}, "rows": [
                {"method": "mean_fill", "architecture": None, "latency_ms_per_sample": 0.0,
                 "forwards_per_sample": 0, "hole_mse": 0.25, "hole_psnr_db": 12.0, "label_agreement": 0.5,
                 "known_max_abs_error": 0.0, "quality_vs_train": {"fid": 30.0}},
                {"method": "repaint", "architecture": "diffusion", "latency_ms_per_sample": 40.0,
                 "forwards_per_sample": 15, "hole_mse": 0.125, "hole_psnr_db": 15.05, "label_agreement": 0.75,
                 "known_max_abs_error": 0.0, "quality_vs_train": {"fid": 6.0},
                 "vs_mean_fill": {"images": 40, "right_class_gained": 12, "right_class_lost": 2}}]},
            "hybrid": {"complete": True, "rows": [
                {"architecture": "diffusion", "role": "teacher", "nfe": 8, "sampler": "ddim",
                 "latency_ms_per_sample": 16.0, "samples": 64, "batch": 64, "quality": {"fid": 4.0, "kid": 0.5}},
                {"architecture": "hybrid", "role": "student", "nfe": 2, "sampler": "ddim, v",
                 "latency_ms_per_sample": 4.0, "samples": 64, "batch": 64, "quality": {"fid": 5.0}},
                {"architecture": "gan", "role": "reference", "nfe": 1, "latency_ms_per_sample": 0.25,
                 "samples": 64, "batch": 64, "quality": {"fid": 9.0}}],
                       "distillation": {"method": "progressive", "train_s": 12.0, "share_of_teacher_train_s": 0.25}}}


def _sets(results: dict, source: str = "control.json") -> list[ProbeSet]:
    return [ProbeSet.from_results(results, source)]


def test_tables_carry_the_measured_values():
    sets = _sets(literal())
    gan, guided = conditioning_summary(sets)
    assert gan == {"machine": "Test GPU", "family": "gan", "guidance scale": None, "NFE": 1,
                   "forwards per sample": 1, "ms per sample": 0.5, "conditional accuracy": 0.6, "chance": 0.25,
                   "classifier ceiling": 0.9, "diversity ratio (real = 1)": 0.7, "lowest per-class precision": 0.3,
                   "FID": 12.5, "samples": 40}
    assert (guided["guidance scale"], guided["forwards per sample"], guided["conditional accuracy"]) == (3.0, 20, 0.85)
    floor, repaint = steering_summary(sets)
    assert (floor["method"], floor["family"], floor["hole MSE (data in [-1, 1])"]) == ("mean_fill", "none", 0.25)
    assert (repaint["ms per sample"], repaint["label agreement"], repaint["agreement ceiling"],
            repaint["FID vs train"]) == (40.0, 0.75, 0.95, 6.0)
    # the paired comparison: 12 images right only with RePaint, 2 only with the mean fill
    assert repaint["gained/lost vs mean fill"] == "+12/-2" and floor["gained/lost vs mean fill"] is None
    assert [(r["role"], r["NFE"], r["FID"], r["ms per sample"]) for r in hybrid_summary(sets)] == [
        ("teacher", 8, 4.0, 16.0), ("student", 2, 5.0, 4.0), ("reference", 1, 9.0, 0.25)]
    assert hybrid_summary(sets)[0]["KID"] == 0.5 and hybrid_summary(sets)[1]["KID"] is None
    c = control_records(sets)
    assert c["per_class"] == [{"machine": "Test GPU", "architecture": "gan", "guidance_scale": None, "class": "a",
                               "accuracy": 0.8, "classifier_on_real": 0.65, "diversity_ratio": 0.9,
                               "precision": 0.75, "recall": None}]
    assert control_notes(sets) == [
        "Test GPU: steering hides 50% of each image (bottom_half mask) in 40 held-out images",
        "Test GPU: students distilled in 12 s (25% of the teacher's training time) by progressive"]


def test_the_probes_own_output_is_read_whole():
    c = control_records(_sets(CONTROL))
    rows = {name: CONTROL[name]["rows"] for name in SECTIONS}
    assert [r["conditional_accuracy"] for r in c["guidance"]] == [
        r["conditional_accuracy"] for r in rows["conditioning"]]
    assert len(c["per_class"]) == sum(len(r["per_class"]) for r in rows["conditioning"])
    assert [r["method"] for r in c["steering"]] == ["mean_fill", "repaint", "replace", "latent_optimisation"]
    assert [r["hole_mse"] for r in c["steering"]] == [r["hole_mse"] for r in rows["steering"]]
    assert [(r["role"], r["nfe"], r["fid"]) for r in c["hybrid"]] == [
        (r["role"], r["nfe"], r["quality"]["fid"]) for r in rows["hybrid"]]
    assert {(r["section"], r["reference"]) for r in c["references"]} == {
        ("conditioning", "chance"), ("conditioning", "classifier ceiling"), ("steering", "classifier ceiling")}


@pytest.mark.parametrize("section", [None, "oops", [], {}, {"rows": "oops"}, {"rows": [1, "row", None]},
                                     {"rows": [{"conditional_accuracy": float("nan"), "hole_mse": "x", "nfe": 0}],
                                      "classifier": "x", "mask": [], "distillation": {"train_s": "x"}},
                                     {"rows": [{"architecture": "gan"}], "label_agreement_of_truth": None}])
def test_missing_or_malformed_sections_give_nothing(section):
    results = {"environment": {}, **({} if section is None else {name: section for name in SECTIONS})}
    sets = _sets(results)
    assert not any(control_records(sets).values())
    assert conditioning_summary(sets) == steering_summary(sets) == hybrid_summary(sets) == []
    assert control_charts.control_charts(control_records(sets)) == []
    assert document.controllability(sets) == [] or isinstance(document.controllability(sets)[0], document.Bullets)
    control_notes(sets)  # says what it can (an unfinished section), never raises


def test_skipped_and_unfinished_sections_are_said():
    results = literal()
    results["conditioning"] = {"complete": True, "skipped": "no class labels (DIR/<class>/*.png gives them)"}
    results["hybrid"]["complete"] = False
    notes = control_notes(_sets(results))
    assert "Test GPU: conditioning skipped: no class labels (DIR/<class>/*.png gives them)" in notes
    assert any(n.startswith("Test GPU: hybrid unfinished") for n in notes)
    assert conditioning_summary(_sets(results)) == [] and len(hybrid_summary(_sets(results))) == 3


def test_fid_floors_are_said_once_per_machine():
    results = literal()
    results["hybrid"]["real_floor"] = {"fid": 0.25}
    results["steering"]["truth_quality_vs_train"] = {"fid": 0.5}
    notes = [n for n in control_notes(_sets(results)) if "FID floors" in n]
    assert notes == ["Test GPU: FID floors, real images at the same sample counts (FID is biased upward at small "
                     "counts, so no model scores 0): steering, the uncut held-out images against the train split "
                     "0.5; hybrid, training images against the held-out ones 0.25"]
    assert not [n for n in control_notes(_sets(literal())) if "FID floors" in n]  # none measured, none said


def _traces(fig) -> dict:
    return {t.name: t for t in fig.data}


def test_guidance_chart_draws_the_denoiser_the_gan_and_both_references():
    fig = control_charts.guidance_chart(control_records(_sets(literal())))
    traces = _traces(fig)
    assert list(traces) == ["diffusion", "gan (no guidance)", "chance", "classifier ceiling"]
    line = traces["diffusion"]
    assert (list(line.x), list(line.y)) == ([3.0], [0.85])
    # the GAN has no guidance: a solid horizontal line across the guidance axis, in its family colour
    gan = traces["gan (no guidance)"]
    assert list(gan.y) == [0.6, 0.6] and gan.line.dash == "solid" and gan.line.color == FAMILY_COLORS["gan"]
    assert line.line.color == FAMILY_COLORS["diffusion"]
    assert {(name, traces[name].y[0], traces[name].line.dash) for name in ("chance", "classifier ceiling")} == {
        ("chance", 0.25, "dash"), ("classifier ceiling", 0.9, "dash")}
    assert fig.layout.yaxis.tickformat == ".0%" and tuple(fig.layout.yaxis.range) == (0, 1.02)
    only_gan = literal()
    only_gan["conditioning"]["rows"] = only_gan["conditioning"]["rows"][:1]
    assert control_charts.guidance_chart(control_records(_sets(only_gan))) is None  # no guidance axis to draw


def test_steering_charts_per_method_with_time_in_the_tooltip():
    (k1, _, error), (k2, _, agreement) = control_charts.steering_charts(control_records(_sets(literal())))
    assert (k1, k2) == ("chart_steering", "chart_steering_agreement")
    points = {(t.name, y): x for t in error.data for x, y in zip(t.x, t.y)}
    assert points == {("none", "mean_fill (floor)"): 0.25, ("diffusion", "repaint"): 0.125}
    assert _traces(error)["none"].marker.color == REFERENCE_COLORS["none"]
    assert _traces(error)["diffusion"].marker.color == FAMILY_COLORS["diffusion"]
    repaint = _traces(error)["diffusion"]
    assert "ms per sample" in repaint.hovertemplate and 40.0 in repaint.customdata[0]
    assert [x for t in agreement.data for x in t.x] == [0.5, 0.75]
    (ceiling,) = agreement.layout.shapes
    assert (ceiling.x0, ceiling.x1, ceiling.line.dash) == (0.95, 0.95, "dash")
    no_labels = literal()
    for row in no_labels["steering"]["rows"]:
        row["label_agreement"] = None
    assert [k for k, _, _ in control_charts.steering_charts(control_records(_sets(no_labels)))] == ["chart_steering"]


def test_hybrid_charts_put_the_gan_at_one_step_in_its_family_colour():
    (k1, _, steps), (k2, _, timing) = control_charts.hybrid_charts(control_records(_sets(literal())))
    assert (k1, k2) == ("chart_hybrid", "chart_hybrid_latency")
    assert [(t.name, list(t.x), list(t.y)) for t in steps.data] == [
        ("diffusion teacher", [8], [4.0]), ("hybrid student", [2], [5.0]), ("gan reference", [1], [9.0])]
    assert steps.layout.xaxis.type == steps.layout.yaxis.type == "log"
    assert [t.line.color for t in steps.data] == [FAMILY_COLORS["diffusion"], FAMILY_COLORS["hybrid"],
                                                  FAMILY_COLORS["gan"]]
    assert [x for t in timing.data for x in t.x] == [16.0, 4.0, 0.25]


def test_probe_charts_end_with_the_control_charts(probe_sets):
    sets = _sets(with_control(probe_sets[0].results), "all.json")
    keys = [k for k, _, _ in charts.probe_charts(sets, 2.0)]
    assert keys[-len(CONTROL_KEYS):] == CONTROL_KEYS and len(set(keys)) == len(keys)
    base = _sets(without_control(probe_sets[0].results))
    assert not set(CONTROL_KEYS) & {k for k, _, _ in charts.probe_charts(base, 2.0)}


def test_several_machines_are_told_apart():
    other = literal()
    other["environment"]["device_name"] = "Other GPU"
    sets = unique_labels(_sets(literal()) + _sets(other, "other.json"))
    c = control_records(sets)
    assert len(conditioning_summary(sets)) == 4
    assert {r["machine"] for r in hybrid_summary(sets)} == {"Test GPU", "Other GPU"}
    # the machine is the marker symbol (colour stays the family) and is named in the legend
    lines = [t for t in control_charts.guidance_chart(c).data if t.name.startswith("diffusion ·")]
    assert {t.name for t in lines} == {"diffusion · Test GPU", "diffusion · Other GPU"}
    assert len({t.marker.symbol for t in lines}) == 2 and {t.line.color for t in lines} == {FAMILY_COLORS["diffusion"]}
    hybrid = control_charts.hybrid_charts(c)[0][2].data
    assert len({t.marker.symbol for t in hybrid}) == 2 and len(hybrid) == 6


def test_markdown_report_holds_the_three_tables(latency_bound):
    answers, result = latency_bound
    md = render(answers, result, _sets(literal()))
    assert "Conditioning probe: conditional accuracy is the share of samples" in md
    assert "| machine | family | guidance scale | NFE |" in md
    assert "| Test GPU | diffusion | 3 | 10 | 20 | 8 | 0.85 | 0.25 | 0.9 | 0.55 | — | 7.5 | 40 |" in md
    assert "| Test GPU | mean\\_fill | none | 0 | 0 | 0.25 | 0.5 | 0.95 | — | 0 | 30 |" in md
    assert "| 0.75 | 0.95 | +12/-2 | 0 | 6 |" in md
    assert "| Test GPU | reference | gan | 1 | — | 0.25 | 9 | — | — | — | 64 |" in md
    assert re.search(r"\*Figure \d+: Conditioning[^*]*\* \(chart in the app and the PDF\)", md)
    assert "steering hides 50% of each image" in md
    # the Markdown is a pure function of its inputs
    assert render(answers, result, _sets(literal())) == md


def test_pdf_embeds_the_control_charts(tmp_path, latency_bound, probe_sets):
    from reports import pdf

    from tests.reports.test_pdf import _images, _poppler

    answers, result = latency_bound
    sets = _sets(with_control(probe_sets[0].results), "all.json")
    blocks = document.build(answers, result, sets)
    drawn = [b for b in blocks if isinstance(b, (document.Chart, document.Image))]
    assert [b.key for b in drawn if isinstance(b, document.Chart)][-len(CONTROL_KEYS):] == CONTROL_KEYS
    path = tmp_path / "control.pdf"
    path.write_bytes(pdf.render(answers, result, sets))
    assert len(_images(path)) == len(drawn)  # every chart drawn by kaleido and embedded
    text = " ".join(_poppler("pdftotext", path).split())
    for expected in ("Conditioning probe", "Steering probe", "Hybrid probe", "latent_optimisation"):
        assert expected in text, expected


def test_per_class_chart_shows_the_gan_and_the_most_guided_denoiser():
    from reports.control_charts import per_class_chart

    results = literal()
    rows = results["conditioning"]["rows"]
    rows[1]["per_class"] = [{"class": "a", "accuracy": 0.95, "diversity_ratio": 0.5, "precision": 0.6}]
    rows.insert(1, {**rows[1], "guidance_scale": 1.0, "per_class": [{"class": "a", "accuracy": 0.1}]})
    fig = per_class_chart(control_records(_sets(results)))
    values = {t.name: list(t.y) for t in fig.data}
    assert values == {"gan accuracy": [0.8], "gan precision": [0.75],
                      "diffusion, guidance 3 accuracy": [0.95], "diffusion, guidance 3 precision": [0.6],
                      # the judge's own ceiling for class a, once per machine
                      "classifier on real images accuracy": [0.65]}
    symbols = {t.name: (t.marker.symbol, t.marker.color) for t in fig.data}
    assert symbols["gan precision"] == ("diamond", FAMILY_COLORS["gan"])
    assert symbols["diffusion, guidance 3 accuracy"] == ("circle", FAMILY_COLORS["diffusion"])
    assert per_class_chart(control_records(_sets({"environment": {}}))) is None
