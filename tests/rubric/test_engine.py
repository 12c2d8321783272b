"""The engine on literal cases with hand-computed answers."""
from __future__ import annotations

import math

import pytest

from rubric import engine, estimates, knowledge, latency_model, robustness, utilities
from rubric.answers import validate

KB = knowledge.load()


def test_weighted_scores_on_a_literal_matrix():
    # 2 families × 3 criteria; weights 1, 2, 1 (sum 4).
    u = {"a": {"x": 1.0, "y": 0.5, "z": 0.0}, "b": {"x": 0.0, "y": 1.0, "z": 1.0}}
    w = {"x": 1.0, "y": 2.0, "z": 1.0}
    scores = engine.weighted_scores(u, w)
    assert scores["a"] == pytest.approx((1 + 1 + 0) / 4)
    assert scores["b"] == pytest.approx((0 + 2 + 1) / 4)


def test_curve_values_documented_in_the_rubric():
    params = KB.curves["within_limit"]
    # 1 − 0.4 × ln(1 + e^(3 z)) / 3 with z = log2(r) + 1, computed by hand:
    assert utilities.curve(1.0, params) == pytest.approx(1 - 0.4 * math.log1p(math.e ** 3) / 3)
    assert utilities.curve(1.0, params) == pytest.approx(0.594, abs=1e-3)
    assert utilities.curve(0.25, params) == pytest.approx(0.994, abs=1e-3)
    assert utilities.curve(4.0, params) == pytest.approx(1 - 0.4 * 3.0, abs=1e-3)
    # Monotone decreasing, and concave in log ratio (second differences ≤ 0).
    values = [utilities.curve(2 ** (k / 4), params) for k in range(-40, 40)]
    assert all(a >= b for a, b in zip(values, values[1:]))
    assert all(values[i - 1] - 2 * values[i] + values[i + 1] <= 1e-12 for i in range(1, len(values) - 1))


def test_weight_rules(defaults):
    answers = validate({**defaults, "binding_constraint": "latency", "latency_budget_ms": 500,
                        "fidelity_priority": "high", "conditioning": ["none"]})
    w = engine.derive_weights(answers, KB.criteria)
    assert w["latency"] == pytest.approx(1.0 * 3.0 * 1.5)
    assert w["fidelity"] == pytest.approx(2.0)
    assert w["conditioning"] == pytest.approx(0.3)
    no_limit = engine.derive_weights(validate({**defaults, "latency_budget_ms": None}), KB.criteria)
    assert no_limit["latency"] == pytest.approx(0.3)


def test_flops_scaling_reproduces_the_computed_vae_decoder_at_1024():
    vae = KB.architectures["sd_vae_decoder"]
    # probes.measure.architecture_flops counted 10.47 TFLOP at 1024² (2.5145 TFLOP at 512²).
    assert estimates.architecture_flops(vae, 1024) == pytest.approx(10.47e12, rel=0.01)
    assert estimates.architecture_flops(vae, 512) == pytest.approx(vae.flops_per_forward)


def test_latency_estimate_by_hand(defaults):
    # GAN at 256² on a T4, class-conditional: StyleGAN2-ADA, one evaluation, eager fp16.
    answers = validate({**defaults, "serving_hardware": "t4", "resolution": 256, "conditioning": ["class"]})
    est = engine.decide(answers, KB).estimates["gan"]
    assert est.variant.id == "stylegan2_ada" and est.nfe == 1 and not est.cfg
    cal = latency_model.load_calibration()
    arch = KB.architectures["stylegan2_generator"]

    def call_s(batch):
        flops = batch * 288e9 / 16                         # 144 GMAC ×2 at 1024², scaled by (256/1024)²
        activations = batch * arch.activation_bytes_per_forward / 16
        device = (flops + arch.kernels_per_forward * cal.tail_flop_per_kernel) / (65e12 * cal.compute_efficiency)
        device += (activations + 30e6 * 2) / (320e9 * cal.bandwidth_efficiency)   # fp16 weights read once
        device += activations * cal.vector_flop_per_byte / 8.1e12                  # T4's fp32 rate
        launch = arch.kernels_per_forward * cal.stacks["eager"].launch_s_per_kernel
        return (device ** 4 + launch ** 4) ** 0.25         # host launches overlap device time

    assert est.latency_ms_per_sample == pytest.approx(call_s(1) * 1e3, rel=1e-9)
    # USD per 1,000 at batch 8, 2 USD/h default price.
    assert est.usd_per_1k_samples == pytest.approx(call_s(8) / 8 / 3600 * 2.0 * 1000, rel=1e-9)


def test_cfg_doubles_denoiser_flops(defaults):
    text = engine.decide(validate({**defaults, "conditioning": ["text"]}), KB).estimates["diffusion"]
    plain = engine.decide(validate({**defaults, "conditioning": ["none"]}), KB).estimates
    assert text.cfg
    sd15 = KB.architectures["sd15_unet"]
    vae = KB.architectures["sd_vae_decoder"]
    clip = KB.architectures["clip_text_encoder"]
    # The text encoder runs on the prompt and the negative prompt.
    expected = 25 * 2 * sd15.flops_per_forward + vae.flops_per_forward + 2 * clip.flops_per_forward
    assert text.flops_per_sample == pytest.approx(expected)
    assert not plain["diffusion"].cfg


def test_binding_latency_eliminates_with_the_reason(defaults):
    answers = validate({**defaults, "latency_budget_ms": 250, "binding_constraint": "latency"})
    d = engine.decide(answers)
    assert "diffusion" in d.eliminated
    assert "predicted > 250 ms latency limit" in d.eliminated["diffusion"]
    assert d.recommendation != "diffusion" and d.feasible


def test_no_candidate_meets_the_binding_constraint(defaults):
    # No conditioning: every family has plans that serve it, and none can meet 0.01 ms.
    answers = validate({**defaults, "latency_budget_ms": 0.01, "binding_constraint": "latency",
                        "conditioning": ["none"]})
    d = engine.decide(answers)
    assert not d.feasible and set(d.eliminated) == set(KB.families) and not d.infeasible
    assert all(d.status(f) == "eliminated" for f in KB.families)
    # Each family shows its least-bad plan; the one least far over the limit comes closest.
    fastest = min(d.estimates, key=lambda f: d.estimates[f].latency_ms_per_sample)
    assert d.recommendation == fastest == d.ranking[0] and d.runner_up == d.ranking[1]
    note = next(n for n in d.notes if n.startswith("no candidate"))
    assert note.startswith(f"no candidate survives the binding constraint (latency) and feasibility; {fastest} "
                           f"comes closest: {d.eliminated[fastest]}")
    assert "predicted > 0.01 ms latency limit" in d.eliminated[fastest]


def test_non_binding_limit_is_soft(defaults):
    answers = validate({**defaults, "latency_budget_ms": 250, "binding_constraint": "none"})
    d = engine.decide(answers)
    # No plan is gated on the limit; only infeasibility (which holds whatever binds) takes a family out.
    assert all(r.eliminated is None for results in d.alternatives.values() for r in results)
    assert set(d.eliminated) == set(d.infeasible)
    assert "diffusion" not in d.eliminated
    assert d.assessments["diffusion"]["latency"].violation > 0
    # ... but it is said: the family stands "over limit", with the odds of meeting it.
    p = d.estimates["diffusion"].p_meets["latency"]
    assert p < 0.9 and d.status("diffusion") == "over limit"
    assert any(f"over the 250 ms latency limit ({p:.0%} likely to meet it)" in w for w in d.warnings["diffusion"])
    # The same limit, binding, takes diffusion out.
    assert "diffusion" in engine.decide({**answers, "binding_constraint": "latency"}).eliminated


def expected_maintenance(estimate, answers) -> float:
    """criteria.yaml maintenance by hand: off the shelf 0.95; an in-house distillation is a custom
    pipeline, 0.6 or 0.2 by whether the team can maintain one; anything else trained is standard
    (a GAN's by the team's experience, 0.9 otherwise)."""
    if estimate.off_the_shelf:
        return 0.95
    if estimate.in_house_distillation:
        return 0.6 if answers["team_can_maintain_custom_pipeline"] else 0.2
    if estimate.family == "gan":
        return {"none": 0.45, "some": 0.65, "expert": 0.85}[answers["team_gan_experience"]]
    return 0.9


def test_only_an_in_house_distillation_is_a_custom_pipeline(defaults):
    # Replaces "the hybrid must earn its complexity": a hybrid is no longer custom as such. Public
    # students (SD-Turbo, LCM-LoRA, ...) are off the shelf; only a distillation the team runs itself
    # is a custom pipeline, judged by the team alone, whether or not a standard family meets the limits.
    for can in (False, True):
        answers = validate({**defaults, "latency_budget_ms": 2000, "team_can_maintain_custom_pipeline": can})
        d = engine.decide(answers)
        plans = [r for results in d.alternatives.values() for r in results]
        assert {(r.estimate.off_the_shelf, r.estimate.in_house_distillation) for r in plans} >= {
            (True, False), (False, True), (False, False)}  # all three kinds of plan are there
        for r in plans:
            m = r.assessments["maintenance"]
            assert m.utility == pytest.approx(expected_maintenance(r.estimate, answers)), r.estimate.label
            assert m.figures[0].value == ("custom" if r.estimate.in_house_distillation else "standard")
            if r.estimate.in_house_distillation:
                assert ("the team can maintain it" if can else "the team cannot maintain it") in m.text
        hybrid = d.estimates["hybrid"]
        assert d.assessments["hybrid"]["maintenance"].utility == pytest.approx(expected_maintenance(hybrid, answers))
    # An in-house student and an off-the-shelf one differ on maintenance by the team answer alone.
    cannot = engine.decide(validate({**defaults, "team_can_maintain_custom_pipeline": False}))
    can = engine.decide(validate({**defaults, "team_can_maintain_custom_pipeline": True}))
    lcm_cannot, lcm_can = (next(r for r in d.alternatives["hybrid"] if r.estimate.variant.id == "lcm_sd15"
                                and r.estimate.how == "as_is") for d in (cannot, can))
    assert lcm_can.score - lcm_cannot.score == pytest.approx(
        can.weights["maintenance"] * (0.6 - 0.2) / KB.score_scale)


def test_flip_analysis_by_hand():
    # top "a" vs "b": d = (+0.5, −0.2); w = (1, 1). Scaling w_x by m flips at
    # 0.5 m − 0.2 = 0 -> m = 0.4 (a −60% change); scaling w_y flips at 0.5 − 0.2 m = 0 -> m = 2.5.
    u = {"a": {"x": 1.0, "y": 0.3}, "b": {"x": 0.5, "y": 0.5}}
    settings = {"draws": 1000, "seed": 1, "log_weight_sigma": 0.4, "flip_search_max_factor": 4.0}
    r = robustness.analyse(u, {"x": 1.0, "y": 1.0}, "a", settings)
    assert r.flip_weight_change["x"] == pytest.approx(-0.6)
    assert r.flip_weight_change["y"] == pytest.approx(1.5)
    assert r.flip_to == {"x": "b", "y": "b"}
    # Beyond ×4 it reports none.
    r = robustness.analyse(u, {"x": 1.0, "y": 0.1}, "a", settings)
    assert r.flip_weight_change["y"] is None


def test_monte_carlo_share_is_seeded_and_sensible():
    u = {"a": {"x": 1.0, "y": 0.0}, "b": {"x": 0.0, "y": 1.0}}
    settings = {"draws": 4000, "seed": 7, "log_weight_sigma": 0.4, "flip_search_max_factor": 4.0}
    near_tie = robustness.analyse(u, {"x": 1.01, "y": 1.0}, "a", settings)
    clear = robustness.analyse(u, {"x": 3.0, "y": 1.0}, "a", settings)
    assert 0.4 < near_tie.top_choice_share < 0.6
    assert clear.top_choice_share > 0.95
    assert robustness.analyse(u, {"x": 1.01, "y": 1.0}, "a", settings) == near_tie


def test_measured_profile_replaces_the_catalog_assumption(defaults):
    answers = validate({**defaults, "serving_hardware": "h100"})
    measured = {"device_name": "NVIDIA H100 80GB HBM3", "device_kind": "cuda",
                "fixed_overhead_ms_per_forward": 2.0, "effective_flop_per_s": 200e12, "relative_band": 0.1}
    est = engine.decide(answers, KB, {"device_profile": measured}).estimates["gan"]
    assert est.basis == "measured" and "measured on NVIDIA H100" in " ".join(est.assumptions)
    lo, hi = est.latency_interval_ms
    assert lo == pytest.approx(est.latency_ms_per_sample / 1.1) and hi == pytest.approx(est.latency_ms_per_sample * 1.1)
    # Probed on an H100, served on an A100: scaled by the catalog's peak ratio, and said so.
    scaled = estimates.device_model(KB, "a100", measured)
    assert scaled.flop_per_s == pytest.approx(200e12 * 312e12 / 989.4e12)
    assert "scaled" in scaled.note
    # A CPU probe cannot stand in for a GPU: the catalog assumption stays, and the note says why.
    cpu = {**measured, "device_name": "x86_64", "device_kind": "cpu"}
    kept = estimates.device_model(KB, "a100", cpu)
    assert kept.basis == "catalog" and "cannot be scaled" in kept.note
    assert estimates.match_device("NVIDIA A100-SXM4-40GB", "cuda", KB) == "a100-40gb"
    assert estimates.match_device("NVIDIA H100 PCIe", "cuda", KB) == "h100-pcie"


def test_a_measured_batch_runs_further_samples_at_the_batch_rate():
    """The probe's law: one call of B samples costs the overhead, one sample's FLOPs at the batch-1
    rate and B - 1 more at the large-batch rate; a profile without that rate keeps the batch-1 one."""
    measured = {"device_name": "NVIDIA H100 80GB HBM3", "device_kind": "cuda", "relative_band": 0.1,
                "fixed_overhead_ms_per_forward": 2.0, "effective_flop_per_s": 100e12,
                "throughput_flop_per_s": 400e12}
    arch = next(a for a in KB.architectures.values() if a.flops_per_forward)
    flops = estimates.architecture_flops(arch, 512)
    dm = estimates.device_model(KB, "h100", measured)
    assert estimates._call_ms(arch, 512, 8, dm, KB) == pytest.approx(2.0 + 1e3 * (flops / 100e12 + 7 * flops / 400e12))
    old = estimates.device_model(KB, "h100", {k: v for k, v in measured.items() if k != "throughput_flop_per_s"})
    assert estimates._call_ms(arch, 512, 8, old, KB) == pytest.approx(2.0 + 1e3 * 8 * flops / 100e12)
    assert estimates.training_rate(arch, 512, KB.devices["h100"], KB, dm) == 400e12


def test_device_matching():
    assert estimates.match_device("NVIDIA H100 80GB HBM3", "cuda", KB) == "h100"
    assert estimates.match_device("NVIDIA L4", "cuda", KB) == "l4"
    assert estimates.match_device("NVIDIA L40S", "cuda", KB) == "l40s"
    assert estimates.match_device("NVIDIA L40", "cuda", KB) == "l40"
    assert estimates.match_device("Some New GPU", "cuda", KB) is None
    assert estimates.match_device("AMD EPYC", "cpu", KB) == "cpu"
