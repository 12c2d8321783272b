"""The training probe: will it train reliably, and how much data does it need? Measured here.

    genarch probe --only training --profile quick            # built-in digits
    genarch probe --only training --data photos/             # the user's own images

Both reference families (probes/models/ref_gan.py, probes/models/ref_diffusion.py) train on the same budget of
images seen, at several dataset sizes (nested subsets of the train split) and seeds. Each run
records step time, images per second, its loss curve and, at checkpoints, FID/KID/precision/
recall of generated against held-out real images (probes/measure/fidelity.py, through torch-fidelity),
and at the end mode coverage. A GAN that diverges (NaN loss, or a discriminator whose hinge loss
collapses to ~0 or explodes) is a result, not a crash. Summaries (stability, data needs, training cost) are
computed from the runs by probes/summaries/training_summary.py. Measuring only: no formatting here.
"""
from __future__ import annotations

import base64
import io
import math
import time

import torch
import torch.nn.functional as F

from probes.measure.data import ImageData, load_builtin_digits, load_image_folder, to_uint8
from probes.measure.fidelity import (INCEPTION, inception_unavailable_reason, mode_coverage, quality_metrics,
                             train_domain_extractor)
from probes.models.ref_diffusion import Denoiser, DenoiserConfig, build_denoiser
from probes.models.ref_gan import Discriminator, GANConfig, Generator, d_hinge_loss, g_hinge_loss
from probes.registry import register_probe
from probes.models.sampling import make_scheduler, sample

FAMILIES = ("gan", "diffusion")
D_COLLAPSE_LOSS = 0.05  # hinge D loss below this over the last fifth of training: D has won
# At chance (D outputs 0) the hinge D loss is 2; five times that over the last fifth means the
# logits have blown up and the two players are no longer learning from each other.
D_EXPLODED_LOSS = 10.0
CURVE_POINTS = 60  # loss curves are stored downsampled to at most this many points


def optimise(optimiser: torch.optim.Optimizer, loss: torch.Tensor) -> None:
    """One gradient step: clear, backpropagate, update (every trainer in the probes does this)."""
    optimiser.zero_grad(set_to_none=True)
    loss.backward()
    optimiser.step()


def models_for(family: str, settings, channels: int):
    """Fresh networks at the probe's size for one family (the same at every dataset size)."""
    if family == "gan":
        cfg = GANConfig(resolution=settings.resolution, base_width=settings.gan_width,
                        z_dim=64, channels=channels)
        return Generator(cfg), Discriminator(cfg)
    cfg = DenoiserConfig(resolution=settings.resolution, base_width=settings.diffusion_width,
                         channel_mults=(1, 2), layers_per_block=1, attention_levels=(1,),
                         channels=channels, norm_groups=8)
    return build_denoiser(cfg), None


class GANTrainer:
    """Hinge-loss GAN, one D step per G step; Adam(0, 0.9) as SNGAN (arxiv 1802.05957)."""

    def __init__(self, settings, channels, device):
        self.g, self.d = (m.to(device) for m in models_for("gan", settings, channels))
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=settings.gan_lr, betas=(0.0, 0.9))
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=settings.gan_lr, betas=(0.0, 0.9))
        self.device = device

    def step(self, real: torch.Tensor) -> dict:
        z = torch.randn(len(real), self.g.config.z_dim, device=self.device)
        d_loss = d_hinge_loss(self.d(real), self.d(self.g(z).detach()))
        optimise(self.opt_d, d_loss)
        g_loss = g_hinge_loss(self.d(self.g(z)))
        optimise(self.opt_g, g_loss)
        return {"d": d_loss.item(), "g": g_loss.item()}

    @torch.no_grad()
    def generate(self, n: int, seed: int) -> torch.Tensor:
        self.g.eval()
        out = self.g.sample(n, generator=torch.Generator(self.device).manual_seed(seed))
        self.g.train()
        return out.float().cpu()


class DiffusionTrainer:
    """Epsilon-prediction DDPM objective (Ho et al. 2020) with diffusers' noise schedule;
    samples with DPM-Solver++ at `eval_nfe` steps."""

    def __init__(self, settings, channels, device):
        self.unet, _ = models_for("diffusion", settings, channels)
        self.unet.to(device)
        self.opt = torch.optim.Adam(self.unet.parameters(), lr=settings.diffusion_lr)
        self.noise = make_scheduler("ddpm")
        self.nfe, self.device = settings.eval_nfe, device

    def step(self, real: torch.Tensor) -> dict:
        eps = torch.randn_like(real)
        t = torch.randint(0, self.noise.config.num_train_timesteps, (len(real),), device=self.device)
        loss = F.mse_loss(self.unet(self.noise.add_noise(real, eps, t), t, return_dict=False)[0], eps)
        optimise(self.opt, loss)
        return {"mse": loss.item()}

    @torch.no_grad()
    def generate(self, n: int, seed: int) -> torch.Tensor:
        self.unet.eval()
        shape = (n, self.unet.config.in_channels, self.unet.config.sample_size, self.unet.config.sample_size)
        out = sample(Denoiser(self.unet), make_scheduler("dpmsolver++"), self.nfe, shape,
                     device=self.device, generator=torch.Generator(self.device).manual_seed(seed))
        self.unet.train()
        return out.float().clamp(-1, 1).cpu()


def _downsample(values: list[float], points: int = CURVE_POINTS) -> list[float]:
    if len(values) <= points:
        return values
    size = len(values) / points
    return [sum(values[int(i * size):int((i + 1) * size)]) / len(values[int(i * size):int((i + 1) * size)])
            for i in range(points)]


GRID_GAP_PX = 2  # grey lines between samples: digits fill their tiles, and touching tiles read as stripes
GRID_GAP_GREY = 96


def sample_grid_png(images: torch.Tensor, columns: int = 8) -> str:
    """Up to 64 samples as one PNG, base64 — for the app's and reports' sample grids."""
    from PIL import Image

    x = to_uint8(images[: columns * columns]).permute(0, 2, 3, 1).numpy()
    if x.shape[-1] == 1:  # PIL reads (h, w) as greyscale, not (h, w, 1)
        x = x[..., 0]
    rows = math.ceil(len(x) / columns)
    h, w = x.shape[1:3]
    step_x, step_y = w + GRID_GAP_PX, h + GRID_GAP_PX
    canvas = Image.new("RGB", (columns * step_x - GRID_GAP_PX, rows * step_y - GRID_GAP_PX), (GRID_GAP_GREY,) * 3)
    for i, img in enumerate(x):
        canvas.paste(Image.fromarray(img).convert("RGB"), ((i % columns) * step_x, (i // columns) * step_y))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def train_run(family: str, data: ImageData, fraction: float, seed: int, settings, extractor,
              device: torch.device, check_budget=lambda: None, keep_grid: bool = False,
              classifier=None) -> dict:
    """One training run at one dataset size and seed, on the shared images-seen budget.
    `extractor` computes FID/KID/PRC; `classifier` (default: the extractor) labels samples for
    mode coverage."""
    torch.manual_seed(seed)
    images, _ = data.subset(fraction, seed)
    trainer = (GANTrainer if family == "gan" else DiffusionTrainer)(settings, data.channels, device)
    steps = max(1, settings.images_seen // settings.batch)
    checkpoints = sorted({max(1, round(steps * (k + 1) / settings.checkpoints)) for k in range(settings.checkpoints)})
    gen = torch.Generator().manual_seed(seed)
    losses: dict[str, list[float]] = {}
    step_s, curve, trained_s, metrics_s = [], [], 0.0, 0.0
    run_start = time.perf_counter()
    diverged_at = None
    for step in range(1, steps + 1):
        check_budget()
        batch = images[torch.randint(len(images), (settings.batch,), generator=gen)].to(device)
        start = time.perf_counter()
        values = trainer.step(batch)
        elapsed = time.perf_counter() - start  # CPU: synchronous; CUDA: float() above syncs
        step_s.append(elapsed)
        trained_s += elapsed
        for key, value in values.items():
            losses.setdefault(key, []).append(value)
        if any(not math.isfinite(v) for v in values.values()):
            diverged_at = step
            break
        if step in checkpoints:
            t0 = time.perf_counter()
            generated = trainer.generate(len(data.held_out), seed)
            metrics = quality_metrics(generated, data.held_out, extractor)
            metrics_s += time.perf_counter() - t0
            curve.append({"step": step, "images_seen": step * settings.batch, "train_s": trained_s, **metrics})
    d_tail = losses.get("d", [])[-max(1, len(losses.get("d", [])) // 5):]
    d_mean = sum(d_tail) / len(d_tail) if d_tail else None
    d_collapsed = family == "gan" and d_mean is not None and d_mean < D_COLLAPSE_LOSS
    d_exploded = family == "gan" and d_mean is not None and d_mean > D_EXPLODED_LOSS
    g_tail = losses.get("g", [])[len(losses.get("g", [])) // 2:]
    oscillation = None
    if family == "gan" and len(g_tail) > 2:  # std of G's loss over the second half, per unit of its mean |loss|
        mean = sum(g_tail) / len(g_tail)
        oscillation = math.sqrt(sum((v - mean) ** 2 for v in g_tail) / len(g_tail)) / (
            sum(abs(v) for v in g_tail) / len(g_tail) + 1e-8)
    row = {
        "architecture": family, "fraction": fraction, "train_images": len(images), "seed": seed,
        "images_seen": len(step_s) * settings.batch, "steps": len(step_s),
        "step_ms_median": 1e3 * sorted(step_s)[len(step_s) // 2],
        "images_per_s": len(step_s) * settings.batch / trained_s if trained_s else None,
        "train_s": trained_s, "losses": {k: _downsample(v) for k, v in losses.items()},
        "curve": curve, "final": curve[-1] if curve and diverged_at is None else None,
        "diverged": diverged_at is not None or d_collapsed or d_exploded,
        "divergence": {"nan_at_step": diverged_at, "d_loss_collapsed": d_collapsed,
                       "d_loss_exploded": d_exploded},
        "oscillation": oscillation, "mode_coverage": None, "device": device.type,
        "metrics_s": metrics_s,  # sampling + torch-fidelity at checkpoints, excluded from train_s
    }
    if diverged_at is None:
        generated = trainer.generate(len(data.held_out), seed)
        row["mode_coverage"] = mode_coverage(generated, classifier or extractor, data)
        if keep_grid:
            row["sample_grid_png_base64"] = sample_grid_png(generated)
    row["wall_s"] = time.perf_counter() - run_start
    return row


def load_data(settings, seed: int) -> ImageData:
    if settings.data_dir:
        return load_image_folder(settings.data_dir, settings.resolution, seed, tuple(settings.fractions))
    return load_builtin_digits(settings.resolution, seed)


@register_probe("training")
def run_training(ctx) -> None:
    settings, device = ctx.config.training, torch.device(ctx.config.device)
    data = load_data(settings, ctx.config.seed)
    section = ctx.section("training", {"data": data.summary(), "runs": []})
    done = {(r["architecture"], r["fraction"], r["seed"]) for r in section["runs"]}
    tasks = [(f, fr, s) for f in FAMILIES for fr in settings.fractions for s in settings.seeds]
    ctx.plan(len(tasks), sum(t in done for t in tasks))
    if all(t in done for t in tasks):
        return
    start = time.perf_counter()
    domain = train_domain_extractor(data, seed=ctx.config.seed, epochs=settings.extractor_epochs)
    extractor = domain
    note = "genarch's domain extractor: not comparable with Inception FID"
    if settings.feature_extractor == "inception":
        reason = inception_unavailable_reason()
        if reason is None:
            extractor, note = INCEPTION, "torch-fidelity's InceptionV3: not comparable with the domain extractor's FID"
        else:
            note = f"InceptionV3 unavailable ({reason}); fell back to genarch's domain extractor"
            ctx.notes.append(f"training: {note}")
    section["extractor"] = {"name": extractor.name, "task": extractor.task, "requested": settings.feature_extractor,
                            "held_out_accuracy": domain.held_out_accuracy,
                            "train_s": time.perf_counter() - start, "note": note}
    for family, fraction, seed in tasks:
        if (family, fraction, seed) in done:
            continue
        ctx.check_budget()
        keep_grid = fraction == max(settings.fractions) and seed == settings.seeds[0]
        row = train_run(family, data, fraction, seed, settings, extractor, device, ctx.check_budget,
                        keep_grid, classifier=domain)
        section["runs"].append(row)
        ctx.save()  # the whole file, atomically: an interrupted probe keeps every finished run
        ctx.advance(f"train {family} {fraction:.0%} seed {seed}")
