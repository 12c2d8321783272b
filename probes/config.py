"""The one typed config of a probe run, built by the CLI (and the app), saved beside the results.

    config = resolve_config(profile="quick", probes=("inference",), device="cpu",
                            dtypes=("fp32",), budget_s=None, seed=0)

Profiles name how much to measure. "quick" gives the denoisers three sizes spanning >= 100x in
FLOPs and three NFEs, and the GANs all five sizes (74x), so a 2-core CPU finishes in about a
minute. "full" gives all five sizes and all six NFEs; it is meant for GPUs (`make gpu-check`, under 6 minutes on one H100).
Torch-free: `genarch probe --help` and the results loader need no torch.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

from probes.control_settings import (ConditioningSettings, HybridSettings, SteeringSettings,
                                     conditioning_settings, hybrid_settings, steering_settings)

PROFILES = ("quick", "full")
ALL_NFES = (1, 2, 4, 10, 25, 50)  # the latency axis: one-step distilled models to classic 50-step
GAN_SIZE_NAMES = ("xs", "s", "m", "l", "xl")  # probes.models.ref_gan.GAN_SIZES, without importing torch


@dataclass(frozen=True)
class InferenceSettings:
    gan_sizes: tuple[str, ...]  # keys of probes.models.ref_gan.GAN_SIZES
    diffusion_sizes: tuple[str, ...]  # keys of probes.models.ref_diffusion.DIFFUSION_SIZES
    nfes: tuple[int, ...]
    sampler: str = "dpmsolver++"  # probes.models.sampling.SCHEDULERS; latency barely depends on it
    min_repeats: int = 3
    max_repeats: int = 30
    min_time_s: float = 0.25  # timed seconds per measurement, after warm-up
    warmup_s: float = 0.05
    # Throughput-batch search: double the batch while one forward stays under max_forward_s, the
    # batch under max_batch and the measurement's memory under memory_fraction of the device's.
    # The time cap keeps the 50-NFE rows at a few seconds each.
    max_forward_s: float = 0.1
    max_batch: int = 256
    memory_fraction: float = 0.7


_INFERENCE = {
    # every GAN size: a generator forward takes milliseconds, and the four-term cost model wants
    # more than six rows per family (probes/summaries/cost_fit.py)
    ("quick", "cpu"): InferenceSettings(gan_sizes=GAN_SIZE_NAMES, diffusion_sizes=("xs", "m", "xl"),
                                        nfes=(1, 4, 10), min_time_s=0.2, max_forward_s=0.2),
    ("full", "cpu"): InferenceSettings(gan_sizes=("xs", "s", "m", "l", "xl"),
                                       diffusion_sizes=("xs", "s", "m", "l", "xl"), nfes=ALL_NFES,
                                       min_time_s=0.5, max_forward_s=0.4),
    # GPUs run 2 dtypes; kernels take microseconds, so the time per measurement is set by repeats
    ("quick", "gpu"): InferenceSettings(gan_sizes=GAN_SIZE_NAMES, diffusion_sizes=("xs", "m", "xl"),
                                        nfes=(1, 4, 25), min_time_s=0.1, max_forward_s=0.02,
                                        max_batch=1024),
    ("full", "gpu"): InferenceSettings(gan_sizes=("xs", "s", "m", "l", "xl"),
                                       diffusion_sizes=("xs", "s", "m", "l", "xl"), nfes=ALL_NFES,
                                       min_time_s=0.2, max_forward_s=0.02, max_batch=1024),
}


@dataclass(frozen=True)
class TrainingSettings:
    """The training probe (probes/training.py): both families on one budget of images seen."""
    resolution: int = 16  # probe resolution; digits are 8×8 upsampled
    fractions: tuple[float, ...] = (0.1, 0.3, 1.0)  # dataset sizes, as shares of the train split
    seeds: tuple[int, ...] = (0, 1)
    images_seen: int = 9600  # per run, the same for both families (a GAN step sees one batch)
    batch: int = 64
    checkpoints: int = 2  # quality measured at evenly spaced points, the last at the end
    eval_nfe: int = 10  # DPM-Solver++ steps when sampling the denoiser for metrics
    gan_width: int = 16  # GANConfig.base_width
    diffusion_width: int = 16  # DenoiserConfig.base_width
    gan_lr: float = 2e-4  # SNGAN's Adam(2e-4, β=(0, 0.9))
    diffusion_lr: float = 1e-3  # tiny UNet, short budget: 5× DDPM's 2e-4
    extractor_epochs: int = 4
    data_dir: str | None = None  # None: scikit-learn's digits
    feature_extractor: str = "domain"  # "domain" (trained here) or "inception" (torch-fidelity)


_TRAINING = {
    ("quick", "cpu"): TrainingSettings(),
    ("full", "cpu"): TrainingSettings(fractions=(0.1, 0.2, 0.4, 1.0), seeds=(0, 1, 2), images_seen=25600,
                                      checkpoints=4, eval_nfe=20),
    ("quick", "gpu"): TrainingSettings(images_seen=25600, gan_width=32, diffusion_width=32, checkpoints=3),
    ("full", "gpu"): TrainingSettings(resolution=32, fractions=(0.1, 0.2, 0.4, 1.0), seeds=(0, 1, 2),
                                      images_seen=64000, gan_width=32, diffusion_width=32,
                                      checkpoints=4, eval_nfe=20),
}


@dataclass(frozen=True)
class ProbeConfig:
    profile: str
    probes: tuple[str, ...]  # names in probes.registry
    device: str  # resolved: "cpu", "cuda" or "mps"
    dtypes: tuple[str, ...]  # "fp32", "bf16", "fp16"
    seed: int
    budget_s: float | None  # wall-clock seconds for this invocation; None = no limit
    inference: InferenceSettings = field(default=None)  # type: ignore[assignment]
    training: TrainingSettings = field(default=None)  # type: ignore[assignment]
    conditioning: ConditioningSettings = field(default=None)  # type: ignore[assignment]
    steering: SteeringSettings = field(default=None)  # type: ignore[assignment]
    hybrid: HybridSettings = field(default=None)  # type: ignore[assignment]
    # torch's intra-op threads while measuring; None: torch's default (one per physical core, or
    # OMP_NUM_THREADS). Set explicitly and recorded, since times scale with it and two runs that
    # each take every core slow each other up to 24x on a 2-core machine.
    threads: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def resolve_config(profile: str, probes: tuple[str, ...], device: str, dtypes: tuple[str, ...],
                   budget_s: float | None = None, seed: int = 0, data_dir: str | None = None,
                   feature_extractor: str = "domain", threads: int | None = None) -> ProbeConfig:
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    kind = "cpu" if device == "cpu" else "gpu"
    training = replace(_TRAINING[(profile, kind)], data_dir=data_dir, feature_extractor=feature_extractor)
    return ProbeConfig(profile=profile, probes=tuple(probes), device=device, dtypes=tuple(dtypes),
                       seed=seed, budget_s=budget_s, inference=_INFERENCE[(profile, kind)],
                       training=training, conditioning=conditioning_settings(profile, device, data_dir),
                       steering=steering_settings(profile, device, data_dir),
                       hybrid=hybrid_settings(profile, device, data_dir), threads=threads)


def config_from_dict(d: dict) -> ProbeConfig:
    """Inverse of `ProbeConfig.to_dict` (JSON turns tuples into lists)."""
    def tuples(obj, cls):
        kw = {}
        for f in fields(cls):
            v = obj.get(f.name)
            kw[f.name] = tuple(v) if isinstance(v, list) else v
        return cls(**kw)

    inference = tuples(d.get("inference") or {}, InferenceSettings)
    sections = {"training": TrainingSettings, "conditioning": ConditioningSettings,
                 "steering": SteeringSettings, "hybrid": HybridSettings}
    nested = {name: tuples(d[name], cls) if d.get(name) else None for name, cls in sections.items()}
    top = {k: v for k, v in d.items() if k not in ("inference", *sections)}
    return replace(tuples(top, ProbeConfig), inference=inference, **nested)
