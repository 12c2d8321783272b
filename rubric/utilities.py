"""Utility kinds: how a criterion turns (answers, estimates, family knowledge) into a number ≤ 1.

Each kind is a function registered by name in UTILITY_KINDS and referred to from criteria.yaml.
It returns an `Assessment`: the utility, a one-line explanation with the figures in it, and
the sourced figures themselves. Pure functions; no I/O.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Callable

from rubric.estimates import Estimate, Figure, evidence_relevance, weights_source
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
    evidence: dict = field(default_factory=dict)

    def measured(self) -> dict | None:
        """This family's training-probe measurements, if any (probes.training_summary)."""
        training = self.evidence.get("training") or {}
        return (training.get("families") or {}).get(self.family.id)


def relevance(ctx: Context, section: str) -> tuple[float, str]:
    """How far a probe section's measurement speaks for this plan's production setting (0–1), and
    the words that say why (criteria.yaml evidence_relevance)."""
    return evidence_relevance(ctx.knowledge, ctx.evidence.get(section), ctx.answers["resolution"],
                              ctx.knowledge.architectures[ctx.estimate.variant.denoiser].params)


def _blend(ctx: Context, prior: float, measured: float, section: str = "training") -> tuple[float, str]:
    """Prior and measurement blended at the evidence weight times the measurement's relevance;
    the words say how far the measurement moved the utility and why it got that weight."""
    r, why = relevance(ctx, section)
    w = ctx.knowledge.evidence_weight * r
    blended = (1 - w) * prior + w * measured
    return blended, (f" (measurement weight {w:.2f}: {ctx.knowledge.evidence_weight:g} × relevance {r:.2f}"
                     f"{', ' + why if why else ''}; moved {prior:.2f} → {blended:.2f})")


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
        found = measure(ctx) if measure and support[kind] > 0 else None
        if found:
            support[kind], how = _blend(ctx, support[kind], found.support, "conditioning" if kind == "class" else "steering")
            measured_texts.append(found.text + how)
            figures.append(found.figure)
            continue
        # A distilled family conditions and edits through its teacher's mechanism (guidance,
        # RePaint-style resampling) and is no better at it than its teacher: a measurement that
        # lowers the teacher family below the student's published support lowers the student to
        # it, so measuring one family never ranks the student above its teacher.
        carried = measure(replace(ctx, family=teacher)) if measure and teacher and support[kind] > 0 else None
        if carried:
            teacher_support, _ = _blend(ctx, teacher.conditioning_support[kind], carried.support,
                                        "conditioning" if kind == "class" else "steering")
            if teacher_support < support[kind]:
                measured_texts.append(f"{kind} capped at its {teacher.id} teacher's measured {teacher_support:.2f} "
                                      f"(published {support[kind]:.2f})")
                support[kind] = teacher_support
                figures.append(carried.figure)
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
    measured = ctx.measured()
    needs = {f: m.get("images_needed") for f, m in ((ctx.evidence.get("training") or {}).get("families") or {}).items()}
    if measured and measured.get("images_needed") and all(needs.values()):
        user_data = bool(((ctx.evidence.get("training") or {}).get("scale") or {}).get("own_data")) or str(
            (ctx.evidence.get("training") or {}).get("where", "")).startswith("folder")
        need = measured["images_needed"]
        if user_data:  # measured on the user's own images: compare with what the plan uses
            m_utility = curve(_ratio(need, max(used, 1)), ctx.knowledge.curves["within_limit"])
            text += f"; measured on your images: ~{need:,.0f} needed for the probe's target quality"
        else:  # on the built-in data only the families' ratio carries over
            ratio = need / min(needs.values())
            m_utility = curve(ratio, ctx.knowledge.curves["relative_need"])
            text += f"; measured: {ratio:.2g}× the images of the most data-efficient family for the probe's target quality"
        if measured.get("images_needed_confidence") == "low":
            text += " (extrapolated, low confidence)"
        utility, moved = _blend(ctx, utility, m_utility)
        text += moved
        figures.append(_measured_figure(ctx, "training", "images needed for the probe's target FID", round(need), "images"))
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
    measured = ctx.measured()
    if measured and name == "stability" and measured.get("divergence_rate") is not None:
        spread = measured.get("relative_spread_full_data") or 0.0
        m_utility = (1 - measured["divergence_rate"]) * (1 - min(1.0, spread))
        text += (f"; measured: {measured['divergence_rate']:.0%} of {measured['runs']} runs diverged, "
                 f"seed-to-seed FID spread {spread:.0%} -> {m_utility:.2f}")
        utility, moved = _blend(ctx, utility, m_utility)
        text += moved
        figures.append(_measured_figure(ctx, "training", "runs diverged", f"{measured['divergence_rate']:.0%} of {measured['runs']}"))
    elif measured and name == "diversity" and measured.get("classes"):
        covered = measured["classes_covered_mean"] / measured["classes"]
        m_utility = covered * math.exp(-measured["kl_mean"])
        text += (f"; measured: {measured['classes_covered_mean']:.1f} of {measured['classes']} classes covered, "
                 f"KL to the real histogram {measured['kl_mean']:.2f} -> {m_utility:.2f}")
        utility, moved = _blend(ctx, utility, m_utility)
        text += moved
        figures.append(_measured_figure(ctx, "training", "classes covered", f"{measured['classes_covered_mean']:.1f} of {measured['classes']}"))
    distilled = _measured_student(ctx, name) if e.in_house_distillation else None
    if distilled:
        m_utility, m_text, figure = distilled
        text += f"; {m_text} -> {m_utility:.2f}"
        utility, moved = _blend(ctx, utility, m_utility, "hybrid")
        text += moved
        figures.append(figure)
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
