"""The typed evidence and its one reader: a misspelt field fails where it is written or read, and
the readings on the fixture files are the figures computed by hand from the raw sections."""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import replace

import pytest

from probes.summaries.control_summary import conditioning_evidence, hybrid_evidence, steering_evidence
from probes.summaries.training_summary import training_evidence
from rubric import measured
from rubric.knowledge import load as load_knowledge
from rubric.measured import HybridEvidence, Scale, TrainingFamily

from tests.conftest import ROOT

CONTROL = json.loads((ROOT / "tests" / "fixtures" / "probe-results-control.json").read_text())


def _evidence(results: dict = CONTROL) -> dict:
    return {"probe_results": "p.json", "conditioning": conditioning_evidence(results),
            "steering": steering_evidence(results), "hybrid": hybrid_evidence(results)}


def _rows(section: str, key: str) -> dict:
    return {r[key]: r for r in CONTROL[section]["rows"] if r.get(key) is not None}


# --- a misspelt field fails loudly -------------------------------------------------------------

def test_a_misspelt_field_is_a_type_error_where_the_evidence_is_built():
    good = dataclasses.asdict(hybrid_evidence(CONTROL))
    good["scale"] = Scale(**good["scale"])
    assert HybridEvidence(**good) == hybrid_evidence(CONTROL)
    misspelt = {**{k: v for k, v in good.items() if k != "student_fid"}, "student_fids": 1.7}
    with pytest.raises(TypeError, match="student_fid"):
        HybridEvidence(**misspelt)
    with pytest.raises(TypeError, match="own_dat"):
        Scale(resolution=16, params=1, own_dat=True)
    with pytest.raises(TypeError):  # no defaults: a field left out is an error too
        TrainingFamily(runs=6, divergence_rate=0.0)


def test_a_misspelt_field_is_an_attribute_error_where_it_is_read():
    evidence = hybrid_evidence(CONTROL)
    with pytest.raises(AttributeError):
        evidence.student_fids  # noqa: B018
    with pytest.raises(dataclasses.FrozenInstanceError):
        evidence.student_fid = 0.0


def test_a_plain_dict_where_typed_evidence_belongs_is_refused():
    with pytest.raises(TypeError, match=r"evidence\['hybrid'\] must be a HybridEvidence, got dict"):
        measured.hybrid({"hybrid": dataclasses.asdict(hybrid_evidence(CONTROL))})
    assert measured.hybrid({}) is None and measured.training_for({}, "gan") is None


# --- the readings, by hand from the raw sections -----------------------------------------------

def test_class_support_sits_between_chance_and_the_classifier_ceiling():
    classifier = CONTROL["conditioning"]["classifier"]
    chance, ceiling = classifier["chance_accuracy"], classifier["held_out_accuracy"]
    gan = next(r for r in CONTROL["conditioning"]["rows"] if r["architecture"] == "gan")
    reading = measured.class_support(_evidence(), "gan")
    span = ceiling - chance
    assert reading.value == pytest.approx((gan["conditional_accuracy"] - chance) / span)
    se = math.sqrt(gan["conditional_accuracy"] * (1 - gan["conditional_accuracy"]) / gan["samples"]) / span
    assert f"-> {reading.value:.2f} ± {se:.2f}" in reading.text
    assert reading.figure == ("conditional accuracy", round(gan["conditional_accuracy"], 3), "share")
    assert reading.section == "conditioning"
    # the guided diffusion model at its most accurate scale, with the cost of guidance measured
    diffusion = measured.class_support(_evidence(), "diffusion")
    assert "at guidance 3 " in diffusion.text and "guidance cost 2.3× per sample" in diffusion.text
    assert measured.class_support(_evidence(), "hybrid") is None  # the probe conditions no student


def test_editing_support_is_the_share_of_the_gap_from_mean_fill_to_truth():
    rows, truth = _rows("steering", "method"), CONTROL["steering"]["label_agreement_of_truth"]
    floor = rows["mean_fill"]["label_agreement"]
    for family, method in (("diffusion", "repaint"), ("gan", "latent_optimisation")):
        reading = measured.editing_support(_evidence(), family)
        assert reading.value == pytest.approx((rows[method]["label_agreement"] - floor) / (truth - floor))
        paired = rows[method]["vs_mean_fill"]  # McNemar: only the images the two disagree on count
        gained, lost, n = paired["right_class_gained"], paired["right_class_lost"], paired["images"]
        se = math.sqrt(gained + lost - (gained - lost) ** 2 / n) / n / (truth - floor)
        assert reading.text.endswith(f"-> {reading.value:.2f} ± {se:.2f}")
        assert reading.figure[0] == f"{method} label agreement"


def test_a_distilled_student_keeps_its_share_of_the_teacher_s_score():
    rows = CONTROL["hybrid"]["rows"]
    teacher = next(r for r in rows if r["role"] == "teacher" and r["nfe"] == CONTROL["hybrid"]["distillation"]["teacher_nfe"])
    student = next(r for r in rows if r["role"] == "student" and r["nfe"] == hybrid_evidence(CONTROL).student_nfe)
    fidelity = measured.student(_evidence(), "fidelity", 0.95)
    assert fidelity.value == pytest.approx(0.95 * min(1.0, teacher["quality"]["fid"] / student["quality"]["fid"]))
    diversity = measured.student(_evidence(), "diversity", 0.9)
    assert diversity.value == pytest.approx(0.9 * min(1.0, student["quality"]["recall"] / teacher["quality"]["recall"]))
    assert measured.student(_evidence(), "stability", 0.9) is None


def test_relevance_shrinks_with_the_octaves_between_probe_and_product():
    kb = load_knowledge()
    spec, hybrid = kb.evidence_relevance, hybrid_evidence(CONTROL)
    r, why = measured.relevance(kb, hybrid, 512, 860e6)
    octaves = math.log2(512 / 16) / spec["resolution_octaves_per_halving"] + \
        math.log2(860e6 / hybrid.scale.params) / spec["parameter_octaves_per_halving"]
    assert r == pytest.approx(spec["bundled_data"] / (1 + octaves))
    assert why.startswith("bundled data ×0.5, 16 px probe for 512 px")
    assert measured.relevance(kb, None, 512, 860e6) == (spec["bundled_data"], f"bundled data ×{spec['bundled_data']:g}")


def test_a_figure_names_the_probe_the_data_the_device_and_the_file():
    evidence = _evidence()
    assert measured.figure_source(evidence, "hybrid").endswith(", p.json")
    evidence["hybrid"] = replace(evidence["hybrid"], file="cpu.json")
    assert measured.figure_source(evidence, "hybrid").startswith("measured: probe-results.json: hybrid (")
    assert measured.figure_source(evidence, "hybrid").endswith("on cpu, cpu.json")


def test_training_readings_and_data_need():
    results = {"training": {"data": {"name": "folder /team (300 images)"}, "stability": {
        "gan": {"runs": 4, "divergence_rate": 0.25, "relative_spread_full_data": 0.2, "classes_covered_mean": 8.0,
                "classes": 10, "kl_mean": 0.5},
        "diffusion": {"runs": 4, "divergence_rate": 0.0, "relative_spread_full_data": None}}},
        "data_needs": {"target_fid": 2.0, "families": {"gan": {"images_needed": {"images": 600.0, "confidence": "low"}},
                                                       "diffusion": {"images_needed": {"images": 1200.0}}}}}
    evidence = {"training": training_evidence(results)}
    stability = measured.training_score(evidence, "gan", "stability")
    assert stability.value == pytest.approx(0.75 * 0.8) and stability.figure[1] == "25% of 4"
    diversity = measured.training_score(evidence, "gan", "diversity")
    assert diversity.value == pytest.approx(0.8 * math.exp(-0.5))
    assert measured.training_score(evidence, "diffusion", "diversity") is None  # no coverage measured
    # measured on the team's own images: against the images the plan uses
    need = measured.data_need(evidence, "diffusion", 300)
    assert (need.value, need.curve) == (4.0, "within_limit")
    assert need.text == "measured on your images: ~1,200 needed for the probe's target quality"
    assert measured.data_need(evidence, "gan", 300).text.endswith("(extrapolated, low confidence)")
    # on the bundled data: against the most data-efficient family
    results["training"]["data"]["name"] = "digits"
    bundled = measured.data_need({"training": training_evidence(results)}, "diffusion", 300)
    assert (bundled.value, bundled.curve) == (2.0, "relative_need")


# --- the contract's edge: the file's shape -----------------------------------------------------

def test_plain_gives_the_shape_the_json_contract_has():
    c = measured.plain(replace(conditioning_evidence(CONTROL), file="cpu.json"))
    assert list(c) == ["source", "where", "scale", "gan", "diffusion", "file"]
    assert c["scale"] == {"resolution": 16, "params": conditioning_evidence(CONTROL).scale.params, "own_data": False}
    assert set(c["diffusion"]) - set(c["gan"]) == {"guidance_scale", "accuracy_by_guidance", "fid_by_guidance",
                                                   "guidance_raises_accuracy", "unguided_accuracy",
                                                   "guidance_cost_ratio"}
    assert list(c["gan"]["worst_class"]) == ["class", "accuracy", "classifier_on_real"]
    # a family the file did not measure, and a file not yet named, are left out rather than null
    no_gan = {**CONTROL["conditioning"], "rows": [r for r in CONTROL["conditioning"]["rows"]
                                                  if r["architecture"] != "gan"]}
    assert list(measured.plain(conditioning_evidence({"conditioning": no_gan}))) == ["source", "where", "scale",
                                                                                    "diffusion"]
    s = measured.plain(steering_evidence(CONTROL))
    assert s["diffusion"]["vs_mean_fill"] == _rows("steering", "method")["repaint"]["vs_mean_fill"]
    assert s["baseline"]["vs_mean_fill"] is None and "file" not in s
    json.dumps(measured.plain(_evidence()), allow_nan=False)
