"""Page 1 of the report: the executive summary, as blocks. Pure functions.

    executive_summary(answers, result, generated="2026-12-03 01:50 UTC")   # blocks, then a PageBreak
    input_rows(answers)   # (("serving hardware", "a100", "latency budget (p95)", "250 ms"), ...)
    card_rows(result)     # (("Latency per image", "73.2 ms", "−824 ms (12× less) vs diffusion", "52 ms – 103 ms"),)

The date comes in (`generated`), so the same inputs give the same blocks.
"""
from __future__ import annotations

from reports import verdict
from reports.blocks import Bullets, Heading, PageBreak, Paragraph, Table
from rubric.answers import in_words

# The answers a reader checks first, in the questionnaire's order: what is served, with what,
# under which limits, by which team. Plain labels; the unit comes from rubric/data/questions.yaml.
SUMMARY_INPUTS = (
    ("task", "task"),
    ("serving_hardware", "serving hardware"),
    ("resolution", "resolution"),
    ("latency_budget_ms", "latency budget (p95)"),
    ("samples_per_month", "volume"),
    ("gpu_hourly_usd", "device price"),
    ("inference_budget_usd_per_month", "inference budget"),
    ("conditioning", "conditioning"),
    ("dataset_images", "your images"),
    ("pretrained_allowed", "public weights allowed"),
    ("commercial_use", "commercial use"),
    ("training_budget_gpu_hours", "training budget"),
    ("deadline_weeks", "deadline"),
    ("team_can_maintain_custom_pipeline", "team can maintain a custom pipeline"),
    ("team_gan_experience", "team's GAN experience"),
    ("binding_constraint", "binding constraint"),
)
INPUTS_HEADER = ("input", "value", "input", "value")  # two answers a row: half the height
CARDS_HEADER = ("metric", "recommendation", "against the runner-up", "90% interval")


# The answers in words are the questionnaire's own (rubric.answers.in_words).
input_value = in_words


def input_rows(answers: dict) -> tuple[tuple[str, ...], ...]:
    """The summary's inputs as table rows, two answers a row (label, value, label, value)."""
    cells = [(label, input_value(name, answers[name])) for name, label in SUMMARY_INPUTS if name in answers]
    if len(cells) % 2:
        cells.append(("", ""))
    return tuple((*cells[i], *cells[i + 1]) for i in range(0, len(cells), 2))


def card_rows(result: dict) -> tuple[tuple[str, ...], ...]:
    """The metric cards as table rows: metric, the recommendation's value, its delta to the
    runner-up, its 90% interval ('—' where there is none)."""
    return tuple((card.label, card.value, card.delta or "—",
                  (card.interval or "—").removeprefix("90%: ")) for card in verdict.metric_cards(result))


WHAT_IFS_ON_PAGE_ONE = 4  # the nearest few fit page 1; the details list every one


def executive_summary(answers: dict, result: dict, generated: str | None = None) -> list:
    """Page 1: what a reader forwarding the report needs before any detail, then a page break."""
    blocks = [Heading("genarch decision report", 1)]
    if generated:
        blocks.append(Paragraph(f"Generated {generated}."))
    blocks += [Paragraph(verdict.verdict_sentence(result)),
               Table(CARDS_HEADER, card_rows(result)),
               Paragraph(verdict.score_words(result)),
               Heading("Your inputs", 3), Table(INPUTS_HEADER, input_rows(answers))]
    what_ifs = verdict.what_if_lines(result)[:WHAT_IFS_ON_PAGE_ONE]
    if what_ifs:
        blocks += [Heading("What would change the decision", 3), Bullets(tuple(what_ifs))]
    return blocks + [Heading("How robust it is", 3), Paragraph(verdict.robustness_words(result)), PageBreak()]
