"""Real generator architectures, rebuilt from their published configs, to check the probe's cost
model on networks it never measured (benchmarks/bench_probe_extrapolation.py).

    from real_architectures import REAL_ARCHITECTURES
    arch = REAL_ARCHITECTURES["dcgan-64"]; model = arch.build(); args = arch.inputs(batch=64)

None of these is defined in the project's model files (probes/models/ref_*.py); each is rebuilt here from
its source's own layer list or config, with random weights (time does not depend on them). The
batches are the ones the source uses or a server would: 1 for latency, and a throughput batch.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn


@dataclass(frozen=True)
class RealArchitecture:
    name: str
    family: str  # the cost-model fit it is predicted with: "gan" or "diffusion"
    source: str
    build: Callable[[], nn.Module]
    inputs: Callable[[int], tuple]
    batches: tuple[int, ...]
    # whether the family's reference models (probes/models/ref_*.py) share its layer mix: transposed-
    # convolution generators for "gan", UNet or transformer denoisers for "diffusion"
    in_reference_mix: bool = True


def _dcgan_64() -> nn.Module:
    """pytorch/examples dcgan/main.py Generator: nz=100, ngf=64, 64x64 RGB."""
    nz, ngf = 100, 64
    layers, c_in = [nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False)], ngf * 8
    for c_out in (ngf * 4, ngf * 2, ngf):
        layers += [nn.BatchNorm2d(c_in), nn.ReLU(True), nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False)]
        c_in = c_out
    layers += [nn.BatchNorm2d(c_in), nn.ReLU(True), nn.ConvTranspose2d(c_in, 3, 4, 2, 1, bias=False), nn.Tanh()]
    return nn.Sequential(*layers)


class _SNGANBlock(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.residual = nn.Sequential(nn.BatchNorm2d(ch), nn.ReLU(), nn.Upsample(scale_factor=2),
                                      nn.Conv2d(ch, ch, 3, 1, 1), nn.BatchNorm2d(ch), nn.ReLU(),
                                      nn.Conv2d(ch, ch, 3, 1, 1))
        self.shortcut = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(ch, ch, 1))

    def forward(self, x):
        return self.residual(x) + self.shortcut(x)


class _SNGANResNet32(nn.Module):
    """SNGAN's ResNet generator for CIFAR-10 (Miyato et al. 2018, arxiv 1802.05957, table 4):
    z 128 -> 4x4x256, three up-sampling residual blocks of 256 channels, BN-ReLU-conv3x3 to RGB."""

    def __init__(self, z_dim: int = 128, ch: int = 256):
        super().__init__()
        self.ch = ch
        self.linear = nn.Linear(z_dim, 4 * 4 * ch)
        self.blocks = nn.Sequential(*[_SNGANBlock(ch) for _ in range(3)])
        self.out = nn.Sequential(nn.BatchNorm2d(ch), nn.ReLU(), nn.Conv2d(ch, 3, 3, 1, 1), nn.Tanh())

    def forward(self, z):
        return self.out(self.blocks(self.linear(z).view(-1, self.ch, 4, 4)))


class _ResnetBlock(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.body = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(ch, ch, 3), nn.InstanceNorm2d(ch),
                                  nn.ReLU(True), nn.ReflectionPad2d(1), nn.Conv2d(ch, ch, 3), nn.InstanceNorm2d(ch))

    def forward(self, x):
        return x + self.body(x)


def _cyclegan_resnet_9() -> nn.Module:
    """junyanz/pytorch-CycleGAN-and-pix2pix ResnetGenerator(ngf=64, n_blocks=9, norm=instance): with
    InstanceNorm its convolutions keep their biases (11.378 M parameters)."""
    ngf = 64
    layers = [nn.ReflectionPad2d(3), nn.Conv2d(3, ngf, 7), nn.InstanceNorm2d(ngf), nn.ReLU(True)]
    for mult in (1, 2):
        layers += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, 2, 1), nn.InstanceNorm2d(ngf * mult * 2),
                   nn.ReLU(True)]
    layers += [_ResnetBlock(ngf * 4) for _ in range(9)]
    for mult in (4, 2):
        layers += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, 2, 1, output_padding=1),
                   nn.InstanceNorm2d(ngf * mult // 2), nn.ReLU(True)]
    layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, 3, 7), nn.Tanh()]
    return nn.Sequential(*layers)


class _UnetSkip(nn.Module):
    def __init__(self, outer: int, inner: int, sub: nn.Module | None, outermost=False, innermost=False):
        super().__init__()
        down = nn.Conv2d(3 if outermost else outer, inner, 4, 2, 1, bias=False)
        up_in = inner if innermost else inner * 2
        if outermost:
            self.model = nn.Sequential(down, sub, nn.ReLU(True), nn.ConvTranspose2d(up_in, 3, 4, 2, 1), nn.Tanh())
        elif innermost:
            self.model = nn.Sequential(nn.LeakyReLU(0.2, True), down, nn.ReLU(True),
                                       nn.ConvTranspose2d(up_in, outer, 4, 2, 1, bias=False), nn.BatchNorm2d(outer))
        else:
            self.model = nn.Sequential(nn.LeakyReLU(0.2, True), down, nn.BatchNorm2d(inner), sub, nn.ReLU(True),
                                       nn.ConvTranspose2d(up_in, outer, 4, 2, 1, bias=False), nn.BatchNorm2d(outer))
        self.outermost = outermost

    def forward(self, x):
        return self.model(x) if self.outermost else torch.cat([x, self.model(x)], 1)


def _pix2pix_unet_256() -> nn.Module:
    """junyanz/pytorch-CycleGAN-and-pix2pix UnetGenerator(num_downs=8, ngf=64, norm=batch), 256x256."""
    ngf = 64
    block = _UnetSkip(ngf * 8, ngf * 8, None, innermost=True)
    for _ in range(3):
        block = _UnetSkip(ngf * 8, ngf * 8, block)
    for outer, inner in ((ngf * 4, ngf * 8), (ngf * 2, ngf * 4), (ngf, ngf * 2)):
        block = _UnetSkip(outer, inner, block)
    return _UnetSkip(ngf, ngf, block, outermost=True)


def _ddpm_cifar10() -> nn.Module:
    """google/ddpm-cifar10-32's config.json (Ho et al. 2020), as diffusers' UNet2DModel."""
    from diffusers import UNet2DModel

    return UNet2DModel(sample_size=32, in_channels=3, out_channels=3, block_out_channels=(128, 256, 256, 256),
                       down_block_types=("DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"),
                       up_block_types=("UpBlock2D", "UpBlock2D", "AttnUpBlock2D", "UpBlock2D"),
                       layers_per_block=2, attention_head_dim=None, norm_num_groups=32, norm_eps=1e-6,
                       downsample_padding=0, flip_sin_to_cos=False, freq_shift=1, time_embedding_type="positional")


def _ldm_celebahq_256() -> nn.Module:
    """CompVis/ldm-celebahq-256's unet config.json: a UNet2DModel on a 64x64x3 latent."""
    from diffusers import UNet2DModel

    return UNet2DModel(sample_size=64, in_channels=3, out_channels=3, block_out_channels=(224, 448, 672, 896),
                       down_block_types=("DownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D"),
                       up_block_types=("AttnUpBlock2D", "AttnUpBlock2D", "AttnUpBlock2D", "UpBlock2D"),
                       layers_per_block=2, attention_head_dim=32)


def _dit_s_2() -> nn.Module:
    """DiT-S/2 (Peebles & Xie 2022, arxiv 2212.09748, table 1) on a 32x32x4 latent (256 px)."""
    from diffusers import DiTTransformer2DModel

    return DiTTransformer2DModel(num_attention_heads=6, attention_head_dim=64, in_channels=4, out_channels=8,
                                 num_layers=12, sample_size=32, patch_size=2, num_embeds_ada_norm=1000)


def _sd15_unet_256() -> nn.Module:
    """runwayml/stable-diffusion-v1-5's unet config.json at a 32x32 latent (256 px), 77x768 text."""
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(sample_size=32, cross_attention_dim=768, attention_head_dim=8,
                                block_out_channels=(320, 640, 1280, 1280), layers_per_block=2)


def _latent(channels: int, side: int):
    return lambda b: (torch.randn(b, channels, side, side), torch.full((b,), 500))


REAL_ARCHITECTURES: dict[str, RealArchitecture] = {a.name: a for a in (
    RealArchitecture("dcgan-64", "gan", "pytorch/examples dcgan", _dcgan_64,
                     lambda b: (torch.randn(b, 100, 1, 1),), (1, 64)),
    RealArchitecture("sngan-resnet-32", "gan", "Miyato et al. 2018, table 4", _SNGANResNet32,
                     lambda b: (torch.randn(b, 128),), (1, 16), in_reference_mix=False),
    RealArchitecture("pix2pix-unet-256", "gan", "pytorch-CycleGAN-and-pix2pix UnetGenerator", _pix2pix_unet_256,
                     lambda b: (torch.randn(b, 3, 256, 256),), (1, 4), in_reference_mix=False),
    RealArchitecture("cyclegan-resnet-128", "gan", "pytorch-CycleGAN-and-pix2pix ResnetGenerator",
                     _cyclegan_resnet_9, lambda b: (torch.randn(b, 3, 128, 128),), (1, 4), in_reference_mix=False),
    RealArchitecture("ddpm-cifar10", "diffusion", "google/ddpm-cifar10-32 config", _ddpm_cifar10,
                     _latent(3, 32), (1, 8)),
    RealArchitecture("dit-s-2", "diffusion", "DiT-S/2, arxiv 2212.09748", _dit_s_2,
                     lambda b: _latent(4, 32)(b) + (torch.zeros(b, dtype=torch.long),), (1, 4)),
    RealArchitecture("ldm-celebahq-256", "diffusion", "CompVis/ldm-celebahq-256 unet config", _ldm_celebahq_256,
                     _latent(3, 64), (1, 2)),
    RealArchitecture("sd15-unet-256", "diffusion", "stable-diffusion-v1-5 unet config", _sd15_unet_256,
                     lambda b: _latent(4, 32)(b) + (torch.randn(b, 77, 768),), (1, 2)),
)}
