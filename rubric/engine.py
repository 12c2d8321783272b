"""The decision engine: a pure function of (answers, knowledge, measured evidence) -> Decision.

1. Estimate each family's cost on the serving hardware (rubric.estimates).
2. Derive each criterion's weight from the answers (criteria.yaml weight rules).
3. Assess every criterion for every family (rubric.utilities).
4. Gate: a family that violates the binding constraint is eliminated, with the reason. Where
   the constraint is a stated limit on an estimate, it is eliminated only when it is unlikely to
   meet it (p below limit_probability.eliminate_below) and marked at risk, still ranked, below
   at_risk_below.
5. Score the rest by the weighted mean of utilities; rank; explain; test robustness (weights
   and estimates drawn together).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from rubric import robustness as robustness_mod
from rubric.latency_model import normal_cdf
from rubric.estimates import TRAINING_QUANTITIES, Estimate, estimate_all
from rubric.knowledge import Criterion, Knowledge
from rubric.knowledge import load as load_knowledge
from rubric.utilities import UTILITY_KINDS, Assessment, Context

# Kinds whose violation is a stated limit of the user's (not a family score): a family that
# passes all of them "meets every stated limit", which a custom pipeline must then beat.
LIMIT_KINDS = ("ratio_to_limit", "conditioning_support", "data_sufficiency")


@dataclass(frozen=True)
class Reason:
    criterion: str
    text: str
    contribution: float  # weight × utility difference to the runner-up (or weight × utility)
    figures: tuple = ()


@dataclass
class Decision:
    recommendation: str
    feasible: bool  # False when every family violates the binding constraint
    binding_constraint: str
    weights: dict[str, float]
    scores: dict[str, float]
    ranking: list[str]
    eliminated: dict[str, str]  # family -> reason
    assessments: dict[str, dict[str, Assessment]]
    estimates: dict[str, Estimate]
    reasons: list[Reason]
    robustness: robustness_mod.Robustness
    notes: list[str] = field(default_factory=list)
    evidence: dict = field(default_factory=dict)
    at_risk: dict[str, str] = field(default_factory=dict)  # family -> "48% likely to meet …"


def _rule_matches(when: dict, answers: dict) -> bool:
    (name, test), = when.items()
    value = answers[name]
    if isinstance(test, dict):
        if "any_of" in test:
            return bool(set(value) & set(test["any_of"]))
        if value is None:
            return False
        return ("max" not in test or value <= test["max"]) and ("min" not in test or value >= test["min"])
    return value == test


def derive_weights(answers: dict, criteria: dict[str, Criterion]) -> dict[str, float]:
    weights = {}
    for key, criterion in criteria.items():
        weight = float(criterion.weight["base"])
        for rule in criterion.weight.get("rules", []):
            if "when" in rule:
                if _rule_matches(rule["when"], answers):
                    weight *= rule["factor"]
            else:
                weight *= rule["factors"][answers[rule["field"]]]
        weights[key] = weight
    return weights


def weighted_scores(utilities: dict[str, dict[str, float]], weights: dict[str, float]) -> dict[str, float]:
    """Weighted mean of utilities per family (scale-free in the weights)."""
    total = sum(weights.values()) or 1.0
    return {family: sum(weights[c] * u for c, u in row.items()) / total for family, row in utilities.items()}


def _assess_all(answers, knowledge, estimates, standard_ok=(), evidence=None) -> dict[str, dict[str, Assessment]]:
    result = {}
    for key, family in knowledge.families.items():
        ctx = Context(answers, knowledge, family, estimates[key], estimates, tuple(standard_ok), evidence or {})
        result[key] = {cid: UTILITY_KINDS[c.utility["kind"]](c, ctx) for cid, c in knowledge.criteria.items()}
    return result


def _meets_all_limits(assessments: dict[str, Assessment], criteria: dict[str, Criterion]) -> bool:
    return all(a.violation is None or a.violation <= 0
               for cid, a in assessments.items() if criteria[cid].utility["kind"] in LIMIT_KINDS)


def limit_thresholds(estimate: Estimate, answers: dict, criteria: dict[str, Criterion]) -> dict[str, float]:
    """Criterion -> the standard-normal threshold under which its stated limit is met, for every
    estimated quantity with a limit the user stated."""
    return {cid: estimate.z_within(c.utility["quantity"], float(answers[c.utility["limit"]]))
            for cid, c in criteria.items()
            if c.utility["kind"] == "ratio_to_limit" and answers.get(c.utility["limit"]) is not None}


def probability_of_limits(estimate: Estimate, thresholds: dict[str, float], criteria: dict[str, Criterion]) -> float:
    """P(every limit met). Latency and money rest on one serving rate, GPU-hours and weeks on one
    training budget: within a group the limits move together (the tightest decides), and the
    two groups are independent."""
    groups: dict[bool, float] = {}
    for cid, z in thresholds.items():
        training = criteria[cid].utility["quantity"] in TRAINING_QUANTITIES
        groups[training] = min(groups.get(training, z), z)
    p = 1.0
    for z in groups.values():
        p *= normal_cdf(z)
    return p


def _explain(top: str, runner_up: str | None, weights, assessments, total_weight) -> list[Reason]:
    reasons = []
    for cid, weight in weights.items():
        mine = assessments[top][cid]
        gap = mine.utility - (assessments[runner_up][cid].utility if runner_up else 0.0)
        reasons.append(Reason(cid, mine.text, weight * gap / total_weight, mine.figures))
    return sorted(reasons, key=lambda r: r.contribution, reverse=True)


def decide(answers: dict, knowledge: Knowledge | None = None, evidence: dict | None = None,
           weights: dict[str, float] | None = None) -> Decision:
    """Rank the candidate families for validated `answers` (see rubric.answers.validate).

    `evidence` holds measurements from probes, as plain data: `device_profile` (see
    probes.cost_model.device_profile) replaces the catalog's assumed efficiency; `training`
    (probes.training_summary.training_evidence) blends measured stability, mode coverage and
    data needs into those criteria; `conditioning` and `steering` (probes.control_summary)
    blend measured class-conditional accuracy and inpainting into the conditioning criterion;
    `hybrid` sets the distilled variants' step counts and distillation cost and blends the
    student's measured quality into the hybrid's fidelity and diversity. `weights`
    overrides the weights derived from the answers (used by tests and sensitivity analysis).
    """
    knowledge = knowledge or load_knowledge()
    criteria = knowledge.criteria
    evidence = evidence or {}
    estimates = estimate_all(answers, knowledge, evidence.get("device_profile"), evidence.get("hybrid"))
    weights = weights or derive_weights(answers, criteria)

    # Whether a custom pipeline earns its complexity depends on the standard families meeting
    # every stated limit, so assess once without that, then with it.
    first = _assess_all(answers, knowledge, estimates, evidence=evidence)
    standard_ok = [f for f, fam in knowledge.families.items()
                   if fam.complexity == "standard" and _meets_all_limits(first[f], criteria)]
    assessments = _assess_all(answers, knowledge, estimates, standard_ok, evidence)

    binding = answers["binding_constraint"]
    odds = knowledge.limit_probability
    eliminated, severity, at_risk = {}, {}, {}
    for family, row in assessments.items():
        estimate = estimates[family]
        thresholds = limit_thresholds(estimate, answers, criteria)
        estimate.p_meets = {cid: normal_cdf(z) for cid, z in thresholds.items()}
        estimate.p_meets_limits = probability_of_limits(estimate, thresholds, criteria)
        binding_limits = {cid: z for cid, z in thresholds.items() if criteria[cid].gate == binding}
        p_binding = probability_of_limits(estimate, binding_limits, criteria)
        if binding_limits:  # estimates against stated limits: judged by their odds
            tightest = min(binding_limits, key=binding_limits.get)
            a = row[tightest]
            if p_binding < odds["eliminate_below"]:
                eliminated[family] = f"{a.violation_text} ({p_binding:.0%} likely to meet it)"
                severity[family] = max(a.violation or 0.0, 0.0) + (1.0 - p_binding)
            elif p_binding < odds["at_risk_below"]:
                limit = answers[criteria[tightest].utility["limit"]]
                at_risk[family] = (f"{family}: {p_binding:.0%} likely to meet the "
                                   f"{_limit_words(criteria[tightest], limit)} limit")
        for cid, a in row.items():
            if (criteria[cid].gate == binding and cid not in binding_limits and a.violation is not None
                    and a.violation > 0):
                eliminated.setdefault(family, a.violation_text)
                severity[family] = max(severity.get(family, 0.0), a.violation)

    utilities = {f: {c: a.utility for c, a in row.items()} for f, row in assessments.items()}
    scores = weighted_scores(utilities, weights)
    alive = [f for f in knowledge.families if f not in eliminated]
    ranking = sorted(alive, key=lambda f: -scores[f]) + sorted(eliminated, key=lambda f: (severity[f], -scores[f]))
    notes = list(evidence.get("notes", []))
    notes += [f"at risk: {text}" for family, text in at_risk.items() if family not in eliminated]
    feasible = bool(alive)
    top = ranking[0]
    if not feasible:
        notes.append(f"no candidate meets the binding constraint ({binding}); {top} comes closest: "
                     f"{eliminated[top]}")
    runner_up = next((f for f in alive if f != top), None)
    total = sum(weights.values()) or 1.0
    reasons = _explain(top, runner_up, weights, assessments, total)
    considered = alive if feasible else [top]
    robust = robustness_mod.analyse(
        {f: utilities[f] for f in considered}, weights, top, knowledge.robustness,
        uncertain=_uncertain_cells(considered, answers, knowledge, estimates, binding))
    return Decision(top, feasible, binding, weights, scores, ranking, eliminated, assessments,
                    estimates, reasons, robust, notes, evidence,
                    {f: t for f, t in at_risk.items() if f not in eliminated})


def _limit_words(criterion: Criterion, limit: float) -> str:
    unit = criterion.utility["unit"]
    value = f"{limit / 1000:g} s" if unit == "ms" and limit >= 1000 else f"{limit:,g} {unit}"
    return f"{value} {criterion.name.lower()}"


def _uncertain_cells(families: list[str], answers: dict, knowledge: Knowledge, estimates: dict[str, Estimate],
                     binding: str) -> list[robustness_mod.UncertainCell]:
    """The estimated quantities behind ratio utilities, for robustness to redraw with the weights."""
    cells = []
    criteria = list(knowledge.criteria.values())
    for fi, family in enumerate(families):
        e = estimates[family]
        for ci, c in enumerate(criteria):
            spec = c.utility
            if spec["kind"] != "ratio_to_limit":
                continue
            limit = answers.get(spec["limit"])
            if limit is None and spec["without_limit"] == "ignore":
                continue
            quantity = spec["quantity"]
            curve = knowledge.curves["within_limit" if limit is not None else spec["without_limit"]]
            cells.append(robustness_mod.UncertainCell(
                fi, ci, "training" if quantity in TRAINING_QUANTITIES else "serving", e.log_sigma(quantity),
                *e.lognormal_form(quantity), None if limit is None else float(limit), curve,
                c.gate == binding and limit is not None))
    return cells
