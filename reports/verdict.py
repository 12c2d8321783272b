"""The decision at a glance: the verdict sentence, metric cards against the runner-up, scores and
robustness in plain words, and the answer-level what-ifs as sentences.

Pure functions of the decision contract (rubric.contract.to_dict); the app's Recommendation page,
the Markdown report and the PDF's first page all read them, so the three say the same thing.

    verdict_sentence(result)  # 'hybrid (SD-Turbo …) is the recommendation under … : against …'
    metric_cards(result)      # [Card(label, value, interval, delta, better)]
    score_words(result), robustness_words(result), what_if_lines(result)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from reports.cells import gpu_hours, ms, usd, weeks
from reports.text import plan_words, shown_score, status_reason
from rubric.answers import in_words


@dataclass(frozen=True)
class Card:
    label: str
    value: str  # the recommendation's figure, with its unit
    interval: str | None  # '90%: 250 ms – 480 ms', None when the estimate is one value
    delta: str | None  # '−650 ms (3.6× less) vs diffusion', None with no runner-up
    better: bool | None  # True when the recommendation does better than the runner-up; None: equal


FAMILY_NAMES = {"gan": "GAN", "diffusion": "Diffusion", "hybrid": "Hybrid"}


def family_name(family: str) -> str:
    """'gan' -> 'GAN', to start a sentence with."""
    return FAMILY_NAMES.get(family, family[:1].upper() + family[1:])


def times(ratio: float) -> str:
    """'3.6×', '20×', '1,200×'."""
    return f"{ratio:.2g}×" if ratio < 10 else f"{ratio:,.0f}×"


# label, estimate key, interval key, how a value is written, unit after a difference
METRICS: tuple[tuple[str, str, str | None, Callable[[float], str], str], ...] = (
    ("Latency per image", "latency_ms_per_sample", "latency_interval_ms", ms, ""),
    ("USD per 1,000 images", "usd_per_1k_samples", "usd_per_1k_interval", usd, ""),
    ("USD per month", "monthly_usd", "monthly_usd_interval", usd, ""),
    ("Training GPU-hours", "training_gpu_hours", "training_gpu_hours_interval", gpu_hours, " GPU-h"),
    ("Weeks to production", "weeks_to_production", "weeks_interval", weeks, " weeks"),
)

# The criteria whose gap is a figure both candidates have, lower being better: the trade-off
# sentence gives the ratio instead of the criterion's name alone.
CRITERION_METRIC = {
    "latency": ("latency_ms_per_sample", "faster per image", "slower per image"),
    "inference_cost": ("usd_per_1k_samples", "cheaper per 1,000 images", "dearer per 1,000 images"),
    "training_budget": ("training_gpu_hours", "fewer training GPU-hours", "more training GPU-hours"),
    "deadline": ("weeks_to_production", "sooner in production", "later in production"),
}
NOTICEABLE_RATIO = 1.1  # below a 10% difference the trade-off names the criterion, not a ratio


def _row(result: dict, family: str) -> dict:
    return next(r for r in result["ranking"] if r["architecture"] == family)


def _difference(fmt: Callable[[float], str], unit: str, mine: float, theirs: float) -> str:
    gap = mine - theirs
    sign = "+" if gap > 0 else "−"
    body = fmt(abs(gap)) + unit
    ratio = ""
    if mine > 0 and theirs > 0:
        r = max(mine, theirs) / min(mine, theirs)
        if r >= NOTICEABLE_RATIO:
            ratio = f" ({times(r)} {'more' if gap > 0 else 'less'})"
    return f"{sign}{body}{ratio}"


def metric_cards(result: dict) -> list[Card]:
    """The recommendation's five figures, each with its 90% interval and its difference from the
    runner-up (lower is better for all five)."""
    top, runner_up = result["recommendation"], result.get("runner_up")
    mine, theirs = result["estimates"][top], result["estimates"].get(runner_up) if runner_up else None
    cards = []
    for label, key, interval_key, fmt, unit in METRICS:
        value = mine[key]
        interval = mine.get(interval_key) if interval_key else None
        spread = None
        if interval and fmt(interval[0]) != fmt(interval[1]):
            spread = f"90%: {fmt(interval[0])}{unit} – {fmt(interval[1])}{unit}"
        delta, better = None, None
        if theirs is not None:
            other = theirs[key]
            if fmt(value) == fmt(other):
                delta = f"same as {runner_up}"
            else:
                delta = f"{_difference(fmt, unit, value, other)} vs {runner_up}"
                better = value < other
        cards.append(Card(label, f"{fmt(value)}{unit}", spread, delta, better))
    return cards


def _gaps(result: dict) -> list[tuple[str, str, float]]:
    """(criterion, name, weight × utility gap) of the recommendation over the runner-up, for every
    criterion; positive where the recommendation is ahead."""
    top, runner_up = result["ranking"][0], result.get("runner_up")
    if not runner_up:
        return []
    theirs = {r["criterion"]: r["utility"] for r in _row(result, runner_up)["reasons"]}
    return [(r["criterion"], r["name"], r["weight"] * (r["utility"] - theirs.get(r["criterion"], r["utility"])))
            for r in top["reasons"]]


def _criterion_words(result: dict, criterion: str, name: str) -> str:
    """'latency (3.6× faster per image)', or the criterion's name where no figure compares."""
    top, runner_up = result["recommendation"], result["runner_up"]
    words = name[0].lower() + name[1:]
    if criterion in CRITERION_METRIC:
        key, good, bad = CRITERION_METRIC[criterion]
        mine, theirs = result["estimates"][top][key], result["estimates"][runner_up][key]
        if mine > 0 and theirs > 0:
            ratio = max(mine, theirs) / min(mine, theirs)
            if ratio >= NOTICEABLE_RATIO:
                words += f" ({times(ratio)} {good if mine < theirs else bad})"
    return words


def trade_off(result: dict) -> str:
    """What decides against the runner-up: where the recommendation wins most, and what it gives
    up most (empty with no runner-up)."""
    runner_up = result.get("runner_up")
    if not runner_up:
        return ""
    gaps = _gaps(result)
    ahead = max(gaps, key=lambda g: g[2], default=None)
    behind = min(gaps, key=lambda g: g[2], default=None)
    parts = []
    if ahead and ahead[2] > 0:
        parts.append(f"wins on {_criterion_words(result, ahead[0], ahead[1])}")
    if behind and behind[2] < 0:
        parts.append(f"gives up {_criterion_words(result, behind[0], behind[1])}")
    second = _row(result, runner_up)
    status = second.get("status") or ("eliminated" if second.get("eliminated") else "ok")
    against = runner_up
    if status in ("eliminated", "infeasible"):
        # at a glance the limit it breaks is enough; its odds are in the ranking
        reason = re.sub(r" \(\d+% likely to meet it\)", "", status_reason(second))
        against = f"{runner_up} ({status}: {reason})" if reason else f"{runner_up} ({status})"
    if not parts:
        return f"against {against} it is level on every criterion"
    return f"against {against} it " + " and ".join(parts)


def verdict_sentence(result: dict) -> str:
    """One sentence: the family and its plan, the binding constraint, the decisive trade-off."""
    top = result["recommendation"]
    row, estimate = result["ranking"][0], result["estimates"][top]
    # The licence is in the plan's details; at a glance, how the weights are obtained is enough.
    plan = plan_words({**estimate, "licence": None}, (result.get("answers") or {}).get("dataset_images"))
    what = f"{row['variant_name']}, {plan}" if plan else row["variant_name"]
    binding = result["binding_constraint"]
    under = "with no binding constraint" if binding == "none" else f"with {binding} as the binding constraint"
    if not result["feasible"]:
        head = f"No candidate meets the binding constraint ({binding}); {top} ({what}) comes closest"
    else:
        head = f"{family_name(top)} ({what}) is the recommendation {under}"
    tail = trade_off(result)
    return f"{head}: {tail}." if tail else f"{head}; it is the only candidate."


def score_words(result: dict) -> str:
    """Scores, explained once."""
    top, runner_up = result["ranking"][0], result.get("runner_up")
    text = ("A score runs from 0 to 1: each criterion's shortfall, weighted by how much your answers make it "
            "matter, is taken off 1, so 1 would meet every criterion fully. "
            f"{top['architecture']} scores {shown_score(top):.2f}")
    if runner_up:
        second = _row(result, runner_up)
        text += f", {runner_up} {shown_score(second):.2f}"
        if second.get("status") in ("eliminated", "infeasible"):
            text += f" (but {second['status']}, whatever its score)"
    return text + "."


def _current_words(item: dict[str, Any]) -> str:
    return item.get("current_text") or in_words(item["field"], item.get("current"))


def what_if_lines(result: dict, limit: int | None = None) -> list[str]:
    """The answer-level what-ifs as sentences, with the answer as given; the choices of one
    answer that lead to the same family are said together ('serving hardware h100 or h200 →
    diffusion')."""
    lines: list[str] = []
    grouped: dict[tuple[str, str], list[dict]] = {}
    order: list[tuple[str, str] | int] = []
    for i, item in enumerate(result.get("what_if") or []):
        if item["change"] == "set" and not isinstance(item["value"], (bool, list)):
            key = (item["field"], item["text"].rsplit(" → ", 1)[-1])
            if key not in grouped:
                grouped[key] = []
                order.append(key)
            grouped[key].append(item)
        else:
            order.append(i)
    items = result.get("what_if") or []
    for entry in order:
        if isinstance(entry, int):
            item = items[entry]
            lines.append(f"{item['text']} (yours: {_current_words(item)})")
        else:
            group = grouped[entry]
            values = [str(g["value"]).replace("_", " ") for g in group]
            said = values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]
            lines.append(f"{group[0]['label']} {said} → {entry[1]} (yours: {_current_words(group[0])})")
    return lines[:limit] if limit else lines


def robustness_words(result: dict) -> str:
    """How firm the decision is, in plain words: the share of draws it survives, and the nearest
    answer that would change it."""
    top, r = result["recommendation"], result["robustness"]
    share = r["top_choice_share"]
    firmness = ("firm" if share >= 0.9 else "fairly firm" if share >= 0.7
                else "a close call" if share >= 0.5 else "fragile")
    text = (f"The decision is {firmness}: {top} stays first in {share:.0%} of {r['draws']:,} draws that vary "
            "how much each criterion matters and every estimate within its interval.")
    lines = what_if_lines(result, limit=1)
    if lines:
        text += f" The nearest single answer that changes it: {lines[0]}."
    elif "what_if" in result:
        text += " No single answer changed within its realistic range changes it."
    return text
