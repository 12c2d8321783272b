"""Diffusion sampling through diffusers' schedulers, with the number of function evaluations explicit.

    x = sample(denoiser, make_scheduler("dpmsolver++"), nfe=10, shape=(4, 3, 32, 32))

NFE (network forward evaluations per sample) is the latency axis of diffusion: a sample costs NFE
denoiser forwards plus NFE scheduler steps, so it is an argument, never a default buried in a
pipeline. Classifier-free guidance would double the forwards per step; these reference models are
unconditional, and the cost model applies the doubling (probes/summaries/cost_model.py).

Schedulers are diffusers' own (no hand-written samplers), built by name with DDPM's training
noise schedule (1000 steps, linear betas 1e-4..0.02; arxiv 2006.11239):
- "ddpm": ancestral sampling (Ho et al. 2020); with nfe < 1000 it skips timesteps and degrades.
- "ddim": deterministic DDIM (Song et al. 2020, arxiv 2010.02502).
- "dpmsolver++": multistep DPM-Solver++ 2nd order (Lu et al. 2022, arxiv 2211.01095), the usual
  choice for 10-25 step sampling in diffusers pipelines, with diffusers' dynamic thresholding of
  the predicted clean image (Imagen, Saharia et al. 2022, arxiv 2205.11487 §2.3; the paper's
  recommendation for pixel-space models, which these are). Without it the probes' short-trained
  denoisers blow up: on the quick training probe's full-data run, half the pixels of 10-step
  samples left [−1.5, 1.5] and FID on domain features was 6.9 for seeds 0 and 1; with it, no
  pixel did and FID was 1.8–1.9 (`genarch probe --profile quick --only training --device cpu`, 2-core
  AMD EPYC).
"""
from __future__ import annotations

from typing import Callable

import torch

from probes.control_settings import NUM_TRAIN_TIMESTEPS

SCHEDULERS = ("ddpm", "ddim", "dpmsolver++")


def make_scheduler(name: str, num_train_timesteps: int = NUM_TRAIN_TIMESTEPS):
    from diffusers import DDIMScheduler, DDPMScheduler, DPMSolverMultistepScheduler

    common = dict(num_train_timesteps=num_train_timesteps, beta_schedule="linear",
                  beta_start=1e-4, beta_end=0.02)
    if name == "ddpm":
        return DDPMScheduler(**common)
    if name == "ddim":
        return DDIMScheduler(**common, clip_sample=False)
    if name == "dpmsolver++":
        # lower_order_final: first-order last step, which diffusers recommends below 15 steps;
        # thresholding: x̂0 clipped to its 99.5th-percentile magnitude s ≥ 1, then divided by s,
        # sample_max_value 1 being the data range [−1, 1] (see the module docstring)
        return DPMSolverMultistepScheduler(**common, algorithm_type="dpmsolver++", solver_order=2,
                                           lower_order_final=True, thresholding=True, sample_max_value=1.0)
    raise ValueError(f"unknown scheduler {name!r}; choose one of {', '.join(SCHEDULERS)}")


@torch.no_grad()
def sample(denoiser: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], scheduler, nfe: int,
           shape: tuple[int, ...], *, device: torch.device | str = "cpu",
           dtype: torch.dtype = torch.float32,
           generator: torch.Generator | None = None) -> torch.Tensor:
    """Draw `shape[0]` samples with exactly `nfe` calls of `denoiser(x_t, t) -> predicted noise`."""
    if nfe < 1:
        raise ValueError(f"nfe must be >= 1, got {nfe}")
    scheduler.set_timesteps(nfe, device=device)
    if len(scheduler.timesteps) != nfe:  # a scheduler that adds steps would break the latency axis
        raise RuntimeError(f"{type(scheduler).__name__} made {len(scheduler.timesteps)} steps for nfe={nfe}")
    x = torch.randn(shape, generator=generator, device=device, dtype=dtype) * scheduler.init_noise_sigma
    for t in scheduler.timesteps:
        eps = denoiser(scheduler.scale_model_input(x, t), t)
        x = scheduler.step(eps, t, x, generator=generator).prev_sample  # DDPM draws noise here
    return x


def count_forwards(scheduler, nfe: int, shape: tuple[int, ...]) -> int:
    """How many denoiser calls `sample` makes: used by tests to pin NFE == calls."""
    calls = []

    def counting(x, t):
        calls.append(t)
        return torch.zeros_like(x)

    sample(counting, scheduler, nfe, shape)
    return len(calls)
