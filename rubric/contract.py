"""The decision as plain data: the documented, stable JSON contract of `genarch recommend`.

Schema (schema_version 1); every key below is always present:
  schema_version        int, bumped on incompatible change
  recommendation        "gan" | "diffusion" | "hybrid" (a family id from candidates.yaml)
  feasible              false when every family violates the binding constraint (the
                        recommendation is then the one that comes closest; see notes)
  binding_constraint    the answer's binding_constraint
  ranking               list, best first, of {architecture, variant, variant_name, score,
                        eliminated, elimination_reason, reasons}; reasons lists every criterion:
                        {criterion, name, weight, utility, text, figures: [{name, value, unit, source}]}
  top_reasons           the criteria that most separate the recommendation from the runner-up:
                        {criterion, name, text, contribution, figures}
  estimates             {architecture: {variant, nfe, cfg, latency_ms_per_sample,
                        latency_interval_ms ([low, high] or null), usd_per_1k_samples,
                        monthly_usd, training_gpu_hours, weeks_to_production, flops_per_sample,
                        basis ("catalog" | "measured"), assumptions: [str]}}
  weights               {criterion: weight derived from the answers}
  robustness            {top_choice_share, draws, seed, log_weight_sigma, max_factor,
                        flip_weight_change: {criterion: relative change or null},
                        flip_to: {criterion: family or null}}
  notes                 [str]
  evidence              {probe_results: path or null, device_profile: the measured cost model
                        used (device_name, effective_flop_per_s, …) or null, training: measured
                        stability, mode coverage and data needs per family, or null;
                        conditioning, steering, hybrid: the controllability probes' measurements
                        (probes.control_summary), or null; each measured section names its `file`}
  answers               the validated answers, defaults filled in
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rubric.engine import Decision
from rubric.knowledge import Knowledge
from rubric.knowledge import load as load_knowledge

SCHEMA_VERSION = 1


def _figures(figures) -> list[dict[str, Any]]:
    return [asdict(f) for f in figures]


def to_dict(decision: Decision, answers: dict, knowledge: Knowledge | None = None) -> dict[str, Any]:
    knowledge = knowledge or load_knowledge()
    criteria = knowledge.criteria
    ranking = []
    for family in decision.ranking:
        estimate = decision.estimates[family]
        ranking.append({
            "architecture": family,
            "variant": estimate.variant.id,
            "variant_name": estimate.variant.name,
            "score": round(decision.scores[family], 4),
            "eliminated": family in decision.eliminated,
            "elimination_reason": decision.eliminated.get(family),
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
            "nfe": e.nfe,
            "cfg": e.cfg,
            "latency_ms_per_sample": round(e.latency_ms_per_sample, 3),
            "latency_interval_ms": [round(x, 3) for x in e.latency_interval_ms] if e.latency_interval_ms else None,
            "usd_per_1k_samples": round(e.usd_per_1k_samples, 6),
            "monthly_usd": round(e.monthly_usd, 2),
            "training_gpu_hours": round(e.training_gpu_hours, 2),
            "weeks_to_production": round(e.weeks_to_production, 3),
            "flops_per_sample": e.flops_per_sample,
            "basis": e.basis,
            "assumptions": list(e.assumptions),
        }
    r = decision.robustness
    return {
        "schema_version": SCHEMA_VERSION,
        "recommendation": decision.recommendation,
        "feasible": decision.feasible,
        "binding_constraint": decision.binding_constraint,
        "ranking": ranking,
        "top_reasons": [
            {"criterion": reason.criterion, "name": criteria[reason.criterion].name, "text": reason.text,
             "contribution": round(reason.contribution, 4), "figures": _figures(reason.figures)}
            for reason in decision.reasons[:3]
        ],
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
        "notes": list(decision.notes),
        "evidence": {"probe_results": decision.evidence.get("probe_results"),
                     "device_profile": decision.evidence.get("device_profile"),
                     "training": decision.evidence.get("training"),
                     "conditioning": decision.evidence.get("conditioning"),
                     "steering": decision.evidence.get("steering"),
                     "hybrid": decision.evidence.get("hybrid")},
        "answers": dict(answers),
    }
