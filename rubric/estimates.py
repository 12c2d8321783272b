"""Cost estimates per candidate before (or with) probes: latency, USD, training GPU-hours, weeks,
each with a 90% interval and the log-normal spread that p_meets_limits is computed from.

Pure functions of (answers, knowledge, measured device profile or None). Every number carries
the assumptions and sourced figures behind it, so reasons can quote them.

Catalog mode: every network call is timed by the calibrated latency model (rubric/latency_model.py,
fitted to published end-to-end measurements), on the serving device, dtype and serving stack.
Measured mode (a probe ran on the serving hardware, or on a GPU the catalog can scale from): a
call on a batch b costs  b × FLOPs / R + overhead,  R and the overhead measured by the probe.
A sample costs NFE denoiser calls (at twice the batch with classifier-free guidance, plus a
ControlNet when spatial conditioning is asked), one decoder call and one encoder call.
Training GPU-hours carry published budgets between devices by the devices' training rates (the
same model at the training batch; about 3× the forward FLOPs per image seen).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from rubric import latency_model as lm
from rubric.knowledge import Architecture, Device, Family, Knowledge, Variant

HOURS_PER_WEEK = 168.0


@dataclass(frozen=True)
class Figure:
    """A number behind a reason: what it is, its value and unit, and where it comes from."""
    name: str
    value: Any
    unit: str
    source: str


@dataclass(frozen=True)
class DeviceModel:
    """How fast the serving device runs a network: the calibrated catalog model, or a probe's
    measured rate and overhead (basis "measured")."""
    device: Device
    dtype: str
    stack: str
    calibration: lm.Calibration
    basis: str  # "catalog" or "measured"
    note: str
    log_halfwidth: float  # the 90% interval of a latency is point × exp(±this)
    log_sigma: float  # the normal sigma of log latency, for probabilities
    flop_per_s: float | None = None  # measured mode only
    overhead_ms: float | None = None


@dataclass
class Estimate:
    family: str
    variant: Variant
    nfe: int
    cfg: bool
    flops_per_sample: float
    latency_ms_per_sample: float
    usd_per_1k_samples: float
    monthly_usd: float
    training_gpu_hours: float
    weeks_to_production: float
    images_for_good_quality: int
    minimum_images: int
    assumptions: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    latency_interval_ms: tuple[float, float] | None = None
    basis: str = "catalog"  # catalog | measured
    usd_per_1k_interval: tuple[float, float] | None = None
    monthly_usd_interval: tuple[float, float] | None = None
    training_gpu_hours_interval: tuple[float, float] | None = None
    weeks_interval: tuple[float, float] | None = None
    serving_log_sigma: float = 0.0  # latency and USD share it: one rate, so they move together
    training_log_sigma: float = 0.0
    monthly_floor_usd: float = 0.0  # one device billed all month
    monthly_usage_usd: float = 0.0  # the volume's own cost, before the floor
    engineering_weeks: float = 0.0
    training_gpus: float = 1.0
    # Filled by the engine: P(meets each stated limit) and P(meets every one), under the spreads.
    p_meets: dict[str, float] = field(default_factory=dict)
    p_meets_limits: float = 1.0

    def log_sigma(self, quantity: str) -> float:
        return self.training_log_sigma if quantity in TRAINING_QUANTITIES else self.serving_log_sigma

    def lognormal_form(self, quantity: str) -> tuple[float, float, float, float]:
        """(base, offset, divisor, floor): the quantity is max(offset + base × X / divisor, floor)
        with X log-normal of median 1 and sigma `log_sigma(quantity)`. Money has a certain floor
        (one device billed all month); weeks are the engineering weeks plus the training hours
        spread over the team's GPUs."""
        if quantity == "weeks_to_production":
            return self.training_gpu_hours, self.engineering_weeks, self.training_gpus * HOURS_PER_WEEK, 0.0
        if quantity == "monthly_usd":
            return self.monthly_usage_usd, 0.0, 1.0, self.monthly_floor_usd
        return getattr(self, quantity), 0.0, 1.0, 0.0

    def z_within(self, quantity: str, limit: float) -> float:
        """The standard-normal threshold under which the quantity meets `limit` (±inf when certain)."""
        base, offset, divisor, floor = self.lognormal_form(quantity)
        allowed = (limit - offset) * divisor  # what base × X may reach
        sigma = self.log_sigma(quantity)
        if not math.isfinite(limit):
            return math.inf if limit > 0 else -math.inf
        if floor > limit or allowed < 0:  # certain to break it, whatever the draw
            return -math.inf
        if base <= 0:
            return math.inf
        if allowed == 0:
            return -math.inf
        if sigma <= 0:
            return math.inf if base <= allowed else -math.inf
        return math.log(allowed / base) / sigma


# Which uncertainty each estimated quantity carries: the serving rate (latency and money move
# together), or the training budget (GPU-hours and the weeks they take move together).
TRAINING_QUANTITIES = ("training_gpu_hours", "weeks_to_production")


def match_device(device_name: str, device_kind: str, knowledge: Knowledge) -> str | None:
    """The catalog id of a probed device ('NVIDIA H100 80GB HBM3' -> 'h100'), or None."""
    if device_kind == "cpu":
        return "cpu"
    for key, device in knowledge.devices.items():
        if device.kind == "gpu" and re.search(device.match, device_name or ""):
            return key
    return None


def serving_dtype(knowledge: Knowledge, device: Device, requested: str | None = None) -> str:
    dtype = requested or knowledge.hardware_assumptions["serving_dtype"]["value"][device.kind]
    if dtype not in device.peak_flop_per_s:  # no bf16 on a T4 or V100: serve in fp16
        dtype = "fp16" if "fp16" in device.peak_flop_per_s else "fp32"
    return dtype


def device_model(knowledge: Knowledge, serving: str, measured: dict | None = None,
                 stack: str = "eager", dtype: str | None = None) -> DeviceModel:
    """The calibrated catalog model for the serving device, replaced by a probe's measurement if given.

    `measured` is `probes.cost_model.device_profile(...)`: device_name, device_kind,
    fixed_overhead_ms_per_forward, effective_flop_per_s, relative_band.
    """
    device = knowledge.devices[serving]
    dtype = serving_dtype(knowledge, device, dtype)
    calibration = lm.load_calibration()
    catalog = DeviceModel(device, dtype, stack, calibration, "catalog", lm.describe(calibration, stack, device, dtype),
                          calibration.interval_log_halfwidth, calibration.log_sigma)
    if device.kind == "cpu":  # no published CPU rows: say so with a wide interval
        wide = math.log(3.0)
        catalog = DeviceModel(device, dtype, stack, calibration, "catalog", catalog.note, wide, wide / lm.Z_90)
    if not measured:
        return catalog
    probed = match_device(measured.get("device_name", ""), measured.get("device_kind", ""), knowledge)
    rate = float(measured["effective_flop_per_s"])
    overhead = float(measured["fixed_overhead_ms_per_forward"])
    band = float(measured.get("relative_band") or 0.05)
    halfwidth = math.log1p(band)
    if probed == serving:
        return DeviceModel(device, dtype, stack, calibration, "measured",
                           f"measured on {measured.get('device_name')}: {rate / 1e12:.3g} TFLOP/s effective, "
                           f"{overhead:.2f} ms overhead per call (genarch probe)",
                           halfwidth, halfwidth / lm.Z_90, rate, overhead)
    if probed is None or knowledge.devices[probed].kind != device.kind:
        return DeviceModel(**{**catalog.__dict__, "note": catalog.note + (
            f"; the probe ran on {measured.get('device_name')!r}, which cannot be scaled to "
            f"{device.name}, so the calibrated catalog model stands")})
    ratio = device.half_peak_flop_per_s / knowledge.devices[probed].half_peak_flop_per_s
    # Carrying a rate between devices by their peaks adds the catalog's own uncertainty.
    wider = math.hypot(halfwidth, calibration.interval_log_halfwidth)
    return DeviceModel(device, dtype, stack, calibration, "measured",
                       f"measured on {measured.get('device_name')} ({rate / 1e12:.3g} TFLOP/s effective), "
                       f"scaled ×{ratio:.3g} by the catalog's peak ratio to {device.name}",
                       wider, wider / lm.Z_90, rate * ratio, overhead)


def architecture_flops(arch: Architecture, resolution: int) -> float:
    return lm.forward_flops(arch, resolution)


def _call_ms(arch: Architecture, resolution: int, batch: int, dm: DeviceModel, knowledge: Knowledge,
             dtype: str | None = None) -> float:
    """Milliseconds for one call of `arch` on a batch (inputs, guidance already counted)."""
    if dm.basis == "measured" and arch.flops_per_forward is not None:
        return batch * architecture_flops(arch, resolution) / dm.flop_per_s * 1e3 + dm.overhead_ms
    return 1e3 * lm.call_seconds(arch, resolution, batch, dm.device, dtype or dm.dtype, dm.stack,
                                 dm.calibration, knowledge)


def choose_variant(family: Family, conditioning: list[str], resolution: int) -> Variant:
    """The first variant serving every requested conditioning at this resolution; else the
    variant covering most of it (ties: the one whose max resolution fits)."""
    wanted = set(conditioning) - {"none"}
    for variant in family.variants:
        if wanted <= set(variant.supports) and resolution <= variant.max_resolution:
            return variant
    return max(family.variants, key=lambda v: (len(wanted & set(v.supports)), resolution <= v.max_resolution))


def variant_guided(variant: Variant, answers: dict) -> bool:
    """Classifier-free guidance runs where the variant uses it and a class or prompt is asked."""
    return variant.cfg and bool({"text", "class"} & set(answers["conditioning"]))


def variant_stages(variant: Variant, answers: dict, nfe: int) -> list[lm.Stage]:
    """The calls one sample of this variant makes for these answers."""
    guided = variant_guided(variant, answers)
    adapter = variant.adapter_for_spatial if "spatial" in answers["conditioning"] else None
    encoders = (variant.encoder,) if variant.encoder and "text" in answers["conditioning"] else ()
    return lm.pipeline_stages(variant.denoiser, nfe, guided, encoders, variant.decoder, adapter)


def _sample_ms(variant: Variant, answers: dict, batch: int, dm: DeviceModel, knowledge: Knowledge,
               nfe: int) -> tuple[float, float]:
    """(milliseconds for a batch of samples, FLOPs per sample) at `nfe` denoiser calls."""
    resolution = answers["resolution"]
    stages = variant_stages(variant, answers, nfe)
    total = sum(stage.calls * _call_ms(knowledge.architectures[stage.architecture], resolution,
                                       batch * stage.inputs_per_sample, dm, knowledge, stage.dtype)
                for stage in stages)
    return total, lm.stages_flops(stages, resolution, knowledge)


def training_rate(arch: Architecture, resolution: int, device: Device, knowledge: Knowledge,
                  dm: DeviceModel | None = None) -> float:
    """Forward FLOP/s of `arch` at the training batch on `device`: the calibrated model's, or the
    probe's measured rate where `dm` measured this device."""
    batch = knowledge.family_assumptions["training_batch"]["value"]
    if dm is not None and dm.basis == "measured" and dm.device.id == device.id and arch.flops_per_forward:
        return dm.flop_per_s
    dtype = serving_dtype(knowledge, device, "bf16" if device.kind == "gpu" else None)
    seconds = lm.call_seconds(arch, resolution, batch, device, dtype, "eager", lm.load_calibration(), knowledge)
    flops = arch.flops_per_forward and architecture_flops(arch, resolution)
    # An anchor-only architecture (no FLOP count) compares devices by its time alone.
    return batch * (flops or 1.0) / seconds


def _training_hours(variant: Variant, answers: dict, knowledge: Knowledge, target_gpu: str,
                    hybrid: dict | None = None, dm: DeviceModel | None = None) -> tuple[float, list[str], bool]:
    """Projected GPU-hours on `target_gpu` at the asked resolution, the sources used, and whether
    a budget was carried from another device. A published budget moves between devices by their
    training rates for the variant's denoiser (the calibrated model at the training batch, or the
    probe's measured rate on the serving device) and with the pixel count. A distillation cost
    that the catalog assumes as a fraction of the teacher's is blended with the hybrid probe's
    measured share (a published GPU-hour figure is kept as it is)."""
    devices = knowledge.devices
    target = devices[target_gpu]
    carried = []

    def scaled(cost, denoiser: str) -> float:
        arch = knowledge.architectures[denoiser]
        res_scale = (answers["resolution"] / cost.resolution) ** 2
        if cost.gpu == target_gpu and not (dm is not None and dm.basis == "measured"):
            return cost.gpu_hours * res_scale
        carried.append(True)
        ratio = (training_rate(arch, cost.resolution, devices[cost.gpu], knowledge)
                 / training_rate(arch, cost.resolution, target, knowledge, dm))
        return cost.gpu_hours * res_scale * ratio

    def own(v: Variant) -> tuple[float, list[str]]:
        scratch = v.training.get("from_scratch")
        pre = v.training.get("pretrained") if answers["pretrained_allowed"] else None
        if pre is not None and pre.gpu_hours is not None:
            return scaled(pre, v.denoiser), [pre.source]
        hours = scaled(scratch, v.denoiser)
        if pre is not None:
            return hours * pre.fraction_of_scratch, [scratch.source, pre.source]
        return hours, [scratch.source]

    if variant.teacher is None:
        hours, sources = own(variant)
        return hours, sources, bool(carried)
    teacher_hours, sources = own(knowledge.variants[variant.teacher])
    distill = variant.training["distillation"]
    if distill.gpu_hours is not None:
        return teacher_hours + scaled(distill, variant.denoiser), sources + [distill.source], bool(carried)
    fraction, sources = distill.fraction_of_teacher, sources + [distill.source]
    measured = (hybrid or {}).get("distillation_share_of_teacher_train_s")
    if measured is not None:
        w = knowledge.evidence_weight
        fraction = (1 - w) * fraction + w * measured
        sources.append(f"measured: distillation took {measured:.2f}× the teacher's training time "
                       f"({hybrid['source']} on {hybrid.get('where', 'probe data')}); "
                       f"blended with the assumption: {fraction:.2f} of the teacher's GPU-hours")
    return teacher_hours + teacher_hours * fraction, sources, bool(carried)


def student_nfe(variant: Variant, hybrid: dict | None, knowledge: Knowledge) -> tuple[int, str | None]:
    """Denoiser calls per sample for a distilled variant, from the hybrid probe when it ran.

    A student that kept its teacher's quality (probes.control_summary's tolerance) at n steps
    moves the catalog's step count toward n: the geometric mean weighted by the rubric's
    evidence weight, rounded, kept inside the variant's published range (a 16 px probe informs
    but does not overrule a production recipe). With no student inside the tolerance, the
    range's upper end. Returns (nfe, the sentence that says why, or None without evidence)."""
    if hybrid is None or variant.teacher is None:
        return variant.nfe, None
    low, high = variant.nfe_range or (1, variant.nfe)
    measured = f"{hybrid['student_nfe']}-step student FID {hybrid['student_fid']:.3g}, its {hybrid['teacher_nfe']}-step " \
               f"teacher's {hybrid['teacher_fid']:.3g}"
    where = f"{hybrid['source']} on {hybrid.get('where', 'probe data')}"
    if not hybrid.get("meets_tolerance"):
        return high, (f"{high} network evaluations per sample, the top of the published range: no measured student "
                      f"stayed within {hybrid['tolerance']:g}× its teacher's FID (best: {measured}; {where})")
    w = knowledge.evidence_weight
    nfe = min(high, max(low, round(variant.nfe ** (1 - w) * hybrid["student_nfe"] ** w)))
    speed = f", {hybrid['speedup']:.1f}× faster than the teacher as measured" if hybrid.get("speedup") else ""
    return nfe, (f"{nfe} network evaluations per sample: the catalog's {variant.nfe} moved toward the measured "
                 f"{hybrid['student_nfe']} (geometric mean, evidence weight {w:g}; published range {low}–{high}); "
                 f"measured: {measured}, within {hybrid['tolerance']:g}×{speed} ({where})")


def estimate(family: Family, answers: dict, knowledge: Knowledge, dm: DeviceModel,
             hybrid: dict | None = None) -> Estimate:
    """`hybrid`: probes.control_summary.hybrid_evidence(...), for distilled variants."""
    hw = knowledge.hardware_assumptions
    fa = knowledge.family_assumptions
    variant = choose_variant(family, answers["conditioning"], answers["resolution"])
    nfe, nfe_reason = student_nfe(variant, hybrid, knowledge)
    latency_ms, flops = _sample_ms(variant, answers, 1, dm, knowledge, nfe)
    serving_batch = hw["serving_batch_for_cost"]["value"]
    batch_ms, _ = _sample_ms(variant, answers, serving_batch, dm, knowledge, nfe)
    usd_per_1k = usd_per_1k_samples(batch_ms / serving_batch, answers["gpu_hourly_usd"])
    floor = hw["always_on_instances"]["value"] * hw["hours_per_month"]["value"] * answers["gpu_hourly_usd"]
    usage = usd_per_1k * answers["samples_per_month"] / 1000
    monthly = max(usage, floor)

    target_gpu = answers["serving_hardware"]
    if dm.device.kind == "cpu":
        target_gpu = fa["training_hardware_when_serving_on_cpu"]["value"]
    hours, training_sources, carried = _training_hours(variant, answers, knowledge, target_gpu, hybrid, dm)
    restarts = 1.0
    if family.id == "gan":
        restarts = fa["restart_factor_by_gan_experience"]["value"][answers["team_gan_experience"]]
        hours *= restarts
    gpus = fa["training_gpus"]["value"]
    weeks = family.engineering_weeks + hours / gpus / HOURS_PER_WEEK
    data = family.data["pretrained" if answers["pretrained_allowed"] else "from_scratch"]
    guided = variant_guided(variant, answers)

    # One serving rate behind latency and money: they share the calibration's spread. Training
    # adds the published budget's own spread to the two devices' rates it was carried between.
    anchor_sigma = fa["training_anchor_log_sigma"]["value"]
    training_sigma = math.hypot(anchor_sigma, math.sqrt(2) * dm.calibration.log_sigma if carried else 0.0)
    training_half = training_sigma * lm.Z_90
    usage_low, usage_high = lm.interval(usage, dm.log_halfwidth)
    hours_low, hours_high = lm.interval(hours, training_half)
    assumptions = [
        f"variant: {variant.name}",
        nfe_reason or (f"{variant.nfe} network evaluations per sample" + (
            f" (typical range {variant.nfe_range[0]}–{variant.nfe_range[1]})" if variant.nfe_range else "")),
        "classifier-free guidance doubles each evaluation's batch" if guided else "no classifier-free guidance",
        dm.note,
        f"latency at batch 1; cost at batch {serving_batch}, at least {hw['always_on_instances']['value']} "
        f"device billed all month ({floor:,.0f} USD)",
        f"training on {knowledge.devices[target_gpu].name}, {'from a pretrained checkpoint' if answers['pretrained_allowed'] else 'from scratch'}"
        + (f", ×{restarts:g} expected runs for GAN restarts" if restarts != 1.0 else "")
        + (", published budgets carried by the devices' training rates (about 3× forward FLOPs per image seen)"
           if carried else "")
        + f"; 90% interval ×/÷{math.exp(training_half):.2f}",
    ]
    denoiser = knowledge.architectures[variant.denoiser]
    figures = [Figure(f"{denoiser.name}", denoiser.flops_per_forward or denoiser.anchor_latency,
                      "FLOP per forward" if denoiser.flops_per_forward else "latency anchor", denoiser.source),
               Figure(dm.device.name + " peak", dm.device.peak_flop_per_s.get(dm.dtype), f"FLOP/s ({dm.dtype})",
                      dm.device.source)]
    if dm.basis == "catalog":
        figures.append(Figure("latency model", f"90% within ×/÷{math.exp(dm.log_halfwidth):.2f}", "",
                              dm.calibration.source))
    figures += [Figure("training cost anchor", round(hours, 1), "GPU-hours", "; ".join(training_sources)),
                Figure("data needs", data["images_for_good_quality"], "images", family.data["source"])]
    if nfe_reason:
        figures.append(Figure("distilled student steps", hybrid["student_nfe"], "NFE",
                              f"measured: {hybrid['source']} on {hybrid.get('where', 'probe data')}"))
    return Estimate(
        family=family.id, variant=variant, nfe=nfe, cfg=guided, flops_per_sample=flops,
        latency_ms_per_sample=latency_ms, usd_per_1k_samples=usd_per_1k, monthly_usd=monthly,
        training_gpu_hours=hours, weeks_to_production=weeks,
        images_for_good_quality=data["images_for_good_quality"], minimum_images=data["minimum_images"],
        assumptions=assumptions, figures=figures, basis=dm.basis,
        latency_interval_ms=lm.interval(latency_ms, dm.log_halfwidth),
        usd_per_1k_interval=lm.interval(usd_per_1k, dm.log_halfwidth),
        monthly_usd_interval=(max(usage_low, floor), max(usage_high, floor)),
        training_gpu_hours_interval=(hours_low, hours_high),
        weeks_interval=(family.engineering_weeks + hours_low / gpus / HOURS_PER_WEEK,
                        family.engineering_weeks + hours_high / gpus / HOURS_PER_WEEK),
        serving_log_sigma=dm.log_sigma, training_log_sigma=training_sigma, monthly_floor_usd=floor,
        monthly_usage_usd=usage, engineering_weeks=family.engineering_weeks, training_gpus=gpus,
    )


def usd_per_1k_samples(latency_ms_per_sample: float, usd_per_hour: float) -> float:
    """1000 samples x latency ms = latency seconds of device time; at usd_per_hour, x / 3600."""
    return latency_ms_per_sample * usd_per_hour / 3600.0


def estimate_all(answers: dict, knowledge: Knowledge, measured: dict | None = None,
                 hybrid: dict | None = None) -> dict[str, Estimate]:
    dm = device_model(knowledge, answers["serving_hardware"], measured, answers.get("serving_stack", "eager"))
    return {key: estimate(family, answers, knowledge, dm, hybrid) for key, family in knowledge.families.items()}
