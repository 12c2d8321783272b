"""The report's content, once, as a list of blocks; reports/markdown.py and reports/pdf.py draw it.

    blocks = build(answers, result, probe_sets)                      # pure: same inputs, same blocks
    blocks = build(answers, result, probe_sets, runtime, generated)  # + this process's versions, the date

Page 1 is an executive summary (the date, the inputs, the verdict, the metric cards, what would
change the decision, robustness) ending in a PageBreak; the details follow, and a short appendix
to reproduce the report. Block text is raw (unescaped); each renderer escapes for its own
format, so user text (file names, device names, anything read from an uploaded file) can never
become markup. Files are named by their name, never by the local path they were read from.
"""
from __future__ import annotations

from reports import charts
from reports.appendix import appendix
from reports.blocks import Bullets, Chart, Code, Heading, Image, PageBreak, Paragraph, Table  # noqa: F401 (doc.X)
from reports.control_view import conditioning_summary, control_notes, hybrid_summary, steering_summary
from reports.probe_view import ProbeSet, machine_summary, sample_grid_images, training_records, training_summary
from reports.cells import fmt, ms, score, three_figures
from reports.ranking import ranked
from reports.summary import executive_summary
from reports.text import (evidence_lines, lead_sentence, plan_of, plan_words, variant_title, why_heading,
                          without_subject)
from reports.whatif import what_would_change


def basis(result: dict) -> list:
    """What the decision rests on (measured or published, per kind of evidence) and the engine's notes."""
    blocks = [Heading("What the decision rests on"), Bullets(tuple(evidence_lines(result)))]
    if not result["feasible"]:
        blocks.append(Paragraph(f"No candidate meets the binding constraint ({result['binding_constraint']}): "
                                f"{result['recommendation']} is the closest."))
    if result["notes"]:
        blocks += [Paragraph("Notes:"), Bullets(tuple(result["notes"]))]
    return blocks


# The verdict first (status, odds), the long variant name last: a narrow screen shows what decides.
RANKING_HEADER = ("#", "candidate", "score", "status", "p(limits)", "latency/sample (90%)", "USD/1k (90%)",
                  "USD/month (90%)", "train GPU-h (90%)", "weeks", "variant", "plan")


def _usd_figure(value: float) -> str:
    return f"{value:.3g}"


def _weeks_figure(value: float) -> str:
    return f"{value:.1f}"


def ranking_rows(result: dict) -> list[tuple[str, ...]]:
    """The ranking as table cells, each estimate with its 90% interval (reports.ranking builds the
    rows). Bare figures: the header names each column's unit."""
    return [(str(r.rank), r.family, r.score, r.status_cell, r.meets_limits,
             r.figure("latency_ms_per_sample", ms), r.figure("usd_per_1k_samples", _usd_figure),
             r.figure("monthly_usd", three_figures), r.figure("training_gpu_hours", three_figures),
             r.point("weeks_to_production", _weeks_figure), r.variant, r.plan)
            for r in ranked(result)]


def plan_lines(result: dict) -> list[str]:
    """Each candidate's plan in words, with the full licence of the public weights it uses."""
    lines = []
    for row in result["ranking"]:
        family = row["architecture"]
        line = f"{family}: {plan_of(result, family, full_licence=True)}"
        considered = len((result.get("alternatives") or {}).get(family, []))
        if considered > 1:
            line += f"; the best of {considered} plans considered"
        lines.append(line)
    return lines


ALTERNATIVES_HEADER = ("candidate", "variant", "plan", "score", "status")


def alternatives_rows(result: dict, per_family: int = 3) -> list[tuple[str, ...]]:
    """The best few plans considered for each family (the first is the one ranked), best first."""
    images = (result.get("answers") or {}).get("dataset_images")
    rows = []
    for row in result["ranking"]:
        family = row["architecture"]
        for plan in (result.get("alternatives") or {}).get(family, [])[:per_family]:
            rows.append((family, plan["variant_name"], plan_words(plan, images), score(plan["score"]),
                         without_subject(plan["status"], family)))
    return rows


# The report splits the one ranking table in two, so a portrait page keeps each column readable:
# the verdict and the plan, then the estimates with their intervals.
RANKING_VERDICT = ("#", "candidate", "score", "status", "p(limits)", "variant", "plan")
RANKING_ESTIMATES = ("#", "candidate", "latency/sample (90%)", "USD/1k (90%)", "USD/month (90%)",
                     "train GPU-h (90%)", "weeks")


def _columns(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> Table:
    index = [RANKING_HEADER.index(h) for h in header]
    return Table(header, tuple(tuple(row[i] for i in index) for row in rows))


def ranking(result: dict) -> list:
    rows = ranking_rows(result)
    blocks = [Heading("Ranking"), _columns(rows, RANKING_VERDICT), _columns(rows, RANKING_ESTIMATES),
              Paragraph("Intervals are 90%: the latency model's leave-one-out spread on published "
                        "measurements (or the probe's), and for training the published budget's own. "
                        "p(limits) is the probability of meeting every limit you stated.")]
    out = [f"{r.family}: {r.status_cell}" for r in ranked(result) if r.reason]
    blocks.append(Paragraph("Status (ok, at risk, over limit, eliminated by the binding constraint, or "
                            "infeasible) and why:") if out else
                  Paragraph("Every candidate is ok: none is eliminated, at risk or over a limit."))
    if out:
        blocks.append(Bullets(tuple(out)))
    blocks += [Heading("Plans: how each candidate's weights are obtained", 3),
               Paragraph("A candidate is its family's best plan: a variant, and public weights used off "
                         "the shelf, fine-tuned on some of your images, or trained from scratch (a "
                         "distilled variant is then distilled in house)."),
               Bullets(tuple(plan_lines(result)))]
    alternatives = alternatives_rows(result)
    if alternatives:
        blocks += [Paragraph("The best plans considered for each family:"),
                   Table(ALTERNATIVES_HEADER, tuple(alternatives))]
    blocks += [Chart(k, t, s) for k, t, s in charts.decision_charts(result)[:1]]
    return blocks


FIGURES_HEADER = ("figure", "value", "unit", "source")


def figure_rows(reason: dict) -> tuple[tuple[str, ...], ...]:
    """The sourced figures behind a reason, as table cells (the report's and the app's)."""
    return tuple((f["name"], fmt(f["value"], 4), f["unit"] or "", f["source"]) for f in reason["figures"])


def reasons(result: dict) -> list:
    blocks = [Heading(why_heading(result)), Paragraph(lead_sentence(result))]
    for i, reason in enumerate(result["top_reasons"], 1):
        blocks.append(Paragraph(f"{i}. {reason['name']} ({reason['contribution']:+.3f} points): {reason['text']}"))
        if reason["figures"]:
            blocks.append(Table(FIGURES_HEADER, figure_rows(reason)))
    top = result["ranking"][0]
    blocks.append(Paragraph(f"Every criterion for {top['architecture']}:"))
    blocks.append(Table(("criterion", "weight", "utility", "assessment"),
                        tuple((r["name"], f"{r['weight']:.3g}", f"{r['utility']:.3f}", r["text"])
                              for r in top["reasons"])))
    return blocks


def robustness(result: dict) -> list:
    r = result["robustness"]
    blocks = [Heading("Robustness"),
              Paragraph(f"{result['recommendation']} stays on top in {r['top_choice_share']:.0%} of "
                        f"{r['draws']:,} draws of the weights and the estimates (each weight × "
                        f"exp(N(0, {r['log_weight_sigma']:g}²)), each estimate from its interval; seed {r['seed']}).")]
    blocks += [Chart(k, t, s) for k, t, s in charts.decision_charts(result)[1:]]
    blocks += [Heading("What would change this decision", 3), Bullets(tuple(what_would_change(result)))]
    return blocks


def estimate_label(estimate: dict) -> str:
    """'SD-Turbo, 1 step, 1 NFE, basis: catalog': what an estimate was computed for."""
    name = variant_title(estimate.get("variant_name") or estimate["variant"], estimate["nfe"])
    return f"{name}, {estimate['nfe']} NFE, basis: {estimate['basis']}"


def assumptions(result: dict) -> list:
    blocks = [Heading("Estimates and their assumptions")]
    for family, e in result["estimates"].items():
        interval = e.get("latency_interval_ms")
        extra = f", interval {ms(interval[0])} to {ms(interval[1])}" if interval else ""
        blocks.append(Paragraph(f"{family} ({estimate_label(e)}{extra}):"))
        blocks.append(Bullets(tuple(e["assumptions"])))
    return blocks


def measurements(sets: list[ProbeSet], usd_per_hour: float) -> list:
    blocks = [Heading("Measurements on your hardware")]
    if not sets:
        return blocks + [Paragraph("No probe results were given: the estimates use the latency model "
                                   "calibrated on published measurements; genarch probe measures a machine.")]
    rows = machine_summary(sets)
    blocks.append(Table(("machine", "file", "kind", "torch", "dtypes", "rows", "complete", "TFLOP/s at batch 1",
                         "TFLOP/s in a batch", "ms/forward overhead"),
                        tuple((r["machine"], r["file"], fmt(r["device_kind"]), fmt(r["torch"]), r["dtypes"],
                               str(r["rows"]), fmt(r["complete"]) + (f" ({r['stop_reason']})" if r["stop_reason"] else ""),
                               fmt(r["effective_tflop_per_s"]), fmt(r["batch_tflop_per_s"]),
                               fmt(r["overhead_ms_per_forward"]))
                              for r in rows)))
    blocks += [Chart(k, t, s) for k, t, s in charts.probe_charts(sets, usd_per_hour)]
    training = training_summary(sets)
    if training:
        blocks.append(Paragraph("Training probe: stability and data needs per family "
                                "(target FID and images needed from the fitted power law):"))
        blocks.append(Table(("machine", "family", "runs", "diverged", "seed spread", "classes covered",
                             "target FID", "images needed", "confidence"),
                            tuple((r["machine"], r["architecture"], fmt(r["runs"]), fmt(r["diverged_runs"]),
                                   fmt(r["relative_spread_full_data"]),
                                   f"{fmt(r['classes_covered_mean'])} of {fmt(r['classes'])}",
                                   fmt(r["target_fid"]), fmt(r["images_needed"]), fmt(r["confidence"]))
                                  for r in training)))
    blocks += [Image(caption, png) for caption, png in
               sample_grid_images(training_records(sets)["sample_grids"])]
    return blocks + controllability(sets)


CONTROL_TEXT = (
    (conditioning_summary, "Conditioning probe: conditional accuracy is the share of samples the domain classifier "
                           "reads as the requested class; chance is 1/classes and the ceiling is the classifier's "
                           "accuracy on real held-out images. Guidance scale 0 is unconditional, 1 conditional, "
                           "above 1 guided (two forwards per step). Diversity ratio: the spread within each class "
                           "of the samples over that of real images (1 = as varied as real)."),
    (steering_summary, "Steering probe (inpainting without retraining): part of each held-out image is hidden and "
                       "completed; hole MSE is the error against the truth inside the hidden part (lower is "
                       "better), label agreement the share the classifier reads as the truth's class (ceiling: "
                       "its accuracy on the uncut images). mean_fill is the floor, no model; gained/lost counts the "
                       "images only the method completes into the right class and those only the mean fill does "
                       "(a paired comparison on the same images)."),
    (hybrid_summary, "Hybrid probe: the teacher denoiser at several step counts, students distilled from it to "
                     "fewer steps, and the GAN; FID against held-out real images on domain features (lower is "
                     "better, the same sample count for every row), time per sample from one sampling call."),
)


def _records_table(rows: list[dict]) -> Table:
    return Table(tuple(rows[0]), tuple(tuple(fmt(v) for v in r.values()) for r in rows))


def controllability(sets: list[ProbeSet]) -> list:
    """The conditioning, steering and hybrid sections, each a table after a sentence saying what
    it measures; nothing when a file has none of them."""
    blocks = []
    for summarise, text in CONTROL_TEXT:
        rows = summarise(sets)
        if rows:
            blocks += [Paragraph(text), _records_table(rows)]
    notes = control_notes(sets)
    return blocks + ([Bullets(tuple(notes))] if notes else [])


def build(answers: dict, result: dict, sets: list[ProbeSet] | None = None, runtime: dict | None = None,
          generated: str | None = None) -> list:
    """The whole report. `generated` is the date it is made (the caller's clock, so this stays pure)."""
    sets = list(sets or [])
    return (executive_summary(answers, result, generated) + basis(result) + ranking(result) + reasons(result)
            + robustness(result) + assumptions(result) + measurements(sets, answers["gpu_hourly_usd"])
            + appendix(answers, result, sets, runtime))
