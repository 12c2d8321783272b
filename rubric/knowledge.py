"""Load and validate the knowledge base (the YAML under rubric/data) into frozen dataclasses.

Validated once at load: unknown or missing keys, negative weights and figures, scores outside
[0, 1], dangling references (a variant naming an unknown architecture, a criterion an unknown
utility kind or an answer field questions.yaml lacks) each raise `KnowledgeError` with one line
naming the file and the entry.
"""
from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from rubric.errors import InputError

DATA_DIR = Path(__file__).parent / "data"
CONDITIONING_KINDS = ("none", "class", "text", "spatial", "editing")
UTILITY_KINDS = ("ratio_to_limit", "conditioning_support", "data_sufficiency", "family_score",
                 "maintenance")
GATES = ("latency", "stability", "conditioning", "data", "budget")


class KnowledgeError(InputError):
    """The knowledge base (rubric YAML) is inconsistent."""


@dataclass(frozen=True)
class Device:
    id: str
    name: str
    kind: str  # gpu | cpu
    peak_flop_per_s: dict[str, float]  # dense peak by dtype: fp16, bf16, tf32, fp32
    memory_bandwidth_bytes_per_s: float
    match: str
    source: str

    @property
    def half_peak_flop_per_s(self) -> float:
        """The fastest dense peak a serving dtype reaches (fp16/bf16 tensor cores; fp32 on CPUs)."""
        return max(self.peak_flop_per_s.values())


@dataclass(frozen=True)
class Architecture:
    id: str
    name: str
    params: float
    reference_resolution: int
    resolution_exponent: float
    source: str
    flops_per_forward: float | None = None
    attention_flops: float = 0.0
    activation_bytes_per_forward: float = 0.0  # fp16 bytes kernels move at batch 1, weights excluded
    kernels_per_forward: int = 0
    anchor_latency: dict | None = None  # {device, resolution, ms, like}


@dataclass(frozen=True)
class Pipeline:
    """A named end-to-end pipeline for `genarch estimate --model` and the calibration rows."""
    id: str
    name: str
    denoiser: str
    resolution: int
    steps: int
    guidance: bool
    source: str
    encoders: tuple[str, ...] = ()
    decoder: str | None = None
    decoder_dtype: str | None = None


@dataclass(frozen=True)
class TrainingCost:
    """A published (or assumed) training budget: `gpu_hours` on `gpu` at `resolution`; a fine-tune
    gives `gpu_hours_per_1k_images` (it scales with the images used); a distillation may give a
    fraction of its teacher's hours instead."""
    source: str
    gpu_hours: float | None = None
    gpu: str | None = None
    resolution: int | None = None
    fraction_of_teacher: float | None = None
    gpu_hours_per_1k_images: float | None = None


@dataclass(frozen=True)
class Checkpoint:
    """Public weights: their licence, where they are, and whether they serve an arbitrary
    domain as they are (`as_is`, with the data utility `domain_fit` that has) or only start a
    fine-tune."""
    licence: str
    commercial_use: bool
    source: str
    as_is: bool = False
    domain_fit: float | None = None


TRAINING_KINDS = ("from_scratch", "fine_tune", "distillation")
TASKS = ("generation", "image_to_image")
SCORE_NAMES = ("stability", "fidelity", "diversity")


@dataclass(frozen=True)
class Variant:
    id: str
    name: str
    supports: tuple[str, ...]
    max_resolution: int
    nfe: int
    cfg: bool
    denoiser: str
    training: dict[str, TrainingCost]
    nfe_range: tuple[int, int] | None = None
    decoder: str | None = None
    encoder: str | None = None
    image_encoder: str | None = None  # once per sample on the input image
    adapter_for_spatial: str | None = None
    teacher: str | None = None  # distilled in house from this variant
    tasks: tuple[str, ...] = ("generation",)
    native_resolution: int | None = None
    min_resolution: int = 0  # below it the checkpoint's quality falls apart (SDXL below ~768²)
    checkpoint: Checkpoint | None = None
    scores: dict[str, float] = field(default_factory=dict)  # overrides of the family's scores
    scores_source: str | None = None
    conditioning_support: dict[str, float] = field(default_factory=dict)  # overrides
    conditioning_support_source: str | None = None


@dataclass(frozen=True)
class Family:
    id: str
    name: str
    complexity: str  # standard | custom
    conditioning_support: dict[str, float]
    conditioning_source: str
    stability: float
    stability_by_gan_experience: dict[str, float]
    stability_source: str
    fidelity: float
    fidelity_source: str
    diversity: float
    diversity_source: str
    data: dict[str, Any]
    engineering_weeks: float
    variants: tuple[Variant, ...]


@dataclass(frozen=True)
class Criterion:
    id: str
    name: str
    description: str
    weight: dict[str, Any]
    utility: dict[str, Any]
    gate: str | None = None


@dataclass(frozen=True)
class Knowledge:
    devices: dict[str, Device]
    hardware_assumptions: dict[str, Any]
    architectures: dict[str, Architecture]
    families: dict[str, Family]
    family_assumptions: dict[str, Any]
    criteria: dict[str, Criterion]
    curves: dict[str, dict[str, float]]
    robustness: dict[str, Any]
    gate_threshold: float
    variants: dict[str, Variant] = field(default_factory=dict)
    evidence_weight: float = 0.5
    pipelines: dict[str, Pipeline] = field(default_factory=dict)
    limit_probability: dict[str, float] = field(default_factory=lambda: {"eliminate_below": 0.1, "at_risk_below": 0.9})
    evidence_relevance: dict[str, Any] = field(default_factory=lambda: {
        "bundled_data": 0.5, "resolution_octaves_per_halving": 4, "parameter_octaves_per_halving": 8})
    infeasible: dict[str, float] = field(default_factory=lambda: {"limit_ratio": 10.0, "horizon_weeks": 104.0})

    def gpu_id(self, device_name: str) -> str | None:
        """The catalog id of the GPU called `device_name` (torch.cuda.get_device_name, as a probe
        records it: 'NVIDIA H100 80GB HBM3' -> 'h100'): the first device of kind gpu, in file
        order, whose `match` regex is found in the name; None when none is."""
        for device in self.devices.values():
            if device.kind == "gpu" and re.search(device.match, device_name or ""):
                return device.id
        return None

    @property
    def score_scale(self) -> float:
        """The fixed divisor of scores: the sum of the criteria's base weights."""
        return sum(float(c.weight["base"]) for c in self.criteria.values()) or 1.0


def _build(cls, raw: Any, where: str, **extra):
    """Construct a dataclass from a mapping, rejecting unknown and missing keys."""
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{where}: expected a mapping")
    names = {f.name for f in dataclasses.fields(cls)} - set(extra)
    unknown = set(raw) - names
    if unknown:
        raise KnowledgeError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    required = {f.name for f in dataclasses.fields(cls)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    missing = required - set(raw) - set(extra)
    if missing:
        raise KnowledgeError(f"{where}: missing key(s) {', '.join(sorted(missing))}")
    return cls(**raw, **extra)


def _positive(value: Any, where: str, allow_zero: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (value == 0 and not allow_zero):
        raise KnowledgeError(f"{where}: expected a {'non-negative' if allow_zero else 'positive'} number, got {value!r}")


def _score(value: Any, where: str) -> None:
    _positive(value, where, allow_zero=True)
    if value > 1:
        raise KnowledgeError(f"{where}: a score must be in [0, 1], got {value!r}")


def _fraction(value: Any, where: str) -> float:
    _score(value, where)
    return float(value)


def _read(name: str, data_dir: Path) -> dict:
    with (data_dir / name).open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{name}: expected a mapping")
    return raw


def _load_devices(raw: dict) -> dict[str, Device]:
    devices = {}
    for key, spec in raw["devices"].items():
        device = _build(Device, spec, f"hardware.yaml: {key}", id=key)
        peaks = device.peak_flop_per_s
        if not isinstance(peaks, dict) or not peaks or not set(peaks) <= {"fp16", "bf16", "tf32", "fp32"}:
            raise KnowledgeError(f"hardware.yaml: {key}.peak_flop_per_s: expected a mapping of fp16, bf16, tf32, fp32")
        for dtype, value in peaks.items():
            _positive(value, f"hardware.yaml: {key}.peak_flop_per_s.{dtype}")
        _positive(device.memory_bandwidth_bytes_per_s, f"hardware.yaml: {key}.memory_bandwidth_bytes_per_s")
        if device.kind not in ("gpu", "cpu"):
            raise KnowledgeError(f"hardware.yaml: {key}.kind: expected gpu or cpu")
        try:
            re.compile(device.match)
        except (re.error, TypeError) as err:
            raise KnowledgeError(f"hardware.yaml: {key}.match: not a regular expression ({err})") from None
        devices[key] = device
    return devices


def _load_architectures(raw: dict, devices: dict) -> dict[str, Architecture]:
    result = {}
    for key, spec in raw["architectures"].items():
        where = f"architectures.yaml: {key}"
        arch = _build(Architecture, spec, where, id=key)
        _positive(arch.params, f"{where}.params")
        _positive(arch.reference_resolution, f"{where}.reference_resolution")
        _positive(arch.resolution_exponent, f"{where}.resolution_exponent", allow_zero=True)
        if (arch.flops_per_forward is None) == (arch.anchor_latency is None):
            raise KnowledgeError(f"{where}: give exactly one of flops_per_forward and anchor_latency")
        if arch.flops_per_forward is not None:
            _positive(arch.flops_per_forward, f"{where}.flops_per_forward")
            _positive(arch.attention_flops, f"{where}.attention_flops", allow_zero=True)
            _positive(arch.activation_bytes_per_forward, f"{where}.activation_bytes_per_forward")
            _positive(arch.kernels_per_forward, f"{where}.kernels_per_forward")
        elif arch.anchor_latency.get("device") not in devices:
            raise KnowledgeError(f"{where}.anchor_latency.device: unknown device")
        result[key] = arch
    for key, arch in result.items():
        like = (arch.anchor_latency or {}).get("like", key if arch.anchor_latency is None else None)
        if like not in result or result[like].anchor_latency is not None:
            raise KnowledgeError(f"architectures.yaml: {key}.anchor_latency.like: name an architecture with FLOPs")
    return result


def _load_pipelines(raw: dict, architectures: dict) -> dict[str, Pipeline]:
    result = {}
    for key, spec in (raw.get("pipelines") or {}).items():
        where = f"architectures.yaml: pipelines.{key}"
        spec = dict(spec)
        spec["encoders"] = tuple(spec.get("encoders") or ())
        pipeline = _build(Pipeline, spec, where, id=key)
        for ref in (pipeline.denoiser, pipeline.decoder, *pipeline.encoders):
            if ref is not None and ref not in architectures:
                raise KnowledgeError(f"{where}: unknown architecture {ref!r}")
        if pipeline.steps < 1 or pipeline.resolution < 1 or pipeline.decoder_dtype not in (None, "fp16", "bf16", "fp32"):
            raise KnowledgeError(f"{where}: bad steps, resolution or decoder_dtype")
        result[key] = pipeline
    return result


def _load_families(raw: dict, architectures: dict, devices: dict) -> dict[str, Family]:
    families = {}
    for key, spec in raw["families"].items():
        where = f"candidates.yaml: {key}"
        spec = dict(spec)
        variants = []
        for i, vspec in enumerate(spec.pop("variants", None) or []):
            vwhere = f"{where}.variants[{i}]"
            vspec = dict(vspec)
            training = {k: _build(TrainingCost, v, f"{vwhere}.training.{k}")
                        for k, v in (vspec.pop("training", None) or {}).items()}
            if not set(training) <= set(TRAINING_KINDS):
                raise KnowledgeError(f"{vwhere}.training: expected keys among {', '.join(TRAINING_KINDS)}")
            for k in ("supports", "nfe_range", "tasks"):
                if k in vspec:
                    vspec[k] = tuple(vspec[k])
            if vspec.get("checkpoint") is not None:
                vspec["checkpoint"] = _build(Checkpoint, vspec["checkpoint"], f"{vwhere}.checkpoint")
            variant = _build(Variant, vspec, vwhere, training=training)
            _check_variant(variant, vwhere)
            for role in ("denoiser", "decoder", "encoder", "image_encoder", "adapter_for_spatial"):
                ref = getattr(variant, role)
                if ref is not None and ref not in architectures:
                    raise KnowledgeError(f"{vwhere}.{role}: unknown architecture {ref!r}")
            for cost in training.values():
                if cost.gpu is not None and cost.gpu not in devices:
                    raise KnowledgeError(f"{vwhere}.training: unknown gpu {cost.gpu!r}")
            if not set(variant.supports) <= set(CONDITIONING_KINDS) or variant.nfe < 1:
                raise KnowledgeError(f"{vwhere}: bad supports or nfe")
            variants.append(variant)
        if not variants:
            raise KnowledgeError(f"{where}: a family needs at least one variant")
        family = _build(Family, spec, where, id=key, variants=tuple(variants))
        if set(family.conditioning_support) != set(CONDITIONING_KINDS):
            raise KnowledgeError(f"{where}.conditioning_support: give a score for each of {', '.join(CONDITIONING_KINDS)}")
        for kind, value in family.conditioning_support.items():
            _score(value, f"{where}.conditioning_support.{kind}")
        for name in ("stability", "fidelity", "diversity"):
            _score(getattr(family, name), f"{where}.{name}")
        if family.complexity not in ("standard", "custom"):
            raise KnowledgeError(f"{where}.complexity: expected standard or custom")
        families[key] = family
    return families


def _check_variant(variant: Variant, where: str) -> None:
    """What a variant must say for the engine to plan with it: a way to obtain weights (public
    ones, a training budget or a teacher), sources for its overrides, known tasks."""
    if not 0 <= variant.min_resolution <= variant.max_resolution:
        raise KnowledgeError(f"{where}: min_resolution must lie between 0 and max_resolution")
    if not variant.tasks or not set(variant.tasks) <= set(TASKS):
        raise KnowledgeError(f"{where}.tasks: expected a non-empty list among {', '.join(TASKS)}")
    ck = variant.checkpoint
    if ck is not None:
        if not isinstance(ck.commercial_use, bool) or not isinstance(ck.as_is, bool):
            raise KnowledgeError(f"{where}.checkpoint: commercial_use and as_is must be true or false")
        if ck.as_is:
            if ck.domain_fit is None:
                raise KnowledgeError(f"{where}.checkpoint: an as-is checkpoint needs domain_fit")
            _score(ck.domain_fit, f"{where}.checkpoint.domain_fit")
    if "fine_tune" in variant.training:
        cost = variant.training["fine_tune"]
        if ck is None:
            raise KnowledgeError(f"{where}.training.fine_tune: a fine-tune needs a public checkpoint")
        _positive(cost.gpu_hours_per_1k_images, f"{where}.training.fine_tune.gpu_hours_per_1k_images")
    if "distillation" in variant.training and variant.teacher is None:
        raise KnowledgeError(f"{where}.training.distillation: name the teacher variant")
    if not variant.training and not (ck is not None and ck.as_is):
        raise KnowledgeError(f"{where}: give training costs or an as-is checkpoint")
    for name, value in variant.scores.items():
        if name not in SCORE_NAMES:
            raise KnowledgeError(f"{where}.scores: unknown score {name!r}")
        _score(value, f"{where}.scores.{name}")
    for kind, value in variant.conditioning_support.items():
        if kind not in CONDITIONING_KINDS:
            raise KnowledgeError(f"{where}.conditioning_support: unknown kind {kind!r}")
        _score(value, f"{where}.conditioning_support.{kind}")
    if (variant.scores and not variant.scores_source) or (
            variant.conditioning_support and not variant.conditioning_support_source):
        raise KnowledgeError(f"{where}: overrides need their source")


def _answer_fields(data_dir: Path) -> dict[str, tuple]:
    """Each answer field questions.yaml defines, with its choices (empty for numbers and flags)."""
    raw = _read("questions.yaml", data_dir).get("questions")
    if not isinstance(raw, dict):
        raise KnowledgeError("questions.yaml: questions: expected a mapping")
    return {name: tuple((spec or {}).get("choices") or ()) for name, spec in raw.items()}


def _answer_field(name: Any, where: str, fields: dict[str, tuple], values: Any = None) -> None:
    """`name` must be a question in questions.yaml, and a mapping from its answers (`values`)
    must give one for each of its choices: the engine reads them with the user's answer as key."""
    if not isinstance(name, str) or name not in fields:
        raise KnowledgeError(f"{where}: unknown answer field {name!r} (no such question in questions.yaml)")
    if values is not None and fields[name] and set(values) != set(fields[name]):
        raise KnowledgeError(f"{where}: give a value for each answer of {name}: {', '.join(map(str, fields[name]))}")


def _load_criteria(raw: dict, fields: dict[str, tuple]) -> dict[str, Criterion]:
    criteria = {}
    for key, spec in raw["criteria"].items():
        where = f"criteria.yaml: {key}"
        criterion = _build(Criterion, spec, where, id=key)
        _positive(criterion.weight.get("base"), f"{where}.weight.base", allow_zero=True)
        for i, rule in enumerate(criterion.weight.get("rules", [])):
            factors = [rule.get("factor")] if "factor" in rule else list((rule.get("factors") or {}).values())
            if not factors or ("when" in rule) == ("field" in rule):
                raise KnowledgeError(f"{where}.weight.rules[{i}]: give `when` + `factor` or `field` + `factors`")
            for factor in factors:
                _positive(factor, f"{where}.weight.rules[{i}] factor", allow_zero=True)
            if "when" in rule:
                if not isinstance(rule["when"], dict) or len(rule["when"]) != 1:
                    raise KnowledgeError(f"{where}.weight.rules[{i}].when: test exactly one answer field")
                _answer_field(next(iter(rule["when"])), f"{where}.weight.rules[{i}].when", fields)
            else:
                _answer_field(rule["field"], f"{where}.weight.rules[{i}].field", fields, rule.get("factors") or {})
        if criterion.utility.get("kind") not in UTILITY_KINDS:
            raise KnowledgeError(f"{where}.utility.kind: expected one of {', '.join(UTILITY_KINDS)}")
        if criterion.utility["kind"] == "ratio_to_limit":
            _answer_field(criterion.utility.get("limit"), f"{where}.utility.limit", fields)
        for family, rule in (criterion.utility.get("standard") or {}).items():
            if isinstance(rule, dict) and "by" in rule:
                _answer_field(rule["by"], f"{where}.utility.standard.{family}.by", fields, rule.get("values") or {})
        if criterion.gate is not None and criterion.gate not in GATES:
            raise KnowledgeError(f"{where}.gate: expected one of {', '.join(GATES)}")
        criteria[key] = criterion
    return criteria


@lru_cache(maxsize=4)
def load(data_dir: str | Path = DATA_DIR) -> Knowledge:
    data_dir = Path(data_dir)
    hardware = _read("hardware.yaml", data_dir)
    devices = _load_devices(hardware)
    architecture_data = _read("architectures.yaml", data_dir)
    architectures = _load_architectures(architecture_data, devices)
    candidates = _read("candidates.yaml", data_dir)
    families = _load_families(candidates, architectures, devices)
    rubric = _read("criteria.yaml", data_dir)
    variants = {v.id: v for f in families.values() for v in f.variants}
    if len(variants) != sum(len(f.variants) for f in families.values()):
        raise KnowledgeError("candidates.yaml: variant ids must be unique")
    for variant in variants.values():
        if variant.teacher is not None and variant.teacher not in variants:
            raise KnowledgeError(f"candidates.yaml: {variant.id}.teacher: unknown variant {variant.teacher!r}")
    return Knowledge(
        devices=devices,
        hardware_assumptions=hardware["assumptions"],
        architectures=architectures,
        families=families,
        family_assumptions=candidates.get("assumptions", {}),
        criteria=_load_criteria(rubric, _answer_fields(data_dir)),
        curves=rubric["curves"],
        robustness=rubric["robustness"],
        gate_threshold=float(rubric["gate_threshold"]),
        variants=variants,
        evidence_weight=_fraction(rubric.get("evidence_weight", 0.5), "criteria.yaml: evidence_weight"),
        pipelines=_load_pipelines(architecture_data, architectures),
        limit_probability=_limit_probability(rubric.get("limit_probability")),
        evidence_relevance=_evidence_relevance(rubric.get("evidence_relevance")),
        infeasible=_infeasible(rubric.get("infeasible")),
    )


def _evidence_relevance(raw: Any) -> dict[str, Any]:
    where = "criteria.yaml: evidence_relevance"
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{where}: expected a mapping")
    result = {"bundled_data": _fraction(raw.get("bundled_data"), f"{where}.bundled_data")}
    for key in ("resolution_octaves_per_halving", "parameter_octaves_per_halving"):
        _positive(raw.get(key), f"{where}.{key}")
        result[key] = float(raw[key])
    return result


def _infeasible(raw: Any) -> dict[str, float]:
    where = "criteria.yaml: infeasible"
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{where}: expected a mapping with limit_ratio and horizon_weeks")
    for key in ("limit_ratio", "horizon_weeks"):
        _positive(raw.get(key), f"{where}.{key}")
    return {"limit_ratio": float(raw["limit_ratio"]), "horizon_weeks": float(raw["horizon_weeks"])}


def _limit_probability(raw: Any) -> dict[str, float]:
    where = "criteria.yaml: limit_probability"
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{where}: expected a mapping with eliminate_below and at_risk_below")
    low, high = (_fraction(raw.get(k), f"{where}.{k}") for k in ("eliminate_below", "at_risk_below"))
    if not low < high:
        raise KnowledgeError(f"{where}: eliminate_below must be below at_risk_below")
    return {"eliminate_below": low, "at_risk_below": high}
