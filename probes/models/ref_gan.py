"""A DCGAN-style GAN whose width, depth and resolution scale from one dataclass config.

    from probes.models.ref_gan import GANConfig, Generator, Discriminator, GAN_SIZES
    g = Generator(GAN_SIZES["s"]); images = g(torch.randn(4, g.config.z_dim))

The generator is DCGAN's (Radford et al. 2015, arxiv 1511.06434): a 4x4 seed from the latent,
then one stride-2 transposed convolution per doubling of resolution, halving the channels each
time, BatchNorm + ReLU between, tanh out. The discriminator mirrors it with spectral norm on
every layer (Miyato et al. 2018, arxiv 1802.05957) in place of BatchNorm, and is trained with the
hinge loss (Lim & Ye 2017, arxiv 1705.02894; used by SNGAN, SAGAN, BigGAN).

A sample costs one generator forward: this is the "NFE = 1" end of the latency axis. FLOPs grow
as width^2 x resolution^2, so the sizes in GAN_SIZES span over two orders of magnitude.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


@dataclass(frozen=True)
class GANConfig:
    resolution: int = 32  # output side in pixels; a power of two >= 8
    base_width: int = 64  # channels of the last generator stage (DCGAN's ngf / ndf)
    z_dim: int = 128  # latent size; DCGAN used 100, SNGAN 128
    channels: int = 3  # RGB out
    max_width: int = 1024  # cap on the widest stage, so high resolutions stay a sane size
    # "conv": SNGAN's 3x3 convolution to RGB after a last stage at full resolution (the training
    # probes'); "deconv": DCGAN's own layout, whose last stride-2 transposed convolution writes RGB
    # straight from half resolution. On a CPU the extra full-resolution stage (BatchNorm, ReLU and
    # a 3x3 convolution over base_width channels) costs more per FLOP than the rest, so timing
    # references take DCGAN's layout, the one real transposed-convolution generators share.
    rgb_layer: str = "conv"

    def __post_init__(self):
        if self.resolution < 8 or self.resolution & (self.resolution - 1):
            raise ValueError(f"resolution must be a power of two >= 8, got {self.resolution}")
        if self.base_width < 1 or self.z_dim < 1:
            raise ValueError("base_width and z_dim must be positive")
        if self.rgb_layer not in ("conv", "deconv"):
            raise ValueError(f"rgb_layer must be 'conv' or 'deconv', got {self.rgb_layer!r}")

    @property
    def num_upsamplings(self) -> int:  # 4x4 seed -> resolution
        return int(math.log2(self.resolution)) - 2

    def widths(self) -> list[int]:
        """Channels of each stage from the 4x4 seed to the last before RGB: wide first."""
        n = self.num_upsamplings
        return [min(self.base_width * 2 ** (n - i), self.max_width) for i in range(n + 1)]


class Generator(nn.Module):
    def __init__(self, config: GANConfig):
        super().__init__()
        self.config = config
        w = config.widths()
        # z as a 1x1 image -> 4x4 seed: a 4x4 transposed convolution with no padding
        if config.rgb_layer == "deconv":
            w = w[1:]  # DCGAN: the seed is 8x base_width at 64x64 and stages stop at half resolution
        layers = [nn.ConvTranspose2d(config.z_dim, w[0], 4, 1, 0, bias=False),
                  nn.BatchNorm2d(w[0]), nn.ReLU(inplace=True)]
        for c_in, c_out in zip(w[:-1], w[1:]):
            # kernel 4, stride 2, padding 1 doubles the side exactly (DCGAN's choice)
            layers += [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]
        if config.rgb_layer == "deconv":
            layers += [nn.ConvTranspose2d(w[-1], config.channels, 4, 2, 1, bias=False), nn.Tanh()]
        else:  # the last stage maps to RGB at full resolution with a 3x3 conv, as SNGAN's generator
            layers += [nn.Conv2d(w[-1], config.channels, 3, 1, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z.view(z.shape[0], -1, 1, 1))

    def sample(self, batch: int, generator: torch.Generator | None = None) -> torch.Tensor:
        p = next(self.parameters())
        z = torch.randn(batch, self.config.z_dim, generator=generator, device=p.device, dtype=p.dtype)
        return self(z)


class Discriminator(nn.Module):
    def __init__(self, config: GANConfig):
        super().__init__()
        self.config = config
        w = list(reversed(config.widths()))  # narrow first: resolution -> 4x4
        layers = [spectral_norm(nn.Conv2d(config.channels, w[0], 3, 1, 1)), nn.LeakyReLU(0.1)]
        for c_in, c_out in zip(w[:-1], w[1:]):
            # LeakyReLU 0.1 as in SNGAN's DCGAN-like discriminator (arxiv 1802.05957, table 3)
            layers += [spectral_norm(nn.Conv2d(c_in, c_out, 4, 2, 1)), nn.LeakyReLU(0.1)]
        self.features = nn.Sequential(*layers)
        self.head = spectral_norm(nn.Linear(w[-1] * 4 * 4, 1))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(images).flatten(1)).squeeze(1)


def d_hinge_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Discriminator hinge loss: E[relu(1 - D(x))] + E[relu(1 + D(G(z)))]."""
    return F.relu(1.0 - real_logits).mean() + F.relu(1.0 + fake_logits).mean()


def g_hinge_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Generator hinge loss: -E[D(G(z))]."""
    return -fake_logits.mean()


# Named sizes for timing: DCGAN's own layout at 64x64 (a 4x4 seed, four stride-2 transposed
# convolutions, the last writing RGB), only the width changes, so FLOPs grow with width (74x from
# xs to xl, less than width^2 once stages reach the 512 cap) while the number of kernels per
# forward stays fixed. Resolution is the other knob (resolution=128 adds a stage).
GAN_SIZES: dict[str, GANConfig] = {
    # DCGAN's widest stage is 512 (8 x ngf at ngf=64); wider seeds at 4x4 are weight-bound at
    # batch 1 (a 1024-to-768 4x4 transposed convolution holds 50 MB), unlike real generators
    name: GANConfig(resolution=64, base_width=width, rgb_layer="deconv", max_width=512)
    # widths of real generators (DCGAN's ngf is 64; 32 to 128 is common), none of them 64 itself:
    # narrower ones are overhead-bound and bend the fit at batch 1
    for name, width in (("xs", 24), ("s", 48), ("m", 96), ("l", 192), ("xl", 384))
}
