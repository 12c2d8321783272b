"""Reference models build at every size, have the right shapes, and span >= 100x in FLOPs."""
from __future__ import annotations

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from probes.models.ref_diffusion import DIFFUSION_SIZES, DenoiserConfig, build_denoiser
from probes.models.ref_gan import (GAN_SIZES, Discriminator, GANConfig, Generator, d_hinge_loss,
                            g_hinge_loss)
from probes.models.sampling import SCHEDULERS, count_forwards, make_scheduler, sample


def flops_on_meta(build, make_input):
    with torch.device("meta"):
        model = build()
        x = make_input()
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        model(*x)
    return counter.get_total_flops()


def gan_flops(config):
    return flops_on_meta(lambda: Generator(config), lambda: (torch.randn(1, config.z_dim),))


def diffusion_flops(config):
    r = config.resolution
    return flops_on_meta(lambda: build_denoiser(config),
                         lambda: (torch.randn(1, 3, r, r), torch.tensor([10])))


@pytest.mark.parametrize("flops,sizes", [(gan_flops, GAN_SIZES), (diffusion_flops, DIFFUSION_SIZES)])
def test_sizes_span_a_wide_range_of_flops_and_grow(flops, sizes):
    counts = [flops(c) for c in sizes.values()]
    assert counts == sorted(counts) and len(set(counts)) == len(counts)
    assert counts[-1] / counts[0] >= 50


def test_quick_profile_sizes_span_a_wide_range_of_flops():
    from probes.config import resolve_config

    for kind in ("cpu", "cuda"):
        s = resolve_config("quick", ("inference",), kind, ("fp32",)).inference
        g = [gan_flops(GAN_SIZES[k]) for k in s.gan_sizes]
        d = [diffusion_flops(DIFFUSION_SIZES[k]) for k in s.diffusion_sizes]
        # generators keep to real widths (24-384 channels, capped at DCGAN's 512): 74x
        assert max(g) / min(g) >= 50 and max(d) / min(d) >= 100


@pytest.mark.parametrize("resolution,width", [(8, 4), (16, 8), (32, 16)])
def test_gan_shapes(resolution, width):
    config = GANConfig(resolution=resolution, base_width=width, z_dim=16)
    g, d = Generator(config).eval(), Discriminator(config)
    images = g.sample(3)
    assert images.shape == (3, 3, resolution, resolution)
    assert images.abs().max() <= 1.0  # tanh output
    assert d(images).shape == (3,)


def test_discriminator_is_spectrally_normalised():
    d = Discriminator(GANConfig(resolution=16, base_width=8))
    assert all(hasattr(m, "parametrizations") for m in d.modules()
               if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)))


def test_hinge_losses_on_literal_logits():
    real, fake = torch.tensor([2.0, 0.5]), torch.tensor([-2.0, 0.0])
    assert d_hinge_loss(real, fake).item() == pytest.approx(0.25 + 0.5)  # mean(0, .5) + mean(0, 1)
    assert g_hinge_loss(fake).item() == pytest.approx(1.0)


@pytest.mark.parametrize("bad", [dict(resolution=24), dict(resolution=4), dict(base_width=0)])
def test_bad_gan_config_is_refused(bad):
    with pytest.raises(ValueError):
        GANConfig(**bad)


def test_bad_denoiser_config_is_refused():
    with pytest.raises(ValueError):
        DenoiserConfig(resolution=20, channel_mults=(1, 2, 2, 2))
    with pytest.raises(ValueError):
        DenoiserConfig(base_width=12)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
@pytest.mark.parametrize("nfe", [1, 2, 4, 10])
def test_nfe_is_the_number_of_forwards(scheduler, nfe):
    assert count_forwards(make_scheduler(scheduler), nfe, (1, 3, 8, 8)) == nfe


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_sampling_a_tiny_denoiser(scheduler):
    unet = build_denoiser(DIFFUSION_SIZES["xs"]).eval()
    x = sample(lambda x, t: unet(x, t).sample, make_scheduler(scheduler), 2, (2, 3, 16, 16),
               generator=torch.Generator().manual_seed(0))
    assert x.shape == (2, 3, 16, 16) and torch.isfinite(x).all()


def test_dpm_solver_samples_stay_in_the_data_range_however_poor_the_denoiser():
    """An untrained denoiser is the worst case of a short-trained one: its noise predictions are
    arbitrary, and DPM-Solver++ without thresholding carries them into samples far outside
    [−1, 1] (what the training probe's FID measured before thresholding)."""
    from diffusers import DPMSolverMultistepScheduler

    torch.manual_seed(0)
    unet = build_denoiser(DIFFUSION_SIZES["xs"]).eval()
    denoiser = lambda x, t: unet(x, t).sample  # noqa: E731
    args = (denoiser, make_scheduler("dpmsolver++"), 10, (8, 3, 16, 16))
    x = sample(*args, generator=torch.Generator().manual_seed(0))
    assert x.abs().max() <= 1.0 + 1e-4
    plain = DPMSolverMultistepScheduler.from_config(make_scheduler("dpmsolver++").config, thresholding=False)
    unthresholded = sample(denoiser, plain, 10, (8, 3, 16, 16), generator=torch.Generator().manual_seed(0))
    assert unthresholded.abs().max() > 1.5  # the planted failure the thresholding removes


def test_ddpm_cifar_config_matches_published_parameter_count():
    config = DenoiserConfig(resolution=32, base_width=128, norm_groups=32)
    with torch.device("meta"):
        params = sum(p.numel() for p in build_denoiser(config).parameters())
    assert abs(params - 35.7e6) / 35.7e6 < 0.01  # google/ddpm-cifar10-32


def test_timing_references_take_dcgans_layout():
    """The GAN sizes the inference probe times are DCGAN's generator (pytorch/examples dcgan):
    transposed convolutions from a 4x4 seed, the last one writing RGB at full resolution, no
    stage wider than 512 channels."""
    g = Generator(GANConfig(resolution=64, base_width=64, z_dim=100, rgb_layer="deconv", max_width=512))
    convs = [m for m in g.modules() if isinstance(m, (torch.nn.ConvTranspose2d, torch.nn.Conv2d))]
    assert [type(m).__name__ for m in convs] == ["ConvTranspose2d"] * 5
    assert [(m.in_channels, m.out_channels) for m in convs] == [(100, 512), (512, 256), (256, 128), (128, 64), (64, 3)]
    assert g(torch.randn(2, 100)).shape == (2, 3, 64, 64)
    for config in GAN_SIZES.values():
        assert config.rgb_layer == "deconv" and max(config.widths()) <= 512
    with pytest.raises(ValueError):
        GANConfig(rgb_layer="pixelshuffle")
