"""`genarch recommend --probe-results`: the measured cost model replaces the catalog assumption."""
from __future__ import annotations

import json
import re

import pytest

from app.cli import main
from probes.summaries.cost_fit import fit_cost_model
from probes.results import new_results, write_probe_results

from tests.conftest import EXAMPLES


def _results(tmp_path, device_name, device_kind, rate_flop_per_s, overhead_ms, complete=True):
    """A results file whose rows follow time = overhead + FLOPs / rate exactly."""
    rows = []
    for flops in (1e9, 1e10, 1e11, 1e12):
        ms = overhead_ms + 1000 * flops / rate_flop_per_s
        rows.append({"architecture": "diffusion", "model_size": f"s{flops:g}", "nfe": 1, "batch": 1,
                     "dtype": "bf16", "latency_ms_per_sample": ms, "throughput_samples_per_s": 1000 / ms,
                     "peak_memory_mib": 1.0, "flops_per_forward": flops, "cv": 0.01})
    env = {"device_kind": device_kind, "device_name": device_name, "driver": None, "torch_version": "x",
           "cpu": "x", "dtypes": ["bf16"], "seed": 0, "genarch_version": "0"}
    results = new_results(env, {"profile": "test"})
    results["inference"] = rows
    results["cost_model"] = fit_cost_model(rows, device_name, device_kind)
    results["complete"] = complete
    path = tmp_path / "probe-results.json"
    write_probe_results(path, results)
    return path


def _recommend(capsys, *argv):
    assert main(["recommend", *argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_measured_on_the_serving_device_is_used(tmp_path, capsys):
    example = str(EXAMPLES / "hybrid-text-realtime.yaml")  # served on a100
    catalog = _recommend(capsys, example)
    # A slow A100 (10 TFLOP/s effective) makes every estimate slower than the catalog's.
    path = _results(tmp_path, "NVIDIA A100-SXM4-80GB", "cuda", 10e12, 1.0)
    measured = _recommend(capsys, example, "--probe-results", str(path))
    for family in ("gan", "diffusion", "hybrid"):
        assert measured["estimates"][family]["basis"] == "measured"
        lo, hi = measured["estimates"][family]["latency_interval_ms"]
        assert lo <= measured["estimates"][family]["latency_ms_per_sample"] <= hi
    diffusion = measured["estimates"]["diffusion"]["latency_ms_per_sample"]
    assert diffusion > 3 * catalog["estimates"]["diffusion"]["latency_ms_per_sample"]
    assert any("measured on NVIDIA A100" in a for a in measured["estimates"]["diffusion"]["assumptions"])


def test_other_gpu_is_scaled_by_peak_ratio_and_said_so(tmp_path, capsys):
    path = _results(tmp_path, "NVIDIA H100 80GB HBM3", "cuda", 400e12, 1.0)
    result = _recommend(capsys, str(EXAMPLES / "hybrid-text-realtime.yaml"), "--probe-results", str(path))
    assumptions = " ".join(result["estimates"]["diffusion"]["assumptions"])
    assert "scaled" in assumptions and "peak ratio" in assumptions


def test_partial_results_are_used_with_a_note(tmp_path, capsys):
    path = _results(tmp_path, "NVIDIA A100-SXM4-80GB", "cuda", 100e12, 1.0, complete=False)
    result = _recommend(capsys, str(EXAMPLES / "latency-bound.yaml"), "--probe-results", str(path))
    assert any("partial" in note for note in result["notes"])


@pytest.mark.parametrize("content, needle", [
    (None, "no such file"),
    ("{not json", "not valid JSON"),
    ('{"schema_version": 99}', "newer than this genarch reads"),
])
def test_bad_probe_results_exit_2(tmp_path, capsys, content, needle):
    path = tmp_path / "p.json"
    if content is not None:
        path.write_text(content)
    assert main(["recommend", "--probe-results", str(path)]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def _with_training(path, gan_divergence, gan_covered):
    results = json.loads(path.read_text())
    stability = lambda rate, covered: {"runs": 6, "diverged_runs": int(rate * 6), "divergence_rate": rate,  # noqa: E731
                                       "seed_spread": {}, "relative_spread_full_data": 0.1,
                                       "oscillation_mean": None, "classes_covered_mean": covered,
                                       "classes": 10, "kl_mean": 0.1}
    results["training"] = {"data": {"name": "digits"}, "runs": [],
                           "stability": {"gan": stability(gan_divergence, gan_covered),
                                         "diffusion": stability(0.0, 10.0)}}
    fit = {"sizes_measured": [100, 1000]}
    results["data_needs"] = {"target_fid": 1.0, "feature_extractor": "genarch-domain", "families": {
        "gan": {"fit": fit, "images_needed": {"images": 500.0, "confidence": "measured-range"}},
        "diffusion": {"fit": fit, "images_needed": {"images": 2000.0, "confidence": "measured-range"}}}}
    write_probe_results(path, results)


def test_measured_training_moves_stability_diversity_and_data(tmp_path, capsys):
    example = str(EXAMPLES / "latency-bound.yaml")
    path = _results(tmp_path, "NVIDIA T4", "cuda", 20e12, 1.0)
    plain = _recommend(capsys, example, "--probe-results", str(path))
    _with_training(path, gan_divergence=0.5, gan_covered=4.0)
    bad_gan = _recommend(capsys, example, "--probe-results", str(path))

    def reason(result, family, criterion):
        row = next(r for r in result["ranking"] if r["architecture"] == family)
        return next(r for r in row["reasons"] if r["criterion"] == criterion)

    for criterion in ("training_stability", "diversity"):
        before, after = reason(plain, "gan", criterion), reason(bad_gan, "gan", criterion)
        assert after["utility"] < before["utility"]
        assert "measured" in after["text"]
        assert any("genarch probe (training)" in f["source"] for f in after["figures"])
    data = reason(bad_gan, "diffusion", "data")
    assert "4× the images of the most data-efficient family" in data["text"]
    assert bad_gan["evidence"]["training"]["families"]["gan"]["divergence_rate"] == 0.5
    # A GAN that trains cleanly and covers every class scores at least as well as the prior alone.
    _with_training(path, gan_divergence=0.0, gan_covered=10.0)
    good_gan = _recommend(capsys, example, "--probe-results", str(path))
    assert reason(good_gan, "gan", "training_stability")["utility"] >= reason(plain, "gan", "training_stability")["utility"]


def test_controllability_results_alone_are_evidence(tmp_path, capsys):
    """A file holding only the controllability sections (no cost model): the decision reads them,
    names the file, and keeps the catalog for latency and cost."""
    from tests.rubric.test_control_evidence import conditioning_results, hybrid_results, steering_results

    env = {"device_kind": "cpu", "device_name": "Test CPU", "driver": None, "torch_version": "x",
           "cpu": "x", "dtypes": ["fp32"], "seed": 0, "genarch_version": "0"}
    results = new_results(env, {"profile": "test"})
    for part in (conditioning_results(0.1, {0.0: 0.1, 3.0: 0.8}), steering_results(0.5, 0.9),
                 hybrid_results({1: 2.5})):
        results.update({k: v for k, v in part.items() if k != "environment"})
    results["complete"] = True
    path = tmp_path / "control.json"
    write_probe_results(path, results)
    answers = tmp_path / "answers.yaml"
    # From scratch: the hybrid is then an in-house distillation, which the hybrid probe speaks for.
    answers.write_text("conditioning: [class, editing]\nbinding_constraint: conditioning\nresolution: 64\n"
                       "pretrained_allowed: false\n")
    out = _recommend(capsys, str(answers), "--probe-results", str(path))
    assert out["evidence"]["device_profile"] is None
    assert {out["evidence"][k]["file"] for k in ("conditioning", "steering", "hybrid")} == {str(path)}
    assert all(e["basis"] == "catalog" for e in out["estimates"].values())
    gan = next(r for r in out["ranking"] if r["architecture"] == "gan")
    conditioning = next(r for r in gan["reasons"] if r["criterion"] == "conditioning")
    # Accuracy at chance on the bundled 16-px digits lowers the GAN's class support, by the
    # weight such a small probe earns for a 64² production GAN (well under the full 0.5).
    assert "conditional accuracy 0.10" in conditioning["text"] and "measurement weight" in conditioning["text"]
    assert "bundled data" in conditioning["text"]
    assert any(str(path) in f["source"] for f in conditioning["figures"])
    # Editing asks for an LCM student (the consistency students cannot edit). A 1-step student on
    # 16-px digits earns a small weight for an SD-class UNet, so its catalog 4 steps move only a
    # little toward 1 (4^(1 − w)), and the assumption says which weight it got and why.
    hybrid = out["estimates"]["hybrid"]
    assert hybrid["in_house_distillation"] and hybrid["variant"].startswith("lcm_")
    said = next(a for a in hybrid["assumptions"] if "moved toward the measured 1" in a)
    assert "bundled data" in said
    w = float(re.search(r"evidence weight ([0-9.]+)", said).group(1))
    assert 0 < w < 0.25 and hybrid["nfe"] == round(4 ** (1 - w)) > 2
    assert any("no probe results hold a cost model" in n for n in out["notes"])
