"""Sentences for "what would change this decision", derived from a decision's JSON contract.

A pure function of rubric.contract.to_dict's output; it computes nothing the engine did not:
  * each answer that would change the recommendation, and the value at which it would
    (result["what_if"], worded by reports.verdict.what_if_lines): users think in their answers;
  * each eliminated candidate, the limit that removed it, and where it would rank at the current
    weights if its binding constraint could move;
  * each single weight change that flips the top choice (robustness.flip_weight_change/flip_to),
    smallest first, and which criteria cannot flip it within the searched range.
Whether the figures are measured or the catalog's is said once, by reports.text.evidence_lines.
"""
from __future__ import annotations

from reports.text import shown_score, without_subject
from reports.verdict import what_if_lines


def _pct(value: float) -> str:
    return f"{'+' if value > 0 else '−'}{abs(value) * 100:.0f}%"


def eliminations(result: dict) -> list[str]:
    top = result["ranking"][0]
    alive_best = next((r for r in result["ranking"] if not r["eliminated"]), None)
    lines = []
    for row in result["ranking"]:
        if not row["eliminated"] or row is top:
            continue
        if row.get("status") == "infeasible":
            reason = row.get("infeasible_reason") or row["elimination_reason"]
            lines.append(f"{row['architecture']} is out because it cannot be carried out as asked: "
                         f"{without_subject(reason, row['architecture'])}.")
            continue
        text = (f"{row['architecture']} is out because of the binding constraint "
                f"({result['binding_constraint']}): {without_subject(row['elimination_reason'], row['architecture'])}.")
        if alive_best is not None:
            beats = shown_score(row) > shown_score(alive_best)
            text += (f" If that constraint could move, it would score {shown_score(row):.3f} against "
                     f"{alive_best['architecture']}'s {shown_score(alive_best):.3f} at the current weights"
                     + (" and would become the recommendation." if beats else ", still below it."))
        lines.append(text)
    return lines


def flips(result: dict) -> tuple[list[str], list[str]]:
    """(sentences for the weight changes that flip the choice, names of criteria that cannot)."""
    r = result["robustness"]
    names = {reason["criterion"]: reason["name"] for reason in result["ranking"][0]["reasons"]}
    changes = sorted(((c, v) for c, v in r["flip_weight_change"].items() if v is not None),
                     key=lambda cv: abs(cv[1]))
    sentences = [f"{names.get(c, c)}: a weight change of {_pct(v)} (×{1 + v:.3g}), all else equal, "
                 f"would make {r['flip_to'][c]} the recommendation." for c, v in changes]
    stable = [names.get(c, c) for c, v in r["flip_weight_change"].items() if v is None]
    return sentences, stable


def what_would_change(result: dict) -> list[str]:
    """Every sentence, in the order a reader needs them: answers first, then eliminations, then
    weights. How often the choice survives random weights is the robustness section's."""
    top, r = result["recommendation"], result["robustness"]
    lines = [f"{line}." for line in what_if_lines(result)]
    if not result["feasible"]:
        lines.append(f"No candidate meets the binding constraint ({result['binding_constraint']}); "
                     f"{top} comes closest. Loosening that limit, or choosing another binding "
                     "constraint, is the only way to a feasible choice.")
    lines += eliminations(result)
    flip_lines, stable = flips(result)
    lines += flip_lines
    if stable:
        lines.append(f"No change of a single weight within ×{r['max_factor']:g} or ÷{r['max_factor']:g} "
                     f"flips the choice for: {', '.join(stable)}.")
    return lines
