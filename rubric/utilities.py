"""Utility kinds: how a criterion turns (answers, estimates, family knowledge) into a number ≤ 1.

Each kind is a function registered by name in UTILITY_KINDS and referred to from criteria.yaml.
It returns an `Assessment`: the utility, a one-line explanation with the figures in it, and
the sourced figures themselves. Pure functions; no I/O.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from rubric import measured
from rubric.estimates import Estimate, Figure, weights_source
from rubric.knowledge import Criterion, Family, Knowledge

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
    evidence: dict = field(default_factory=dict)  # rubric.measured reads it


def relevance(ctx: Context, section: str) -> tuple[float, str]:
    """How far a probe section's measurement speaks for this plan's production setting (0–1), and
    the words that say why (criteria.yaml evidence_relevance)."""
    return measured.relevance(ctx.knowledge, measured.section(ctx.evidence, section), ctx.answers["resolution"],
                              ctx.knowledge.architectures[ctx.estimate.variant.denoiser].params)


def _blend(ctx: Context, prior: float, value: float, section: str) -> tuple[float, str]:
    """Prior and measured value blended at the evidence weight times the measurement's relevance;
    the words say how far the measurement moved the utility and why it got that weight."""
    r, why = relevance(ctx, section)
    w = ctx.knowledge.evidence_weight * r
    blended = (1 - w) * prior + w * value
    return blended, (f" (measurement weight {w:.2f}: {ctx.knowledge.evidence_weight:g} × relevance {r:.2f}"
                     f"{', ' + why if why else ''}; moved {prior:.2f} → {blended:.2f})")


def _measured_figure(ctx: Context, reading: measured.Reading) -> Figure:
    """A measurement's figure, its source naming the probe, data, device and file."""
    return Figure(*reading.figure, measured.figure_source(ctx.evidence, reading.section))


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


def fmt_quantity(value: float, unit: str) -> str:
    """A quantity as the reasons print it: seconds past 1,000 ms, whole dollars, 3 figures else."""
    if unit == "ms" and value >= 1000:
        return f"{value / 1000:.3g} s"
    if unit.startswith("USD"):
        return f"{value:,.0f} {unit}"
    return f"{value:,.3g} {unit}"


def ratio_to_limit(c: Criterion, ctx: Context) -> Assessment:
    """A quantity against the stated limit (within_limit curve) and against the criterion's fixed
    reference where it has one (against_reference curve): the lower of the two."""
    spec = c.utility
    unit = spec["unit"]
    quantity = getattr(ctx.estimate, spec["quantity"])
    limit = ctx.answers[spec["limit"]]
    name = f"{ctx.family.id}, {ctx.estimate.variant.name}"
    reference = spec.get("reference")
    figures = ()
    if reference is not None:
        r_ref = _ratio(quantity, reference)
        u_ref = curve(r_ref, ctx.knowledge.curves["against_reference"])
        figures = (Figure(f"{c.name.lower()} reference", reference, unit, spec["reference_source"]),)
    if limit is not None:
        r = _ratio(quantity, limit)
        u = curve(r, ctx.knowledge.curves["within_limit"])
        text = f"{fmt_quantity(quantity, unit)} predicted vs {fmt_quantity(limit, unit)} limit ({r:.2f}×)"
        if reference is not None and u_ref < u:
            u = u_ref
            text += f"; {r_ref:.2g}× the {fmt_quantity(reference, unit)} reference counts more"
        over = f"{name}: {fmt_quantity(quantity, unit)} predicted > {fmt_quantity(limit, unit)} {c.name.lower()} limit"
        return Assessment(u, text, figures, r - 1.0, over)
    if reference is None:
        return Assessment(1.0, f"{fmt_quantity(quantity, unit)} predicted; no limit stated")
    text = f"{fmt_quantity(quantity, unit)} predicted; no limit stated, {r_ref:.2g}× genarch's {fmt_quantity(reference, unit)} reference"
    return Assessment(u_ref, text, figures)


MEASURED_SUPPORT = {"class": measured.class_support, "editing": measured.editing_support}


def _teacher_family(ctx: Context) -> Family | None:
    """The family whose variant this candidate's variant is distilled from, if any (not itself)."""
    teacher_variant = ctx.estimate.variant.teacher
    if teacher_variant is None:
        return None
    return next((f for f in ctx.knowledge.families.values()
                 if f.id != ctx.family.id and any(v.id == teacher_variant for v in f.variants)), None)


def variant_support(ctx: Context, kind: str) -> float:
    """The plan's variant's published support for a kind: its own figure where it gives one, the
    family's where it lists the kind, 0 where it cannot serve it at all."""
    variant = ctx.estimate.variant
    if kind != "none" and kind not in variant.supports:
        return 0.0
    return variant.conditioning_support.get(kind, ctx.family.conditioning_support[kind])


def conditioning_support(c: Criterion, ctx: Context) -> Assessment:
    """Half the weakest requested kind, half one minus the mean shortfall over every kind there is
    (a kind not asked for falls short by nothing): asking for one more kind never raises it.
    A kind the controllability probes measured for this family blends prior and measurement; a
    distilled family they did not measure is capped at its teacher family's blended support."""
    wanted = ctx.answers["conditioning"]
    support = {kind: variant_support(ctx, kind) for kind in wanted}
    source = ctx.estimate.variant.conditioning_support_source or ctx.family.conditioning_source
    figures = [Figure("conditioning support (published)", dict(support), "score 0–1", source)]
    measured_texts = []
    teacher = _teacher_family(ctx)
    for kind in wanted:
        measure = MEASURED_SUPPORT.get(kind)
        found = measure(ctx.evidence, ctx.family.id) if measure and support[kind] > 0 else None
        if found:
            support[kind], how = _blend(ctx, support[kind], found.value, found.section)
            measured_texts.append(found.text + how)
            figures.append(_measured_figure(ctx, found))
            continue
        # A distilled family conditions and edits through its teacher's mechanism (guidance,
        # RePaint-style resampling) and is no better at it than its teacher: a measurement that
        # lowers the teacher family below the student's published support lowers the student to
        # it, so measuring one family never ranks the student above its teacher.
        carried = measure(ctx.evidence, teacher.id) if measure and teacher and support[kind] > 0 else None
        if carried:
            teacher_support, _ = _blend(ctx, teacher.conditioning_support[kind], carried.value, carried.section)
            if teacher_support < support[kind]:
                measured_texts.append(f"{kind} capped at its {teacher.id} teacher's measured {teacher_support:.2f} "
                                      f"(published {support[kind]:.2f})")
                support[kind] = teacher_support
                figures.append(_measured_figure(ctx, carried))
    kinds = len(ctx.family.conditioning_support)
    shortfall = sum(1.0 - v for v in support.values()) / kinds
    utility = 0.5 * min(support.values()) + 0.5 * (1.0 - shortfall)
    parts = ", ".join(f"{kind} {support[kind]:.2f}" for kind in wanted)
    text = f"support for {parts}" + "".join(f"; {t}" for t in measured_texts)
    threshold = ctx.knowledge.gate_threshold
    weakest = min(wanted, key=lambda kind: support[kind])
    return Assessment(utility, text, tuple(figures), threshold - support[weakest],
                      f"{ctx.family.id}: {weakest} conditioning support {support[weakest]:.2f} < {threshold:g}")


def data_curve_utility(images: float, good: float, minimum: float, knowledge: Knowledge) -> float:
    """The data curve (criteria.yaml curves.data): 0.5 at the minimum, ~0.9 at the good-quality count."""
    pseudo = knowledge.curves["data_pseudo_images"]
    octaves = math.log2(good / minimum) if good > minimum > 0 else 1.0
    z = math.log2(good / (images + pseudo)) / octaves
    return curve(2.0 ** z, knowledge.curves["data"])


def data_sufficiency(c: Criterion, ctx: Context) -> Assessment:
    e = ctx.estimate
    threshold = ctx.knowledge.gate_threshold
    if e.domain_fit is not None:  # public weights served as they are need none of the team's images
        text = (f"no images needed: public weights used as they are; how well they cover an arbitrary "
                f"domain: {e.domain_fit:.2f}")
        figure = Figure("domain fit of public weights", e.domain_fit, "score 0–1",
                        weights_source(e.variant, ctx.knowledge).checkpoint.source)
        return Assessment(e.domain_fit, text, (figure,), threshold - e.domain_fit,
                          f"{ctx.family.id}: public weights cover an arbitrary domain at {e.domain_fit:.2f} < {threshold:g}")
    available, used = ctx.answers["dataset_images"], e.images_used
    good, minimum = e.images_for_good_quality, e.minimum_images
    utility = data_curve_utility(used, good, minimum, ctx.knowledge)
    how = "fine-tuning public weights" if e.how == "fine_tune" else "from scratch"
    of = f"{used:,} of {available:,} images used" if used != available else f"{available:,} images available"
    text = f"{of}; ~{good:,} for good quality, {minimum:,} minimum ({how})"
    figures = [Figure("images for good quality", good, "images", ctx.family.data["source"])]
    need = measured.data_need(ctx.evidence, ctx.family.id, used)
    if need:
        utility, moved = _blend(ctx, utility, curve(need.value, ctx.knowledge.curves[need.curve]), need.section)
        text += f"; {need.text}{moved}"
        figures.append(_measured_figure(ctx, need))
    return Assessment(utility, text, tuple(figures), threshold - utility,
                      f"{ctx.family.id}: {used:,} images give data utility {utility:.2f} < {threshold:g} "
                      f"(~{minimum:,} minimum, {good:,} for good quality, {how})")


def family_score(c: Criterion, ctx: Context) -> Assessment:
    name = c.utility["score"]
    variant, e = ctx.estimate.variant, ctx.estimate
    base = variant.scores.get(name, getattr(ctx.family, name))
    source = variant.scores_source if name in variant.scores else getattr(ctx.family, f"{name}_source")
    utility, text = base, f"{name} score {base:.2f}" + (f" ({variant.name})" if name in variant.scores else "")
    threshold = ctx.knowledge.gate_threshold
    if name == "stability" and e.how == "as_is" and not e.in_house_distillation:
        return Assessment(1.0, "nothing is trained: public weights served as they are",
                          (Figure(name, 1.0, "score 0–1", source),), threshold - 1.0, "")
    if name == "stability":
        bonus = ctx.family.stability_by_gan_experience[ctx.answers["team_gan_experience"]]
        utility = min(1.0, base + bonus)
        if bonus:
            text += f" + {bonus:.2f} for the team's GAN experience ({ctx.answers['team_gan_experience']})"
    figures = [Figure(name, round(utility, 3), "score 0–1", source)]
    teacher = _teacher_family(ctx) if e.in_house_distillation else None
    for reading in (measured.training_score(ctx.evidence, ctx.family.id, name),
                    measured.student(ctx.evidence, name, getattr(teacher, name)) if teacher else None):
        if reading:
            utility, moved = _blend(ctx, utility, reading.value, reading.section)
            text += f"; {reading.text}{moved}"
            figures.append(_measured_figure(ctx, reading))
    return Assessment(utility, text, tuple(figures), threshold - utility,
                      f"{ctx.family.id}: {name} {utility:.2f} < {threshold:g}")


def maintenance(c: Criterion, ctx: Context) -> Assessment:
    """Off the shelf: a maintained public pipeline, nothing to train. Trained or fine-tuned: the
    family's standard pipeline (a GAN's by the team's experience). Distilled in house: a custom
    pipeline, by whether the team can own one."""
    spec = c.utility
    e = ctx.estimate
    complexity = "custom" if e.in_house_distillation else "standard"
    figure = Figure("pipeline complexity", complexity, "", spec["source"])
    if e.off_the_shelf:
        return Assessment(spec["off_the_shelf"], "off the shelf: public weights on a maintained public pipeline", (figure,))
    if not e.in_house_distillation:
        rule = spec["standard"].get(ctx.family.id)
        if rule is None:
            return Assessment(spec["standard"]["default"], "standard, maintained public pipeline", (figure,))
        answer = ctx.answers[rule["by"]]
        return Assessment(rule["values"][answer], f"standard pipeline; {rule['by'].replace('_', ' ')}: {answer}", (figure,))
    can = ctx.answers["team_can_maintain_custom_pipeline"]
    key = "team_can_maintain" if can else "team_cannot_maintain"
    who = "the team can maintain it" if can else "the team cannot maintain it"
    return Assessment(spec["custom"][key], f"custom pipeline (distillation in house); {who}", (figure,))


UTILITY_KINDS: dict[str, Callable[[Criterion, Context], Assessment]] = {
    "ratio_to_limit": ratio_to_limit,
    "conditioning_support": conditioning_support,
    "data_sufficiency": data_sufficiency,
    "family_score": family_score,
    "maintenance": maintenance,
}
