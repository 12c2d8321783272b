"""Utility kinds: how a criterion turns (answers, estimates, family knowledge) into a number ≤ 1.

Each kind is a function registered by name in UTILITY_KINDS and referred to from criteria.yaml.
It returns an `Assessment`: the utility, a one-line explanation with the figures in it, and
the sourced figures themselves. Pure functions; no I/O.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Callable

from rubric.estimates import Estimate, Figure
from rubric.knowledge import Criterion, Family, Knowledge
from rubric.uncertainty import se_mean, se_paired_share_difference, se_share

# Ratios beyond 2^±64 (about 1.8e19; zero budgets, zero costs) are treated as 2^±64. The cap is
# far beyond the ratios of realistic answers (a 1 µs budget against SDXL at 4096² on a CPU, about
# 4.6 hours a sample, is 2^34). A family capped while another is not would stop gaining from a
# looser limit that the other gains from, and a loosened budget could then flip the choice
# (found by hypothesis with a cap of 2^30).
LOG2_CAP = 64.0


@dataclass(frozen=True)
class Assessment:
    utility: float
    text: str
    figures: tuple[Figure, ...] = ()
    # For gates: how far past the limit (> 0 means violated: ratio − 1, or shortfall), and the words.
    violation: float | None = None
    violation_text: str = ""


@dataclass(frozen=True)
class Context:
    """Everything a utility may read, for one candidate family."""
    answers: dict
    knowledge: Knowledge
    family: Family
    estimate: Estimate
    estimates: dict[str, Estimate]
    standard_meets_all_limits: tuple[str, ...] = field(default=())
    evidence: dict = field(default_factory=dict)

    def measured(self) -> dict | None:
        """This family's training-probe measurements, if any (probes.training_summary)."""
        training = self.evidence.get("training") or {}
        return (training.get("families") or {}).get(self.family.id)


def _blend(ctx: Context, prior: float, measured: float) -> float:
    w = ctx.knowledge.evidence_weight
    return (1 - w) * prior + w * measured


def _measured_figure(ctx: Context, section: str, name: str, value, unit: str = "") -> Figure:
    """A figure from a probe's evidence section, its source naming the probe, data, device and file."""
    evidence = ctx.evidence.get(section) or {}
    return Figure(name, value, unit, f"measured: {evidence.get('source', f'genarch probe ({section})')} on "
                                     f"{evidence.get('where', 'probe data')}, "
                                     f"{evidence.get('file') or ctx.evidence.get('probe_results')}")


def curve(ratio: float, params: dict) -> float:
    """1 − slope × softplus_k(log2(ratio) − knee): concave in log ratio (see criteria.yaml)."""
    if ratio <= 0:
        z = -LOG2_CAP
    else:
        z = max(-LOG2_CAP, min(LOG2_CAP, math.log2(ratio)))
    k = params["sharpness"]
    x = k * (z - params["knee_log2"])
    softplus = (x + math.log1p(math.exp(-x))) / k if x > 0 else math.log1p(math.exp(x)) / k
    return 1.0 - params["slope"] * softplus


def _ratio(quantity: float, reference: float) -> float:
    if reference <= 0:
        return 0.0 if quantity <= 0 else 2.0 ** LOG2_CAP
    return quantity / reference


def _fmt(value: float, unit: str) -> str:
    if unit == "ms" and value >= 1000:
        return f"{value / 1000:.3g} s"
    if unit.startswith("USD"):
        return f"{value:,.0f} {unit}"
    return f"{value:,.3g} {unit}"


def ratio_to_limit(c: Criterion, ctx: Context) -> Assessment:
    spec = c.utility
    unit = spec["unit"]
    quantity = getattr(ctx.estimate, spec["quantity"])
    limit = ctx.answers[spec["limit"]]
    name = f"{ctx.family.id}, {ctx.estimate.variant.name.split(',')[0]}"
    if limit is not None:
        r = _ratio(quantity, limit)
        text = f"{_fmt(quantity, unit)} predicted vs {_fmt(limit, unit)} limit ({r:.2f}×)"
        over = f"{name}: {_fmt(quantity, unit)} predicted > {_fmt(limit, unit)} {c.name.lower()} limit"
        return Assessment(curve(r, ctx.knowledge.curves["within_limit"]), text, (), r - 1.0, over)
    if spec["without_limit"] == "ignore":
        return Assessment(1.0, f"{_fmt(quantity, unit)} predicted; no limit stated")
    best_family, best = min(((k, getattr(e, spec["quantity"])) for k, e in ctx.estimates.items()),
                            key=lambda kv: kv[1])
    r = _ratio(quantity, best) if best > 0 else (1.0 if quantity <= 0 else 2.0 ** LOG2_CAP)
    text = f"{_fmt(quantity, unit)} predicted; no limit stated, {r:.2g}× the lowest ({best_family})"
    return Assessment(curve(r, ctx.knowledge.curves["against_best"]), text)


def _clip01(x: float) -> float:
    return max(0.0, min(1.0, x))


@dataclass(frozen=True)
class Measured:
    """A controllability measurement for a criterion: support on the published 0–1 scale, the
    words (which quote its standard error where the file holds enough to compute one), the figure."""
    support: float
    text: str
    figure: Figure


def _plus_minus(value: float, se: float | None) -> str:
    return f"{value:.2f}" + (f" ± {se:.2f}" if se is not None else "")


def _measured_class_support(ctx: Context) -> Measured | None:
    """Class conditioning measured by the conditioning probe: conditional accuracy placed
    between chance (0) and the domain classifier's accuracy on real images (1)."""
    m = (ctx.evidence.get("conditioning") or {}).get(ctx.family.id)
    if not m or m.get("chance_accuracy") is None or not m.get("classifier_ceiling"):
        return None
    chance, ceiling, acc, n = m["chance_accuracy"], m["classifier_ceiling"], m["conditional_accuracy"], m.get("samples")
    span = ceiling - chance
    support = _clip01((acc - chance) / span) if span > 0 else 0.0
    se = se_share(acc, n) / span if n and span > 0 else None
    how = f" at guidance {m['guidance_scale']:g}" if m.get("guidance_scale") is not None else ""
    on = f" on {n:,} samples" if n else ""
    text = (f"class measured: conditional accuracy {acc:.2f}{how}{on} (chance {chance:.2f}, "
            f"classifier on real images {ceiling:.2f}) -> {_plus_minus(support, se)}")
    worst = m.get("worst_class")
    if worst:
        text += f", weakest class {worst['class']} at {worst['accuracy']:.2f}"
        if worst.get("classifier_on_real") is not None:  # a class the judge cannot read caps every model
            text += f" (the classifier reads real ones at {worst['classifier_on_real']:.2f})"
    if m.get("precision_worst_class") is not None:
        text += f", lowest per-class precision {m['precision_worst_class']:.2f}"
    if m.get("guidance_cost_ratio"):
        text += f"; guidance cost {m['guidance_cost_ratio']:.1f}× per sample"
    return Measured(support, text, _measured_figure(ctx, "conditioning", "conditional accuracy", round(acc, 3), "share"))


def _editing_se(m: dict, floor: dict, by_label: bool) -> float | None:
    """Standard error of the completion's gain over the mean fill, before it is scaled to support:
    paired when the file holds the image-by-image comparison (probes/steering.py, vs_mean_fill),
    else treating the two shares as independent (which overstates it); None with neither."""
    paired, n = m.get("vs_mean_fill") or {}, m.get("samples")
    if by_label:
        if paired.get("right_class_gained") is not None and paired.get("images"):
            return se_paired_share_difference(paired["right_class_gained"], paired["right_class_lost"],
                                              paired["images"])
        return math.hypot(se_share(m["label_agreement"], n), se_share(floor["label_agreement"], n)) if n else None
    if paired.get("hole_mse_difference_sd") is not None and paired.get("images"):
        return se_mean(paired["hole_mse_difference_sd"], paired["images"])
    return None


def _measured_editing_support(ctx: Context) -> Measured | None:
    """Post-hoc editing measured by the steering probe (inpainting without retraining): how much
    of the gap from a mean-filled hole to the uncut truth the completion closes, read by the
    domain classifier; by hole error against the mean fill when the data has no labels."""
    steering = ctx.evidence.get("steering") or {}
    m, floor = steering.get(ctx.family.id), steering.get("baseline")
    if not m or not floor:
        return None
    truth = steering.get("label_agreement_of_truth")
    by_label = (None not in (m.get("label_agreement"), floor.get("label_agreement"), truth)
                and truth > floor["label_agreement"])
    if by_label:
        scale = truth - floor["label_agreement"]
        support = _clip01((m["label_agreement"] - floor["label_agreement"]) / scale)
        basis = (f"completions keep the class {m['label_agreement']:.2f} (mean fill {floor['label_agreement']:.2f}, "
                 f"uncut truth {truth:.2f})")
        figure = _measured_figure(ctx, "steering", f"{m['method']} label agreement", round(m["label_agreement"], 3), "share")
    elif m.get("hole_mse") is not None and floor.get("hole_mse"):
        scale = floor["hole_mse"]
        support = _clip01(1.0 - m["hole_mse"] / scale)
        basis = f"hole MSE {m['hole_mse']:.3g} against mean fill {floor['hole_mse']:.3g}"
        figure = _measured_figure(ctx, "steering", f"{m['method']} hole MSE", round(m["hole_mse"], 4), "(data units)²")
    else:
        return None
    se = _editing_se(m, floor, by_label)
    se = se / scale if se is not None else None
    method = m["method"].replace("_", " ")
    on = f" on {m['samples']:,} images" if m.get("samples") else ""
    ms = f", {m['latency_ms_per_sample']:.3g} ms per image" if m.get("latency_ms_per_sample") is not None else ""
    return Measured(support, f"editing measured ({method}){on}: {basis}{ms} -> {_plus_minus(support, se)}", figure)


MEASURED_SUPPORT = {"class": _measured_class_support, "editing": _measured_editing_support}


def _teacher_family(ctx: Context) -> Family | None:
    """The family whose variant this candidate's variant is distilled from, if any (not itself)."""
    teacher_variant = ctx.estimate.variant.teacher
    if teacher_variant is None:
        return None
    return next((f for f in ctx.knowledge.families.values()
                 if f.id != ctx.family.id and any(v.id == teacher_variant for v in f.variants)), None)


def conditioning_support(c: Criterion, ctx: Context) -> Assessment:
    """Half the weakest requested kind, half the mean: every requested kind must be served.
    A kind the controllability probes measured for this family blends prior and measurement; a
    distilled family they did not measure is capped at its teacher family's blended support."""
    wanted = ctx.answers["conditioning"]
    support = {kind: ctx.family.conditioning_support[kind] for kind in wanted}
    figures = [Figure("conditioning support (published)", dict(support), "score 0–1", ctx.family.conditioning_source)]
    measured_texts = []
    teacher = _teacher_family(ctx)
    for kind in wanted:
        measure = MEASURED_SUPPORT.get(kind)
        found = measure(ctx) if measure else None
        if found:
            support[kind] = _blend(ctx, support[kind], found.support)
            measured_texts.append(found.text)
            figures.append(found.figure)
            continue
        # A distilled family conditions and edits through its teacher's mechanism (guidance,
        # RePaint-style resampling) and is no better at it than its teacher: a measurement that
        # lowers the teacher family below the student's published support lowers the student to
        # it, so measuring one family never ranks the student above its teacher.
        carried = measure(replace(ctx, family=teacher)) if measure and teacher else None
        if carried:
            teacher_support = _blend(ctx, teacher.conditioning_support[kind], carried.support)
            if teacher_support < support[kind]:
                measured_texts.append(f"{kind} capped at its {teacher.id} teacher's measured {teacher_support:.2f} "
                                      f"(published {support[kind]:.2f})")
                support[kind] = teacher_support
                figures.append(carried.figure)
    scores = list(support.values())
    utility = 0.5 * min(scores) + 0.5 * sum(scores) / len(scores)
    parts = ", ".join(f"{kind} {support[kind]:.2f}" for kind in wanted)
    text = f"support for {parts}" + "".join(f"; {t}" for t in measured_texts)
    threshold = ctx.knowledge.gate_threshold
    weakest = min(wanted, key=lambda kind: support[kind])
    return Assessment(utility, text, tuple(figures), threshold - support[weakest],
                      f"{ctx.family.id}: {weakest} conditioning support {support[weakest]:.2f} < {threshold:g}")


def data_sufficiency(c: Criterion, ctx: Context) -> Assessment:
    available = ctx.answers["dataset_images"]
    good, minimum = ctx.estimate.images_for_good_quality, ctx.estimate.minimum_images
    r = _ratio(good, max(available, 1))
    how = "fine-tuning a pretrained model" if ctx.answers["pretrained_allowed"] else "from scratch"
    text = f"{available:,} images available; ~{good:,} for good quality, {minimum:,} minimum ({how})"
    figures = [Figure("images for good quality", good, "images", ctx.family.data["source"])]
    utility = curve(r, ctx.knowledge.curves["within_limit"])
    measured = ctx.measured()
    needs = {f: m.get("images_needed") for f, m in ((ctx.evidence.get("training") or {}).get("families") or {}).items()}
    if measured and measured.get("images_needed") and all(needs.values()):
        user_data = str((ctx.evidence.get("training") or {}).get("where", "")).startswith("folder")
        need = measured["images_needed"]
        if user_data:  # measured on the user's own images: compare with what they have
            m_utility = curve(_ratio(need, max(available, 1)), ctx.knowledge.curves["within_limit"])
            text += f"; measured on your images: ~{need:,.0f} needed for the probe's target quality"
        else:  # on the built-in data only the families' ratio carries over
            ratio = need / min(needs.values())
            m_utility = curve(ratio, ctx.knowledge.curves["relative_need"])
            text += f"; measured: {ratio:.2g}× the images of the most data-efficient family for the probe's target quality"
        if measured.get("images_needed_confidence") == "low":
            text += " (extrapolated, low confidence)"
        utility = _blend(ctx, utility, m_utility)
        figures.append(_measured_figure(ctx, "training", "images needed for the probe's target FID", round(need), "images"))
    shortfall = (minimum - available) / max(minimum, 1)
    return Assessment(utility, text, tuple(figures), shortfall,
                      f"{ctx.family.id}: {available:,} images < {minimum:,} minimum ({how})")


def family_score(c: Criterion, ctx: Context) -> Assessment:
    name = c.utility["score"]
    base = getattr(ctx.family, name)
    utility, text = base, f"{name} score {base:.2f}"
    if name == "stability":
        bonus = ctx.family.stability_by_gan_experience[ctx.answers["team_gan_experience"]]
        utility = min(1.0, base + bonus)
        if bonus:
            text += f" + {bonus:.2f} for the team's GAN experience ({ctx.answers['team_gan_experience']})"
    figures = [Figure(name, round(utility, 3), "score 0–1", getattr(ctx.family, f"{name}_source"))]
    measured = ctx.measured()
    if measured and name == "stability" and measured.get("divergence_rate") is not None:
        spread = measured.get("relative_spread_full_data") or 0.0
        m_utility = (1 - measured["divergence_rate"]) * (1 - min(1.0, spread))
        text += (f"; measured: {measured['divergence_rate']:.0%} of {measured['runs']} runs diverged, "
                 f"seed-to-seed FID spread {spread:.0%} -> {m_utility:.2f}")
        utility = _blend(ctx, utility, m_utility)
        figures.append(_measured_figure(ctx, "training", "runs diverged", f"{measured['divergence_rate']:.0%} of {measured['runs']}"))
    elif measured and name == "diversity" and measured.get("classes"):
        covered = measured["classes_covered_mean"] / measured["classes"]
        m_utility = covered * math.exp(-measured["kl_mean"])
        text += (f"; measured: {measured['classes_covered_mean']:.1f} of {measured['classes']} classes covered, "
                 f"KL to the real histogram {measured['kl_mean']:.2f} -> {m_utility:.2f}")
        utility = _blend(ctx, utility, m_utility)
        figures.append(_measured_figure(ctx, "training", "classes covered", f"{measured['classes_covered_mean']:.1f} of {measured['classes']}"))
    distilled = _measured_student(ctx, name)
    if distilled:
        m_utility, m_text, figure = distilled
        text += f"; {m_text} -> {m_utility:.2f}"
        utility = _blend(ctx, utility, m_utility)
        figures.append(figure)
    threshold = ctx.knowledge.gate_threshold
    return Assessment(utility, text, tuple(figures), threshold - utility,
                      f"{ctx.family.id}: {name} {utility:.2f} < {threshold:g}")


def _measured_student(ctx: Context, name: str) -> tuple[float, str, Figure] | None:
    """A distilled family's fidelity and diversity from the hybrid probe: the teacher family's
    published score, scaled by what distillation kept of the teacher's quality on the probe's
    data (FID ratio for fidelity, recall ratio for diversity; never above the teacher)."""
    m, teacher = ctx.evidence.get("hybrid"), _teacher_family(ctx)
    if not m or teacher is None:
        return None
    steps = f"the {m['student_nfe']}-step student"
    if name == "fidelity" and m.get("student_fid") and m.get("teacher_fid"):
        kept = min(1.0, m["teacher_fid"] / m["student_fid"])
        text = (f"measured: {steps}'s FID {m['student_fid']:.3g} against its {m['teacher_nfe']}-step "
                f"teacher's {m['teacher_fid']:.3g} keeps {kept:.0%} of the teacher's {teacher.fidelity:.2f}")
        return teacher.fidelity * kept, text, _measured_figure(ctx, "hybrid", "student FID", round(m["student_fid"], 3))
    if name == "diversity" and m.get("student_recall") is not None and m.get("teacher_recall"):
        kept = min(1.0, m["student_recall"] / m["teacher_recall"])
        text = (f"measured: {steps}'s recall {m['student_recall']:.2f} against its teacher's "
                f"{m['teacher_recall']:.2f} keeps {kept:.0%} of the teacher's {teacher.diversity:.2f}")
        return teacher.diversity * kept, text, _measured_figure(ctx, "hybrid", "student recall", round(m["student_recall"], 3))
    return None


def maintenance(c: Criterion, ctx: Context) -> Assessment:
    spec = c.utility
    figure = Figure("pipeline complexity", ctx.family.complexity, "", spec["source"])
    if ctx.family.complexity == "standard":
        rule = spec["standard"].get(ctx.family.id)
        if rule is None:
            return Assessment(spec["standard"]["default"], "standard, maintained public pipeline", (figure,))
        answer = ctx.answers[rule["by"]]
        return Assessment(rule["values"][answer], f"standard pipeline; team {rule['by'].replace('_', ' ')}: {answer}", (figure,))
    can = ctx.answers["team_can_maintain_custom_pipeline"]
    key = "team_can_maintain" if can else "team_cannot_maintain"
    who = "the team can maintain it" if can else "the team cannot maintain it"
    others = [f for f in ctx.standard_meets_all_limits if f != ctx.family.id]
    if others:
        return Assessment(spec["custom_unearned"][key],
                          f"custom pipeline not earned: {' and '.join(others)} {'meet' if len(others) > 1 else 'meets'} every stated limit; {who}", (figure,))
    return Assessment(spec["custom"][key], f"custom pipeline; no standard family meets every stated limit; {who}", (figure,))


UTILITY_KINDS: dict[str, Callable[[Criterion, Context], Assessment]] = {
    "ratio_to_limit": ratio_to_limit,
    "conditioning_support": conditioning_support,
    "data_sufficiency": data_sufficiency,
    "family_score": family_score,
    "maintenance": maintenance,
}
