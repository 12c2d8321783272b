"""A class-conditional pixel-space denoiser with classifier-free guidance, from one dataclass config.

    from probes.models.ref_cond_diffusion import CondDenoiserConfig, build_cond_denoiser, GuidedDenoiser
    unet = build_cond_denoiser(config)
    eps = GuidedDenoiser(unet, labels, guidance_scale=3.0, null_class=config.null_class)(x_t, t)

The network is the reference denoiser (probes/models/ref_diffusion.py, diffusers' `UNet2DModel`) with a
learned class embedding added to the time embedding (`num_class_embeds`, as in the class-
conditional ADM of Dhariwal & Nichol 2021, arxiv 2105.05233). One extra embedding is the *null*
class: training replaces the label with it for a share `p_uncond` of examples, so one network
learns both p(x|y) and p(x) (classifier-free guidance, Ho & Salimans 2022, arxiv 2207.12598,
who used p_uncond 0.1–0.2).

Guidance follows diffusers' convention (StableDiffusionPipeline's `guidance_scale`):
    eps = eps_uncond + s × (eps_cond − eps_uncond)
so s = 0 is the unconditional model, s = 1 the plain conditional one, and s > 1 pushes samples
toward what the class explains (Ho & Salimans' w is s − 1). Only 0 < s ≠ 1 needs both
predictions; they go through the network as one batch of 2B, as diffusers' pipelines do, so a
guided step costs two forwards per sample: the ×2 that the cost model applies.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from probes.models.ref_diffusion import DenoiserConfig


@dataclass(frozen=True)
class CondDenoiserConfig:
    denoiser: DenoiserConfig  # the unconditional layout this one adds a class embedding to
    num_classes: int  # real classes; index num_classes is the null class
    p_uncond: float = 0.1  # share of training labels replaced by the null class (arxiv 2207.12598)

    def __post_init__(self):
        if self.num_classes < 2:
            raise ValueError(f"num_classes must be >= 2, got {self.num_classes}")
        if not 0.0 < self.p_uncond < 1.0:
            raise ValueError(f"p_uncond must lie in (0, 1) for guidance to exist, got {self.p_uncond}")

    @property
    def null_class(self) -> int:
        return self.num_classes

    def diffusers_config(self) -> dict:
        """Keyword arguments for `diffusers.UNet2DModel`: the reference layout + a class table."""
        # class_embed_type=None with num_class_embeds gives nn.Embedding(num_class_embeds,
        # time_embed_dim), summed with the time embedding before every residual block
        return dict(self.denoiser.diffusers_config(), class_embed_type=None,
                    num_class_embeds=self.num_classes + 1)


def build_cond_denoiser(config: CondDenoiserConfig):
    from diffusers import UNet2DModel

    return UNet2DModel(**config.diffusers_config())


def drop_labels(labels: torch.Tensor, config: CondDenoiserConfig,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """Training labels with a random share `p_uncond` replaced by the null class."""
    drop = torch.rand(labels.shape, generator=generator, device=labels.device) < config.p_uncond
    return torch.where(drop, torch.full_like(labels, config.null_class), labels)


def forwards_per_step(guidance_scale: float) -> int:
    """Network forwards per sample per sampler step: 1 at s = 0 or 1, else 2 (cond + uncond)."""
    return 1 if guidance_scale in (0.0, 1.0) else 2


class GuidedDenoiser:
    """Callable `(x_t, t) -> guided noise prediction` for `probes.models.sampling.sample`."""

    def __init__(self, unet, labels: torch.Tensor, guidance_scale: float, null_class: int):
        if guidance_scale < 0:
            raise ValueError(f"guidance_scale must be >= 0, got {guidance_scale}")
        self.unet, self.labels, self.scale = unet, labels, float(guidance_scale)
        self.null = torch.full_like(labels, null_class)
        self.forwards = 0  # network forwards per sample so far: counted, so tests can pin the ×2

    def __call__(self, x_t: torch.Tensor, t) -> torch.Tensor:
        self.forwards += forwards_per_step(self.scale)
        if self.scale == 0.0:
            return self.unet(x_t, t, class_labels=self.null, return_dict=False)[0]
        if self.scale == 1.0:
            return self.unet(x_t, t, class_labels=self.labels, return_dict=False)[0]
        both = self.unet(torch.cat([x_t, x_t]), t, class_labels=torch.cat([self.labels, self.null]),
                         return_dict=False)[0]
        cond, uncond = both.chunk(2)
        return uncond + self.scale * (cond - uncond)
