"""Which parts of a decision rest on measurements: the evidence lines of the text, Markdown and
PDF outputs and of the Recommendation page."""
from __future__ import annotations

from dataclasses import replace

from probes.summaries.control_summary import conditioning_evidence, hybrid_evidence
from reports.markdown import render as render_markdown
from reports.text import evidence_lines, render
from rubric import contract, engine
from rubric.answers import validate

from tests.rubric.test_control_evidence import conditioning_results, hybrid_results


def _result(evidence: dict | None, **answers) -> dict:
    values = validate(answers)
    return contract.to_dict(engine.decide(values, evidence=evidence), values)


def test_without_probe_results_everything_is_published_or_assumed():
    result = _result(None)
    lines = evidence_lines(result)
    assert lines[0] == "latency and cost: the calibrated catalog model (no cost model measured)"
    assert all(line.endswith("published figures only") for line in lines[1:]) and len(lines) == 5
    assert "evidence:" not in render(result)  # the terminal output stays as it was


def test_measured_sections_name_their_file():
    evidence = {"probe_results": "a.json",
                "conditioning": replace(conditioning_evidence(conditioning_results(0.5, {1.0: 0.6})), file="cond.json"),
                "hybrid": replace(hybrid_evidence(hybrid_results({1: 2.5})), file="hybrid.json")}
    result = _result(evidence, conditioning=["class"])
    lines = evidence_lines(result)
    assert "class-conditioning support: measured by the conditioning probe (cond.json), blended" in lines[2]
    assert lines[3] == "editing (inpainting) support: published figures only"
    assert "measured by the hybrid probe (hybrid.json)" in lines[4]
    assert "evidence: class-conditioning support: measured" in render(result)
    markdown = render_markdown(result["answers"], result)
    assert "## What the decision rests on" in markdown and "(cond.json)" in markdown


def test_a_cost_model_that_cannot_be_carried_over_is_said_so():
    profile = {"device_name": "AMD EPYC", "device_kind": "cpu", "dtype": "fp32", "fixed_overhead_ms_per_forward": 1.0,
               "effective_flop_per_s": 1e11, "relative_band": 0.1, "architecture": "diffusion"}
    on_gpu = _result({"device_profile": profile, "probe_results": "cpu.json"}, serving_hardware="a100")
    assert "cannot be carried to the serving hardware" in evidence_lines(on_gpu)[0]
    on_cpu = _result({"device_profile": profile, "probe_results": "cpu.json"}, serving_hardware="cpu")
    assert evidence_lines(on_cpu)[0] == "latency and cost: the cost model measured on AMD EPYC (cpu.json)"
