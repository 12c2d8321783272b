"""The hybrid probe: does distilling the denoiser buy GAN-like speed at diffusion-like quality?

    genarch probe --only hybrid --profile quick

The unconditional reference denoiser (the teacher; probes/control_models.py, trained as the
training probe's) is distilled by progressive distillation (probes/models/distillation.py; Salimans &
Ho 2022, arxiv 2202.00512) from `teacher_nfe` steps down to `student_nfes` (e.g. 8 -> 4, 2, 1).
Then on the same data, with the same classifier features and the same number of samples:
- the teacher at every NFE in `teacher_nfes` (clipped trailing DDIM, the sampler it was
  distilled from), so "just take fewer steps" is measured next to distillation;
- each student at its own NFE;
- the unconditional reference GAN (NFE 1);
each row with FID/KID/precision/recall against held-out real images and measured time per
sample (one call of `samples`, after a warm-up). The distillation's own cost (wall seconds,
optimiser steps, teacher forwards) is recorded beside the teacher's training cost.
Measuring only: probes/summaries/control_summary.py picks the student and computes the speed-up.
"""
from __future__ import annotations

import torch

from probes.control_models import (classifier_record, clipped_ddim, control_data, domain_classifier, reference_model,
                                   timed)
from probes.models.distillation import progressive_distill, student_scheduler
from probes.measure.fidelity import quality_metrics, real_floor
from probes.models.ref_diffusion import Denoiser
from probes.registry import register_probe
from probes.models.sampling import sample


def measure_denoiser(unet, scheduler_fn, nfe: int, n: int, data, extractor, seed: int, device) -> dict:
    """Quality and time per sample of `n` samples in one call at `nfe` steps."""
    shape = (data.channels, data.resolution, data.resolution)

    def run(count=n, steps=nfe):
        return sample(Denoiser(unet), scheduler_fn(), steps, (count, *shape), device=device,
                      generator=torch.Generator(device).manual_seed(seed)).clamp(-1, 1)

    images, ms = timed(run, n, device, warmup=lambda: run(2, 1))
    return {"nfe": nfe, "latency_ms_per_sample": ms, "samples": n, "batch": n,
            "quality": quality_metrics(images.float().cpu(), data.held_out, extractor)}


@register_probe("hybrid")
def run_hybrid(ctx) -> None:
    s, device, seed = ctx.config.hybrid, torch.device(ctx.config.device), ctx.config.seed
    section = ctx.open_section("hybrid", len(s.teacher_nfes) + len(s.student_nfes) + 1)
    if section is None:
        return
    data = control_data(s.data_dir, s.resolution, seed)
    extractor, extractor_s = domain_classifier(data, seed, s.extractor_epochs)
    n = min(s.samples, len(data.held_out))
    section.update(data=data.summary(), classifier=classifier_record(extractor, extractor_s, data), rows=[],
                   device=device.type, dtype="fp32")
    section["real_floor"] = real_floor(data.train, data.held_out, n, extractor, seed)  # the rows' FID floor

    def record(architecture, role, row, **extra):
        section["rows"].append({"architecture": architecture, "role": role, **extra, **row})
        ctx.save()
        ctx.advance(f"hybrid {role} nfe {row['nfe']}")

    teacher = reference_model("diffusion", data, s.reference("diffusion"), seed, device, ctx.check_budget)
    section["teacher"] = {**teacher.record(), "sampler": "ddim (trailing, clipped)", "prediction": "epsilon"}
    for nfe in s.teacher_nfes:
        ctx.check_budget()
        record("diffusion", "teacher", measure_denoiser(teacher.model, clipped_ddim, nfe, n, data, extractor, seed,
                                                        device), sampler="ddim (trailing, clipped)")

    images = data.train.to(device)
    stages = progressive_distill(teacher.model, images, s.teacher_nfe, tuple(s.student_nfes),
                                 s.distill_steps_per_stage, s.distill_batch, s.distill_lr, seed, ctx.check_budget,
                                 s.student_prediction)
    section["distillation"] = {
        "method": "progressive distillation (arxiv 2202.00512), truncated-SNR weight",
        "student_prediction": s.student_prediction,
        "teacher_nfe": s.teacher_nfe,
        "stages": [{"nfe": st.nfe, "train_s": st.train_s, "steps": st.steps, "images_seen": st.images_seen,
                    "teacher_forwards": st.teacher_forwards, "final_loss": st.final_loss} for st in stages],
        "train_s": sum(st.train_s for st in stages),
        "teacher_forwards": sum(st.teacher_forwards for st in stages),
        "share_of_teacher_train_s": sum(st.train_s for st in stages) / teacher.train_s if teacher.train_s else None,
    }
    ctx.save()
    for st in stages:
        ctx.check_budget()
        scheduler = (lambda: student_scheduler(s.student_prediction))
        record("hybrid", "student", measure_denoiser(st.unet, scheduler, st.nfe, n, data, extractor, seed, device),
               sampler=f"ddim (trailing, clipped, {s.student_prediction})")

    gan = reference_model("gan", data, s.reference("gan"), seed, device, ctx.check_budget)
    section["gan"] = gan.record()
    gen = torch.Generator(device).manual_seed(seed)
    fakes, ms = timed(lambda: gan.model.sample(n, gen), n, device, warmup=lambda: gan.model.sample(2))
    record("gan", "reference", {"nfe": 1, "latency_ms_per_sample": ms, "samples": n, "batch": n,
                                "quality": quality_metrics(fakes.float().cpu(), data.held_out, extractor)})
    section["complete"] = True
    ctx.save()
