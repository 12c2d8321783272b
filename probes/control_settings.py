"""Typed settings of the controllability probes (conditioning, steering, hybrid), torch-free.

Kept apart from the probes themselves so that `probes.config` (and `genarch probe --help`, and
the results loader) never import torch. Quick/full presets per device kind, as in probes.config.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from types import SimpleNamespace

# DDPM's training noise schedule, in steps (arxiv 2006.11239): probes.models.sampling builds its schedulers
# on it; it lives here, torch-free, so the settings can check student step counts against it.
NUM_TRAIN_TIMESTEPS = 1000
MASKS = ("bottom_half", "centre_square", "right_half")  # steering: which region is hidden


@dataclass(frozen=True)
class ReferenceSpec:
    """How one unconditional reference model is trained (hashable: it is the cache key)."""
    resolution: int
    width: int  # GANConfig / DenoiserConfig base_width
    lr: float
    steps: int  # optimiser steps (a GAN step = one D and one G update)
    batch: int

    def trainer_settings(self) -> SimpleNamespace:
        """The attributes probes.training's trainers read from its TrainingSettings."""
        return SimpleNamespace(resolution=self.resolution, gan_width=self.width, diffusion_width=self.width,
                               gan_lr=self.lr, diffusion_lr=self.lr, eval_nfe=10)


@dataclass(frozen=True)
class ReferenceModelSettings:
    """What the three controllability probes share: a GAN and a denoiser trained on the probe's
    data. The steering and hybrid probes train the same two unconditional references (cached by
    ReferenceSpec, so one `genarch probe` run trains them once); conditioning trains class-
    conditional ones with the same fields."""
    resolution: int = 16
    batch: int = 64
    gan_steps: int = 600  # one D and one G update each
    diffusion_steps: int = 400
    gan_width: int = 16
    diffusion_width: int = 16
    # Adam(1e-3, β=(0, 0.9)) for both GAN nets: at SNGAN's 2e-4 the projection term takes >1,000
    # steps to make the class matter on digits (measured: accuracy 0.25 after 800 steps vs 0.87)
    gan_lr: float = 1e-3
    diffusion_lr: float = 1e-3  # as the training probe's tiny UNet
    extractor_epochs: int = 4
    data_dir: str | None = None  # None: scikit-learn's digits

    def reference(self, family: str) -> ReferenceSpec:
        """The unconditional reference `family` ("gan" or "diffusion"), from the gan_* / diffusion_* fields."""
        return ReferenceSpec(self.resolution, getattr(self, f"{family}_width"), getattr(self, f"{family}_lr"),
                             getattr(self, f"{family}_steps"), self.batch)


def _preset(presets: dict, profile: str, device_kind: str, data_dir: str | None):
    return replace(presets[(profile, "cpu" if device_kind == "cpu" else "gpu")], data_dir=data_dir)


@dataclass(frozen=True)
class ConditioningSettings(ReferenceModelSettings):
    """data_dir needs DIR/<class>/ labels."""
    p_uncond: float = 0.1  # classifier-free guidance label dropout (arxiv 2207.12598)
    guidance_scales: tuple[float, ...] = (0.0, 1.0, 3.0)
    nfe: int = 10  # clipped trailing-DDIM steps per sample (guided: 2 forwards each)
    samples_per_class: int = 20


CONDITIONING_PRESETS = {
    ("quick", "cpu"): ConditioningSettings(),
    ("full", "cpu"): ConditioningSettings(gan_steps=1500, diffusion_steps=1200, guidance_scales=(0.0, 1.0, 2.0, 3.0, 5.0),
                                          nfe=20, samples_per_class=40),
    # GPU presets are not yet timed on a GPU (the probes were built and timed on a CPU): sized by
    # step counts
    ("quick", "gpu"): ConditioningSettings(gan_steps=1000, diffusion_steps=1000, samples_per_class=50),
    ("full", "gpu"): ConditioningSettings(resolution=32, gan_steps=2000, diffusion_steps=2000, gan_width=32,
                                          diffusion_width=32, guidance_scales=(0.0, 1.0, 2.0, 3.0, 5.0, 7.5),
                                          nfe=25, samples_per_class=100),
}


def conditioning_settings(profile: str, device_kind: str, data_dir: str | None = None) -> ConditioningSettings:
    return _preset(CONDITIONING_PRESETS, profile, device_kind, data_dir)


@dataclass(frozen=True)
class SteeringSettings(ReferenceModelSettings):
    mask: str = "bottom_half"  # one of MASKS; the hidden region
    images: int = 128  # held-out images to complete (FID needs > 64, the feature dimension)
    nfe: int = 20  # RePaint's inference steps before resampling
    jump_length: int = 5  # RePaint's j (the paper: 10 of 250 steps)
    jump_n_sample: int = 2  # RePaint's r (the paper: 10); forwards ≈ nfe × (1 + (r − 1) × (1 − j/nfe))
    repaint_eta: float = 1.0  # 1 = DDPM's stochastic steps, as the paper; 0 = DDIM (worse here: measured)
    gan_optimisation_steps: int = 150
    gan_optimisation_lr: float = 0.05

    def __post_init__(self):
        if self.mask not in MASKS:
            raise ValueError(f"mask must be one of {', '.join(MASKS)}, got {self.mask!r}")


STEERING_PRESETS = {
    ("quick", "cpu"): SteeringSettings(),
    ("full", "cpu"): SteeringSettings(gan_steps=1500, diffusion_steps=1200, images=300, nfe=50, jump_length=10,
                                      jump_n_sample=4, gan_optimisation_steps=400),
    # GPU presets are not yet timed on a GPU (the probes were built and timed on a CPU): sized by
    # step counts
    ("quick", "gpu"): SteeringSettings(gan_steps=1000, diffusion_steps=1000, images=300, nfe=50, jump_length=10,
                                       jump_n_sample=4, gan_optimisation_steps=400),
    ("full", "gpu"): SteeringSettings(resolution=32, gan_steps=2000, diffusion_steps=2000, gan_width=32,
                                      diffusion_width=32, images=1000, nfe=100, jump_length=10, jump_n_sample=5,
                                      gan_optimisation_steps=500),
}


def steering_settings(profile: str, device_kind: str, data_dir: str | None = None) -> SteeringSettings:
    return _preset(STEERING_PRESETS, profile, device_kind, data_dir)


@dataclass(frozen=True)
class HybridSettings(ReferenceModelSettings):
    teacher_nfe: int = 8  # the teacher sampler the first student imitates (two of its steps per step)
    student_nfes: tuple[int, ...] = (4, 2, 1)  # each stage halves the previous
    teacher_nfes: tuple[int, ...] = (1, 2, 4, 8)  # the teacher's own quality-vs-NFE curve
    distill_steps_per_stage: int = 100
    distill_batch: int = 64
    distill_lr: float = 5e-4  # Adam; the paper used 1e-4..5e-5 for far longer runs
    student_prediction: str = "v_prediction"  # or "sample" (x̂); see probes/models/distillation.py
    samples: int = 359  # per quality row (FID needs > 64, the feature dimension); capped at held-out size

    def __post_init__(self):
        halving = tuple(self.teacher_nfe // 2 ** (i + 1) for i in range(len(self.student_nfes)))
        if NUM_TRAIN_TIMESTEPS % self.teacher_nfe or not self.student_nfes or tuple(self.student_nfes) != halving:
            raise ValueError(f"teacher_nfe must divide {NUM_TRAIN_TIMESTEPS} (1, 2, 4 or 8 of a power of two) and "
                             f"student_nfes must halve it each stage, e.g. 8 -> (4, 2, 1); got {self.teacher_nfe} -> "
                             f"{tuple(self.student_nfes)}")
        if self.student_prediction not in ("sample", "v_prediction"):
            raise ValueError(f"student_prediction must be 'sample' or 'v_prediction', got {self.student_prediction!r}")


HYBRID_PRESETS = {
    ("quick", "cpu"): HybridSettings(),
    ("full", "cpu"): HybridSettings(gan_steps=1500, diffusion_steps=1200, teacher_nfes=(1, 2, 4, 8, 16, 32),
                                    distill_steps_per_stage=300),
    # GPU presets are not yet timed on a GPU; the reference models match the steering presets'
    ("quick", "gpu"): HybridSettings(gan_steps=1000, diffusion_steps=1000, teacher_nfes=(1, 2, 4, 8, 16, 32),
                                     distill_steps_per_stage=300),
    ("full", "gpu"): HybridSettings(resolution=32, gan_steps=2000, diffusion_steps=2000, gan_width=32,
                                    diffusion_width=32, teacher_nfes=(1, 2, 4, 8, 16, 50), distill_steps_per_stage=500,
                                    distill_batch=128, samples=1000),
}


def hybrid_settings(profile: str, device_kind: str, data_dir: str | None = None) -> HybridSettings:
    return _preset(HYBRID_PRESETS, profile, device_kind, data_dir)
