"""The decision as plain data: the documented, stable JSON contract of `genarch recommend`.

Schema (schema_version 1); every key below is always present:
  schema_version        int, bumped on incompatible change
  recommendation        "gan" | "diffusion" | "hybrid" (a family id from candidates.yaml)
  feasible              false when every family violates the binding constraint (the
                        recommendation is then the one that comes closest; see notes)
  binding_constraint    the answer's binding_constraint
  ranking               list, best first, of {architecture, variant, variant_name, plan,
                        licence, off_the_shelf, score (the family's best plan on the weighted
                        criteria, whatever the gates say), plan_score (the plan shown: the best
                        that survives; survivors are ranked by it), status ("ok" | "at risk" | "over limit" |
                        "eliminated" | "infeasible"), eliminated, elimination_reason,
                        infeasible_reason, warnings, at_risk, p_meets_limits, reasons}; reasons
                        lists every criterion: {criterion, name, weight, utility, text,
                        figures: [{name, value, unit, source}]}
  runner_up             the second family in the ranking (null with one family)
  top_reasons           the criteria that most separate the recommendation from the runner-up,
                        in score points (weight × utility gap / Σ base weights), largest first:
                        {criterion, name, text, contribution, figures}
  alternatives          {architecture: [{variant, plan, images_used, score, status words}]}: every
                        plan considered for the family, best first
  estimates             {architecture: {variant, variant_name (as served: steps, guidance,
                        ControlNet), plan ("as_is" | "fine_tune" | "from_scratch"), licence (of
                        the public weights used, or null), off_the_shelf (bool),
                        in_house_distillation (bool), images_used, nfe, cfg, latency_ms_per_sample,
                        latency_interval_ms, usd_per_1k_samples, usd_per_1k_interval,
                        monthly_usd, monthly_usd_interval, training_gpu_hours,
                        training_gpu_hours_interval, weeks_to_production, weeks_interval
                        (each interval [low, high], 90%), flops_per_sample,
                        basis ("catalog" | "measured"), p_meets_limits (probability of meeting
                        every limit the answers state, 1 with none), p_meets ({criterion: p}),
                        at_risk (the sentence, or null), assumptions: [str]}}
  weights               {criterion: weight derived from the answers}
  robustness            {top_choice_share, draws, seed, log_weight_sigma, max_factor,
                        flip_weight_change: {criterion: relative change or null},
                        flip_to: {criterion: family or null}}
  what_if               [{field, label, change ("at_least" | "at_most" | "set"), threshold (a
                        number, or null for a choice), value (the answer as changed), current
                        (as given), recommendation, variant_name, holds_to_end (numbers: the
                        far end of the searched range recommends the same), text,
                        current_text (the answer as given, in words), feasible (false: no
                        candidate stands with the change; recommendation comes closest)}]: each single
                        answer change found, by running the engine again, to change the
                        recommendation (rubric/what_if.py); numbers nearest first, then choices
  notes                 [str]
  evidence              {probe_results: path or null, device_profile: the measured cost model
                        used (device_name, effective_flop_per_s, …) or null, training: measured
                        stability, mode coverage and data needs per family, or null;
                        conditioning, steering, hybrid: the controllability probes' measurements
                        (probes.summaries.control_summary), or null; each measured section names its `file`}
  answers               the validated answers, defaults filled in

Every number in it is finite, and every time, amount of money and count in `estimates` (latency,
USD, GPU-hours, weeks, their intervals, FLOPs, images) is ≥ 0: a figure that would break this
raises rubric.errors.OutputError naming the family and field it comes from rather than reaching
any output, and `dumps` writes strict JSON (no NaN or Infinity). Strings are stripped of control
characters (newlines, escape sequences, bidirectional overrides), since some come from files
(device names, paths).
"""
from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from rubric.engine import Decision
from rubric.errors import OutputError, clean_text
from rubric.knowledge import Knowledge
from rubric.knowledge import load as load_knowledge
from rubric import measured
from rubric import what_if as what_if_mod

SCHEMA_VERSION = 1
# The estimate fields that are a time, an amount of money or a count: finite and ≥ 0, always.
NON_NEGATIVE = ("latency_ms_per_sample", "latency_interval_ms", "usd_per_1k_samples", "usd_per_1k_interval",
                "monthly_usd", "monthly_usd_interval", "training_gpu_hours", "training_gpu_hours_interval",
                "weeks_to_production", "weeks_interval", "flops_per_sample", "images_used", "nfe")
# Figure units that are a time or an amount of money: their values are ≥ 0 too.
NON_NEGATIVE_UNITS = frozenset({"ms", "s", "h", "hours", "GPU-hours", "weeks", "USD", "USD/h", "USD/month",
                                "USD/1k", "USD/1k samples", "images"})


def _figures(figures) -> list[dict[str, Any]]:
    return [asdict(f) for f in figures]


def _interval(pair, digits: int) -> list[float] | None:
    """[low, high] rounded outward, so the rounded interval still holds the rounded point."""
    if pair is None:
        return None
    low, high = pair
    step = 10.0 ** -digits
    return [math.floor(low / step) * step if low > 0 else round(low, digits),
            math.ceil(high / step) * step]


def _check_estimate(family: str, estimate) -> None:
    """Refuse, naming its source, any time/money figure of an estimate that is not finite or < 0
    (checked on the raw values: rounding a NaN interval would raise, and would hide the source)."""
    for name in NON_NEGATIVE:
        value = getattr(estimate, name, None)
        values = value if isinstance(value, (tuple, list)) else (value,)
        for v in values:
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                raise OutputError(f"{family}: {name} would be {_shown_number(v)} (basis: "
                                  f"{clean_text(str(getattr(estimate, 'basis', '?')))}); refusing to report it")


def _shown_number(value) -> str:
    if isinstance(value, float):
        return repr(value)  # nan, inf, -2.6e+07
    return str(value) if isinstance(value, int) and abs(value) < 10 ** 15 else type(value).__name__


def sanitized(value: Any, path: str = "") -> Any:
    """The contract as it may be printed: every string without control characters, -0.0 as 0.0,
    tuples as lists; a NaN or infinite number, or a negative time/money figure, raises
    OutputError naming where it is."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise OutputError(f"{path or 'value'} would be {value!r}; refusing to report it")
        return value + 0.0  # -0.0 -> 0.0
    if isinstance(value, int):
        return value
    if isinstance(value, dict):
        result = {}
        for k, v in value.items():
            key = clean_text(k) if isinstance(k, str) else k
            result[key] = sanitized(v, f"{path}.{key}" if path else str(key))
        unit, number = result.get("unit"), result.get("value")
        if "name" in result and unit in NON_NEGATIVE_UNITS and isinstance(number, (int, float)) \
                and not isinstance(number, bool) and number < 0:
            raise OutputError(f"{path}: {result['name']} would be {number!r} {unit}; refusing to report it")
        return result
    if isinstance(value, (list, tuple)):
        return [sanitized(v, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def dumps(result: dict[str, Any], **kwargs) -> str:
    """The contract as strict JSON (json.dumps with allow_nan=False): what `--format json` prints."""
    import json

    return json.dumps(result, allow_nan=False, **kwargs)


# A contribution that rounds to +0.000 points in print separates nothing a reader can see.
SEPARATES_FROM_POINTS = 0.0005


def separating_reasons(decision: Decision, limit: int = 3) -> list:
    """The criteria that put the recommendation ahead of the runner-up (contributions of at least
    half a thousandth of a point), largest first; the single largest when none does."""
    ahead = [r for r in decision.reasons if r.contribution >= SEPARATES_FROM_POINTS][:limit]
    return ahead or decision.reasons[:1]


def to_dict(decision: Decision, answers: dict, knowledge: Knowledge | None = None,
            what_if: bool = True) -> dict[str, Any]:
    """The decision as the JSON contract. `what_if` runs the answer-level search
    (rubric.what_if: the engine again per changed answer, ~0.05–0.5 s); False leaves the list
    empty, for callers that only need the ranking."""
    knowledge = knowledge or load_knowledge()
    criteria = knowledge.criteria
    for family, e in decision.estimates.items():
        _check_estimate(family, e)
    ranking = []
    for family in decision.ranking:
        estimate = decision.estimates[family]
        ranking.append({
            "architecture": family,
            "variant": estimate.variant.id,
            "variant_name": estimate.label,
            "plan": estimate.how,
            "licence": estimate.licence,
            "off_the_shelf": estimate.off_the_shelf,
            "score": round(decision.scores[family], 4),
            "plan_score": round(decision.plan_scores.get(family, decision.scores[family]), 4),
            "status": decision.status(family),
            "eliminated": family in decision.eliminated,
            "elimination_reason": decision.eliminated.get(family),
            "infeasible_reason": decision.infeasible.get(family),
            "warnings": list(decision.warnings.get(family, [])),
            "at_risk": decision.at_risk.get(family),
            "p_meets_limits": round(decision.estimates[family].p_meets_limits, 4),
            "reasons": [
                {"criterion": cid, "name": criteria[cid].name, "weight": round(decision.weights[cid], 4),
                 "utility": round(a.utility, 4), "text": a.text, "figures": _figures(a.figures)}
                for cid, a in decision.assessments[family].items()
            ],
        })
    estimates = {}
    for family, e in decision.estimates.items():
        estimates[family] = {
            "variant": e.variant.id,
            "variant_name": e.label,
            "plan": e.how,
            "licence": e.licence,
            "off_the_shelf": e.off_the_shelf,
            "in_house_distillation": e.in_house_distillation,
            "images_used": e.images_used,
            "nfe": e.nfe,
            "cfg": e.cfg,
            "latency_ms_per_sample": round(e.latency_ms_per_sample, 3),
            "latency_interval_ms": _interval(e.latency_interval_ms, 3),
            "usd_per_1k_samples": round(e.usd_per_1k_samples, 6),
            "usd_per_1k_interval": _interval(e.usd_per_1k_interval, 6),
            "monthly_usd": round(e.monthly_usd, 2),
            "monthly_usd_interval": _interval(e.monthly_usd_interval, 2),
            "training_gpu_hours": round(e.training_gpu_hours, 2),
            "training_gpu_hours_interval": _interval(e.training_gpu_hours_interval, 2),
            "weeks_to_production": round(e.weeks_to_production, 3),
            "weeks_interval": _interval(e.weeks_interval, 3),
            "p_meets_limits": round(e.p_meets_limits, 4),
            "p_meets": {k: round(v, 4) for k, v in e.p_meets.items()},
            "at_risk": decision.at_risk.get(family),
            "flops_per_sample": e.flops_per_sample,
            "basis": e.basis,
            "assumptions": list(e.assumptions),
        }
    r = decision.robustness
    return sanitized({
        "schema_version": SCHEMA_VERSION,
        "recommendation": decision.recommendation,
        "feasible": decision.feasible,
        "binding_constraint": decision.binding_constraint,
        "ranking": ranking,
        "runner_up": decision.runner_up,
        "top_reasons": [
            {"criterion": reason.criterion, "name": criteria[reason.criterion].name, "text": reason.text,
             "contribution": round(reason.contribution, 4), "figures": _figures(reason.figures)}
            for reason in separating_reasons(decision)
        ],
        "alternatives": {
            family: [{"variant": r.estimate.variant.id, "variant_name": r.estimate.label, "plan": r.estimate.how,
                      "licence": r.estimate.licence, "images_used": r.estimate.images_used,
                      "score": round(r.score, 4),
                      "status": r.infeasible or r.eliminated or r.at_risk or "ok"}
                     for r in results]
            for family, results in decision.alternatives.items()
        },
        "estimates": estimates,
        "weights": {k: round(v, 4) for k, v in decision.weights.items()},
        "robustness": {
            "top_choice_share": round(r.top_choice_share, 4),
            "draws": r.draws,
            "seed": r.seed,
            "log_weight_sigma": r.log_weight_sigma,
            "max_factor": r.max_factor,
            "flip_weight_change": {k: (None if v is None else round(v, 4)) for k, v in r.flip_weight_change.items()},
            "flip_to": dict(r.flip_to),
        },
        "what_if": [w.as_dict() for w in what_if_mod.search(answers, knowledge, decision.evidence)]
                   if what_if else [],
        "notes": list(decision.notes),
        "evidence": {"probe_results": decision.evidence.get("probe_results"),
                     "device_profile": decision.evidence.get("device_profile"),
                     **{name: measured.plain(measured.section(decision.evidence, name)) for name in measured.SECTIONS}},
        "answers": dict(answers),
    })
