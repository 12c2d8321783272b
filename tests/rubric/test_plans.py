"""Plans: public checkpoints as they are or fine-tuned, training from scratch, in-house
distillation; licences, serving modes, training GPUs and feasibility."""
from __future__ import annotations

import math

import pytest

from rubric import answers as answers_mod
from rubric import contract, engine, estimates, knowledge

from tests.conftest import EXAMPLES

KB = knowledge.load()


def decide(**raw):
    return engine.decide(answers_mod.validate(raw), KB)


def test_no_data_and_no_training_budget_is_a_plan_with_public_weights():
    d = engine.decide(answers_mod.load_file(EXAMPLES / "free-tier-off-the-shelf.yaml"), KB)
    top = d.estimates[d.recommendation]
    assert d.feasible and top.off_the_shelf and top.how == "as_is"
    assert top.training_gpu_hours == 0 and top.licence
    # Every plan that would train is out: the GAN has no public text-to-image weights.
    assert d.status("gan") == "infeasible"


def test_super_resolution_serves_a_gan_restoration_net_as_it_is():
    d = engine.decide(answers_mod.load_file(EXAMPLES / "super-resolution.yaml"), KB)
    top = d.estimates["gan"]
    assert d.recommendation == "gan" and top.variant.id == "real_esrgan" and top.how == "as_is"
    # Generation-only variants are not candidates for image-to-image work.
    for family in d.alternatives.values():
        assert all("image_to_image" in r.estimate.variant.tasks for r in family)


def test_latent_editing_picks_a_variant_that_can_edit():
    d = engine.decide(answers_mod.load_file(EXAMPLES / "latent-editing-gan.yaml"), KB)
    assert d.estimates["gan"].variant.id == "stylegan2_ada"
    assert "editing" in d.estimates["gan"].variant.supports


def test_non_commercial_checkpoints_are_skipped_for_commercial_use_and_said():
    base = dict(conditioning=["class"], resolution=256, dataset_images=50_000)
    commercial = decide(**base, commercial_use=True)
    internal = decide(**base, commercial_use=False)
    used = {r.estimate.variant.id for rs in commercial.alternatives.values() for r in rs if r.estimate.how != "from_scratch"}
    assert "latent_dit" not in used and "stylegan2_ada" not in used
    assert any("licences forbid commercial use" in n and "DiT" in n for n in commercial.notes)
    internal_used = {r.estimate.variant.id for rs in internal.alternatives.values() for r in rs if r.estimate.how != "from_scratch"}
    assert {"latent_dit", "stylegan2_ada"} <= internal_used
    assert not any("licences forbid" in n for n in internal.notes)


def test_on_demand_bills_only_the_gpu_seconds_dedicated_whole_devices():
    raw = dict(resolution=256, conditioning=["class"], samples_per_month=100_000, gpu_hourly_usd=2.0,
               pretrained_allowed=False, latency_budget_ms=None)
    on_demand, dedicated = decide(**raw, serving_mode="on_demand"), decide(**raw, serving_mode="dedicated")
    for family in KB.families:
        od, dd = on_demand.estimates[family], dedicated.estimates[family]
        if od.variant.id != dd.variant.id:
            continue
        # The same device time: on demand it is the bill, dedicated it rounds up to whole months.
        assert od.monthly_usd == pytest.approx(od.usd_per_1k_samples * 100)
        month = 730 * 2.0
        assert dd.monthly_usd >= month and dd.monthly_usd / month == pytest.approx(round(dd.monthly_usd / month))
        assert od.monthly_usd < dd.monthly_usd


def test_weeks_spread_the_gpu_hours_over_the_training_gpus():
    raw = dict(resolution=1024, conditioning=["text"], dataset_images=10**8, pretrained_allowed=False)
    few, many = decide(**raw, training_gpus=8), decide(**raw, training_gpus=1024)
    e8, e1024 = few.estimates["diffusion"], many.estimates["diffusion"]
    assert e8.training_gpu_hours == pytest.approx(e1024.training_gpu_hours)
    hours = e8.training_gpu_hours
    assert e8.weeks_to_production == pytest.approx(e8.engineering_weeks + hours / 8 / 168)
    assert e1024.weeks_to_production == pytest.approx(e1024.engineering_weeks + hours / 1024 / 168)


def test_training_an_order_of_magnitude_over_the_budget_is_infeasible_and_over_it_is_said():
    raw = dict(resolution=256, conditioning=["class"], dataset_images=100_000, pretrained_allowed=False,
               binding_constraint="none", team_gan_experience="expert")
    gan = decide(**raw).estimates["gan"]
    hours = gan.training_gpu_hours
    over = decide(**raw, training_budget_gpu_hours=hours / 1.6)
    assert over.status("gan") == "over limit" and any("over the" in w for w in over.warnings["gan"])
    assert any(n.startswith("over a limit: gan") for n in over.notes)
    far = decide(**raw, training_budget_gpu_hours=hours / 100)
    assert far.status("gan") == "infeasible" and "over" in far.infeasible["gan"]


def test_a_family_that_must_train_on_images_it_does_not_have_is_infeasible():
    d = decide(conditioning=["none"], dataset_images=0, pretrained_allowed=False)
    assert not d.feasible
    assert set(d.infeasible) == set(KB.families)
    assert all("has none" in why for why in d.infeasible.values())


def test_a_fine_tune_costs_gpu_hours_in_proportion_to_the_images_used():
    plan = next(p for p in estimates.family_plans(KB.families["diffusion"], answers_mod.validate({}), KB)
                if p.variant.id == "sd15" and p.how == "fine_tune")
    dm = estimates.device_model(KB, "a100")
    e = estimates.estimate(plan, KB.families["diffusion"], answers_mod.validate({}), KB, dm)
    assert e.at_images(2000).training_gpu_hours == pytest.approx(2 * e.at_images(1000).training_gpu_hours)
    # ... but never more than training the same network from scratch.
    assert e.at_images(10**9).training_gpu_hours == pytest.approx(e.training_hours_cap)


def test_the_recommendation_is_explained_against_the_runner_up():
    d = engine.decide(answers_mod.load_file(EXAMPLES / "budget-bound.yaml"), KB)
    assert d.runner_up == d.ranking[1]
    reasons = contract.separating_reasons(d)
    for reason in reasons:
        top, second = d.assessments[d.recommendation][reason.criterion], d.assessments[d.runner_up][reason.criterion]
        expected = d.weights[reason.criterion] * (top.utility - second.utility) / KB.score_scale
        assert reason.contribution == pytest.approx(expected) and reason.contribution > 0
    assert [r.contribution for r in reasons] == sorted((r.contribution for r in reasons), reverse=True)


def test_the_label_and_the_assumptions_agree_on_guidance_and_control():
    d = decide(conditioning=["none"], resolution=512)
    for e in d.estimates.values():
        assert ("classifier-free guidance" in e.label) == e.cfg
        assert ("no classifier-free guidance" in " ".join(e.assumptions)) == (not e.cfg)
    spatial = decide(conditioning=["spatial"], resolution=1024, pretrained_allowed=True, commercial_use=False)
    for rs in spatial.alternatives.values():
        for r in rs:
            v = r.estimate.variant
            if v.adapter_for_spatial:  # every base model with a ControlNet pays for it
                adapter = KB.architectures[v.adapter_for_spatial]
                assert "+ ControlNet" in r.estimate.label
                stages = estimates.variant_stages(v, answers_mod.validate({"conditioning": ["spatial"], "resolution": 1024}), r.estimate.nfe)
                assert any(s.architecture == adapter.id for s in stages)


def test_json_names_each_estimates_variant_licence_and_whether_off_the_shelf():
    answers = answers_mod.load_file(EXAMPLES / "free-tier-off-the-shelf.yaml")
    out = contract.to_dict(engine.decide(answers, KB), answers, KB)
    for family, e in out["estimates"].items():
        assert {"variant", "licence", "off_the_shelf", "plan", "images_used"} <= set(e)
    top = out["estimates"][out["recommendation"]]
    assert top["off_the_shelf"] is True and isinstance(top["licence"], str)
    assert out["runner_up"] == out["ranking"][1]["architecture"]
    assert all(math.isfinite(r["score"]) for r in out["ranking"])


def test_a_soft_limit_met_on_the_estimate_but_unlikely_is_at_risk_and_past_it_over_limit():
    raw = dict(resolution=256, conditioning=["class"], dataset_images=100_000, pretrained_allowed=False,
               binding_constraint="none", team_gan_experience="expert")
    hours = decide(**raw).estimates["gan"].training_gpu_hours
    within = decide(**raw, training_budget_gpu_hours=hours * 1.2)  # met on the point, ~73% likely
    p = within.estimates["gan"].p_meets["training_budget"]
    assert 0.1 < p < 0.9 and within.status("gan") == "at risk"
    assert any(n.startswith("at risk: gan") and "within the" in n for n in within.notes)
    past = decide(**raw, training_budget_gpu_hours=hours / 1.2)
    assert past.status("gan") == "over limit"


def test_sdxl_class_checkpoints_are_not_served_far_below_their_native_side():
    low = decide(conditioning=["text"], resolution=512)
    high = decide(conditioning=["text"], resolution=1024)
    used = lambda d: {r.estimate.variant.id for rs in d.alternatives.values() for r in rs}  # noqa: E731
    sdxl_based = {v.id for v in KB.variants.values() if v.min_resolution >= 768}
    assert sdxl_based and not (used(low) & sdxl_based)
    assert sdxl_based & used(high)
