"""Plain-text rendering of a decision (the `genarch recommend` terminal output).

A pure function of the decision's JSON contract (rubric.contract.to_dict): formatting only.
"""
from __future__ import annotations

from typing import Any


def ms(value: float) -> str:
    """Milliseconds as read aloud: '343 ms', '2.78 s'."""
    return f"{value / 1000:.3g} s" if value >= 1000 else f"{value:.3g} ms"


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


def evidence_lines(result: dict[str, Any]) -> list[str]:
    """One line per kind of evidence: measured (and from which file) or published figures only,
    so a reader sees at once which parts of the decision rest on measurements."""
    evidence = result.get("evidence") or {}
    profile = evidence.get("device_profile")
    used = any(e.get("basis") == "measured" for e in result["estimates"].values())
    if profile and used:
        lines = [f"latency and cost: the cost model measured on {profile.get('device_name')} "
                 f"({evidence.get('probe_results')})"]
    elif profile:
        lines = [f"latency and cost: the calibrated catalog model (the cost model measured on "
                 f"{profile.get('device_name')} cannot be carried to the serving hardware)"]
    else:
        lines = ["latency and cost: the calibrated catalog model (no cost model measured)"]
    for key, probe, what in EVIDENCE_USE:
        measured = evidence.get(key)
        lines.append(f"{what}: measured by the {probe} ({measured.get('file') or evidence.get('probe_results')}), "
                     "blended with the published figures" if measured else f"{what}: published figures only")
    return lines


def render(result: dict[str, Any]) -> str:
    top = result["recommendation"]
    est = result["estimates"]
    lines = [f"genarch recommends: {top.upper()} — {est[top] and result['ranking'][0]['variant_name']}",
             f"binding constraint: {result['binding_constraint']}"]
    lines += [f"note: {note}" for note in result["notes"]]
    if any((result.get("evidence") or {}).get(k) for k in ("device_profile", *(e[0] for e in EVIDENCE_USE))):
        lines += [f"evidence: {line}" for line in evidence_lines(result)]
    header = (f"{'candidate':<10} {'score':>6}  {'latency/sample':>14}  {'USD/1k':>8}  {'USD/month':>10}  "
              f"{'train GPU-h':>11}  {'weeks':>6}  {'p(limits)':>9}  status")
    lines += ["", header, "-" * len(header)]
    for row in result["ranking"]:
        e = est[row["architecture"]]
        status = (f"eliminated: {row['elimination_reason']}" if row["eliminated"]
                  else f"at risk: {row['at_risk']}" if row.get("at_risk") else "ok")
        lines.append(f"{row['architecture']:<10} {row['score']:>6.3f}  {ms(e['latency_ms_per_sample']):>14}  "
                     f"{e['usd_per_1k_samples']:>8.3g}  {e['monthly_usd']:>10,.0f}  "
                     f"{e['training_gpu_hours']:>11,.0f}  {e['weeks_to_production']:>6.1f}  "
                     f"{e['p_meets_limits']:>9.0%}  {status}")
    lines += ["", "90% intervals (calibration spread, or the probe's):"]
    for row in result["ranking"]:
        e = est[row["architecture"]]
        lat, usd, month, hours = (e["latency_interval_ms"], e["usd_per_1k_interval"], e["monthly_usd_interval"],
                                  e["training_gpu_hours_interval"])
        lines.append(f"  {row['architecture']:<10} latency {ms(lat[0])}–{ms(lat[1])}, USD/1k {usd[0]:.3g}–{usd[1]:.3g}, "
                     f"USD/month {month[0]:,.0f}–{month[1]:,.0f}, training {hours[0]:,.0f}–{hours[1]:,.0f} GPU-h")
    lines += ["", f"why {top}: the criteria that most separate it from the runner-up"]
    for i, reason in enumerate(result["top_reasons"], 1):
        lines.append(f"  {i}. {reason['name']}: {reason['text']} [{reason['contribution']:+.3f}]")
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
