"""What the conditioning, steering and hybrid probes share: data, the domain classifier, the
unconditional reference models, a clipped DDIM sampler and a per-sample clock.

    data = control_data(None, 16, seed=0)                       # built-in digits, cached
    classifier, train_s = domain_classifier(data, seed=0, epochs=4)
    ref = reference_model("diffusion", data, ReferenceSpec(16, 16, 1e-3, 400, 64), seed=0, device=dev)

Each is cached per process, keyed by everything that changes it, so `genarch probe` running
steering and hybrid trains the unconditional GAN and denoiser once. The unconditional models are
trained exactly as the training probe's (probes/training.py: GANTrainer, DiffusionTrainer, the same
layouts and losses), only for a fixed number of steps. The classifier is probes/measure/fidelity.py's
domain extractor, a classifier when the data has labels; it also gives FID/KID/precision/recall.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import torch

from probes.control_settings import ReferenceSpec
from probes.measure.data import ImageData, load_builtin_digits, load_image_folder
from probes.measure.fidelity import DomainExtractor, train_domain_extractor
from probes.measure.timing import time_once

_DATA: dict = {}
_CLASSIFIERS: dict = {}
_MODELS: dict = {}


def control_data(data_dir: str | None, resolution: int, seed: int) -> ImageData:
    """The built-in digits (data_dir None) or a folder (DIR/<class>/*.png gives labels)."""
    key = (data_dir, resolution, seed)
    if key not in _DATA:
        _DATA[key] = (load_image_folder(data_dir, resolution, seed) if data_dir
                      else load_builtin_digits(resolution, seed))
    return _DATA[key]


def domain_classifier(data: ImageData, seed: int, epochs: int) -> tuple[DomainExtractor, float]:
    """The extractor trained on `data`'s train split, and the seconds its training took."""
    key = (id(data), seed, epochs)
    if key not in _CLASSIFIERS:
        start = time.perf_counter()
        extractor = train_domain_extractor(data, seed=seed, epochs=epochs)
        _CLASSIFIERS[key] = (extractor, time.perf_counter() - start)
    return _CLASSIFIERS[key]


def classifier_record(extractor: DomainExtractor, train_s: float, data: ImageData) -> dict:
    """What the domain classifier is worth as a judge: its accuracy on real held-out images,
    overall and per class (a class it cannot read in real images caps that class's measured
    accuracy for every model, so the tables set each class against it)."""
    classes = len(data.class_names) if extractor.task == "classes" else None
    record = {"name": extractor.name, "task": extractor.task, "held_out_accuracy": extractor.held_out_accuracy,
              "train_s": train_s, "classes": classes, "chance_accuracy": 1.0 / classes if classes else None}
    if classes and extractor.held_out_per_class:
        record["held_out_per_class"] = [{"class": name, "accuracy": accuracy, "images": images}
                                        for name, (accuracy, images) in extractor.held_out_per_class.items()]
    return record


@dataclass
class Reference:
    family: str
    model: torch.nn.Module  # the GAN's generator, or the denoiser UNet (epsilon prediction)
    train_s: float
    steps: int
    images_seen: int
    params: int

    def record(self) -> dict:
        return {"train_s": self.train_s, "steps": self.steps, "images_seen": self.images_seen,
                "params": self.params}


def train_steps(step: Callable, images: torch.Tensor, labels: torch.Tensor | None, steps: int, batch: int,
                seed: int, device, check_budget: Callable = lambda: None) -> float:
    """Call `step(images, labels)` on `steps` random batches; return the seconds spent in steps."""
    gen = torch.Generator().manual_seed(seed)
    spent = 0.0
    for _ in range(steps):
        check_budget()
        idx = torch.randint(len(images), (batch,), generator=gen)
        real = images[idx].to(device)
        start = time.perf_counter()
        step(real, labels[idx].to(device) if labels is not None else None)
        spent += time.perf_counter() - start  # CUDA: the trainers' .item() synchronises each step
    return spent


def reference_model(family: str, data: ImageData, spec: ReferenceSpec, seed: int, device,
                    check_budget: Callable = lambda: None) -> Reference:
    """The unconditional GAN ("gan") or denoiser ("diffusion"), trained once per process."""
    from probes.training import DiffusionTrainer, GANTrainer

    key = (family, id(data), spec, seed, str(device))
    if key not in _MODELS:
        torch.manual_seed(seed)
        trainer = {"gan": GANTrainer, "diffusion": DiffusionTrainer}[family](
            spec.trainer_settings(), data.channels, torch.device(device))
        train_s = train_steps(lambda real, _: trainer.step(real), data.train, None, spec.steps, spec.batch,
                              seed, device, check_budget)
        model = trainer.g if family == "gan" else trainer.unet
        model.eval().requires_grad_(False)
        _MODELS[key] = Reference(family, model, train_s, spec.steps, spec.steps * spec.batch,
                                 sum(p.numel() for p in model.parameters()))
    return _MODELS[key]


def clipped_ddim(prediction_type: str = "epsilon"):
    """Deterministic DDIM on the reference noise schedule, on the "trailing" grid (first step at
    t = 999, so 1-step sampling starts from noise; Lin et al. 2023, arxiv 2305.08891) with x̂
    clipped to the data range [−1, 1] as DDPM's own sampler does (arxiv 2006.11239). On the
    probes' short-trained denoisers clipping matters: unclipped, stray high-frequency noise
    survives into a share of the samples."""
    from diffusers import DDIMScheduler

    from probes.models.sampling import make_scheduler

    return DDIMScheduler.from_config(make_scheduler("ddim").config, timestep_spacing="trailing",
                                     clip_sample=True, prediction_type=prediction_type)


def timed(fn: Callable, samples: int, device, warmup: Callable | None = None) -> tuple[object, float]:
    """(fn(), milliseconds per sample of that one call). `warmup` (e.g. the same call on 2
    samples) runs first, untimed: first calls pay for allocation and kernel selection. The clock
    is probes.measure.timing's, which waits for the device."""
    if warmup is not None:
        warmup()
    out, ms = time_once(fn, torch.device(device).type)
    return out, ms / samples
