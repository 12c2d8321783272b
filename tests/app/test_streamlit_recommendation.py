"""Page 2 in AppTest: the verdict and its cards first, what would change it, the ranking as a
formatted table (and as cards), eliminations, the reasons with their sources and the charts."""
import re

import pytest

from app import views
from app.analysis import analyse
from reports.markdown import escape
from reports.text import licence_name
from reports.verdict import metric_cards, robustness_words, verdict_sentence, what_if_lines
from rubric import answers as answers_mod

from tests.conftest import EXAMPLES
from tests.app.conftest import page, plotly_charts


def _open(answers):
    at = page("2_Recommendation.py")
    at.session_state["answers"] = answers
    at.run()
    assert not at.exception
    return at


def _top_level(at) -> list[str]:
    """The page's elements in drawing order: a keyed block by its key, anything else by its kind."""
    kinds = []
    for child in at.main.children.values():
        block_id = getattr(getattr(child, "proto", None), "id", "") or ""
        kinds.append(block_id.rsplit("-", 1)[-1] if block_id.startswith("$$ID-") else type(child).__name__)
    return kinds


@pytest.mark.parametrize("example", ["hybrid-text-realtime", "latency-bound", "budget-bound"])
def test_the_verdict_and_its_cards_come_first(example):
    answers = answers_mod.load_file(EXAMPLES / f"{example}.yaml")
    result = analyse(answers)
    at = _open(answers)
    assert at.header[0].value == f"Recommendation: {result['recommendation'].upper()}"
    assert at.markdown[0].value == escape(verdict_sentence(result))
    cards = metric_cards(result)
    assert [m.label for m in at.metric] == [c.label for c in cards]
    assert [m.value for m in at.metric] == [c.value for c in cards]
    colours = {True: "GREEN", False: "RED", None: "GRAY"}
    for metric, card in zip(at.metric, cards):
        assert metric.proto.help == (card.interval or "")
        assert metric.proto.color == metric.proto.MetricColor.Value(colours[card.better])
        # the runner-up is named once, under the cards, not in every card
        assert metric.proto.delta == views.short_delta(card.delta, result["runner_up"]) or ""
        assert f"vs {result['runner_up']}" not in metric.proto.delta
    assert any(c.value.startswith(f"Differences are against {result['runner_up']}, the runner-up")
               for c in at.caption)
    # nothing between the heading and the cards but the verdict: they are what a first look sees
    assert _top_level(at)[:3] == ["verdict_title", "verdict", "verdict_cards"]


def test_a_card_that_is_worse_than_the_runner_up_is_red():
    answers = answers_mod.load_file(EXAMPLES / "hybrid-text-realtime.yaml")
    result = analyse(answers)
    worse = [c for c in metric_cards(result) if c.better is False]
    assert worse, "the hybrid example needs more training than its runner-up"
    at = _open(answers)
    for card in worse:
        (metric,) = [m for m in at.metric if m.label == card.label]
        assert metric.proto.color == metric.proto.MetricColor.Value("RED")


def test_what_would_change_it_lists_the_answer_level_what_ifs():
    answers = answers_mod.load_file(EXAMPLES / "budget-bound.yaml")
    result = analyse(answers)
    lines = what_if_lines(result)
    assert lines, "the budget-bound example has answers that change its decision"
    at = _open(answers)
    assert "What would change it" in [h.value for h in at.subheader]
    listed = next(m.value for m in at.markdown if m.value.startswith("- "))
    assert listed.split("\n") == [f"- {escape(line, line_start=False)}" for line in lines]
    assert any(m.value == escape(robustness_words(result)) for m in at.markdown)


def test_the_ranking_table_is_formatted_with_units_and_marks_eliminated_rows():
    answers = answers_mod.load_file(EXAMPLES / "latency-bound.yaml")
    result = analyse(answers)
    at = _open(answers)
    table = next(df.value for df in at.dataframe if list(df.value.columns) == list(views.RANKING_COLUMNS))
    assert list(table["candidate"]) == [r["architecture"] for r in result["ranking"]]
    assert list(table["status"]) == ["✓ ok", "✗ eliminated", "✗ eliminated"]
    for cell in table["latency"]:
        assert re.fullmatch(r"[\d.]+ m?s", cell)
    for column in ("USD per 1,000 images", "USD per month"):
        for cell in table[column]:
            assert re.fullmatch(r"\d{1,3}(,\d{3})*(\.\d+)? USD", cell), cell  # 2,920 USD, never 2920 or 8.8e-05
    # every column has a width, and together they fit the main column at 1280 px
    assert set(views.RANKING_COLUMN_CONFIG) == set(views.RANKING_COLUMNS)
    assert sum(c["width"] for c in views.RANKING_COLUMN_CONFIG.values()) <= views.MAIN_COLUMN_PX - 10
    eliminated = [e.value for e in at.error]
    assert any(e.startswith("**hybrid** eliminated:") and "latency limit" in e for e in eliminated)
    assert any(e.startswith("**diffusion** eliminated:") for e in eliminated)


def test_the_phone_cards_say_what_the_table_says():
    answers = answers_mod.load_file(EXAMPLES / "latency-bound.yaml")
    result = analyse(answers)
    at = _open(answers)
    titles = [m.value for m in at.markdown if m.value.startswith("**1. ") or m.value.startswith("**2. ")
              or m.value.startswith("**3. ")]
    assert [t.split("**")[1] for t in titles] == [
        f"{i}. {r['architecture']} {views.marked_status(r['status'])}" for i, r in enumerate(result["ranking"], 1)]


def test_weight_flips_and_the_contribution_chart_are_drawn():
    answers = answers_mod.validate({"latency_budget_ms": 100, "dataset_images": 2000})
    result = analyse(answers)
    at = _open(answers)
    assert at.header[0].value == f"Recommendation: {result['recommendation'].upper()}"
    charts = plotly_charts(at)
    (contributions,) = [c for t, c in charts.items() if t.startswith("Score points lost to each criterion")]
    names = sorted({trace["name"] for trace in contributions["data"]})
    assert [n.split(" ")[:2] for n in names] == [[f"{i}.", r["architecture"]] for i, r in enumerate(result["ranking"], 1)]
    (flips,) = [c for t, c in charts.items() if t.startswith("Weight change that flips")]
    assert any("diffusion" in trace["name"] for trace in flips["data"])
    (weights,) = [e for e in at.expander if e.label.startswith("Weights that would change it")]
    assert any("would make diffusion the recommendation" in m.value for m in weights.markdown)


def test_figures_have_sources():
    at = _open(answers_mod.load_file(EXAMPLES / "conditioning-bound.yaml"))
    assert len(at.expander) >= 3  # the top reasons, then the details
    assert any("source" in df.value.columns for df in at.dataframe)
    (rests_on,) = [e for e in at.expander if e.label.startswith("What the decision rests on")]
    assert "no cost model measured" in rests_on.markdown[0].value  # no probe results on this page yet


def test_plans_status_and_why_over_the_runner_up():
    answers = answers_mod.load_file(EXAMPLES / "conditioning-bound.yaml")
    result = analyse(answers)
    at = _open(answers)
    top, runner_up = result["recommendation"], result["runner_up"]
    assert [h.value for h in at.subheader if h.value.startswith("Why ")] == [f"Why {top} over {runner_up}"]
    details = next(df.value for df in at.dataframe if list(df.value.columns) == list(views.DETAILS_COLUMNS))
    plans = dict(zip(details["candidate"], details["plan"]))
    for row in result["ranking"]:
        if row["licence"]:
            assert licence_name(row["licence"]) in plans[row["architecture"]]
    (box,) = [e for e in at.expander if e.label.startswith("Every estimate with its 90% interval")]
    listed = box.markdown[0].value.replace("\\", "")
    for row in result["ranking"]:
        assert row["architecture"] + ":" in listed and (row["licence"] or "") in listed
