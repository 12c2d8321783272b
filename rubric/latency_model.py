"""The calibrated latency model: seconds for a network call and for a whole pipeline on a device.

One call of an architecture on a batch of B, on a device with dense peak P (for the dtype) and
memory bandwidth BW, served by a stack (eager PyTorch, torch.compile, TensorRT):

    t = kernels × launch_s  +  B × F / (P × compute_efficiency)
        + (B × A + W) / (BW × bandwidth_efficiency)

F are the FLOPs of one forward at batch 1, A the bytes its kernels move (activations), W the
weight bytes (read once per call); all three from architectures.yaml. The three terms are what
the published rows show: a small latent leaves a big GPU waiting on kernel launches (SD1.5 at
512² runs at 0.08–0.22 of peak), large work per call runs at a rate set mostly by memory
bandwidth (an H100 PCIe, 2.4× an A100's peak on the same bandwidth, is barely faster on SD1.5),
and compute-heavy calls approach a fraction of peak. A stack changes the launch cost (CUDA
graphs, engine building) and the traffic (fusion), so each stack has its own launch time and
traffic factor; compute efficiency is shared. The parameters are fitted to published end-to-end
measurements (rubric/data/published_latency.yaml) by `python -m rubric.calibrate`, which writes
rubric/data/latency_calibration.yaml; the spread of its leave-one-out errors is the interval.

Pure arithmetic on the knowledge base: no numpy, no torch (`genarch recommend` imports it).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from rubric.knowledge import DATA_DIR, Architecture, Device, Knowledge, KnowledgeError

STACKS = ("eager", "compiled", "tensorrt")
DTYPES = ("fp16", "bf16", "fp32")
BYTES_PER_ELEMENT = {"fp16": 2, "bf16": 2, "fp32": 4}
CALIBRATION_FILE = "latency_calibration.yaml"
Z_90 = 1.6448536269514722  # standard normal quantile of 0.95: a two-sided 90% interval
OVERLAP = 4.0  # exponent of the smooth maximum of host launch time and device time


@dataclass(frozen=True)
class StackFactors:
    """How a serving stack changes the eager costs: launch time per kernel and a traffic factor."""
    launch_s_per_kernel: float
    traffic_factor: float


@dataclass(frozen=True)
class Calibration:
    compute_efficiency: float  # share of the dtype's dense peak the counted FLOPs run at
    bandwidth_efficiency: float  # traced bytes per second, as a share of datasheet bandwidth
    vector_flop_per_byte: float  # CUDA-core work (norms, activations, softmax) per traced byte
    tail_flop_per_kernel: float  # device work lost per kernel to its ramp-up and last partial wave
    stacks: dict[str, StackFactors]
    log_sigma: float  # spread of log(published / predicted), leave-one-out, as a normal sigma
    interval_log_halfwidth: float  # 90% of leave-one-out errors lie within exp(±this)
    cpu: dict[str, float]  # uncalibrated assumptions for CPUs (no published rows)
    rows: int
    source: str
    # Device time of an architecture against the shared model, fitted where the calibration set
    # has rows of it (partial pooling, rubric/calibrate.py); 1 for every other architecture.
    architecture_factors: dict[str, float] = field(default_factory=dict)

    def stack(self, name: str) -> StackFactors:
        return self.stacks[name]


def parameters_from_vector(theta: list[float]) -> tuple[float, float, float, float, dict[str, StackFactors]]:
    """The fit's free parameters (logs, so every one stays positive) as model parameters:
    [launch eager, compute eff., bandwidth eff., vector FLOP per byte, tail FLOP per kernel,
    launch compiled, traffic compiled, launch trt, traffic trt]."""
    e = [math.exp(x) for x in theta]
    stacks = {"eager": StackFactors(e[0], 1.0), "compiled": StackFactors(e[5], e[6]),
              "tensorrt": StackFactors(e[7], e[8])}
    return e[1], e[2], e[3], e[4], stacks


@lru_cache(maxsize=4)
def load_calibration(data_dir: str | Path = DATA_DIR) -> Calibration:
    path = Path(data_dir) / CALIBRATION_FILE
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    try:
        fit = raw["fit"]
        stacks = {name: StackFactors(float(s["launch_s_per_kernel"]), float(s["traffic_factor"]))
                  for name, s in fit["stacks"].items()}
        calibration = Calibration(
            float(fit["compute_efficiency"]), float(fit["bandwidth_efficiency"]),
            float(fit["vector_flop_per_byte"]), float(fit["tail_flop_per_kernel"]), stacks,
            float(raw["uncertainty"]["log_sigma"]), float(raw["uncertainty"]["interval_log_halfwidth"]),
            {k: float(v) for k, v in raw["cpu"].items() if k != "source"}, int(raw["rows"]), str(raw["source"]),
            {k: float(v) for k, v in (fit.get("architecture_factors") or {}).items()})
    except (KeyError, TypeError, ValueError) as err:
        raise KnowledgeError(f"{CALIBRATION_FILE}: malformed ({err})") from None
    values = [calibration.compute_efficiency, calibration.bandwidth_efficiency, calibration.vector_flop_per_byte,
              calibration.tail_flop_per_kernel,
              calibration.log_sigma,
              calibration.interval_log_halfwidth, *calibration.cpu.values(),
              *(x for s in stacks.values() for x in (s.launch_s_per_kernel, s.traffic_factor)),
              *calibration.architecture_factors.values()]
    if set(stacks) != set(STACKS) or not all(math.isfinite(v) and v > 0 for v in values):
        raise KnowledgeError(f"{CALIBRATION_FILE}: needs positive finite parameters for {', '.join(STACKS)}")
    return calibration


def scale(arch: Architecture, resolution: int) -> float:
    return resolution / arch.reference_resolution


def forward_flops(arch: Architecture, resolution: int) -> float:
    """FLOPs of one forward at batch 1 and this output side (see architectures.yaml)."""
    s = scale(arch, resolution)
    dense = arch.flops_per_forward - arch.attention_flops
    return dense * s ** arch.resolution_exponent + arch.attention_flops * s ** 4


def activation_bytes(arch: Architecture, resolution: int, dtype: str) -> float:
    return (arch.activation_bytes_per_forward * scale(arch, resolution) ** arch.resolution_exponent
            * BYTES_PER_ELEMENT[dtype] / 2)


def effective_peak(device: Device, dtype: str) -> float:
    """The dense peak a dtype runs at. fp32 runs on the CUDA cores: PyTorch leaves TF32 off for
    matmuls by default, and the calibration's fp32 row (LCM on an H100) is slower than TF32
    convolutions alone would allow."""
    return device.peak_flop_per_s[dtype]


def call_seconds(arch: Architecture, resolution: int, batch: float, device: Device, dtype: str,
                 stack: str, calibration: Calibration, knowledge: Knowledge) -> float:
    """Seconds for one call of `arch` on `batch` inputs (module docstring)."""
    if arch.anchor_latency is not None:
        # A published latency on one device, carried to this one by the ratio the model gives
        # a comparable architecture (`like`) at the same resolution and batch.
        anchor = arch.anchor_latency
        like = knowledge.architectures[anchor["like"]]
        ratio = (call_seconds(like, resolution, batch, device, dtype, stack, calibration, knowledge)
                 / call_seconds(like, anchor["resolution"], 1, knowledge.devices[anchor["device"]], "fp16",
                                "eager", calibration, knowledge))
        return anchor["ms"] / 1e3 * ratio
    bpe = BYTES_PER_ELEMENT[dtype]
    if device.kind == "cpu":
        cpu = calibration.cpu
        launch, compute_eff, bandwidth_eff, traffic, vector, tail = (
            cpu["launch_s_per_kernel"], cpu["compute_efficiency"], cpu["bandwidth_efficiency"], 1.0, 0.0, 0.0)
    else:
        factors = calibration.stack(stack)
        launch, compute_eff, bandwidth_eff, traffic, vector, tail = (
            factors.launch_s_per_kernel, calibration.compute_efficiency, calibration.bandwidth_efficiency,
            factors.traffic_factor, calibration.vector_flop_per_byte, calibration.tail_flop_per_kernel)
    flops = batch * forward_flops(arch, resolution)
    activations = batch * activation_bytes(arch, resolution, dtype) * traffic
    # Norms, activations and softmax run on the CUDA cores, not the tensor cores: their time
    # follows the fp32 rate (an A100's 19.5 TFLOP/s against an RTX 4090's 82.6), in proportion
    # to the activations they touch.
    factor = calibration.architecture_factors.get(arch.id, 1.0) if device.kind == "gpu" else 1.0
    # A kernel with little work leaves most of a big GPU idle while it ramps up and drains its
    # last wave: each kernel costs the time of `tail` FLOPs more (so small latents run far below
    # peak, and the larger the GPU the more work a kernel needs to fill it).
    device_s = factor * ((flops + arch.kernels_per_forward * tail) / (effective_peak(device, dtype) * compute_eff)
                + (activations + arch.params * bpe) / (device.memory_bandwidth_bytes_per_s * bandwidth_eff)
                + activations * vector / device.peak_flop_per_s["fp32"])
    # The host launches kernels while the device runs earlier ones: a call takes as long as the
    # slower of the two (a smooth maximum, so the fit sees a gradient on both sides).
    launch_s = arch.kernels_per_forward * launch
    return (device_s ** OVERLAP + launch_s ** OVERLAP) ** (1 / OVERLAP)


@dataclass(frozen=True)
class Stage:
    """One network in a pipeline: how many calls per batch, and on how many inputs each."""
    architecture: str
    calls: int
    inputs_per_sample: int  # 2 for a guided denoiser or a text encoder with a negative prompt
    dtype: str | None = None  # None: the pipeline's dtype


def pipeline_stages(denoiser: str, steps: int, guidance: bool, encoders: tuple[str, ...] = (),
                    decoder: str | None = None, adapter: str | None = None,
                    decoder_dtype: str | None = None) -> list[Stage]:
    """The calls of a text-to-image (or class-to-image, or GAN) pipeline for one batch."""
    width = 2 if guidance else 1
    stages = [Stage(denoiser, steps, width)]
    if adapter:
        stages.append(Stage(adapter, steps, width))
    stages += [Stage(name, 1, width) for name in encoders]
    if decoder:
        stages.append(Stage(decoder, 1, 1, decoder_dtype))
    return stages


def stages_seconds(stages: list[Stage], resolution: int, batch: int, device: Device, dtype: str,
                   stack: str, knowledge: Knowledge, calibration: Calibration | None = None) -> float:
    """Seconds for one batch through every stage."""
    calibration = calibration or load_calibration()
    return sum(stage.calls * call_seconds(knowledge.architectures[stage.architecture], resolution,
                                          batch * stage.inputs_per_sample, device, stage.dtype or dtype,
                                          stack, calibration, knowledge)
               for stage in stages)


def stages_flops(stages: list[Stage], resolution: int, knowledge: Knowledge) -> float:
    """FLOPs per sample (architectures with only a latency anchor count 0)."""
    total = 0.0
    for stage in stages:
        arch = knowledge.architectures[stage.architecture]
        if arch.flops_per_forward is not None:
            total += stage.calls * stage.inputs_per_sample * forward_flops(arch, resolution)
    return total


def interval(point: float, log_halfwidth: float) -> tuple[float, float]:
    return point * math.exp(-log_halfwidth), point * math.exp(log_halfwidth)


def normal_cdf(z: float) -> float:
    """P(Z ≤ z) for a standard normal Z (±inf allowed)."""
    if not math.isfinite(z):
        return 1.0 if z > 0 else 0.0
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def describe(calibration: Calibration, stack: str, device: Device, dtype: str) -> str:
    """One line for the assumptions: which fitted parameters an estimate used."""
    if device.kind == "cpu":
        return (f"{device.name}: uncalibrated CPU assumption ({calibration.cpu['compute_efficiency']:.2f} of "
                f"{effective_peak(device, dtype) / 1e12:.2f} TFLOP/s peak); `genarch probe` measures yours")
    s = calibration.stack(stack)
    return (f"{device.name}, {dtype}, {stack} stack: latency model calibrated on {calibration.rows} published "
            f"measurements ({device.memory_bandwidth_bytes_per_s / 1e12:.2f} TB/s, "
            f"{device.peak_flop_per_s['fp32'] / 1e12:.1f} TFLOP/s fp32 for vector work, "
            f"{effective_peak(device, dtype) / 1e12:.0f} TFLOP/s {dtype} peak, {s.launch_s_per_kernel * 1e6:.0f} µs "
            f"per kernel launch); 90% interval ×/÷{math.exp(calibration.interval_log_halfwidth):.2f} "
            f"(leave-one-out, rubric/data/latency_calibration.yaml)")


def unify(value: Any) -> str:
    """A catalog name as typed by a user: 'A100-40GB', 'a100_40gb' and 'a100-40gb' are one."""
    return str(value).strip().lower().replace("_", "-").replace(" ", "-")


def stages_for(pipeline, steps: int | None = None, guidance: bool | None = None,
               adapter: str | None = None) -> list[Stage]:
    """The stages of a catalog pipeline (knowledge.Pipeline), with optional overrides."""
    return pipeline_stages(pipeline.denoiser, pipeline.steps if steps is None else steps,
                           pipeline.guidance if guidance is None else guidance, pipeline.encoders,
                           pipeline.decoder, adapter, pipeline.decoder_dtype)


def row_seconds(row: dict, knowledge: Knowledge, calibration: Calibration) -> float:
    """The model's figure for a calibration row (rubric/data/published_latency.yaml)."""
    pipeline = knowledge.pipelines[row["pipeline"]]
    stages = stages_for(pipeline, row.get("steps"), row.get("guidance"), row.get("adapter"))
    if row["measured"] == "denoising_step":
        stages = [Stage(s.architecture, 1, s.inputs_per_sample, s.dtype) for s in stages[:2 if row.get("adapter") else 1]]
    elif row["measured"] == "denoiser_forward":
        stages = [Stage(stages[0].architecture, 1, stages[0].inputs_per_sample)]
    return stages_seconds(stages, row.get("resolution", pipeline.resolution), row["batch"],
                          knowledge.devices[row["device"]], row["dtype"], row["stack"], knowledge, calibration)
