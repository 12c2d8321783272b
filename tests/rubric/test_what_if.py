"""Answer-level what-ifs: every change listed really gives the listed recommendation, numbers are
thresholds (the answer as given keeps the decision), and what cannot change it is not listed."""
from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from rubric import answers, contract, engine, what_if
from rubric.knowledge import load as load_knowledge

from tests.conftest import EXAMPLES, ROOT

FILES = sorted(EXAMPLES.glob("*.yaml"))
KNOWLEDGE = load_knowledge()


def _recommend(values: dict) -> str:
    return engine.decide(answers.validate(values), KNOWLEDGE, robust=False).recommendation


def _outcome(values: dict) -> tuple[str, bool]:
    decision = engine.decide(answers.validate(values), KNOWLEDGE, robust=False)
    return decision.recommendation, decision.feasible


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    """`genarch recommend --format json` for every example, as a user gets it."""
    out = {}
    for path in FILES:
        run = subprocess.run([sys.executable, "-m", "app.cli", "recommend", str(path), "--format", "json"],
                             capture_output=True, text=True, cwd=ROOT, check=True)
        out[path.stem] = json.loads(run.stdout)
    return out


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_listed_change_gives_the_listed_recommendation(path, results):
    result = results[path.stem]
    given = answers.load_file(path)
    for item in result["what_if"]:
        assert item["current"] == given[item["field"]]
        listed = (item["recommendation"], item["feasible"])
        assert listed != (result["recommendation"], result["feasible"])
        assert _outcome({**given, item["field"]: item["value"]}) == listed, item["text"]
        if item["change"] != "set":
            assert item["threshold"] == item["value"]
            rising = item["change"] == "at_least"
            assert given[item["field"]] is None or (item["threshold"] > given[item["field"]]) == rising
        if item["holds_to_end"]:  # "or more" / "or less" is said only when the far end agrees
            low, high = what_if.settings()["numbers"][item["field"]]
            far = high if item["change"] == "at_least" else low
            assert _outcome({**given, item["field"]: far}) == listed


def test_the_examples_have_what_ifs_and_their_words(results):
    listed = [item for r in results.values() for item in r["what_if"]]
    assert len({item["field"] for item in listed}) >= 4  # numbers and choices both found
    assert any(not item["feasible"] for item in listed)  # how far an answer is from leaving nothing
    for item in listed:
        assert item["text"].endswith(f"→ {item['recommendation']}" if item["feasible"] else
                                     f"→ no candidate stands, {item['recommendation']} comes closest")
        assert item["current_text"] and "None" not in item["current_text"]


def test_a_threshold_sits_at_the_boundary():
    """Just inside a number's threshold the decision is still the one given: the search bisects to
    2% and rounds away from the answer by at most one unit of the second significant figure."""
    given = answers.load_file(EXAMPLES / "hybrid-text-realtime.yaml")
    found = [w for w in what_if.search(given, KNOWLEDGE) if w.field == "latency_budget_ms" and w.feasible]
    assert found, "a looser latency budget lets diffusion back in"
    (w,) = found
    assert w.change == "at_least" and w.recommendation == "diffusion"
    assert _recommend({**given, "latency_budget_ms": w.threshold}) == "diffusion"
    assert _recommend({**given, "latency_budget_ms": w.threshold * 0.85}) == "hybrid"
    assert w.text.startswith("latency budget of ") and w.current_text == "250 ms"


def test_a_lever_that_changes_nothing_is_not_listed():
    given = answers.load_file(EXAMPLES / "conditioning-bound.yaml")
    fields = {w.field for w in what_if.search(given, KNOWLEDGE)}
    for field in ("team_can_maintain_custom_pipeline", "serving_mode", "fidelity_priority"):
        flipped = (not given[field]) if isinstance(given[field], bool) else (
            "on_demand" if field == "serving_mode" and given[field] == "dedicated" else
            "dedicated" if field == "serving_mode" else "high" if given[field] != "high" else "low")
        if _recommend({**given, field: flipped}) == _recommend(given):
            assert field not in fields


def test_a_team_that_could_maintain_a_pipeline_is_said():
    """No public weights and a 600 ms budget: GAN wins while the team cannot own a distillation
    pipeline, a distilled hybrid when it can; the search names that answer."""
    given = answers.validate({"conditioning": ["none"], "latency_budget_ms": 600, "samples_per_month": 10_000_000,
                              "pretrained_allowed": False, "dataset_images": 5_000,
                              "team_can_maintain_custom_pipeline": False, "binding_constraint": "none"})
    assert _recommend(given) == "gan"
    assert _recommend({**given, "team_can_maintain_custom_pipeline": True}) == "hybrid"
    changes = {w.field: w for w in what_if.search(given, KNOWLEDGE)}
    change = changes["team_can_maintain_custom_pipeline"]
    assert change.value is True and change.recommendation == "hybrid"
    assert change.text == "the team can maintain a custom pipeline → hybrid" and change.current_text == "no"


def test_numbers_come_nearest_first():
    given = answers.load_file(EXAMPLES / "budget-bound.yaml")
    found = what_if.search(given, KNOWLEDGE)
    feasible = [w.feasible for w in found]
    assert feasible == sorted(feasible, reverse=True)  # another family first, then none standing
    for group in (True, False):
        numbers = [w for w in found if w.change != "set" and w.current and w.feasible is group]
        distances = [abs(math.log(w.threshold / w.current)) for w in numbers]
        assert distances == sorted(distances)


def test_the_search_range_is_data_and_names_real_fields():
    config = what_if.settings()
    schema = answers.questions()
    for field, (low, high) in config["numbers"].items():
        assert schema[field].type in ("int", "number") and 0 < low < high
    assert set(config["choices"]) <= set(schema)
    assert 0 < config["relative_precision"] < 0.1
    for field, values in config["skip_values"].items():
        assert set(values) <= set(schema[field].choices)


def test_skipped_values_are_never_proposed():
    """A CPU leaves nothing standing for the hybrid example; it is not a serving option to weigh."""
    given = answers.load_file(EXAMPLES / "hybrid-text-realtime.yaml")
    assert _outcome({**given, "serving_hardware": "cpu"}) != _outcome(given)
    assert not [w for w in what_if.search(given, KNOWLEDGE) if w.field == "serving_hardware" and w.value == "cpu"]


def test_contract_without_the_search_has_an_empty_list():
    given = answers.defaults()
    result = contract.to_dict(engine.decide(given, KNOWLEDGE), given, KNOWLEDGE, what_if=False)
    assert result["what_if"] == []
