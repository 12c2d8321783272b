"""Plain-text rendering of a decision (the `genarch recommend` terminal output).

A pure function of the decision's JSON contract (rubric.contract.to_dict): formatting only.
"""
from __future__ import annotations

import re
from typing import Any

from reports.cells import ms, score, share


def shown_score(row: dict[str, Any]) -> float:
    """The score of the plan a ranking row shows (its reasons are that plan's). The contract's
    `score` is the family's best plan, whatever the gates say; they differ only when that plan
    cannot be used (the notes say so). Rows from before plans carry `score` alone."""
    return row.get("plan_score", row["score"])


def _figure(figure: dict[str, Any]) -> str:
    value = figure["value"]
    if isinstance(value, float):
        value = f"{value:.4g}"
    elif isinstance(value, dict):
        value = ", ".join(f"{k} {v}" for k, v in value.items())
    unit = f" {figure['unit']}" if figure["unit"] else ""
    return f"{figure['name']}: {value}{unit} (source: {figure['source']})"


def _change(value: float | None, to: str | None) -> str:
    if value is None:
        return "none within the search range"
    return f"{'+' if value > 0 else ''}{value * 100:.0f}% (→ {to})"


# What each kind of probe evidence changes in the decision, for the evidence lines.
EVIDENCE_USE = (
    ("training", "training probe", "stability, mode coverage and data needs"),
    ("conditioning", "conditioning probe", "class-conditioning support"),
    ("steering", "steering probe", "editing (inpainting) support"),
    ("hybrid", "hybrid probe", "the distilled student's steps, distillation cost, fidelity and diversity"),
)


def licence_name(licence: str | None) -> str:
    """A licence's name without its gloss: 'Stability AI Community License (commercial use free
    below …)' -> 'Stability AI Community License'."""
    if not licence:
        return ""
    return licence.split(" (", 1)[0].split(";", 1)[0].strip()


def plan_words(estimate: dict[str, Any], dataset_images: int | None = None, full_licence: bool = False) -> str:
    """How a plan obtains its weights, in words: 'off the shelf, Stability AI Community License',
    'fine-tuned on 3,000 of 20,000 images, CreativeML OpenRAIL-M', 'trained from scratch on
    20,000 images, distilled in house'. `estimate` is a contract estimate (or an alternative)."""
    how = estimate.get("plan")
    images = estimate.get("images_used") or 0
    distilled = estimate.get("in_house_distillation", False)
    if how == "as_is":
        words = "distilled in house from public weights" if distilled else "off the shelf"
    elif how == "fine_tune":
        if dataset_images is not None and images >= dataset_images:
            words = f"fine-tuned on all {images:,} of your images"
        elif dataset_images is not None:
            words = f"fine-tuned on {images:,} of {dataset_images:,} images"
        else:
            words = f"fine-tuned on {images:,} images"
    elif how == "from_scratch":
        words = f"trained from scratch on {images:,} images" if images else "trained from scratch"
    else:
        return ""
    if distilled and how != "as_is":
        words += ", then distilled in house"
    licence = estimate.get("licence")
    if licence:
        words += f", {licence if full_licence else licence_name(licence)}"
    return words


_STEPS = re.compile(r"\b(\d+) steps?\b")


def variant_title(name: str, nfe: int | None) -> str:
    """A variant's name with the step count the estimate uses: a probe's measured student can
    move a distilled variant's steps (rubric.estimates.student_nfe) while the catalog's name keeps
    the published count, and a title must agree with the latency shown beside it."""
    if not isinstance(nfe, int) or isinstance(nfe, bool) or not _STEPS.search(name):
        return name
    return _STEPS.sub(f"{nfe} step" + ("" if nfe == 1 else "s"), name, count=1)


def variant_of(result: dict[str, Any], family: str) -> str:
    """The family's variant name, its step count the one its estimate was computed for."""
    row = next(r for r in result["ranking"] if r["architecture"] == family)
    return variant_title(row["variant_name"], (result["estimates"].get(family) or {}).get("nfe"))


def plan_of(result: dict[str, Any], family: str, full_licence: bool = False) -> str:
    """'SD-Turbo (…), 1 step — off the shelf, Stability AI Community License': the family's plan."""
    words = plan_words(result["estimates"][family], (result.get("answers") or {}).get("dataset_images"),
                       full_licence)
    name = variant_of(result, family)
    return f"{name} — {words}" if words else name


def file_name(path: object) -> str:
    """A results file as the report names it: its name, never the local path it was read from."""
    return re.split(r"[\\/]", str(path))[-1] if path else ""  # a Windows path too


def status_of(row: dict[str, Any]) -> str:
    if row.get("status"):
        return row["status"]
    return "eliminated" if row.get("eliminated") else "at risk" if row.get("at_risk") else "ok"


def without_subject(text: str, family: str) -> str:
    """'diffusion, Latent diffusion …: 15,184 USD/month > …' -> '15,184 USD/month > …': the row
    already names the family and its variant."""
    if text.startswith(family) and ": " in text:
        return text.split(": ", 1)[1]
    return text


def status_reason(row: dict[str, Any]) -> str:
    """Why a candidate has its status (empty when ok): the limit it breaks, its odds, why it
    cannot be done; any training limit it is over comes after."""
    status, family = status_of(row), row["architecture"]
    main = {"infeasible": row.get("infeasible_reason") or row.get("elimination_reason"),
            "eliminated": row.get("elimination_reason"),
            "at risk": row.get("at_risk")}.get(status)
    parts = [main] if main else []
    parts += [w for w in row.get("warnings") or [] if w != main]
    return "; ".join(without_subject(p, family) for p in parts)


def status_cell(row: dict[str, Any]) -> str:
    """'ok', or the status with its reason: 'eliminated: 1.25 s predicted > 30 ms latency limit …'."""
    reason = status_reason(row)
    return f"{status_of(row)}: {reason}" if reason else status_of(row)


def why_heading(result: dict[str, Any]) -> str:
    """'Why diffusion over hybrid': the recommendation against the runner-up, by name."""
    top, runner_up = result["recommendation"], result.get("runner_up")
    return f"Why {top} over {runner_up}" if runner_up else f"Why {top}"


def lead_sentence(result: dict[str, Any]) -> str:
    """The scores of the two and what the contributions below are: each criterion's weight ×
    utility gap / Σ base weights, in score points, which add up to the lead."""
    top, runner_up = result["ranking"][0], result.get("runner_up")
    if not runner_up:
        return f"{top['architecture']} is the only candidate (score {score(shown_score(top))})."
    second = next(r for r in result["ranking"] if r["architecture"] == runner_up)
    lead = shown_score(top) - shown_score(second)
    status = "" if status_of(second) == "ok" else f" ({status_of(second)})"
    return (f"{top['architecture']} scores {score(shown_score(top))}, {runner_up} {score(shown_score(second))}{status}: "
            f"{lead:+.3f} points. Each criterion below puts {top['architecture']} "
            f"ahead of {runner_up} by its weight × the utility gap / Σ base weights, in score points; "
            f"over every criterion they add up to the {lead:+.3f}.")


def evidence_lines(result: dict[str, Any]) -> list[str]:
    """One line per kind of evidence: measured (and from which file) or published figures only,
    so a reader sees at once which parts of the decision rest on measurements."""
    evidence = result.get("evidence") or {}
    profile = evidence.get("device_profile")
    used = any(e.get("basis") == "measured" for e in result["estimates"].values())
    if profile and used:
        lines = [f"latency and cost: the cost model measured on {profile.get('device_name')} "
                 f"({file_name(evidence.get('probe_results'))})"]
    elif profile:
        lines = [f"latency and cost: the calibrated catalog model (the cost model measured on "
                 f"{profile.get('device_name')} cannot be carried to the serving hardware)"]
    else:
        lines = ["latency and cost: the calibrated catalog model (no cost model measured)"]
    for key, probe, what in EVIDENCE_USE:
        measured = evidence.get(key)
        source = file_name(measured.get("file") or evidence.get("probe_results")) if measured else ""
        lines.append(f"{what}: measured by the {probe} ({source}), "
                     "blended with the published figures" if measured else f"{what}: published figures only")
    return lines


def render(result: dict[str, Any]) -> str:
    top = result["recommendation"]
    est = result["estimates"]
    runner_up = result.get("runner_up")
    lines = [f"genarch recommends: {top.upper()} — {plan_of(result, top)}"]
    if runner_up:
        lines.append(f"runner-up: {runner_up} — {plan_of(result, runner_up)}")
    lines.append(f"binding constraint: {result['binding_constraint']}")
    from reports import verdict  # verdict builds on this module's words

    lines += ["", verdict.verdict_sentence(result), ""]
    for card in verdict.metric_cards(result):
        lines.append(f"  {card.label:<20} {card.value:>14}  {card.delta or '':<38}  {card.interval or ''}".rstrip())
    changes = verdict.what_if_lines(result)
    lines += ["", "what would change it, in your answers (each checked with the engine):"]
    lines += [f"  - {line}" for line in changes] or ["  - no single answer, within its realistic range"]
    lines += ["", verdict.robustness_words(result), ""]
    lines += [f"note: {note}" for note in result["notes"]]
    if any((result.get("evidence") or {}).get(k) for k in ("device_profile", *(e[0] for e in EVIDENCE_USE))):
        lines += [f"evidence: {line}" for line in evidence_lines(result)]
    header = (f"{'candidate':<10} {'score':>6}  {'latency/sample':>14}  {'USD/1k':>8}  {'USD/month':>10}  "
              f"{'train GPU-h':>11}  {'weeks':>6}  {'p(limits)':>9}  status")
    lines += ["", header, "-" * len(header)]
    for row in result["ranking"]:
        e = est[row["architecture"]]
        status = status_cell(row)
        lines.append(f"{row['architecture']:<10} {score(shown_score(row)):>6}  {ms(e['latency_ms_per_sample']):>14}  "
                     f"{e['usd_per_1k_samples']:>8.3g}  {e['monthly_usd']:>10,.0f}  "
                     f"{e['training_gpu_hours']:>11,.0f}  {e['weeks_to_production']:>6.1f}  "
                     f"{share(e['p_meets_limits']):>9}  {status}")
    lines += ["", "90% intervals (calibration spread, or the probe's):"]
    for row in result["ranking"]:
        e = est[row["architecture"]]
        lat, usd, month, hours = (e["latency_interval_ms"], e["usd_per_1k_interval"], e["monthly_usd_interval"],
                                  e["training_gpu_hours_interval"])
        lines.append(f"  {row['architecture']:<10} latency {ms(lat[0])}–{ms(lat[1])}, USD/1k {usd[0]:.3g}–{usd[1]:.3g}, "
                     f"USD/month {month[0]:,.0f}–{month[1]:,.0f}, training {hours[0]:,.0f}–{hours[1]:,.0f} GPU-h")
    lines += ["", "plans (how each candidate's weights are obtained):"]
    for row in result["ranking"]:
        family = row["architecture"]
        lines.append(f"  {family:<10} {plan_of(result, family, full_licence=True)}")
        considered = len((result.get("alternatives") or {}).get(family, []))
        if considered > 1:
            lines.append(f"  {'':<10}   the best of {considered} plans considered")
    lines += ["", f"{why_heading(result).lower()}: {lead_sentence(result)}"]
    for i, reason in enumerate(result["top_reasons"], 1):
        lines.append(f"  {i}. {reason['name']}: {reason['text']} [{reason['contribution']:+.3f} points]")
        lines += [f"       - {_figure(f)}" for f in reason["figures"]]
    r = result["robustness"]
    lines += ["", f"robustness: {top} stays on top in {r['top_choice_share']:.0%} of {r['draws']:,} draws of the "
                  f"weights and estimates (each weight ×exp(N(0, {r['log_weight_sigma']}²)), each estimate from "
                  f"its interval, seed {r['seed']})",
              f"  one weight alone that flips the decision (within ×{r['max_factor']:g} or ÷{r['max_factor']:g}):"]
    flips = [(k, v) for k, v in r["flip_weight_change"].items() if v is not None]
    flips.sort(key=lambda kv: abs(kv[1]))
    for criterion, value in flips:
        lines.append(f"    {criterion}: {_change(value, r['flip_to'][criterion])}")
    stable = [k for k, v in r["flip_weight_change"].items() if v is None]
    if stable:
        lines.append(f"    none within ×{r['max_factor']:g}: {', '.join(stable)}")
    lines += ["", f"assumptions behind the {top} estimate:"]
    lines += [f"  - {a}" for a in est[top]["assumptions"]]
    return "\n".join(lines)
