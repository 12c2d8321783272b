"""Which probe result is the evidence when several machines were measured."""
import json

from app.analysis import analyse, choose
from probes.probe_set import ProbeSet
from rubric import answers

from tests.app.conftest import probe_bytes


def _set(device_name, source, kind="cuda"):
    results = json.loads(probe_bytes(device_name))
    results["environment"]["device_kind"] = results["cost_model"]["device_kind"] = kind
    return ProbeSet.from_results(results, source)


def test_the_file_measured_on_the_serving_hardware_wins():
    sets = [_set("NVIDIA L4", "l4.json"), _set("NVIDIA H100 80GB HBM3", "h100.json")]
    assert choose(sets, "h100") == (sets[1], True)
    assert choose(sets, "a100") == (sets[0], False)  # none matches: the first with a cost model
    no_fit = _set("NVIDIA H100 80GB HBM3", "empty.json")
    no_fit.results["cost_model"] = None
    assert choose([no_fit], "h100") == (None, False)


def test_analyse_uses_and_names_the_evidence():
    values = answers.validate({"serving_hardware": "h100"})
    sets = [_set("NVIDIA L4", "l4.json"), _set("NVIDIA H100 80GB HBM3", "h100.json")]
    result = analyse(values, sets)
    assert result["evidence"]["probe_results"] == "h100.json"
    assert all(e["basis"] == "measured" for e in result["estimates"].values())
    assert any("decision uses NVIDIA H100 80GB HBM3 (measured on the serving hardware)" in n
               for n in result["notes"])
    assert analyse(values)["estimates"]["gan"]["basis"] == "catalog"


def test_unfinished_or_skipped_controllability_sections_are_named_not_used():
    from tests.rubric.test_control_evidence import conditioning_results, hybrid_results

    values = answers.validate({"conditioning": ["class"]})
    results = {"environment": {"device_name": "Test CPU"}, "complete": False, **hybrid_results({1: 2.5}),
               "conditioning": {"complete": True, "skipped": "the images have no class folders", "rows": []}}
    results["hybrid"]["complete"] = False
    result = analyse(values, [ProbeSet.from_results(results, "partial.json")])
    assert result["evidence"]["hybrid"] is None and result["evidence"]["conditioning"] is None
    notes = " | ".join(result["notes"])
    assert "the hybrid section of partial.json is unfinished, so the decision does not use it" in notes
    assert "conditioning was not measured in partial.json: the images have no class folders" in notes
    assert result["estimates"]["hybrid"]["nfe"] == analyse(values)["estimates"]["hybrid"]["nfe"]
    # A complete section in another file is used, and the unfinished one is then not mentioned.
    done = ProbeSet.from_results({"environment": {"device_name": "Other"}, "complete": True,
                                  **conditioning_results(0.5, {1.0: 0.6}), **hybrid_results({1: 2.5})}, "done.json")
    both = analyse(values, [ProbeSet.from_results(results, "partial.json"), done])
    assert both["evidence"]["hybrid"]["file"] == "done.json"
    assert not any("hybrid section" in n for n in both["notes"])
