"""The Markdown report: a pure function, with every piece of user text escaped."""
import copy

import pytest

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
    answers, result = latency_bound
    md = render(answers, result)
    for heading in ("# genarch decision report", "## Ranking", "## Why gan", "## Robustness",
                    "### What would change this decision", "## Estimates and their assumptions",
                    "## Measurements on your hardware", "## Appendix: reproducing this report"):
        assert heading in md
    assert md.startswith("# genarch decision report\n\nRecommendation: GAN")
    assert "- hybrid: " in md and "latency limit" in md  # eliminations with their reason
    assert "| figure | value | unit | source |" in md
    assert "latency_budget_ms: 30" in md  # the answers in the appendix
    assert "No probe results were given" in md


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
    assert "Figure 2: Latency per sample against NFE" in md
    assert "profile: quick" in md and "probe AMD EPYC: seed 0" in md


def test_hostile_text_from_a_probe_file_is_escaped(latency_bound, probe_sets):
    answers, result = latency_bound
    results = copy.deepcopy(probe_sets[0].results)
    results["environment"]["device_name"] = "<script>x</script> **GPU** | [a](b)"
    results["config"]["profile"] = "```\n# injected"
    md = render(answers, result, [ProbeSet.from_results(results, "evil_[1].json")])
    assert "<script>" not in md and "**GPU**" not in md
    assert r"\<script\>x\</script\> \*\*GPU\*\* \| \[a\](b)" in md
    assert "evil\\_\\[1\\].json" in md
    # the config sits in a code block whose fence is longer than any backtick run inside it
    block = md.split("````yaml\n", 1)[1].split("\n````", 1)[0]
    assert "profile: '```" in block and "# injected" in block
