"""Which probe result is the evidence when several machines were measured."""
import json

from app.analysis import analyse, choose
from reports.probe_view import ProbeSet
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
