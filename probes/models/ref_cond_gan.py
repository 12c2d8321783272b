"""A class-conditional GAN: conditional-BatchNorm generator, projection discriminator.

    from probes.models.ref_cond_gan import CondGANConfig, CondGenerator, ProjectionDiscriminator
    g = CondGenerator(config); images = g(torch.randn(4, config.gan.z_dim), labels)

The layout is the reference DCGAN (probes/models/ref_gan.py) with the class fed in the two ways of
Miyato & Koyama 2018 ("cGANs with projection discriminator", arxiv 1802.05637), the recipe behind
SNGAN's and BigGAN's class-conditional ImageNet models:
- generator: conditional BatchNorm (de Vries et al. 2017, arxiv 1707.00683): every BatchNorm's
  gain and bias come from a per-class embedding, so the class modulates every stage;
- discriminator: the unconditional score plus the inner product of a class embedding with the
  pooled features, D(x, y) = ψ(φ(x)) + ⟨embed(y), φ(x)⟩, spectral norm everywhere (arxiv 1802.05957),
  trained with the hinge loss as the unconditional reference.

A sample still costs one generator forward (NFE = 1); the class costs an embedding lookup.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from probes.models.ref_gan import GANConfig


@dataclass(frozen=True)
class CondGANConfig:
    gan: GANConfig  # the unconditional layout: resolution, widths, z_dim, channels
    num_classes: int

    def __post_init__(self):
        if self.num_classes < 2:
            raise ValueError(f"num_classes must be >= 2, got {self.num_classes}")


class ConditionalBatchNorm2d(nn.Module):
    """BatchNorm without its own affine; gain 1 + γ[y] and bias β[y] per class (γ, β start at 0)."""

    def __init__(self, channels: int, num_classes: int):
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        self.gain = nn.Embedding(num_classes, channels)
        self.bias = nn.Embedding(num_classes, channels)
        nn.init.zeros_(self.gain.weight)  # starts as plain BatchNorm: the class is learned, not imposed
        nn.init.zeros_(self.bias.weight)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.norm(x) * (1 + self.gain(y)[:, :, None, None]) + self.bias(y)[:, :, None, None]


class CondGenerator(nn.Module):
    def __init__(self, config: CondGANConfig):
        super().__init__()
        self.config = config
        g, w = config.gan, config.gan.widths()
        # the same convolutions as probes.models.ref_gan.Generator: 4x4 seed, one x2 stage per doubling
        self.convs = nn.ModuleList([nn.ConvTranspose2d(g.z_dim, w[0], 4, 1, 0, bias=False)] +
                                   [nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False) for a, b in zip(w[:-1], w[1:])])
        self.norms = nn.ModuleList([ConditionalBatchNorm2d(c, config.num_classes) for c in w])
        self.to_image = nn.Conv2d(w[-1], g.channels, 3, 1, 1)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        x = z.view(z.shape[0], -1, 1, 1)
        for conv, norm in zip(self.convs, self.norms):
            x = torch.relu(norm(conv(x), y))
        return torch.tanh(self.to_image(x))

    def sample(self, labels: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        p = next(self.parameters())
        z = torch.randn(len(labels), self.config.gan.z_dim, generator=generator, device=p.device, dtype=p.dtype)
        return self(z, labels.to(p.device))


class ProjectionDiscriminator(nn.Module):
    def __init__(self, config: CondGANConfig):
        super().__init__()
        self.config = config
        g = config.gan
        w = list(reversed(g.widths()))  # narrow first: resolution -> 4x4, as the reference D
        layers = [spectral_norm(nn.Conv2d(g.channels, w[0], 3, 1, 1)), nn.LeakyReLU(0.1)]
        for c_in, c_out in zip(w[:-1], w[1:]):
            layers += [spectral_norm(nn.Conv2d(c_in, c_out, 4, 2, 1)), nn.LeakyReLU(0.1)]
        self.features = nn.Sequential(*layers)
        # φ(x): global sum pooling of the last features, as SNGAN's ResNet D (arxiv 1802.05637, fig. 14)
        self.head = spectral_norm(nn.Linear(w[-1], 1))
        self.embed = spectral_norm(nn.Embedding(config.num_classes, w[-1]))

    def forward(self, images: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        phi = self.features(images).sum(dim=(2, 3))
        return self.head(phi).squeeze(1) + (self.embed(y) * phi).sum(1)
