"""The conditioning probe: how well does each family follow a class label? Measured here.

    genarch probe --only conditioning --profile quick           # built-in digits, 10 classes
    genarch probe --only conditioning --data DIR                # DIR/<class>/*.png

Trains a class-conditional GAN (probes/models/ref_cond_gan.py: projection discriminator) and a class-
conditional denoiser with classifier-free guidance (probes/models/ref_cond_diffusion.py) on the same
images, then asks each for `samples_per_class` images of every class and measures:
- conditional accuracy: the share the domain classifier (probes/measure/fidelity.py, trained on the real
  train split) puts in the requested class, against chance (1 / classes) and the classifier's
  own accuracy on held-out real images (the ceiling);
- per class: accuracy and diversity (mean pairwise distance of classifier features among the
  class's samples ÷ the same among its held-out real images; 1 = as varied as real, → 0 = one
  image per class);
- overall quality (FID/KID/precision/recall against held-out real images, torch-fidelity);
- for the denoiser, each guidance scale in `guidance_scales` (0 = unconditional, 1 = plain
  conditional; ref_cond_diffusion.py), with forwards per sample and measured time per sample,
  so the ×2 cost of a guided step is a measurement, not an assumption.
Measuring only: probes/summaries/control_summary.py turns the section into rubric evidence.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from probes.training import optimise
from probes.control_settings import ConditioningSettings
from probes.control_models import (classifier_record, clipped_ddim, control_data, domain_classifier, timed,
                                   train_steps)
from probes.measure.data import ImageData, to_uint8
from probes.measure.fidelity import DomainExtractor, precision_recall, quality_metrics, real_floor
from probes.models.ref_cond_diffusion import (CondDenoiserConfig, GuidedDenoiser, build_cond_denoiser, drop_labels,
                                       forwards_per_step)
from probes.models.ref_cond_gan import CondGANConfig, CondGenerator, ProjectionDiscriminator
from probes.models.ref_diffusion import DenoiserConfig
from probes.models.ref_gan import GANConfig, d_hinge_loss, g_hinge_loss
from probes.registry import register_probe
from probes.models.sampling import make_scheduler, sample


def train_cond_gan(data: ImageData, s: ConditioningSettings, seed: int, device, check_budget=lambda: None):
    torch.manual_seed(seed)
    cfg = CondGANConfig(GANConfig(resolution=s.resolution, base_width=s.gan_width, z_dim=64, channels=data.channels),
                        num_classes=len(data.class_names))
    g, d = CondGenerator(cfg).to(device), ProjectionDiscriminator(cfg).to(device)
    opt_g = torch.optim.Adam(g.parameters(), lr=s.gan_lr, betas=(0.0, 0.9))
    opt_d = torch.optim.Adam(d.parameters(), lr=s.gan_lr, betas=(0.0, 0.9))
    label_pool = data.train_labels.to(device)  # fake labels follow the real class frequencies

    def step(real, labels):
        z = torch.randn(len(real), cfg.gan.z_dim, device=device)
        fake_labels = label_pool[torch.randint(len(label_pool), (len(real),), device=device)]
        d_loss = d_hinge_loss(d(real, labels), d(g(z, fake_labels).detach(), fake_labels))
        optimise(opt_d, d_loss)
        g_loss = g_hinge_loss(d(g(z, fake_labels), fake_labels))
        optimise(opt_g, g_loss)
        return g_loss.item()

    train_s = train_steps(step, data.train, data.train_labels, s.gan_steps, s.batch, seed, device, check_budget)
    return g.eval().requires_grad_(False), train_s, cfg


def train_cond_diffusion(data: ImageData, s: ConditioningSettings, seed: int, device, check_budget=lambda: None):
    torch.manual_seed(seed)
    base = DenoiserConfig(resolution=s.resolution, base_width=s.diffusion_width, channel_mults=(1, 2),
                          layers_per_block=1, attention_levels=(1,), channels=data.channels, norm_groups=8)
    cfg = CondDenoiserConfig(base, num_classes=len(data.class_names), p_uncond=s.p_uncond)
    unet = build_cond_denoiser(cfg).to(device)
    opt = torch.optim.Adam(unet.parameters(), lr=s.diffusion_lr)
    noise = make_scheduler("ddpm")
    gen = torch.Generator(device).manual_seed(seed)

    def step(real, labels):
        eps = torch.randn_like(real)
        t = torch.randint(0, noise.config.num_train_timesteps, (len(real),), device=device)
        pred = unet(noise.add_noise(real, eps, t), t, class_labels=drop_labels(labels, cfg, gen), return_dict=False)[0]
        loss = F.mse_loss(pred, eps)  # epsilon objective (Ho et al. 2020), as the reference denoiser
        optimise(opt, loss)
        return loss.item()

    train_s = train_steps(step, data.train, data.train_labels, s.diffusion_steps, s.batch, seed, device, check_budget)
    return unet.eval().requires_grad_(False), train_s, cfg


@torch.no_grad()
def class_metrics(images: torch.Tensor, requested: torch.Tensor, extractor: DomainExtractor, data: ImageData) -> dict:
    """Conditional accuracy overall and per class; per class also diversity relative to real and
    quality as precision/recall against that class's held-out images (torch-fidelity)."""
    net = extractor.net.to("cpu")
    images = images.float().cpu()
    predicted = net(to_uint8(images)).argmax(1)
    feats, real_feats = net.features(to_uint8(images)), net.features(to_uint8(data.held_out))
    per_class = []
    for c, name in enumerate(data.class_names):
        mine, real = feats[requested == c], real_feats[data.held_out_labels == c]
        spread = torch.pdist(real).mean() if len(real) > 1 else None
        diversity = float(torch.pdist(mine).mean() / spread) if spread is not None and len(mine) > 1 else None
        quality = precision_recall(mine, real) or {}
        per_class.append({"class": name, "accuracy": float((predicted[requested == c] == c).float().mean()),
                          "diversity_ratio": diversity, "precision": quality.get("precision"),
                          "recall": quality.get("recall")})
    ratios = [p["diversity_ratio"] for p in per_class if p["diversity_ratio"] is not None]
    precisions = [p["precision"] for p in per_class if p["precision"] is not None]
    return {"conditional_accuracy": float((predicted == requested).float().mean()),
            "diversity_ratio_mean": sum(ratios) / len(ratios) if ratios else None,
            "precision_worst_class": min(precisions) if precisions else None, "per_class": per_class}


def measure_gan(g, labels, extractor, data, seed, device) -> dict:
    gen = torch.Generator(device).manual_seed(seed)
    images, ms = timed(lambda: g.sample(labels.to(device), gen), len(labels), device,
                       warmup=lambda: g.sample(labels[:2].to(device)))
    return {"architecture": "gan", "guidance_scale": None, "nfe": 1, "forwards_per_sample": 1,
            "latency_ms_per_sample": ms, "samples": len(labels), **class_metrics(images, labels, extractor, data),
            "quality": quality_metrics(images.float().cpu(), data.held_out, extractor)}


def measure_diffusion(unet, cfg: CondDenoiserConfig, labels, scale: float, nfe: int, extractor, data, seed,
                      device) -> dict:
    shape = (len(labels), data.channels, data.resolution, data.resolution)
    labels = labels.to(device)

    def run(n=len(labels)):
        denoiser = GuidedDenoiser(unet, labels[:n], scale, cfg.null_class)
        return sample(denoiser, clipped_ddim(), nfe, (n, *shape[1:]), device=device,
                      generator=torch.Generator(device).manual_seed(seed)).clamp(-1, 1)

    images, ms = timed(run, len(labels), device, warmup=lambda: run(2))
    return {"architecture": "diffusion", "guidance_scale": scale, "nfe": nfe,
            "forwards_per_sample": nfe * forwards_per_step(scale), "sampler": "ddim (trailing, clipped)",
            "latency_ms_per_sample": ms, "samples": len(labels),
            **class_metrics(images, labels.cpu(), extractor, data),
            "quality": quality_metrics(images.float().cpu(), data.held_out, extractor)}


@register_probe("conditioning")
def run_conditioning(ctx) -> None:
    s, device, seed = ctx.config.conditioning, torch.device(ctx.config.device), ctx.config.seed
    section = ctx.open_section("conditioning", 1 + len(s.guidance_scales))
    if section is None:
        return
    data = control_data(s.data_dir, s.resolution, seed)
    if data.train_labels is None:
        section.update(complete=True, skipped="the data has no class labels: lay it out as DIR/<class>/*.png")
        ctx.notes.append("conditioning: skipped, the data has no class labels")
        ctx.save()
        return
    extractor, extractor_s = domain_classifier(data, seed, s.extractor_epochs)
    section.update(data=data.summary(), classifier=classifier_record(extractor, extractor_s, data), rows=[])
    requested = torch.arange(len(data.class_names)).repeat_interleave(s.samples_per_class)
    # the rows' FID floor: as many real training images as samples drawn, against the held-out ones
    section["real_floor"] = real_floor(data.train, data.held_out, len(requested), extractor, seed)
    g, gan_s, gan_cfg = train_cond_gan(data, s, seed, device, ctx.check_budget)
    section["models"] = {"gan": {"train_s": gan_s, "steps": s.gan_steps, "images_seen": s.gan_steps * s.batch,
                                 "params": sum(p.numel() for p in g.parameters()),
                                 "discriminator": "projection (arxiv 1802.05637)"}}
    section["rows"].append(measure_gan(g, requested, extractor, data, seed, device))
    ctx.save()
    ctx.advance("conditioning gan")
    unet, diff_s, diff_cfg = train_cond_diffusion(data, s, seed, device, ctx.check_budget)
    section["models"]["diffusion"] = {"train_s": diff_s, "steps": s.diffusion_steps,
                                      "images_seen": s.diffusion_steps * s.batch, "p_uncond": s.p_uncond,
                                      "params": sum(p.numel() for p in unet.parameters()),
                                      "guidance": "classifier-free (arxiv 2207.12598), diffusers' scale convention"}
    for scale in s.guidance_scales:
        ctx.check_budget()
        section["rows"].append(measure_diffusion(unet, diff_cfg, requested, scale, s.nfe, extractor, data, seed,
                                                 device))
        ctx.save()
        ctx.advance(f"conditioning diffusion s={scale:g}")
    section["complete"] = True
    ctx.save()
