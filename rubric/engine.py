"""The decision engine: a pure function of (answers, knowledge, measured evidence) -> Decision.

1. Enumerate each family's plans: every variant that fits the task and resolution, each way of
   obtaining its weights (public weights as they are, a fine-tune on some of the team's images,
   training from scratch; an in-house distillation on top), and cost each (rubric.estimates).
2. Derive each criterion's weight from the answers (criteria.yaml weight rules).
3. Assess every criterion for every plan (rubric.utilities); a fine-tune uses the number of the
   team's images, up to all of them, that scores best (more images cost more GPU-hours).
4. Score a plan by 1 − Σ w (1 − u) / Σ base weights: a fixed divisor, so a need that grows
   (a weight that rises) never raises a score.
5. Gate: a plan that violates the binding constraint is eliminated; where the constraint is a
   stated limit on an estimate, only when it is unlikely to meet it (p below
   limit_probability.eliminate_below), and marked at risk below at_risk_below. A plan that cannot
   be carried out (training an order of magnitude over a stated budget or deadline, or on images
   the team does not have) is infeasible whatever the binding constraint.
6. Each family is represented by its best plan that survives (its best plan when none does);
   rank; explain the top family against the runner-up; test robustness (weights and estimates
   drawn together).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from rubric import robustness as robustness_mod
from rubric.estimates import TRAINING_QUANTITIES, Estimate, estimate_plans, skipped_for_licence
from rubric.knowledge import Criterion, Knowledge
from rubric.knowledge import load as load_knowledge
from rubric.latency_model import normal_cdf
from rubric.utilities import UTILITY_KINDS, Assessment, Context, fmt_quantity

@dataclass(frozen=True)
class Reason:
    criterion: str
    text: str
    contribution: float  # weight × utility difference to the runner-up (or weight × utility)
    figures: tuple = ()


@dataclass
class Decision:
    recommendation: str
    feasible: bool  # False when no family survives the binding constraint and feasibility
    binding_constraint: str
    weights: dict[str, float]
    scores: dict[str, float]  # each family's best plan, whatever the gates say (monotone in the needs)
    ranking: list[str]  # survivors by the score of their plan shown, then the rest
    eliminated: dict[str, str]  # family -> reason (binding constraint, or infeasible)
    assessments: dict[str, dict[str, Assessment]]
    estimates: dict[str, Estimate]  # each family's chosen plan
    reasons: list[Reason]
    robustness: robustness_mod.Robustness | None  # None when decide ran with robust=False
    notes: list[str] = field(default_factory=list)
    evidence: dict = field(default_factory=dict)
    at_risk: dict[str, str] = field(default_factory=dict)  # family -> "48% likely to meet …"
    runner_up: str | None = None
    infeasible: dict[str, str] = field(default_factory=dict)  # family -> why it cannot be done
    warnings: dict[str, list[str]] = field(default_factory=dict)  # family -> over budget / deadline
    alternatives: dict[str, list["PlanResult"]] = field(default_factory=dict)  # every plan, best first
    # The score of the plan shown (the best that survives); `scores` holds each family's best plan's.
    plan_scores: dict[str, float] = field(default_factory=dict)
    over_limit: set[str] = field(default_factory=set)  # predicted past a stated non-binding limit

    def status(self, family: str) -> str:
        """ok | at risk | over limit | eliminated | infeasible, for the ranking's status column: at
        risk when a stated limit is likely to be missed though the estimate is within it (or a
        binding one is between the odds thresholds), over limit when the estimate is past it."""
        if family in self.infeasible:
            return "infeasible"
        if family in self.eliminated:
            return "eliminated"
        if family in self.at_risk:
            return "at risk"
        if family in self.over_limit:
            return "over limit"
        if self.warnings.get(family):  # within a stated limit on the point estimate, but unlikely
            return "at risk"
        return "ok"


@dataclass
class PlanResult:
    """One plan of a family, assessed: its score and where it stands."""
    estimate: Estimate
    assessments: dict[str, Assessment]
    score: float
    eliminated: str | None = None
    severity: float = 0.0
    at_risk: str | None = None
    infeasible: str | None = None
    warnings: list[str] = field(default_factory=list)
    serves_request: bool = True  # its variant serves every conditioning kind asked
    over_limit: bool = False  # predicted past a stated limit that does not bind

    @property
    def survives(self) -> bool:
        return self.eliminated is None and self.infeasible is None


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


def score(utilities: dict[str, float], weights: dict[str, float], scale: float) -> float:
    """1 − Σ w (1 − u) / scale: each shortfall costs its weight's share of a fixed scale."""
    return 1.0 - sum(weights[c] * (1.0 - u) for c, u in utilities.items()) / scale


def weighted_scores(utilities: dict[str, dict[str, float]], weights: dict[str, float],
                    scale: float | None = None) -> dict[str, float]:
    """Scores per family; `scale` defaults to the sum of these weights (the weighted mean)."""
    scale = scale or sum(weights.values()) or 1.0
    return {family: score(row, weights, scale) for family, row in utilities.items()}


def _assess(estimate: Estimate, answers, knowledge, evidence, criteria=None) -> dict[str, Assessment]:
    family = knowledge.families[estimate.family]
    ctx = Context(answers, knowledge, family, estimate, evidence or {})
    criteria = criteria or knowledge.criteria
    return {cid: UTILITY_KINDS[c.utility["kind"]](c, ctx) for cid, c in criteria.items()}


def _images_grid(available: int) -> list[int]:
    """Image counts a fine-tune may use: a fixed geometric grid (×2^(1/3)) up to what the team has,
    and all of it. Fixed, so a team with more images has every choice a team with fewer had."""
    grid, k = {0, available}, 0
    while True:
        n = round(2 ** (k / 3))
        if n >= available:
            break
        grid.add(n)
        k += 1
    return sorted(grid)


# Answers that reach neither a plan's training estimate nor the criteria that depend on the images
# it trains on (data, training budget, deadline): a search that varies only these may reuse the
# image count found for the same plan (see decide's `memo`).
SERVING_ONLY_ANSWERS = frozenset({"latency_budget_ms", "samples_per_month", "gpu_hourly_usd", "serving_mode",
                                  "inference_budget_usd_per_month", "serving_stack"})


def _best_images(estimate: Estimate, answers, knowledge, weights, evidence, memo: dict | None = None) -> Estimate:
    """A fine-tune's GPU-hours grow with the images it uses and its data utility with them too:
    use the count, up to all the team has, that scores best on the criteria that depend on it."""
    available = answers["dataset_images"]
    if estimate.how != "fine_tune" or estimate.training_hours_per_image <= 0 or available <= 1:
        return estimate
    if memo is not None:
        key = (estimate.variant.id, estimate.how, estimate.in_house_distillation,
               tuple(sorted((k, repr(v)) for k, v in answers.items() if k not in SERVING_ONLY_ANSWERS)),
               tuple(sorted(weights.items())))
        if key in memo:
            return estimate.at_images(memo[key])
        best = _best_images(estimate, answers, knowledge, weights, evidence)
        memo[key] = best.images_used
        return best
    depends = {cid: c for cid, c in knowledge.criteria.items()
               if c.utility["kind"] == "data_sufficiency"
               or c.utility.get("quantity") in TRAINING_QUANTITIES}
    best, best_score = estimate, -math.inf
    for images in _images_grid(available):
        trial = estimate.at_images(images)
        row = _assess(trial, answers, knowledge, evidence, depends)
        value = sum(weights[c] * a.utility for c, a in row.items())
        if value > best_score + 1e-12:
            best, best_score = trial, value
    return best


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


def _explain(top: str, runner_up: str | None, weights, assessments, scale) -> list[Reason]:
    """Every criterion, by how much it puts the top family ahead of the runner-up (its weight ×
    the utility gap, in score points): the first ones are what separates the two."""
    reasons = []
    for cid, weight in weights.items():
        mine = assessments[top][cid]
        gap = mine.utility - (assessments[runner_up][cid].utility if runner_up else 1.0)
        reasons.append(Reason(cid, mine.text, weight * gap / scale, mine.figures))
    return sorted(reasons, key=lambda r: r.contribution, reverse=True)


def _judge(result: PlanResult, answers: dict, knowledge: Knowledge) -> None:
    """Gate one plan on the binding constraint and on feasibility; fill its status in place."""
    criteria, odds, binding = knowledge.criteria, knowledge.limit_probability, answers["binding_constraint"]
    estimate, row = result.estimate, result.assessments
    thresholds = limit_thresholds(estimate, answers, criteria)
    estimate.p_meets = {cid: normal_cdf(z) for cid, z in thresholds.items()}
    estimate.p_meets_limits = probability_of_limits(estimate, thresholds, criteria)
    binding_limits = {cid: z for cid, z in thresholds.items() if criteria[cid].gate == binding}
    if binding_limits:  # estimates against stated limits: judged by their odds
        p_binding = probability_of_limits(estimate, binding_limits, criteria)
        tightest = min(binding_limits, key=binding_limits.get)
        a = row[tightest]
        if p_binding < odds["eliminate_below"]:
            result.eliminated = f"{a.violation_text} ({p_binding:.0%} likely to meet it)"
            result.severity = max(a.violation or 0.0, 0.0) + (1.0 - p_binding)
        elif p_binding < odds["at_risk_below"]:
            limit = answers[criteria[tightest].utility["limit"]]
            result.at_risk = (f"{estimate.family}: {p_binding:.0%} likely to meet the "
                              f"{_limit_words(criteria[tightest], limit)} limit")
    for cid, a in row.items():
        if (criteria[cid].gate == binding and cid not in binding_limits and a.violation is not None
                and a.violation > 0 and result.eliminated is None):
            result.eliminated, result.severity = a.violation_text, a.violation
    # A stated limit that does not bind still counts: unlikely to be met is said (status "over
    # limit"); training an order of magnitude over a budget or deadline cannot be done at all.
    ratio_cap, horizon = knowledge.infeasible["limit_ratio"], knowledge.infeasible["horizon_weeks"]
    needs_training = estimate.how != "as_is" or estimate.in_house_distillation
    for cid, z in thresholds.items():
        if cid in binding_limits:
            continue
        c = criteria[cid]
        quantity, limit, p = c.utility["quantity"], answers[c.utility["limit"]], estimate.p_meets[cid]
        value = getattr(estimate, quantity)
        if (quantity in TRAINING_QUANTITIES and value >= ratio_cap * limit and value > limit
                and p < odds["eliminate_below"]):
            times = f"{value / limit:,.0f}× over" if limit > 0 else "with none allowed"
            result.infeasible = result.infeasible or (
                f"{estimate.family}: {fmt_quantity(value, c.utility['unit'])} over the "
                f"{_limit_words(c, limit)} limit, {times}")
        elif p < odds["at_risk_below"]:
            relation = "over" if value > limit else "within"
            result.over_limit = result.over_limit or value > limit
            result.warnings.append(f"{estimate.family}: {fmt_quantity(value, c.utility['unit'])} predicted, {relation} the "
                                   f"{_limit_words(c, limit)} limit ({p:.0%} likely to meet it)")
    if answers.get("deadline_weeks") is None and estimate.weeks_to_production > horizon:
        result.infeasible = result.infeasible or (
            f"{estimate.family}: {estimate.weeks_to_production:,.0f} weeks to production on "
            f"{estimate.training_gpus:,g} GPUs, beyond a {horizon:g}-week horizon")
    conditioning = next((a for cid, a in row.items() if criteria[cid].utility["kind"] == "conditioning_support"), None)
    unserved = [k for k in answers["conditioning"] if k != "none" and k not in estimate.variant.supports]
    result.serves_request = not unserved
    if conditioning is not None and unserved:
        result.infeasible = result.infeasible or (
            f"{estimate.family}: {estimate.variant.name} cannot serve {' or '.join(unserved)} conditioning")
    if needs_training and estimate.domain_fit is None and estimate.images_used == 0:
        result.infeasible = result.infeasible or (
            f"{estimate.family}: {estimate.label} must be trained on the team's images, and it has none")


def _plans_for(family_id: str, answers: dict, knowledge: Knowledge, evidence: dict,
               estimates: dict[str, list[Estimate]]) -> tuple[list[Estimate], str | None]:
    """The family's plans, or (when the answers leave it none) the plans it would have without
    the restrictions that removed them, with the reason it cannot be done."""
    if estimates[family_id]:
        return estimates[family_id], None
    family = knowledge.families[family_id]
    task = answers.get("task", "generation")
    if not any(task in v.tasks for v in family.variants):
        why = f"{family_id}: no {family.name} variant in the catalog for {task.replace('_', '-')} work"
    else:
        why = (f"{family_id}: every {family.name} variant for this work needs public weights, which "
               + ("pretrained_allowed: false rules out" if not answers["pretrained_allowed"]
                  else "their licences rule out for commercial use"))
    relaxed = {**answers, "pretrained_allowed": True, "commercial_use": False}
    relaxed_estimates = estimate_plans(relaxed, knowledge, evidence.get("device_profile"), evidence.get("hybrid"),
                                       [family_id])
    return relaxed_estimates[family_id], why


def decide(answers: dict, knowledge: Knowledge | None = None, evidence: dict | None = None,
           weights: dict[str, float] | None = None, *, robust: bool = True, memo: dict | None = None) -> Decision:
    """Rank the candidate families for validated `answers` (see rubric.answers.validate).

    `evidence` holds measurements from probes: `device_profile` (see
    probes.summaries.cost_model.device_profile) replaces the catalog's assumed efficiency; the sections,
    typed as rubric/measured.py defines them and read only there: `training`
    (probes.summaries.training_summary.training_evidence) blends measured stability, mode coverage and
    data needs into those criteria; `conditioning` and `steering` (probes.summaries.control_summary)
    blend measured class-conditional accuracy and inpainting into the conditioning criterion;
    `hybrid` sets the distilled variants' step counts and distillation cost and blends the
    student's measured quality into the hybrid's fidelity and diversity. Each measurement weighs
    by how far it speaks for the production setting (criteria.yaml evidence_relevance).
    `weights` overrides the weights derived from the answers (used by tests and sensitivity
    analysis). `robust=False` skips the robustness analysis (Decision.robustness is None): a
    search that needs only the ranking. `memo`, a dict kept across calls with the same knowledge
    and evidence, reuses each fine-tune's best image count while only SERVING_ONLY_ANSWERS change.
    """
    knowledge = knowledge or load_knowledge()
    criteria = knowledge.criteria
    evidence = evidence or {}
    scale = knowledge.score_scale
    plan_estimates = estimate_plans(answers, knowledge, evidence.get("device_profile"), evidence.get("hybrid"))
    weights = weights or derive_weights(answers, criteria)

    chosen: dict[str, PlanResult] = {}
    alternatives: dict[str, list[PlanResult]] = {}
    best_scores: dict[str, float] = {}
    for family_id in knowledge.families:
        plans, unavailable = _plans_for(family_id, answers, knowledge, evidence, plan_estimates)
        results = []
        for estimate in plans:
            estimate = _best_images(estimate, answers, knowledge, weights, evidence, memo)
            row = _assess(estimate, answers, knowledge, evidence)
            result = PlanResult(estimate, row, score({c: a.utility for c, a in row.items()}, weights, scale))
            _judge(result, answers, knowledge)
            if unavailable:
                result.infeasible = unavailable
            results.append(result)
        # The plan shown is the best that survives (the best outright when none does); the
        # family's score is its best plan's, whatever the gates say, so that the score moves only
        # with the answers' needs and limits (monotone, smooth in the images) while the gates
        # decide which families stand.
        results.sort(key=lambda r: (r.survives, r.infeasible is None, r.serves_request, r.score), reverse=True)
        alternatives[family_id] = results
        chosen[family_id] = results[0]
        best_scores[family_id] = max(r.score for r in results)

    estimates = {f: r.estimate for f, r in chosen.items()}
    assessments = {f: r.assessments for f, r in chosen.items()}
    scores = best_scores
    plan_scores = {f: r.score for f, r in chosen.items()}
    infeasible = {f: r.infeasible for f, r in chosen.items() if r.infeasible}
    eliminated = {f: r.eliminated for f, r in chosen.items() if r.eliminated and f not in infeasible}
    out = {**eliminated, **infeasible}
    at_risk = {f: r.at_risk for f, r in chosen.items() if r.at_risk and f not in out}
    warnings = {f: r.warnings for f, r in chosen.items() if r.warnings}

    alive = [f for f in knowledge.families if f not in out]
    ranking = sorted(alive, key=lambda f: -plan_scores[f]) + sorted(
        out, key=lambda f: (f in infeasible, chosen[f].severity, -scores[f]))
    binding = answers["binding_constraint"]
    notes = list(evidence.get("notes", []))
    notes += [f"at risk: {text}" for text in at_risk.values()]
    notes += [f"{'over a limit' if ', over the ' in text else 'at risk'}: {text}"
              for texts in warnings.values() for text in texts]
    notes += [f"infeasible: {text}" for text in infeasible.values()]
    for family, results in alternatives.items():
        best = max(results, key=lambda r: r.score)
        if best is not chosen[family] and best.score > chosen[family].score + 1e-9:
            # the reason names its family first ("gan: …"); the note already does
            why = (best.infeasible or best.eliminated).split(": ", 1)[-1]
            notes.append(f"{family}: its best-scoring plan ({best.estimate.label}, {best.estimate.how.replace('_', ' ')}, "
                         f"score {best.score:.2f}) cannot be used: {why}; "
                         f"ranked on {chosen[family].estimate.label} ({chosen[family].score:.2f})")
    skipped = skipped_for_licence(knowledge, answers)
    if skipped:
        notes.append("not used, their licences forbid commercial use: " + "; ".join(skipped))
    feasible = bool(alive)
    top = ranking[0]
    if not feasible:
        notes.append(f"no candidate survives the binding constraint ({binding}) and feasibility; {top} comes "
                     f"closest: {out[top]}")
    budget = answers.get("inference_budget_usd_per_month")
    if answers.get("serving_mode", "dedicated") == "dedicated" and budget is not None:
        cheaper = [f for f, e in estimates.items() if e.monthly_usd > budget >= e.monthly_usage_usd]
        if cheaper:
            notes.append("on demand (billed per GPU-second, serving_mode: on_demand) the device time would fit the "
                         f"{budget:,.0f} USD budget for " + ", ".join(
                             f"{f} (~{estimates[f].monthly_usage_usd:,.0f} USD a month instead of "
                             f"{estimates[f].monthly_usd:,.0f})" for f in cheaper))
    top_estimate = estimates[top]
    if top_estimate.how == "fine_tune" and top_estimate.images_used < answers["dataset_images"]:
        notes.append(f"{top}: the fine-tune scores best on {top_estimate.images_used:,} of the "
                     f"{answers['dataset_images']:,} images: more would cost more GPU-hours than the quality they add")
    # The runner-up is the second family in the ranking: the best other survivor, or when none
    # survives, the family eliminated last.
    runner_up = ranking[1] if len(ranking) > 1 else None
    reasons = _explain(top, runner_up, weights, assessments, scale)
    utilities = {f: {c: a.utility for c, a in row.items()} for f, row in assessments.items()}
    considered = alive if feasible else [top]
    analysis = robustness_mod.analyse(
        {f: utilities[f] for f in considered}, weights, top, knowledge.robustness,
        uncertain=_uncertain_cells(considered, answers, knowledge, estimates, binding)) if robust else None
    return Decision(top, feasible, binding, weights, scores, ranking, out, assessments,
                    estimates, reasons, analysis, notes, evidence, at_risk, runner_up, infeasible,
                    warnings, alternatives, plan_scores,
                    {f for f, r in chosen.items() if r.over_limit and f not in out})


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
            reference = spec.get("reference")
            if limit is None and reference is None:
                continue
            quantity = spec["quantity"]
            cells.append(robustness_mod.UncertainCell(
                fi, ci, "training" if quantity in TRAINING_QUANTITIES else "serving", e.log_sigma(quantity),
                *e.lognormal_form(quantity), None if limit is None else float(limit),
                knowledge.curves["within_limit"], c.gate == binding and limit is not None,
                None if reference is None else float(reference), knowledge.curves["against_reference"]))
    return cells
