"""The steering probe: inpainting keeps the known region, fills the hole, and is measured per method."""
from __future__ import annotations


import pytest
import torch

from tests.probes.conftest import run_probe_in_memory

pytest.importorskip("torch_fidelity")

from probes.summaries.control_summary import steering_evidence  # noqa: E402
from probes.models.ref_diffusion import DenoiserConfig, build_denoiser  # noqa: E402
from probes.models.ref_gan import GANConfig, Generator  # noqa: E402
from probes.control_settings import MASKS, SteeringSettings  # noqa: E402
from probes.steering import gan_latent_inpaint, known_mask, paired_with_floor, repaint, run_steering  # noqa: E402

# The same reference-model settings as test_hybrid's, so one pytest process trains them once.
TINY = SteeringSettings(resolution=16, gan_steps=100, diffusion_steps=100, images=80, nfe=10, jump_length=5,
                        jump_n_sample=2, gan_optimisation_steps=30, extractor_epochs=2)


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    return run_probe_in_memory(run_steering, "steering", TINY, tmp_path_factory.mktemp("steer"))


@pytest.fixture(scope="module")
def untrained_unet():
    torch.manual_seed(0)
    cfg = DenoiserConfig(resolution=8, base_width=8, channel_mults=(1, 2), layers_per_block=1, channels=1, norm_groups=8)
    return build_denoiser(cfg).eval().requires_grad_(False)


def digits(n=6):
    gen = torch.Generator().manual_seed(1)
    return torch.rand(n, 1, 8, 8, generator=gen) * 2 - 1


@pytest.mark.parametrize("kind", MASKS)
def test_repaint_keeps_the_known_region_exactly(untrained_unet, kind):
    truth = digits()
    mask = known_mask(kind, 8)
    completed, forwards = repaint(untrained_unet, truth * mask, mask, nfe=10, jump_length=5, jump_n_sample=2)
    assert (completed - truth)[mask.expand_as(truth).bool()].abs().max() <= 1e-6
    hole = ~mask.expand_as(truth).bool()
    assert (completed - truth)[hole].abs().mean() > 0.05  # generated, not copied from the truth
    assert forwards > 10  # resampling adds forwards; replacement alone makes exactly nfe
    assert repaint(untrained_unet, truth * mask, mask, 10, 5, 1)[1] == 10


def test_known_region_check_fails_when_the_mask_is_inverted(untrained_unet):
    """Planted: pass the hole as the known region and the true known pixels are not kept."""
    truth, mask = digits(), known_mask("bottom_half", 8)
    completed, _ = repaint(untrained_unet, truth * (1 - mask), 1 - mask, 10, 5, 1)
    assert (completed - truth)[mask.expand_as(truth).bool()].abs().max() > 0.1


def test_completion_does_not_read_the_hole(untrained_unet):
    truth, mask = digits(), known_mask("centre_square", 8)
    other = truth.clone()
    other[..., 2:6, 2:6] = -truth[..., 2:6, 2:6]  # different hole, same known pixels
    a, _ = repaint(untrained_unet, truth, mask, 10, 5, 2, seed=3)
    b, _ = repaint(untrained_unet, other, mask, 10, 5, 2, seed=3)
    assert torch.allclose(a, b, atol=1e-5)


def test_gan_latent_optimisation_fits_the_known_pixels():
    torch.manual_seed(0)
    g = Generator(GANConfig(resolution=8, base_width=8, z_dim=16, channels=1)).eval().requires_grad_(False)
    mask = known_mask("right_half", 8)
    with torch.no_grad():
        truth = g(torch.randn(8, 16))  # reachable targets: a perfect fit exists
    _, fit_before = gan_latent_inpaint(g, truth * mask, mask, steps=0, lr=0.05)
    completed, fit_after = gan_latent_inpaint(g, truth * mask, mask, steps=60, lr=0.05)
    assert fit_after < 0.5 * fit_before
    assert torch.equal(completed[mask.expand_as(truth).bool()], truth[mask.expand_as(truth).bool()])


def test_probe_measures_every_method_and_keeps_the_known_region(measured):
    section = measured["steering"]
    assert section["complete"] and section["images"] == 80 and section["mask"]["hidden_fraction"] == 0.5
    rows = {r["method"]: r for r in section["rows"]}
    assert set(rows) == {"mean_fill", "repaint", "replace", "latent_optimisation"}
    for row in rows.values():
        assert row["known_max_abs_error"] <= 1e-6
        assert row["hole_mse"] > 0 and 0 <= row["label_agreement"] <= 1
        assert row["quality_vs_train"]["fid"] >= 0
    for method in ("repaint", "replace", "latent_optimisation"):
        assert rows[method]["latency_ms_per_sample"] > 0
    assert rows["repaint"]["forwards_per_sample"] > rows["replace"]["forwards_per_sample"] == TINY.nfe
    assert rows["latent_optimisation"]["forwards_per_sample"] == TINY.gan_optimisation_steps + 1
    evidence = steering_evidence(measured)
    assert evidence.diffusion.method == "repaint" and evidence.gan.method == "latent_optimisation"


def test_the_uncut_truth_is_scored_against_the_train_split_as_the_completions_are(measured):
    section = measured["steering"]
    truth = section["truth_quality_vs_train"]
    floor = next(r for r in section["rows"] if r["method"] == "mean_fill")
    # real images score below a blurry mean-filled half; both against the same train split
    assert truth["samples"] == 80 and 0 < truth["fid"] < floor["quality_vs_train"]["fid"]


def test_each_method_is_compared_with_the_mean_fill_image_by_image(measured):
    rows = {r["method"]: r for r in measured["steering"]["rows"]}
    floor = rows["mean_fill"]
    assert "vs_mean_fill" not in floor
    for method in ("repaint", "replace", "latent_optimisation"):
        paired, row = rows[method]["vs_mean_fill"], rows[method]
        assert paired["images"] == 80
        # the per-image comparison adds up to the difference of the two aggregates
        assert (paired["right_class_gained"] - paired["right_class_lost"]) / 80 == pytest.approx(
            row["label_agreement"] - floor["label_agreement"], abs=1e-6)
        assert paired["hole_mse_difference_mean"] == pytest.approx(row["hole_mse"] - floor["hole_mse"], rel=1e-4)
        assert paired["hole_mse_difference_sd"] >= 0


def test_paired_comparison_counts_images_right_with_only_one_of_the_two():
    method = (torch.tensor([0.1, 0.2, 0.3, 0.4]), torch.tensor([True, True, False, False]))
    floor = (torch.tensor([0.2, 0.2, 0.2, 0.2]), torch.tensor([False, True, True, False]))
    paired = paired_with_floor(method, floor)
    assert paired["right_class_gained"] == 1 and paired["right_class_lost"] == 1 and paired["images"] == 4
    assert paired["hole_mse_difference_mean"] == pytest.approx(0.05)
    assert paired["hole_mse_difference_sd"] == pytest.approx(torch.tensor([-0.1, 0.0, 0.1, 0.2]).std().item())
    unlabelled = paired_with_floor((method[0], None), (floor[0], None))
    assert "right_class_gained" not in unlabelled and unlabelled["images"] == 4


def test_unknown_mask_is_refused():
    with pytest.raises(ValueError, match="mask"):
        SteeringSettings(mask="left_eye")
