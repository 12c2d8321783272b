"""The Markdown report: a pure function, with every piece of user text escaped."""
import copy

import pytest

from reports import document
from reports.markdown import escape, render
from reports.probe_view import ProbeSet


@pytest.mark.parametrize("text, expected", [
    ("plain text, 1.5 ms", "plain text, 1.5 ms"),
    ("*bold* _it_", r"\*bold\* \_it\_"),
    ("[click](javascript:alert(1))", r"\[click\](javascript:alert(1))"),
    ("<img src=x onerror=alert(1)>", r"\<img src=x onerror=alert(1)\>"),
    ("a | b", r"a \| b"),
    ("# not a heading", r"\# not a heading"),
    ("- not a list", r"\- not a list"),
    ("1. not a list", r"1\. not a list"),
    ("two\nlines\x00", "two lines"),
    ("$x$ and `code`", r"\$x\$ and \`code\`"),
])
def test_escape(text, expected):
    assert escape(text) == expected


def test_escape_in_table_cells_leaves_leading_numbers():
    assert escape("0.896", line_start=False) == "0.896"


def test_sections_and_figures(latency_bound):
    from reports import verdict

    answers, result = latency_bound
    md = render(answers, result)
    # the summary first: the verdict, the cards, the inputs, robustness; then a break
    summary, details = md.split("\n\n---\n\n", 1)
    assert summary.startswith(f"# genarch decision report\n\n{escape(verdict.verdict_sentence(result))}")
    assert "| metric | recommendation | against the runner-up | 90% interval |" in summary
    assert "| latency budget (p95) | 30 ms |" in summary and "| no limit |" in summary
    assert "### How robust it is" in summary and "## Ranking" not in summary
    for heading in ("## What the decision rests on", "## Ranking", "## Why gan", "## Robustness",
                    "### What would change this decision", "## Estimates and their assumptions",
                    "## Measurements on your hardware", "## Appendix: reproducing this report"):
        assert heading in details
    assert "- hybrid: " in md and "latency limit" in md  # eliminations with their reason
    assert "| figure | value | unit | source |" in md
    assert "latency_budget_ms: 30" in md  # the answers in the appendix
    assert "No probe results were given" in md
    assert "Generated" not in md  # no date given, none made up: the function stays pure
    assert render(answers, result, generated="2026-12-03 01:50 UTC").count("Generated 2026-12-03 01:50 UTC.") == 1


def test_pure_and_does_not_touch_its_inputs(latency_bound, probe_sets):
    answers, result = latency_bound
    before = (copy.deepcopy(answers), copy.deepcopy(result), copy.deepcopy(probe_sets[0].results))
    first = render(answers, result, probe_sets)
    assert render(answers, result, probe_sets) == first
    assert (answers, result, probe_sets[0].results) == before


def test_probe_results_appear_with_machine_config_and_seed(latency_bound, probe_sets):
    answers, result = latency_bound
    md = render(answers, result, probe_sets)
    assert "| AMD EPYC | probe-results.json | cpu |" in md
    assert "runs/cpu" not in md  # the file's name, never where it was read from
    charts = [b for b in document.build(answers, result, probe_sets) if isinstance(b, document.Chart)]
    for number, chart in enumerate(charts, 1):  # a caption per chart, its title the figure's
        assert f"*Figure {number}: {escape(chart.title)}* (chart in the app and the PDF)" in md
    assert "AMD EPYC, run: profile quick; device cpu" in md and "probe AMD EPYC: seed 0" in md


def test_hostile_text_from_a_probe_file_is_escaped(latency_bound, probe_sets):
    answers, result = latency_bound
    results = copy.deepcopy(probe_sets[0].results)
    results["environment"]["device_name"] = "<script>x</script> **GPU** | [a](b)"
    results["config"]["profile"] = "```\n# injected"
    md = render(answers, result, [ProbeSet.from_results(results, "evil_[1].json")])
    assert "<script>" not in md and "**GPU**" not in md
    assert r"\<script\>x\</script\> \*\*GPU\*\* \| \[a\](b)" in md
    assert "evil\\_\\[1\\].json" in md
    assert r"profile \`\`\` \# injected" in md  # the probe's settings, on one escaped line


def test_a_code_block_fence_is_longer_than_any_backtick_run_inside():
    from reports.markdown import render_blocks

    md = render_blocks([document.Code("a: '```'\n# b", "yaml")])
    assert md == "````yaml\na: '```'\n# b\n````\n"


def test_a_page_break_is_a_thematic_break():
    from reports.markdown import render_blocks

    assert render_blocks([document.Paragraph("a"), document.PageBreak(), document.Paragraph("b")]) == "a\n\n---\n\nb\n"
