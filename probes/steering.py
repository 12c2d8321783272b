"""The steering probe: can a trained model be steered after training? Inpainting, measured here.

    genarch probe --only steering --profile quick

Both unconditional reference models (probes/control_models.py, trained as the training probe's)
complete held-out images whose `mask` region is hidden, with no retraining:
- diffusion, "repaint": RePaint (Lugmayr et al. 2022, arxiv 2201.09865) through diffusers'
  RePaintScheduler: at every step the known region is replaced by the real image noised to that
  step, and every `jump_length` steps the chain is re-noised and re-run `jump_n_sample` times so
  the generated region can agree with the known one;
- diffusion, "replace": the same scheduler with jump_n_sample = 1, i.e. known-region replacement
  alone (the baseline RePaint improves on);
- gan, "latent_optimisation": Yeh et al. 2017 (arxiv 1607.07539): Adam on the latent z to match
  G(z) to the known pixels (their context loss, in L2), then the known pixels are pasted over
  G(z*) as in their blending step;
- "mean_fill": the hole filled with the mean training image, the floor any method should beat.
For each: error in the hole against the held-out truth (MSE and PSNR; inpainting has many right
answers, so this favours the blurry mean, hence also:) whether the domain classifier still reads
the true class, FID/KID of the completed images against the *train* split (the held-out truth
is half-copied into them), the worst error in the known region, and time per sample; and, image
by image against the mean fill (`vs_mean_fill`), how many images only the method completes into
the right class and how many only the mean fill does, and the paired difference in hole error,
from which the rubric quotes each gain with its standard error.
"""
from __future__ import annotations

import math

import torch

from probes.training import optimise
from probes.control_settings import MASKS
from probes.control_models import classifier_record, control_data, domain_classifier, reference_model, timed
from probes.measure.data import ImageData, to_uint8
from probes.measure.fidelity import quality_metrics
from probes.registry import register_probe



def known_mask(kind: str, resolution: int) -> torch.Tensor:
    """1×1×H×W, 1 where pixels are known (diffusers' RePaint convention), 0 in the hole."""
    mask = torch.ones(1, 1, resolution, resolution)
    half, quarter = resolution // 2, resolution // 4
    if kind == "bottom_half":
        mask[..., half:, :] = 0
    elif kind == "right_half":
        mask[..., :, half:] = 0
    elif kind == "centre_square":
        mask[..., quarter:resolution - quarter, quarter:resolution - quarter] = 0
    else:
        raise ValueError(f"mask must be one of {', '.join(MASKS)}, got {kind!r}")
    return mask


@torch.no_grad()
def repaint(unet, known: torch.Tensor, mask: torch.Tensor, nfe: int, jump_length: int, jump_n_sample: int,
            seed: int = 0, eta: float = 1.0) -> tuple[torch.Tensor, int]:
    """RePaint through diffusers' scheduler (its RePaintPipeline loop, minus the pipeline's image
    preprocessing). Returns the completed images and the network forwards per sample."""
    from diffusers import RePaintScheduler

    from probes.models.sampling import make_scheduler

    sched = RePaintScheduler.from_config(make_scheduler("ddpm").config, eta=eta)  # the reference schedule
    # timesteps stay on the CPU: the scheduler indexes its CPU tables with them; the UNet moves them
    sched.set_timesteps(nfe, jump_length=jump_length, jump_n_sample=jump_n_sample)
    gen = torch.Generator(known.device).manual_seed(seed)
    x = torch.randn(known.shape, generator=gen, device=known.device)
    mask = mask.to(known.device)
    forwards, t_last = 0, sched.timesteps[0] + 1
    for t in sched.timesteps:
        if t < t_last:  # going down: denoise one step, the known region re-imposed inside step()
            eps = unet(x, t, return_dict=False)[0]
            x = sched.step(eps, t, x, known, mask, generator=gen).prev_sample
            forwards += 1
        else:  # going up: re-noise by one step (a resampling jump)
            x = sched.undo_step(x, t_last, gen)
        t_last = t
    return x.clamp(-1, 1), forwards


def gan_latent_inpaint(generator, known: torch.Tensor, mask: torch.Tensor, steps: int, lr: float,
                       seed: int = 0) -> tuple[torch.Tensor, float]:
    """Optimise z so G(z) matches the known pixels, then paste them back. Returns the completed
    images and the final mean squared error of G(z*) on the known pixels (how well a GAN can fit)."""
    p = next(generator.parameters())
    mask = mask.to(known.device)
    z = torch.randn(len(known), generator.config.z_dim, generator=torch.Generator().manual_seed(seed)).to(p.device)
    z.requires_grad_(True)
    opt = torch.optim.Adam([z], lr=lr)
    area = mask.sum(dim=(1, 2, 3)) * known.shape[1]
    for _ in range(steps):
        per_image = (((generator(z) - known) * mask) ** 2).sum(dim=(1, 2, 3)) / area
        optimise(opt, per_image.sum())  # a sum, so each z's step does not depend on the batch size
    with torch.no_grad():
        out = generator(z)
        fit = float(((((out - known) * mask) ** 2).sum(dim=(1, 2, 3)) / area).mean())
    return mask * known + (1 - mask) * out, fit


def image_outcomes(completed: torch.Tensor, truth: torch.Tensor, labels, mask: torch.Tensor,
                   extractor) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Per image: squared error in the hole (mean over its pixels) and, with labels and a class
    extractor, whether the domain classifier reads the true class."""
    completed, truth, mask = completed.float().cpu(), truth.cpu(), mask.cpu()
    hole = (1 - mask).expand_as(truth)
    hole_mse = (((completed - truth) ** 2) * hole).sum(dim=(1, 2, 3)) / hole.sum(dim=(1, 2, 3))
    correct = None
    if labels is not None and extractor.task == "classes":
        with torch.no_grad():
            correct = extractor.net(to_uint8(completed)).argmax(1) == labels
    return hole_mse, correct


def paired_with_floor(outcomes, floor_outcomes) -> dict:
    """The same images completed by a method and by the floor, compared image by image: the
    standard error of the gain then counts only the images on which the two differ (McNemar's
    design for the class, a paired difference for the error), far tighter than the one two
    separate means would give (rubric/uncertainty.py)."""
    (mse, correct), (floor_mse, floor_correct) = outcomes, floor_outcomes
    difference = mse - floor_mse
    out = {"images": len(difference), "hole_mse_difference_mean": float(difference.mean()),
           "hole_mse_difference_sd": float(difference.std()) if len(difference) > 1 else None}
    if correct is not None and floor_correct is not None:
        out["right_class_gained"] = int((correct & ~floor_correct).sum())  # right only with the method
        out["right_class_lost"] = int((~correct & floor_correct).sum())    # right only with the floor
    return out


def completion_metrics(completed: torch.Tensor, truth: torch.Tensor, outcomes, mask: torch.Tensor,
                       data: ImageData, extractor) -> dict:
    """The row's aggregates: every image has the same hole, so the mean of the per-image hole MSEs
    (`outcomes`, from image_outcomes) is the hole MSE over all of them."""
    hole_mse, correct = outcomes
    mse = float(hole_mse.mean())
    known = mask.cpu().expand_as(truth).bool()
    return {"hole_mse": mse, "hole_psnr_db": 10 * math.log10(4.0 / mse) if mse > 0 else None,  # peak-to-peak 2
            "known_max_abs_error": float((completed.float().cpu() - truth.cpu())[known].abs().max()),
            "label_agreement": float(correct.float().mean()) if correct is not None else None,
            "quality_vs_train": quality_metrics(completed.float().cpu(), data.train, extractor)}


@register_probe("steering")
def run_steering(ctx) -> None:
    s, device, seed = ctx.config.steering, torch.device(ctx.config.device), ctx.config.seed
    section = ctx.open_section("steering", 4)
    if section is None:
        return
    data = control_data(s.data_dir, s.resolution, seed)
    extractor, extractor_s = domain_classifier(data, seed, s.extractor_epochs)
    n = min(s.images, len(data.held_out))
    truth = data.held_out[:n].to(device)
    labels = data.held_out_labels[:n] if data.held_out_labels is not None else None
    mask = known_mask(s.mask, data.resolution)
    known = truth * mask.to(device)  # what every method sees: the hole is zeroed, never read
    section.update(data=data.summary(), classifier=classifier_record(extractor, extractor_s, data), rows=[],
                   mask={"kind": s.mask, "hidden_fraction": float(1 - mask.mean())}, images=n, models={})
    _, truth_correct = image_outcomes(truth, truth, labels, mask, extractor)
    # the ceiling for label_agreement
    section["label_agreement_of_truth"] = float(truth_correct.float().mean()) if truth_correct is not None else None
    # the floor for quality_vs_train: the uncut held-out images themselves against the train split
    section["truth_quality_vs_train"] = quality_metrics(truth.float().cpu(), data.train, extractor)

    mean_image = data.train.mean(0, keepdim=True).to(device)
    mean_fill = mask.to(device) * known + (1 - mask.to(device)) * mean_image
    floor = image_outcomes(mean_fill, truth, labels, mask, extractor)  # what every method is paired with

    def record(method, architecture, completed, ms, **extra):
        outcomes = floor if method == "mean_fill" else image_outcomes(completed, truth, labels, mask, extractor)
        row = {"method": method, "architecture": architecture, "latency_ms_per_sample": ms, "samples": n, **extra,
               **completion_metrics(completed, truth, outcomes, mask, data, extractor)}
        if method != "mean_fill":
            row["vs_mean_fill"] = paired_with_floor(outcomes, floor)
        section["rows"].append(row)
        ctx.save()
        ctx.advance(f"steering {method}")

    record("mean_fill", None, mean_fill, 0.0, forwards_per_sample=0)

    unet_ref = reference_model("diffusion", data, s.reference("diffusion"), seed, device, ctx.check_budget)
    section["models"]["diffusion"] = unet_ref.record()
    for method, r in (("repaint", s.jump_n_sample), ("replace", 1)):
        ctx.check_budget()
        (completed, forwards), ms = timed(
            lambda: repaint(unet_ref.model, known, mask, s.nfe, s.jump_length, r, seed, s.repaint_eta), n, device,
            warmup=lambda: repaint(unet_ref.model, known[:2], mask, 2, 1, 1, seed))
        record(method, "diffusion", completed, ms, nfe=s.nfe, jump_length=s.jump_length, jump_n_sample=r,
               forwards_per_sample=forwards, eta=s.repaint_eta, sampler="RePaintScheduler (diffusers)")

    ctx.check_budget()
    gan_ref = reference_model("gan", data, s.reference("gan"), seed, device, ctx.check_budget)
    section["models"]["gan"] = gan_ref.record()
    (completed, fit), ms = timed(
        lambda: gan_latent_inpaint(gan_ref.model, known, mask, s.gan_optimisation_steps, s.gan_optimisation_lr, seed),
        n, device, warmup=lambda: gan_latent_inpaint(gan_ref.model, known[:2], mask, 1, s.gan_optimisation_lr))
    record("latent_optimisation", "gan", completed, ms, optimisation_steps=s.gan_optimisation_steps,
           forwards_per_sample=s.gan_optimisation_steps + 1, backwards_per_sample=s.gan_optimisation_steps,
           known_region_fit_mse=fit)
    section["complete"] = True
    ctx.save()
