"""The inference probe: what one sample costs on this device, per family, size, dtype, NFE, batch.

    genarch probe --only inference --profile quick --device cpu

For each reference GAN (probes/models/ref_gan.py) and denoiser (probes/models/ref_diffusion.py) size, and each
dtype, it counts FLOPs of one forward (FlopCounterMode, batch 1), finds a throughput batch by
doubling (stopping at a memory, time or size limit; a CUDA out-of-memory error backs off to the
last batch that fit), then times whole samples: one generator forward for a GAN, `nfe` denoiser
forwards through a diffusers scheduler for diffusion (probes/models/sampling.py). Each row gives
latency per sample (median, p90, IQR, cv), throughput, peak memory, achieved FLOP/s, the
fraction of the GPU's datasheet peak, and NVML energy per 1,000 samples where the card counts it.
Measuring only: formatting lives in reports/probe_table.py.
"""
from __future__ import annotations

from typing import Callable

import torch

from probes.measure import device as dev
from probes.models.ref_diffusion import DIFFUSION_SIZES, Denoiser, build_denoiser
from probes.models.ref_gan import GAN_SIZES, Generator
from probes.registry import register_probe
from probes.models.sampling import make_scheduler, sample
from probes.measure.timing import time_call


def plan(settings, dtypes) -> list[tuple]:
    """Every (architecture, model_size, dtype, nfe, batch_role) this run would measure."""
    tasks = []
    for dtype in dtypes:
        for size in settings.gan_sizes:
            tasks += [("gan", size, dtype, 1, role) for role in ("single", "throughput")]
        for size in settings.diffusion_sizes:
            tasks += [("diffusion", size, dtype, nfe, role)
                      for nfe in settings.nfes for role in ("single", "throughput")]
    return tasks


class Workload:
    """A model on the device, and how to draw `batch` samples with `nfe` forwards."""

    def __init__(self, architecture: str, size: str, dtype: str, device: torch.device, sampler: str,
                 seed: int):
        torch.manual_seed(seed)  # same weights on every run: latency should not, but may, depend on them
        self.architecture, self.device, self.dtype = architecture, device, dev.DTYPES[dtype]
        if architecture == "gan":
            self.config = GAN_SIZES[size]
            self.model = Generator(self.config).to(device, self.dtype).eval()
            self.resolution = self.config.resolution
        else:
            self.config = DIFFUSION_SIZES[size]
            self.model = build_denoiser(self.config).to(device, self.dtype).eval()
            self.resolution, self.sampler = self.config.resolution, sampler
            self.scheduler = make_scheduler(sampler)
        self.params = sum(p.numel() for p in self.model.parameters())
        self.generator = torch.Generator(device).manual_seed(seed)

    def forward_once(self, batch: int) -> Callable[[], object]:
        """One network forward at `batch`, for FLOP counting and the batch search."""
        if self.architecture == "gan":
            z = torch.randn(batch, self.config.z_dim, device=self.device, dtype=self.dtype)
            return lambda: self.model(z)
        x = torch.randn(batch, self.config.channels, self.resolution, self.resolution,
                        device=self.device, dtype=self.dtype)
        t = torch.full((batch,), 500, device=self.device)
        return lambda: self.model(x, t)

    def draw(self, batch: int, nfe: int) -> Callable[[], object]:
        """A whole sampling call; noise is drawn inside it, as a server would."""
        if self.architecture == "gan":
            return lambda: self.model.sample(batch, generator=self.generator)
        shape = (batch, self.config.channels, self.resolution, self.resolution)
        denoiser = Denoiser(self.model)
        return lambda: sample(denoiser, self.scheduler, nfe, shape, device=self.device,
                              dtype=self.dtype, generator=self.generator)


def count_flops(fn: Callable[[], object]) -> float:
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        fn()
    return float(counter.get_total_flops())


def find_throughput_batch(try_batch: Callable[[int], float], max_batch: int, max_forward_s: float,
                          memory_over: Callable[[], bool] = lambda: False) -> tuple[int | None, str]:
    """Double the batch from 1. `try_batch(b)` returns seconds for one forward at b, or raises.
    Returns (largest batch that fit, why the search stopped: oom, memory, time or max_batch);
    the batch is None when even batch 1 ran out of memory."""
    best, batch = None, 1
    while batch <= max_batch:
        try:
            seconds = try_batch(batch)
        except (RuntimeError, torch.cuda.OutOfMemoryError) as err:
            if not dev.is_out_of_memory(err):
                raise
            return best, "oom"
        if seconds > max_forward_s and best is not None:
            return best, "time"  # the doubled batch is too slow per call: keep the last one
        best = batch
        if memory_over():
            return best, "memory"
        if seconds > max_forward_s:
            return best, "time"
        batch *= 2
    return best, "max_batch"


def measure(work: Workload, batch: int, nfe: int, settings, ctx, flops: float, meters) -> dict:
    """Time one (batch, nfe) cell; on out-of-memory halve the batch and try again."""
    memory, energy = meters
    backoffs = 0
    while True:
        try:
            memory.reset()
            e0 = energy.read_mj()
            stats = time_call(work.draw(batch, nfe), work.device.type, warmup_calls=1,
                              warmup_s=settings.warmup_s, min_repeats=settings.min_repeats,
                              max_repeats=settings.max_repeats, min_time_s=settings.min_time_s,
                              deadline=ctx.deadline, after_repeat=memory.sample)
            e1 = energy.read_mj()
            break
        except (RuntimeError, torch.cuda.OutOfMemoryError) as err:
            if not dev.is_out_of_memory(err) or batch == 1:
                raise
            dev.free_memory(work.device)
            batch, backoffs = batch // 2, backoffs + 1
    samples_timed = stats.repeats * batch
    per_sample = stats.median_ms / batch
    achieved = flops * nfe / (per_sample / 1e3)
    dtype_name = next(k for k, v in dev.DTYPES.items() if v == work.dtype)
    peak = dev.peak_flop_per_s(dev.device_name(work.device), dtype_name) if work.device.type == "cuda" else None
    row = {
        "batch": batch, "nfe": nfe,
        "latency_ms_per_sample": per_sample,
        "latency_ms_per_sample_p90": stats.p90_ms / batch,
        "latency_ms_per_sample_iqr": stats.iqr_ms / batch,
        "cv": stats.cv, "repeats": stats.repeats, "warmup_calls": stats.warmup_calls,
        "call_ms_median": stats.median_ms,
        "throughput_samples_per_s": batch / (stats.median_ms / 1e3),
        "peak_memory_mib": memory.peak_mib(),
        "memory_source": "cuda_max_memory_allocated" if work.device.type == "cuda" else "process_rss",
        "flops_per_forward": flops, "achieved_flop_per_s": achieved,
        "fraction_of_peak": achieved / peak if peak else None,
        "energy_j_per_1k_samples": None, "energy_note": energy.unavailable_reason,
        "oom_backoffs": backoffs,
    }
    if e0 is not None and e1 is not None:
        # the counter's mJ over the timed repeats; warm-up is outside both reads
        row["energy_j_per_1k_samples"] = (e1 - e0) / 1e3 / samples_timed * 1000
        row["energy_note"] = "nvml total energy counter"
    return row


@register_probe("inference")
def run_inference(ctx) -> None:
    settings, device = ctx.config.inference, torch.device(ctx.config.device)
    tasks = plan(settings, ctx.config.dtypes)
    ctx.plan(len(tasks), sum(t in ctx.done_keys for t in tasks))
    meters = (dev.MemoryMeter(device), dev.EnergyMeter(device))
    groups: dict[tuple, list[tuple]] = {}
    for task in tasks:
        if task not in ctx.done_keys:
            groups.setdefault(task[:3], []).append(task)
    for (architecture, size, dtype), group in groups.items():
        ctx.check_budget()
        work = Workload(architecture, size, dtype, device, settings.sampler, ctx.config.seed)
        with torch.inference_mode():
            flops = count_flops(work.forward_once(1))
            throughput_batch, stopped_by = None, None
            if any(t[4] == "throughput" for t in group):
                meters[0].reset()
                throughput_batch, stopped_by = find_throughput_batch(
                    lambda b: _time_forward(work, b), settings.max_batch, settings.max_forward_s,
                    lambda: meters[0].over_limit(settings.memory_fraction))
                dev.free_memory(device)
            for task in group:
                ctx.check_budget()
                nfe, role = task[3], task[4]
                batch = 1 if role == "single" else throughput_batch
                if batch is None or (role == "throughput" and batch == 1):
                    ctx.notes.append(f"{architecture}/{size}/{dtype}: throughput batch is 1 "
                                     f"({stopped_by}); throughput rows equal the batch-1 rows")
                    ctx.advance()
                    continue
                row = {"architecture": architecture, "model_size": size, "dtype": dtype,
                       "batch_role": role, "resolution": work.resolution, "params": work.params,
                       "sampler": getattr(work, "sampler", None), "device": device.type,
                       "model_config": vars(work.config).copy()}
                try:
                    row.update(measure(work, batch, nfe, settings, ctx, flops, meters))
                except (RuntimeError, torch.cuda.OutOfMemoryError) as err:
                    if not dev.is_out_of_memory(err):
                        raise
                    dev.free_memory(device)  # even batch 1 does not fit: say so, keep going
                    ctx.notes.append(f"{architecture}/{size}/{dtype}: out of memory at batch 1, nfe {nfe}")
                    ctx.advance()
                    continue
                if role == "throughput":
                    row["batch_search"] = {"stopped_by": stopped_by, "largest_fit": throughput_batch}
                ctx.add_row("inference", row)
                ctx.advance(f"{architecture}/{size} {dtype} nfe={nfe} b={row['batch']}")
        work = None  # drop the model before the next one is built
        dev.free_memory(device)


def _time_forward(work: Workload, batch: int) -> float:
    """Seconds for one forward at `batch`: the fastest of three calls after an untimed one (allocator
    growth, autotuning). The minimum, since the question is whether the batch *can* run in time."""
    fn = work.forward_once(batch)
    stats = time_call(fn, work.device.type, warmup_calls=1, min_repeats=3, max_repeats=3, min_time_s=0)
    return stats.min_ms / 1e3
