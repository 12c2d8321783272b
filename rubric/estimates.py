"""Cost estimates per candidate before (or with) probes: latency, USD, training GPU-hours, weeks.

Pure functions of (answers, knowledge, measured device profile or None). Every number carries
the assumptions and sourced figures behind it, so reasons can quote them.

Time of one network call on a device, batch b (roofline with a fixed overhead):
    t = max(b × FLOPs / R, weight_bytes / BW) + overhead
R is the achievable FLOP/s (peak × assumed fraction, or a probe's measured rate), BW the
achievable bandwidth. A sample costs NFE denoiser calls (×2 FLOPs with classifier-free guidance,
plus a ControlNet when spatial conditioning is asked), one decoder call and one encoder call.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

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
    """How fast the serving device runs a network: achievable FLOP/s, bandwidth, overhead."""
    device: Device
    flop_per_s: float
    bandwidth_bytes_per_s: float
    overhead_ms: float
    relative_band: float | None
    basis: str  # "catalog" or "measured"
    note: str


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


def match_device(device_name: str, device_kind: str, knowledge: Knowledge) -> str | None:
    """The catalog id of a probed device ('NVIDIA H100 80GB HBM3' -> 'h100'), or None."""
    if device_kind == "cpu":
        return "cpu"
    for key, device in knowledge.devices.items():
        if device.kind == "gpu" and re.search(device.match, device_name or ""):
            return key
    return None


def device_model(knowledge: Knowledge, serving: str, measured: dict | None = None) -> DeviceModel:
    """Catalog assumptions for the serving device, replaced by a probe's measurement if given.

    `measured` is `probes.cost_model.device_profile(...)`: device_name, device_kind,
    fixed_overhead_ms_per_forward, effective_flop_per_s, relative_band.
    """
    device = knowledge.devices[serving]
    hw = knowledge.hardware_assumptions
    bandwidth = device.memory_bandwidth_bytes_per_s * hw["achievable_fraction_of_bandwidth"]["value"]
    fraction = hw["achievable_fraction_of_peak"][device.kind]
    catalog = DeviceModel(
        device, device.peak_flop_per_s * fraction, bandwidth, hw["overhead_ms_per_forward"][device.kind],
        None, "catalog",
        f"{device.name}: {device.peak_flop_per_s / 1e12:.1f} TFLOP/s peak × assumed {fraction:.2f} achievable",
    )
    if not measured:
        return catalog
    probed = match_device(measured.get("device_name", ""), measured.get("device_kind", ""), knowledge)
    rate = float(measured["effective_flop_per_s"])
    overhead = float(measured["fixed_overhead_ms_per_forward"])
    band = measured.get("relative_band")
    if probed == serving:
        return DeviceModel(device, rate, bandwidth, overhead, band, "measured",
                           f"measured on {measured.get('device_name')}: {rate / 1e12:.3g} TFLOP/s effective, "
                           f"{overhead:.2f} ms overhead per call (genarch probe)")
    if probed is None or knowledge.devices[probed].kind != device.kind:
        return DeviceModel(**{**catalog.__dict__, "note": catalog.note + (
            f"; the probe ran on {measured.get('device_name')!r}, which cannot be scaled to "
            f"{device.name}, so the catalog assumption stands")})
    ratio = device.peak_flop_per_s / knowledge.devices[probed].peak_flop_per_s
    return DeviceModel(device, rate * ratio, bandwidth, overhead, band, "measured",
                       f"measured on {measured.get('device_name')} ({rate / 1e12:.3g} TFLOP/s effective), "
                       f"scaled ×{ratio:.3g} by the catalog's peak ratio to {device.name}")


def architecture_flops(arch: Architecture, resolution: int) -> float:
    scale = resolution / arch.reference_resolution
    dense = arch.flops_per_forward - arch.attention_flops
    return dense * scale ** arch.resolution_exponent + arch.attention_flops * scale ** 4


def _call_ms(arch: Architecture, resolution: int, batch: int, flop_factor: float,
             dm: DeviceModel, knowledge: Knowledge, extra: Architecture | None = None) -> float:
    """Milliseconds for one call of `arch` (plus `extra`, run alongside) on a batch."""
    if arch.anchor_latency is not None:
        anchor = arch.anchor_latency
        peak_ratio = knowledge.devices[anchor["device"]].peak_flop_per_s / dm.device.peak_flop_per_s
        res_scale = (resolution / anchor["resolution"]) ** arch.resolution_exponent
        return anchor["ms"] * peak_ratio * res_scale * flop_factor * batch
    flops = architecture_flops(arch, resolution) * flop_factor
    params = arch.params
    if extra is not None:
        flops += architecture_flops(extra, resolution) * flop_factor
        params += extra.params
    weight_bytes = params * knowledge.hardware_assumptions["weight_bytes_per_parameter"]["value"]
    seconds = max(batch * flops / dm.flop_per_s, weight_bytes / dm.bandwidth_bytes_per_s)
    return seconds * 1e3 + dm.overhead_ms


def choose_variant(family: Family, conditioning: list[str], resolution: int) -> Variant:
    """The first variant serving every requested conditioning at this resolution; else the
    variant covering most of it (ties: the one whose max resolution fits)."""
    wanted = set(conditioning) - {"none"}
    for variant in family.variants:
        if wanted <= set(variant.supports) and resolution <= variant.max_resolution:
            return variant
    return max(family.variants, key=lambda v: (len(wanted & set(v.supports)), resolution <= v.max_resolution))


def _sample_ms(variant: Variant, answers: dict, batch: int, dm: DeviceModel, knowledge: Knowledge,
               nfe: int) -> tuple[float, float]:
    """(milliseconds for a batch of samples, FLOPs per sample) at `nfe` denoiser calls."""
    arch = knowledge.architectures
    resolution = answers["resolution"]
    guided = variant.cfg and bool({"text", "class"} & set(answers["conditioning"]))
    cfg = 2.0 if guided else 1.0
    adapter = arch[variant.adapter_for_spatial] if (
        variant.adapter_for_spatial and "spatial" in answers["conditioning"]) else None
    denoiser = arch[variant.denoiser]
    total = nfe * _call_ms(denoiser, resolution, batch, cfg, dm, knowledge, adapter)
    flops = 0.0
    if denoiser.flops_per_forward is not None:
        flops = nfe * cfg * (architecture_flops(denoiser, resolution)
                                     + (architecture_flops(adapter, resolution) if adapter else 0.0))
    for role in ("decoder", "encoder"):
        name = getattr(variant, role)
        if name and (role == "decoder" or "text" in answers["conditioning"]):
            total += _call_ms(arch[name], resolution, batch, 1.0, dm, knowledge)
            flops += architecture_flops(arch[name], resolution)
    return total, flops


def _training_hours(variant: Variant, answers: dict, knowledge: Knowledge, target_gpu: str,
                    hybrid: dict | None = None) -> tuple[float, list[str]]:
    """Projected GPU-hours on `target_gpu` at the asked resolution, and the sources used. A
    distillation cost that the catalog assumes as a fraction of the teacher's is blended with
    the hybrid probe's measured share (a published GPU-hour figure is kept as it is)."""
    devices = knowledge.devices

    def scaled(cost) -> float:
        res_scale = (answers["resolution"] / cost.resolution) ** 2
        return cost.gpu_hours * res_scale * devices[cost.gpu].peak_flop_per_s / devices[target_gpu].peak_flop_per_s

    def own(v: Variant) -> tuple[float, list[str]]:
        scratch = v.training.get("from_scratch")
        pre = v.training.get("pretrained") if answers["pretrained_allowed"] else None
        if pre is not None and pre.gpu_hours is not None:
            return scaled(pre), [pre.source]
        hours = scaled(scratch)
        if pre is not None:
            return hours * pre.fraction_of_scratch, [scratch.source, pre.source]
        return hours, [scratch.source]

    if variant.teacher is None:
        return own(variant)
    teacher_hours, sources = own(knowledge.variants[variant.teacher])
    distill = variant.training["distillation"]
    if distill.gpu_hours is not None:
        return teacher_hours + scaled(distill), sources + [distill.source]
    fraction, sources = distill.fraction_of_teacher, sources + [distill.source]
    measured = (hybrid or {}).get("distillation_share_of_teacher_train_s")
    if measured is not None:
        w = knowledge.evidence_weight
        fraction = (1 - w) * fraction + w * measured
        sources.append(f"measured: distillation took {measured:.2f}× the teacher's training time "
                       f"({hybrid['source']} on {hybrid.get('where', 'probe data')}); "
                       f"blended with the assumption: {fraction:.2f} of the teacher's GPU-hours")
    return teacher_hours + teacher_hours * fraction, sources


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
    usd_per_1k = batch_ms / serving_batch / 1e3 / 3600 * answers["gpu_hourly_usd"] * 1000
    floor = hw["always_on_instances"]["value"] * hw["hours_per_month"]["value"] * answers["gpu_hourly_usd"]
    monthly = max(usd_per_1k * answers["samples_per_month"] / 1000, floor)

    target_gpu = answers["serving_hardware"]
    if dm.device.kind == "cpu":
        target_gpu = fa["training_hardware_when_serving_on_cpu"]["value"]
    hours, training_sources = _training_hours(variant, answers, knowledge, target_gpu, hybrid)
    restarts = 1.0
    if family.id == "gan":
        restarts = fa["restart_factor_by_gan_experience"]["value"][answers["team_gan_experience"]]
        hours *= restarts
    weeks = family.engineering_weeks + hours / fa["training_gpus"]["value"] / HOURS_PER_WEEK
    data = family.data["pretrained" if answers["pretrained_allowed"] else "from_scratch"]
    guided = variant.cfg and bool({"text", "class"} & set(answers["conditioning"]))

    interval = None
    if dm.relative_band is not None:
        interval = (latency_ms * (1 - dm.relative_band), latency_ms * (1 + dm.relative_band))
    assumptions = [
        f"variant: {variant.name}",
        nfe_reason or (f"{variant.nfe} network evaluations per sample" + (
            f" (typical range {variant.nfe_range[0]}–{variant.nfe_range[1]})" if variant.nfe_range else "")),
        "classifier-free guidance doubles each evaluation's FLOPs" if guided else "no classifier-free guidance",
        dm.note,
        f"latency at batch 1; cost at batch {serving_batch}, at least {hw['always_on_instances']['value']} "
        f"device billed all month ({floor:,.0f} USD)",
        f"training on {knowledge.devices[target_gpu].name}, {'from a pretrained checkpoint' if answers['pretrained_allowed'] else 'from scratch'}"
        + (f", ×{restarts:g} expected runs for GAN restarts" if restarts != 1.0 else ""),
    ]
    denoiser = knowledge.architectures[variant.denoiser]
    figures = [Figure(f"{denoiser.name}", denoiser.flops_per_forward or denoiser.anchor_latency,
                      "FLOP per forward" if denoiser.flops_per_forward else "latency anchor", denoiser.source),
               Figure(dm.device.name + " peak", dm.device.peak_flop_per_s, "FLOP/s", dm.device.source)]
    if dm.basis == "catalog":
        fraction = hw["achievable_fraction_of_peak"]
        figures.append(Figure("achievable fraction of peak", fraction[dm.device.kind], "", fraction["source"]))
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
        assumptions=assumptions, figures=figures, latency_interval_ms=interval, basis=dm.basis,
    )


def estimate_all(answers: dict, knowledge: Knowledge, measured: dict | None = None,
                 hybrid: dict | None = None) -> dict[str, Estimate]:
    dm = device_model(knowledge, answers["serving_hardware"], measured)
    return {key: estimate(family, answers, knowledge, dm, hybrid) for key, family in knowledge.families.items()}
