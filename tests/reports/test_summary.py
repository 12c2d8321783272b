"""Page 1's tables, the names a report gives files and variants, and report text free of
repeated words, over every example."""
import re

import pytest

from reports import markdown, verdict
from reports.summary import CARDS_HEADER, INPUTS_HEADER, card_rows, input_rows, input_value
from reports.text import file_name, plan_of, variant_title

from tests.conftest import EXAMPLES
from tests.reports.conftest import decision, literal_contract


@pytest.mark.parametrize("name, value, expected", [
    ("latency_budget_ms", 250.0, "250 ms"),
    ("latency_budget_ms", 0.5, "0.5 ms"),
    ("latency_budget_ms", None, "no limit"),
    ("samples_per_month", 30_000_000, "30,000,000 samples/month"),
    ("gpu_hourly_usd", 2.5, "2.5 USD/h"),
    ("pretrained_allowed", False, "no"),
    ("conditioning", ["text", "class"], "text, class"),
    ("image_to_image_unknown", "image_to_image", "image to image"),
])
def test_an_answer_in_words_with_its_unit(name, value, expected):
    assert input_value(name, value) == expected


def test_inputs_two_a_row_in_the_questionnaires_order(latency_bound):
    answers, _ = latency_bound
    rows = input_rows(answers)
    assert all(len(row) == len(INPUTS_HEADER) == 4 for row in rows)
    labels = [cell for row in rows for cell in row[0::2] if cell]
    assert labels[:3] == ["task", "serving hardware", "resolution"] and labels[-1] == "binding constraint"
    assert ("latency budget (p95)", "30 ms") in {pair for row in rows for pair in (row[:2], row[2:])}
    odd = input_rows({"task": "generation"})  # an odd count leaves the last pair empty
    assert odd == (("task", "generation", "", ""),)


def test_cards_in_the_order_of_the_metrics_with_delta_and_interval(latency_bound):
    _, result = latency_bound
    rows = card_rows(result)
    cards = verdict.metric_cards(result)
    assert [r[0] for r in rows] == [c.label for c in cards] and all(len(r) == len(CARDS_HEADER) for r in rows)
    for row, card in zip(rows, cards):
        assert row[1] == card.value and row[2] == (card.delta or "—")
        assert row[3] == ("—" if card.interval is None else card.interval.removeprefix("90%: "))
        assert not row[3].startswith("90%")  # the column's header says it once


def test_a_variant_title_takes_the_estimates_step_count():
    assert variant_title("LCM student (guidance distilled), 4 steps", 2) == "LCM student (guidance distilled), 2 steps"
    assert variant_title("Consistency-distilled UNet, 2 steps", 1) == "Consistency-distilled UNet, 1 step"
    assert variant_title("StyleGAN2-ADA, 1 step", 1) == "StyleGAN2-ADA, 1 step"
    assert variant_title("GigaGAN (text-to-image)", 3) == "GigaGAN (text-to-image)"  # no count to correct
    result = literal_contract()
    result["ranking"][0]["variant_name"] = "Student, 4 steps"
    result["estimates"]["a"] = {**result["estimates"]["a"], "nfe": 2}
    assert plan_of(result, "a") == "Student, 2 steps"


@pytest.mark.parametrize("path, name", [("/home/me/runs/probe-results.json", "probe-results.json"),
                                        ("C:\\Users\\me\\probe.json", "probe.json"), ("p.json", "p.json"),
                                        (None, "")])
def test_a_file_is_named_never_located(path, name):
    assert file_name(path) == name


REPEATED_WORD = re.compile(r"(?i)\b([a-z]{3,})\b[\s:,]+\1\b")  # 'team team', 'gan: gan'
# 'diffusion eliminated: diffusion, …', 'gan: … cannot be used: gan: …': a family, then its own reason
# that names it again
FAMILY_TWICE = re.compile(r"\b(gan|diffusion|hybrid)\b[^\n|]{0,160}?(eliminated|infeasible|because[^:\n]*|"
                          r"cannot be used): \1[,:]")


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_no_word_or_family_is_said_twice(example, probe_sets):
    answers, result = decision(EXAMPLES / example)
    md = markdown.render(answers, result, probe_sets)
    assert not REPEATED_WORD.search(md), REPEATED_WORD.search(md)
    assert not FAMILY_TWICE.search(md), FAMILY_TWICE.search(md)
