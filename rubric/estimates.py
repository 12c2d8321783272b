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

import copy

import math
from dataclasses import dataclass, field
from typing import Any

from rubric import latency_model as lm
from rubric.knowledge import Architecture, Device, Family, Knowledge, Variant
from rubric.measured import HybridEvidence, measured_at, relevance

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
    flop_per_s: float | None = None  # measured mode only: FLOP/s of a batch-1 call
    overhead_ms: float | None = None
    # measured: FLOP/s of each further sample in a batch (None: the batch-1 rate stands for it)
    throughput_flop_per_s: float | None = None


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
    monthly_floor_usd: float = 0.0  # dedicated: one device billed all month
    monthly_usage_usd: float = 0.0  # the volume's own device time, at full use
    engineering_weeks: float = 0.0
    training_gpus: float = 1.0
    # The plan: how the weights are obtained, and what that brings.
    how: str = "from_scratch"  # as_is | fine_tune | from_scratch
    label: str = ""
    licence: str | None = None  # of the public weights used (None when trained from scratch)
    off_the_shelf: bool = False
    in_house_distillation: bool = False
    images_used: int = 0
    training_fixed_hours: float = 0.0
    training_hours_per_image: float = 0.0
    training_hours_cap: float = math.inf  # a fine-tune never costs more than training from scratch
    training_sources: tuple[str, ...] = ()
    restarts: float = 1.0
    carried: bool = False
    monthly_step_usd: float = 0.0  # one dedicated device-month; 0 on demand
    monthly_utilisation: float = 1.0
    domain_fit: float | None = None  # data utility of public weights used as they are
    data_regime: str = "from_scratch"  # which of the family's data needs apply
    dataset_images: int = 0
    # Filled by the engine: P(meets each stated limit) and P(meets every one), under the spreads.
    p_meets: dict[str, float] = field(default_factory=dict)
    p_meets_limits: float = 1.0

    def at_images(self, images: int) -> "Estimate":
        """This plan using `images` of the team's images: a fine-tune's GPU-hours, the weeks they
        take and their intervals follow."""
        hours = min(self.training_fixed_hours + self.training_hours_per_image * images, self.training_hours_cap)
        half = self.training_log_sigma * lm.Z_90
        low, high = lm.interval(hours, half)
        week_hours = self.training_gpus * HOURS_PER_WEEK
        words = self.assumptions[:5] + [self._training_words(hours, half)]
        # A shallow copy, not dataclasses.replace: the engine tries every image count of a grid
        # for every fine-tune, and re-running __init__ each time was most of a decision's time.
        trial = copy.copy(self)
        trial.__dict__.update(images_used=images, training_gpu_hours=hours,
                              weeks_to_production=self.engineering_weeks + hours / week_hours,
                              training_gpu_hours_interval=(low, high),
                              weeks_interval=(self.engineering_weeks + low / week_hours,
                                              self.engineering_weeks + high / week_hours),
                              assumptions=words, p_meets={}, p_meets_limits=1.0)
        return trial

    def _training_words(self, hours: float, half: float) -> str:
        if self.how == "as_is" and not self.in_house_distillation:
            return (f"no training: public weights served as they are; {self.engineering_weeks:g} "
                    f"engineering week{'s' if self.engineering_weeks != 1 else ''} to production")
        text = f"training: {hours:,.3g} GPU-hours"
        if self.how == "fine_tune":
            text += f" for a fine-tune on {self.images_used:,} of {self.dataset_images:,} images"
        text += (f" on {self.training_gpus:,g} GPU{'s' if self.training_gpus != 1 else ''} in parallel, "
                 f"plus {self.engineering_weeks:g} engineering weeks")
        if self.restarts != 1.0:
            text += f", ×{self.restarts:g} expected runs for GAN restarts"
        if self.carried:
            text += ", published budgets carried by the devices' training rates (about 3× forward FLOPs per image seen)"
        return text + f"; 90% interval ×/÷{math.exp(half):.2f}"

    def log_sigma(self, quantity: str) -> float:
        return self.training_log_sigma if quantity in TRAINING_QUANTITIES else self.serving_log_sigma

    def lognormal_form(self, quantity: str) -> tuple[float, float, float, float]:
        """(base, offset, divisor, floor): the quantity is max(offset + base × X / divisor, floor)
        with X log-normal of median 1 and sigma `log_sigma(quantity)`. Money has a certain floor
        (one device billed all month); weeks are the engineering weeks plus the training hours
        spread over the team's GPUs."""
        if quantity == "weeks_to_production":
            return self.training_gpu_hours, self.engineering_weeks, self.training_gpus * HOURS_PER_WEEK, 0.0
        if quantity == "monthly_usd":  # dedicated: devices sized at the peak use (continuous here)
            if self.monthly_step_usd > 0:
                return self.monthly_usage_usd / self.monthly_utilisation, 0.0, 1.0, self.monthly_floor_usd
            return self.monthly_usage_usd, 0.0, 1.0, 0.0
        return getattr(self, quantity), 0.0, 1.0, 0.0

    def z_within(self, quantity: str, limit: float) -> float:
        """The standard-normal threshold under which the quantity meets `limit` (±inf when certain)."""
        base, offset, divisor, floor = self.lognormal_form(quantity)
        allowed = (limit - offset) * divisor  # what base × X may reach
        if quantity == "monthly_usd" and self.monthly_step_usd > 0 and math.isfinite(limit):
            # Whole devices: the budget buys floor(limit / device-month) of them (any number when
            # a device-month costs next to nothing).
            devices = limit / self.monthly_step_usd
            allowed = math.floor(devices + 1e-9) * self.monthly_step_usd if math.isfinite(devices) else limit
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
        return (math.log(allowed) - math.log(base)) / sigma  # no underflow at 5e-324 budgets


# Which uncertainty each estimated quantity carries: the serving rate (latency and money move
# together), or the training budget (GPU-hours and the weeks they take move together).
TRAINING_QUANTITIES = ("training_gpu_hours", "weeks_to_production")


def match_device(device_name: str, device_kind: str, knowledge: Knowledge) -> str | None:
    """The catalog id of a probed device ('NVIDIA H100 80GB HBM3' -> 'h100'), or None."""
    return "cpu" if device_kind == "cpu" else knowledge.gpu_id(device_name)


def serving_dtype(knowledge: Knowledge, device: Device, requested: str | None = None) -> str:
    dtype = requested or knowledge.hardware_assumptions["serving_dtype"]["value"][device.kind]
    if dtype not in device.peak_flop_per_s:  # no bf16 on a T4 or V100: serve in fp16
        dtype = "fp16" if "fp16" in device.peak_flop_per_s else "fp32"
    return dtype


def device_model(knowledge: Knowledge, serving: str, measured: dict | None = None,
                 stack: str = "eager", dtype: str | None = None) -> DeviceModel:
    """The calibrated catalog model for the serving device, replaced by a probe's measurement if given.

    `measured` is `probes.summaries.cost_model.device_profile(...)`: device_name, device_kind,
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
    batched = float(measured.get("throughput_flop_per_s") or rate)
    overhead = float(measured["fixed_overhead_ms_per_forward"])
    band = float(measured.get("relative_band") or 0.05)
    halfwidth = math.log1p(band)
    if probed == serving:
        return DeviceModel(device, dtype, stack, calibration, "measured",
                           f"measured on {measured.get('device_name')}: {rate / 1e12:.3g} TFLOP/s effective, "
                           f"{overhead:.2f} ms overhead per call (genarch probe)",
                           halfwidth, halfwidth / lm.Z_90, rate, overhead, batched)
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
                       wider, wider / lm.Z_90, rate * ratio, overhead, batched * ratio)


def architecture_flops(arch: Architecture, resolution: int) -> float:
    return lm.forward_flops(arch, resolution)


def _call_ms(arch: Architecture, resolution: int, batch: int, dm: DeviceModel, knowledge: Knowledge,
             dtype: str | None = None) -> float:
    """Milliseconds for one call of `arch` on a batch (inputs, guidance already counted)."""
    if dm.basis == "measured" and arch.flops_per_forward is not None:
        # the probe's law: the first sample at the batch-1 rate, each further one at the batch rate
        flops = architecture_flops(arch, resolution)
        further = (batch - 1) * flops / (dm.throughput_flop_per_s or dm.flop_per_s)
        return (flops / dm.flop_per_s + further) * 1e3 + dm.overhead_ms
    return 1e3 * lm.call_seconds(arch, resolution, batch, dm.device, dtype or dm.dtype, dm.stack,
                                 dm.calibration, knowledge)


@dataclass(frozen=True)
class Plan:
    """How a team would obtain a variant's weights: serve public ones as they are ("as_is"),
    fine-tune public ones on `images_used` of its images ("fine_tune"), or train from scratch
    ("from_scratch"); a variant with a teacher is then distilled in house from that teacher,
    obtained the same way."""
    variant: Variant
    how: str  # as_is | fine_tune | from_scratch
    images_used: int = 0

    @property
    def in_house_distillation(self) -> bool:
        return self.variant.teacher is not None

    @property
    def off_the_shelf(self) -> bool:
        return self.how == "as_is" and not self.in_house_distillation


def checkpoint_usable(variant: Variant, answers: dict) -> bool:
    """Public weights may be used: allowed, and licensed for the use asked."""
    ck = variant.checkpoint
    return (ck is not None and answers["pretrained_allowed"]
            and (ck.commercial_use or not answers.get("commercial_use", True)))


def weights_source(variant: Variant, knowledge: Knowledge) -> Variant:
    """The variant whose weights are obtained (trained, fine-tuned or downloaded): its teacher for
    an in-house distillation, else itself."""
    return knowledge.variants[variant.teacher] if variant.teacher else variant


def plan_kinds(variant: Variant, answers: dict, knowledge: Knowledge) -> list[str]:
    """The ways this variant's weights can be obtained under these answers."""
    source = weights_source(variant, knowledge)
    kinds = []
    if checkpoint_usable(source, answers) and source.checkpoint.as_is:
        kinds.append("as_is")
    if checkpoint_usable(source, answers) and "fine_tune" in source.training:
        kinds.append("fine_tune")
    if "from_scratch" in source.training:
        kinds.append("from_scratch")
    return kinds


def variant_fits(variant: Variant, answers: dict) -> bool:
    return (answers.get("task", "generation") in variant.tasks
            and variant.min_resolution <= answers["resolution"] <= variant.max_resolution)


def candidate_variants(family: Family, answers: dict) -> list[Variant]:
    """The family's variants for this task and resolution (when none covers the resolution, the
    task's variants whose range comes closest: they are then used beyond their published range)."""
    task = [v for v in family.variants if answers.get("task", "generation") in v.tasks]
    fits = [v for v in task if variant_fits(v, answers)]
    if fits:
        return fits
    if task:
        res = answers["resolution"]

        def gap(v: Variant) -> float:  # octaves outside the variant's range
            return max(0.0, math.log2(max(v.min_resolution, 1) / res), math.log2(res / v.max_resolution))
        closest = min(gap(v) for v in task)
        return [v for v in task if gap(v) == closest]
    return list(family.variants)


def skipped_for_licence(knowledge: Knowledge, answers: dict) -> list[str]:
    """Public checkpoints the answers' commercial use rules out, with their licences."""
    if not answers.get("commercial_use", True) or not answers["pretrained_allowed"]:
        return []
    return [f"{v.name} ({v.checkpoint.licence})" for v in knowledge.variants.values()
            if v.checkpoint is not None and not v.checkpoint.commercial_use
            and answers.get("task", "generation") in v.tasks]


def variant_guided(variant: Variant, answers: dict) -> bool:
    """Classifier-free guidance runs where the variant uses it and a class or prompt is asked."""
    return variant.cfg and bool({"text", "class"} & set(answers["conditioning"]))


def uses_image_encoder(variant: Variant, answers: dict) -> bool:
    """The input image is encoded once per sample: image-to-image work, editing an existing image,
    or a spatial map that the variant takes through its image encoder rather than a ControlNet."""
    if variant.image_encoder is None:
        return False
    wanted = set(answers["conditioning"])
    return (answers.get("task", "generation") == "image_to_image" or "editing" in wanted
            or ("spatial" in wanted and variant.adapter_for_spatial is None))


def variant_stages(variant: Variant, answers: dict, nfe: int) -> list[lm.Stage]:
    """The calls one sample of this variant makes for these answers."""
    guided = variant_guided(variant, answers)
    adapter = variant.adapter_for_spatial if "spatial" in answers["conditioning"] else None
    encoders = (variant.encoder,) if variant.encoder and "text" in answers["conditioning"] else ()
    stages = lm.pipeline_stages(variant.denoiser, nfe, guided, encoders, variant.decoder, adapter)
    if uses_image_encoder(variant, answers):
        stages.append(lm.Stage(variant.image_encoder, 1, 1))
    return stages


def variant_label(variant: Variant, answers: dict, nfe: int) -> str:
    """The variant as served for these answers: its steps, guidance and control network, from the
    same data the cost is computed from, so the label and the assumptions always agree."""
    parts = [variant.name, f"{nfe} step{'s' if nfe != 1 else ''}"]
    if variant_guided(variant, answers):
        parts.append("classifier-free guidance")
    if variant.adapter_for_spatial and "spatial" in answers["conditioning"]:
        parts.append("+ ControlNet")
    return ", ".join(parts)


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
        return dm.throughput_flop_per_s or dm.flop_per_s  # training batches run at the batch rate
    dtype = serving_dtype(knowledge, device, "bf16" if device.kind == "gpu" else None)
    seconds = lm.call_seconds(arch, resolution, batch, device, dtype, "eager", lm.load_calibration(), knowledge)
    flops = arch.flops_per_forward and architecture_flops(arch, resolution)
    # An anchor-only architecture (no FLOP count) compares devices by its time alone.
    return batch * (flops or 1.0) / seconds


def _training_cost(plan: Plan, answers: dict, knowledge: Knowledge, target_gpu: str,
                   hybrid: HybridEvidence | None = None, dm: DeviceModel | None = None
                   ) -> tuple[float, float, list[str], bool, float]:
    """(fixed GPU-hours, GPU-hours per image used, the sources, whether a budget was carried from
    another device, the most the plan can cost: a fine-tune no more than training from scratch) on `target_gpu` at the asked resolution. A published budget moves between
    devices by their training rates for the network trained (the calibrated model at the training
    batch, or the probe's measured rate on the serving device) and with the pixel count. A
    fine-tune costs its recipe's GPU-hours per image, times the images used; public weights used as
    they are cost nothing. An in-house distillation adds its own cost to its teacher's: a published
    figure as it is, or a fraction of the teacher's training blended with the hybrid probe's
    measured share."""
    devices = knowledge.devices
    target = devices[target_gpu]
    carried = []
    cap = math.inf

    def scaled(hours: float, cost, denoiser: str) -> float:
        arch = knowledge.architectures[denoiser]
        res_scale = (answers["resolution"] / cost.resolution) ** 2
        if cost.gpu == target_gpu and not (dm is not None and dm.basis == "measured"):
            return hours * res_scale
        carried.append(True)
        ratio = (training_rate(arch, cost.resolution, devices[cost.gpu], knowledge)
                 / training_rate(arch, cost.resolution, target, knowledge, dm))
        return hours * res_scale * ratio

    source = weights_source(plan.variant, knowledge)
    fixed, per_image = 0.0, 0.0
    if plan.how == "as_is":
        sources = [f"{source.name}: public weights used as they are ({source.checkpoint.licence}; "
                   f"{source.checkpoint.source})"]
    elif plan.how == "fine_tune":
        cost = source.training["fine_tune"]
        per_image = scaled(cost.gpu_hours_per_1k_images / 1000.0, cost, source.denoiser)
        sources = [cost.source]
        scratch = source.training.get("from_scratch")
        if scratch is not None:  # past this many images a fine-tune is a training from scratch
            cap = scaled(scratch.gpu_hours, scratch, source.denoiser)
    else:
        cost = source.training["from_scratch"]
        fixed = scaled(cost.gpu_hours, cost, source.denoiser)
        sources = [cost.source]
    if plan.in_house_distillation:
        distill = plan.variant.training["distillation"]
        if distill.gpu_hours is not None:
            fixed += scaled(distill.gpu_hours, distill, plan.variant.denoiser)
            sources.append(distill.source)
        else:
            # A distillation's cost follows the network distilled, not how its weights were got:
            # a fraction of what training the teacher from scratch costs.
            scratch = source.training.get("from_scratch")
            reference = scaled(scratch.gpu_hours, scratch, source.denoiser) if scratch else fixed
            fraction = distill.fraction_of_teacher
            measured = hybrid.distillation_share_of_teacher_train_s if hybrid else None
            if measured is not None:
                w, weight_words = _hybrid_weight(knowledge, hybrid, plan.variant, answers["resolution"])
                fraction = (1 - w) * fraction + w * measured
                sources.append(f"measured: distillation took {measured:.2f}× the teacher's training time "
                               f"({measured_at(hybrid)}); "
                               f"blended with the assumption ({weight_words}): {fraction:.2f} of the teacher's GPU-hours")
            fixed += reference * fraction
            sources.append(distill.source)
    return fixed, per_image, sources, bool(carried), fixed + cap


def _hybrid_weight(knowledge: Knowledge, hybrid: HybridEvidence, variant: Variant,
                   resolution: int) -> tuple[float, str]:
    """The evidence weight the hybrid probe earns for this student, and why."""
    r, why = relevance(knowledge, hybrid, resolution, knowledge.architectures[variant.denoiser].params)
    w = knowledge.evidence_weight * r
    return w, f"evidence weight {w:.2f}: {knowledge.evidence_weight:g} × relevance {r:.2f}" + (f", {why}" if why else "")


def student_nfe(variant: Variant, hybrid: HybridEvidence | None, knowledge: Knowledge,
                resolution: int | None = None) -> tuple[int, str | None]:
    """Denoiser calls per sample for a distilled variant, from the hybrid probe when it ran.

    A student that kept its teacher's quality (probes.summaries.control_summary's tolerance) at n steps
    moves the catalog's step count toward n: the geometric mean weighted by the rubric's
    evidence weight, rounded, kept inside the variant's published range (a 16 px probe informs
    but does not overrule a production recipe). With no student inside the tolerance, the
    range's upper end. Returns (nfe, the sentence that says why, or None without evidence)."""
    if hybrid is None or variant.teacher is None:
        return variant.nfe, None
    low, high = variant.nfe_range or (1, variant.nfe)
    measured = f"{hybrid.student_nfe}-step student FID {hybrid.student_fid:.3g}, its {hybrid.teacher_nfe}-step " \
               f"teacher's {hybrid.teacher_fid:.3g}"
    where = measured_at(hybrid)
    if not hybrid.meets_tolerance:
        return high, (f"{high} network evaluations per sample, the top of the published range: no measured student "
                      f"stayed within {hybrid.tolerance:g}× its teacher's FID (best: {measured}; {where})")
    w, weight_words = _hybrid_weight(knowledge, hybrid, variant, resolution or knowledge.architectures[
        variant.denoiser].reference_resolution)
    nfe = min(high, max(low, round(variant.nfe ** (1 - w) * hybrid.student_nfe ** w)))
    speed = f", {hybrid.speedup:.1f}× faster than the teacher as measured" if hybrid.speedup else ""
    return nfe, (f"{nfe} network evaluations per sample: the catalog's {variant.nfe} moved toward the measured "
                 f"{hybrid.student_nfe} (geometric mean, {weight_words}; published range {low}–{high}); "
                 f"measured: {measured}, within {hybrid.tolerance:g}×{speed} ({where})")


@dataclass(frozen=True)
class Serving:
    """A variant's serving cost for the answers, whichever way its weights were obtained."""
    nfe: int
    nfe_reason: str | None
    guided: bool
    latency_ms: float
    flops: float
    usd_per_1k: float
    monthly: float
    usage: float  # USD a month of device time at full use
    step: float  # USD of one device-month (dedicated), 0 on demand
    floor: float
    instances: int  # dedicated devices, 0 on demand
    note: str


def serving_cost(variant: Variant, answers: dict, knowledge: Knowledge, dm: DeviceModel,
                 hybrid: HybridEvidence | None = None) -> Serving:
    """Latency at batch 1 and money at the serving batch (batch 1 when the batch would break the
    latency limit). On demand, the device-seconds used are billed; dedicated, whole devices all
    month, enough for the volume at peak (about twice the mean) and at least one."""
    hw = knowledge.hardware_assumptions
    nfe, nfe_reason = student_nfe(variant, hybrid, knowledge, answers["resolution"])
    latency_ms, flops = _sample_ms(variant, answers, 1, dm, knowledge, nfe)
    batch = hw["serving_batch_for_cost"]["value"]
    batch_ms, _ = _sample_ms(variant, answers, batch, dm, knowledge, nfe)
    limit = answers.get("latency_budget_ms")
    if limit is not None and batch_ms > limit and batch > 1:
        batch, batch_ms = 1, latency_ms
    price = answers["gpu_hourly_usd"]
    usd_per_1k = usd_per_1k_samples(batch_ms / batch, price)
    usage = usd_per_1k * answers["samples_per_month"] / 1000
    hours = hw["hours_per_month"]["value"]
    if answers.get("serving_mode", "dedicated") == "on_demand":
        note = f"on demand: billed per GPU-second used, at batch {batch}"
        return Serving(nfe, nfe_reason, variant_guided(variant, answers), latency_ms, flops, usd_per_1k,
                       usage, usage, 0.0, 0.0, 0, note)
    utilisation = hw["dedicated_peak_utilisation"]["value"]
    minimum = hw["always_on_instances"]["value"]
    step = hours * price
    needed = usage / utilisation / step if step > 0 else 0.0
    # A price of ~0 USD/h makes `needed` overflow: one device is then as good as any number.
    instances = max(minimum, math.ceil(needed - 1e-9)) if math.isfinite(needed) else minimum
    note = (f"dedicated: {instances} device{'s' if instances != 1 else ''} billed all month "
            f"({step:,.0f} USD each; sized for peak traffic at {utilisation:.0%} mean use; at least "
            f"{minimum}), batch {batch}")
    return Serving(nfe, nfe_reason, variant_guided(variant, answers), latency_ms, flops, usd_per_1k,
                   instances * step, usage, step, minimum * step, instances, note)


def estimate(plan: Plan, family: Family, answers: dict, knowledge: Knowledge, dm: DeviceModel,
             hybrid: HybridEvidence | None = None, serving: Serving | None = None) -> Estimate:
    """The cost of one plan. `hybrid`: probes.summaries.control_summary.hybrid_evidence(...), for distilled
    variants; `serving`: the variant's serving cost, when already computed."""
    hw = knowledge.hardware_assumptions
    fa = knowledge.family_assumptions
    variant = plan.variant
    serving = serving or serving_cost(variant, answers, knowledge, dm, hybrid)
    target_gpu = answers["serving_hardware"]
    if dm.device.kind == "cpu":
        target_gpu = fa["training_hardware_when_serving_on_cpu"]["value"]
    fixed, per_image, training_sources, carried, cap = _training_cost(plan, answers, knowledge, target_gpu, hybrid, dm)
    restarts = 1.0
    if family.id == "gan" and plan.how != "as_is":
        restarts = fa["restart_factor_by_gan_experience"]["value"][answers["team_gan_experience"]]
    engineering = family.engineering_weeks
    if plan.how in ("as_is", "fine_tune") and not plan.in_house_distillation:
        engineering = fa.get(f"{plan.how}_engineering_weeks", {"value": engineering})["value"]
    data_regime = "from_scratch" if plan.how == "from_scratch" else "pretrained"
    data = family.data[data_regime]
    source = weights_source(variant, knowledge)
    ck = source.checkpoint
    anchor_sigma = fa["training_anchor_log_sigma"]["value"]
    training_sigma = math.hypot(anchor_sigma, math.sqrt(2) * dm.calibration.log_sigma if carried else 0.0)
    usage_low, usage_high = lm.interval(serving.usage, dm.log_halfwidth)
    how_words = {"as_is": f"public weights used as they are ({ck.licence})" if ck else "",
                 "fine_tune": f"fine-tuned from public weights ({ck.licence})" if ck else "",
                 "from_scratch": "trained from scratch"}[plan.how]
    if plan.in_house_distillation:
        how_words = f"distilled in house from {source.name}, {how_words}"
    label = variant_label(variant, answers, serving.nfe)
    assumptions = [
        f"variant: {label}; {how_words}",
        serving.nfe_reason or (f"{serving.nfe} network evaluation{'s' if serving.nfe != 1 else ''} per sample" + (
            f" (typical range {variant.nfe_range[0]}–{variant.nfe_range[1]})" if variant.nfe_range else "")),
        "classifier-free guidance doubles each evaluation's batch" if serving.guided else (
            "no classifier-free guidance" + (" (used only with class or text prompts)" if variant.cfg else "")),
        dm.note,
        f"latency at batch 1; {serving.note}",
    ]
    denoiser = knowledge.architectures[variant.denoiser]
    figures = [Figure(f"{denoiser.name}", denoiser.flops_per_forward or denoiser.anchor_latency,
                      "FLOP per forward" if denoiser.flops_per_forward else "latency anchor", denoiser.source),
               Figure(dm.device.name + " peak", dm.device.peak_flop_per_s.get(dm.dtype), f"FLOP/s ({dm.dtype})",
                      dm.device.source)]
    if dm.basis == "catalog":
        figures.append(Figure("latency model", f"90% within ×/÷{math.exp(dm.log_halfwidth):.2f}", "",
                              dm.calibration.source))
    if ck is not None:
        figures.append(Figure("checkpoint licence", ck.licence, "", ck.source))
    figures.append(Figure("data needs", data["images_for_good_quality"], "images", family.data["source"]))
    if serving.nfe_reason:
        figures.append(Figure("distilled student steps", hybrid.student_nfe, "NFE",
                              f"measured: {measured_at(hybrid)}"))
    base = Estimate(
        family=family.id, variant=variant, nfe=serving.nfe, cfg=serving.guided, flops_per_sample=serving.flops,
        latency_ms_per_sample=serving.latency_ms, usd_per_1k_samples=serving.usd_per_1k,
        monthly_usd=serving.monthly, training_gpu_hours=0.0, weeks_to_production=engineering,
        images_for_good_quality=data["images_for_good_quality"], minimum_images=data["minimum_images"],
        assumptions=assumptions, figures=figures, basis=dm.basis,
        latency_interval_ms=lm.interval(serving.latency_ms, dm.log_halfwidth),
        usd_per_1k_interval=lm.interval(serving.usd_per_1k, dm.log_halfwidth),
        monthly_usd_interval=_monthly_interval(serving, usage_low, usage_high, hw),
        serving_log_sigma=dm.log_sigma, training_log_sigma=training_sigma if plan.how != "as_is" or
        plan.in_house_distillation else 0.0,
        monthly_floor_usd=serving.floor, monthly_usage_usd=serving.usage, engineering_weeks=engineering,
        training_gpus=answers.get("training_gpus", 8), how=plan.how, label=label,
        licence=ck.licence if ck is not None and plan.how != "from_scratch" else None,
        off_the_shelf=plan.off_the_shelf, in_house_distillation=plan.in_house_distillation,
        training_fixed_hours=fixed * restarts, training_hours_per_image=per_image * restarts,
        training_hours_cap=cap * restarts,
        training_sources=tuple(training_sources), restarts=restarts, carried=carried,
        monthly_step_usd=serving.step, monthly_utilisation=hw["dedicated_peak_utilisation"]["value"],
        domain_fit=ck.domain_fit if ck is not None and plan.how == "as_is" else None,
        data_regime=data_regime, dataset_images=answers["dataset_images"],
    )
    return base.at_images(plan.images_used)


def _monthly_interval(serving: Serving, low: float, high: float, hw: dict) -> tuple[float, float]:
    if serving.step <= 0:
        return low, high
    utilisation = hw["dedicated_peak_utilisation"]["value"]
    minimum = hw["always_on_instances"]["value"]

    def devices(usage: float) -> float:
        needed = usage / utilisation / serving.step
        return (max(minimum, math.ceil(needed - 1e-9)) if math.isfinite(needed) else minimum) * serving.step
    return devices(low), devices(high)


def usd_per_1k_samples(latency_ms_per_sample: float, usd_per_hour: float) -> float:
    """1000 samples x latency ms = latency seconds of device time; at usd_per_hour, x / 3600."""
    return latency_ms_per_sample * usd_per_hour / 3600.0


def family_plans(family: Family, answers: dict, knowledge: Knowledge) -> list[Plan]:
    """Every way the family can serve the answers: each fitting variant, each way of getting its
    weights. Images used start at all the team has; the engine may use fewer for a fine-tune."""
    plans = []
    for variant in candidate_variants(family, answers):
        for how in plan_kinds(variant, answers, knowledge):
            plans.append(Plan(variant, how, 0 if how == "as_is" else answers["dataset_images"]))
    return plans


def estimate_plans(answers: dict, knowledge: Knowledge, measured: dict | None = None,
                   hybrid: HybridEvidence | None = None, families: list[str] | None = None) -> dict[str, list[Estimate]]:
    """Family (all, or those named) -> an estimate for each of its plans (serving costed once per
    variant)."""
    dm = device_model(knowledge, answers["serving_hardware"], measured, answers.get("serving_stack", "eager"))
    result = {}
    for key in families or knowledge.families:
        family = knowledge.families[key]
        cache: dict[str, Serving] = {}
        rows = []
        for plan in family_plans(family, answers, knowledge):
            if plan.variant.id not in cache:
                cache[plan.variant.id] = serving_cost(plan.variant, answers, knowledge, dm, hybrid)
            rows.append(estimate(plan, family, answers, knowledge, dm, hybrid, cache[plan.variant.id]))
        result[key] = rows
    return result
