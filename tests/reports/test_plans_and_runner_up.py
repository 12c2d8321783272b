"""The report and the terminal text: each candidate's plan and licence, its status with the
reason, the notes, and the recommendation explained against the runner-up by name."""
from __future__ import annotations

import pytest

from reports.markdown import escape, render
from reports.text import licence_name, render as render_text

from tests.conftest import EXAMPLES
from tests.reports.conftest import decision

EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.glob("*.yaml"))


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_why_over_the_runner_up_by_name_in_points(example):
    answers, result = decision(EXAMPLES / example)
    top, runner_up = result["recommendation"], result["runner_up"]
    # The lead is between the plans shown, whose reasons the contributions compare.
    scores = {r["architecture"]: r["plan_score"] for r in result["ranking"]}
    lead = f"{scores[top] - scores[runner_up]:+.3f} points"
    md, text = render(answers, result), render_text(result)
    assert f"## Why {top} over {runner_up}\n" in md and lead in md
    assert f"why {top} over {runner_up}: " in text and lead in text
    assert f"runner-up: {runner_up} — " in text
    for i, reason in enumerate(result["top_reasons"], 1):
        assert f"{i}\\. {escape(reason['name'], False)} ({reason['contribution']:+.3f} points)" in md
        assert f"[{reason['contribution']:+.3f} points]" in text


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_every_plan_licence_status_and_note_is_shown(example):
    answers, result = decision(EXAMPLES / example)
    md, text = render(answers, result), render_text(result)
    for row in result["ranking"]:
        family = row["architecture"]
        if row["licence"]:  # the full licence in the plans, its name in the table
            assert escape(row["licence"], False) in md and row["licence"] in text
            assert f"{licence_name(row['licence'])} |" in md.replace("\\", "")
        if row["status"] != "ok":
            assert f"- {family}: {row['status']}: " in md
            assert f"  {row['status']}: " in next(line for line in text.splitlines() if line.startswith(f"{family} "))
    for note in result["notes"]:
        assert escape(note) in md and f"note: {note}" in text


def test_off_the_shelf_and_fine_tune_in_words():
    """Text-to-image with public weights allowed: some candidate uses them (off the shelf or
    fine-tuned), and its words say which, with the licence."""
    answers, result = decision({"conditioning": ["text"], "dataset_images": 20000})
    used = [r for r in result["ranking"] if r["licence"]]
    assert used, "no candidate uses public weights"
    plans = render_text(result).split("\nplans (", 1)[1].split("\n\n", 1)[0].splitlines()
    for row in used:
        e = result["estimates"][row["architecture"]]
        line = next(x for x in plans if x.startswith(f"  {row['architecture']} "))
        words = ("off the shelf" if e["off_the_shelf"] else
                 "fine-tuned on" if e["plan"] == "fine_tune" else "distilled in house")
        assert words in line and row["licence"] in line
        if e["plan"] == "fine_tune":
            assert f"{e['images_used']:,}" in line.split("fine-tuned on", 1)[1]


def test_infeasible_and_over_limit_statuses(flipping):
    """The two statuses examples rarely reach, on a decision whose rows are edited to them."""
    import copy

    answers, result = flipping
    result = copy.deepcopy(result)
    first, second = result["ranking"][1], result["ranking"][2]
    first.update(status="over limit", warnings=[f"{first['architecture']}: 900 GPU-hours over the 500 GPU-hours "
                                                f"training budget limit (10% likely to meet it)"])
    second.update(status="infeasible", eliminated=True,
                  infeasible_reason=f"{second['architecture']}: 900 weeks to production, beyond a 104-week horizon")
    md = render(answers, result)
    assert (f"- {first['architecture']}: over limit: 900 GPU-hours over the 500 GPU-hours training budget limit "
            "(10% likely to meet it)") in md
    assert f"- {second['architecture']}: infeasible: 900 weeks to production, beyond a 104-week horizon" in md
    assert f"{second['architecture']} is out because it cannot be carried out as asked" in md
