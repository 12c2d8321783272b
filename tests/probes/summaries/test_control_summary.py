"""Evidence from the conditioning, steering and hybrid sections: literal sections, hand-computed answers."""
from __future__ import annotations

import pytest

from probes.summaries.control_summary import conditioning_evidence, hybrid_evidence, steering_evidence
from rubric.measured import WorstClass


def q(fid):
    return {"fid": fid, "kid": fid / 10, "precision": 0.5, "recall": 0.5}


def row(role, nfe, fid, ms):
    arch = {"teacher": "diffusion", "student": "hybrid", "reference": "gan"}[role]
    return {"architecture": arch, "role": role, "nfe": nfe, "latency_ms_per_sample": ms, "quality": q(fid)}


def hybrid_results(student_fids):
    rows = [row("teacher", 1, 30.0, 0.5), row("teacher", 8, 2.0, 4.0), row("reference", 1, 1.0, 0.05)]
    rows += [row("student", nfe, fid, nfe * 0.5) for nfe, fid in student_fids.items()]
    return {"hybrid": {"complete": True, "rows": rows, "device": "cpu", "teacher": {"train_s": 30.0},
                       "distillation": {"teacher_nfe": 8, "train_s": 45.0}}}


def test_fewest_step_student_within_tolerance_is_chosen():
    evidence = hybrid_evidence(hybrid_results({4: 2.2, 2: 2.9, 1: 3.5}))  # 1.5 × 2.0 = 3.0
    assert evidence.student_nfe == 2 and evidence.meets_tolerance is True
    assert evidence.speedup == pytest.approx(4.0 / 1.0) and evidence.quality_ratio == pytest.approx(1.45)
    assert evidence.teacher_fid == 2.0 and evidence.teacher_fid_at_student_nfe is None
    assert evidence.distillation_train_s == 45.0 and evidence.gan_fid == 1.0


def test_without_a_good_enough_student_the_best_is_flagged():
    evidence = hybrid_evidence(hybrid_results({4: 5.0, 2: 4.0, 1: 6.0}))
    assert evidence.student_nfe == 2 and evidence.meets_tolerance is False
    one_step = hybrid_evidence(hybrid_results({1: 2.5}))
    assert one_step.teacher_fid_at_student_nfe == 30.0 and one_step.speedup == pytest.approx(8.0)


def cond_row(arch, scale, acc, ms, forwards):
    return {"architecture": arch, "guidance_scale": scale, "conditional_accuracy": acc, "latency_ms_per_sample": ms,
            "forwards_per_sample": forwards, "diversity_ratio_mean": 0.9, "quality": q(2.0),
            "per_class": [{"class": "0", "accuracy": acc + 0.1}, {"class": "1", "accuracy": acc - 0.1}]}


def test_conditioning_evidence_reads_accuracy_guidance_and_its_cost():
    results = {"conditioning": {"complete": True, "classifier": {"chance_accuracy": 0.1, "held_out_accuracy": 0.9},
                                "rows": [cond_row("gan", None, 0.8, 0.05, 1), cond_row("diffusion", 3.0, 0.85, 9.0, 20),
                                         cond_row("diffusion", 0.0, 0.1, 3.0, 10),
                                         cond_row("diffusion", 1.0, 0.6, 3.0, 10)]}}
    evidence = conditioning_evidence(results)
    assert evidence.gan.accuracy_over_chance == pytest.approx(8.0)
    assert evidence.gan.worst_class == WorstClass("1", pytest.approx(0.7), None)
    diffusion = evidence.diffusion
    assert diffusion.guidance_scale == 3.0 and diffusion.unguided_accuracy == 0.6
    assert diffusion.accuracy_by_guidance == {"0": 0.1, "1": 0.6, "3": 0.85}
    assert diffusion.guidance_raises_accuracy is True and diffusion.guidance_cost_ratio == pytest.approx(3.0)
    results["conditioning"]["rows"][1]["conditional_accuracy"] = 0.5  # planted: guidance now hurts
    assert conditioning_evidence(results).diffusion.guidance_raises_accuracy is False


def test_missing_incomplete_or_skipped_sections_give_none():
    assert conditioning_evidence({}) is None and steering_evidence({}) is None and hybrid_evidence({}) is None
    partial = hybrid_results({1: 2.5})
    partial["hybrid"]["complete"] = False
    assert hybrid_evidence(partial) is None
    assert conditioning_evidence({"conditioning": {"complete": True, "skipped": "no labels"}}) is None


def test_steering_evidence_names_each_route():
    rows = [{"method": m, "hole_mse": mse, "label_agreement": agr, "known_max_abs_error": 0.0,
             "latency_ms_per_sample": ms, "quality_vs_train": {"fid": 1.0}}
            for m, mse, agr, ms in (("mean_fill", 0.2, 0.4, 0.0), ("repaint", 0.3, 0.5, 13.0),
                                    ("replace", 0.31, 0.45, 6.0), ("latent_optimisation", 0.21, 0.66, 12.0))]
    evidence = steering_evidence({"steering": {"complete": True, "rows": rows, "mask": {"kind": "bottom_half"},
                                               "label_agreement_of_truth": 0.85}})
    assert evidence.diffusion.label_agreement == 0.5 and evidence.gan.latency_ms_per_sample == 12.0
    assert evidence.baseline.method == "mean_fill" and evidence.mask == "bottom_half"


def test_the_scale_carries_the_data_and_the_largest_reference_model():
    import json
    from pathlib import Path

    results = json.loads((Path(__file__).parents[2] / "fixtures" / "probe-results-control.json").read_text())
    for name, extract in (("conditioning", conditioning_evidence), ("steering", steering_evidence),
                          ("hybrid", hybrid_evidence)):
        scale = extract(results).scale
        assert scale.own_data is False  # the bundled digits
        assert scale.params > 100_000  # the reference models' parameter count, read from the section
    folder = {**results["conditioning"], "data": {**results["conditioning"]["data"], "name": "folder /x (300 images)"}}
    assert conditioning_evidence({"conditioning": folder}).scale.own_data is True


def test_the_scale_carries_the_side_the_probe_measured_at():
    import json
    from pathlib import Path

    results = json.loads((Path(__file__).parents[2] / "fixtures" / "probe-results-control.json").read_text())
    # probes write the side with the data summary (probes/measure/data.py), not at the section's top level
    assert results["steering"]["data"]["resolution"] == 16 and "resolution" not in results["steering"]
    for extract in (conditioning_evidence, steering_evidence, hybrid_evidence):
        assert extract(results).scale.resolution == 16
