"""app.scenarios: answers <-> query params, the examples list, and the comparison of scenarios."""
import pytest

from app import scenarios
from app.analysis import analyse
from app.scenarios import Scenario
from rubric import answers as answers_mod
from reports.verdict import metric_cards
from rubric.errors import InputError

from tests.conftest import EXAMPLES

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))


def test_defaults_need_no_params():
    assert scenarios.to_query_params(answers_mod.defaults()) == {}


def test_only_what_differs_from_the_defaults_goes_in_the_link():
    answers = answers_mod.load_file(EXAMPLES / "latency-bound.yaml")
    assert scenarios.to_query_params(answers) == {
        "serving_hardware": "t4", "resolution": "256", "latency_budget_ms": "30",
        "samples_per_month": "5000000", "gpu_hourly_usd": "0.35", "conditioning": "class",
        "dataset_images": "70000", "diversity_priority": "low", "fidelity_priority": "high",
        "binding_constraint": "latency"}
    data_bound = scenarios.to_query_params(answers_mod.load_file(EXAMPLES / "data-bound.yaml"))
    assert data_bound["latency_budget_ms"] == "none" and data_bound["pretrained_allowed"] == "false"


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_example_survives_the_round_trip(path):
    answers = answers_mod.load_file(path)
    assert scenarios.from_query_params(scenarios.to_query_params(answers)) == answers


def test_numbers_keep_every_digit():
    answers = dict(answers_mod.defaults(), gpu_hourly_usd=1.2345678901, latency_budget_ms=1000000.5,
                   conditioning=["text", "spatial", "editing"], deadline_weeks=None)
    params = scenarios.to_query_params(answers)
    assert params["gpu_hourly_usd"] == "1.2345678901" and params["latency_budget_ms"] == "1000000.5"
    assert params["conditioning"] == "text,spatial,editing" and "deadline_weeks" not in params
    assert scenarios.from_query_params(params) == answers


def test_params_are_read_as_their_types():
    got = scenarios.from_query_params({"resolution": ["256"], "latency_budget_ms": "NONE", "commercial_use": "False",
                                       "conditioning": " class , spatial ", "samples_per_month": "1e6",
                                       "deadline_weeks": "", "gpu_hourly_usd": "3"})
    assert got == dict(answers_mod.defaults(), resolution=256, latency_budget_ms=None, commercial_use=False,
                       conditioning=["class", "spatial"], samples_per_month=1_000_000, deadline_weeks=None,
                       gpu_hourly_usd=3.0)
    assert isinstance(got["resolution"], int) and isinstance(got["gpu_hourly_usd"], float)


@pytest.mark.parametrize("params, message", [
    ({"resolution": "none"}, "resolution: expected an integer ≥ 16 and ≤ 4096, got 'none'"),
    ({"latency_budget_ms": "0"}, "latency_budget_ms: expected a number > 0, or none, got 0"),
    ({"commercial_use": "yes"}, "commercial_use: expected true or false, got 'yes'"),
    ({"conditioning": "text,text"}, "conditioning: each value at most once"),
    ({"conditioning": ""}, "conditioning: expected a non-empty list"),
    ({"resolution": ["256", "512"]}, "link: resolution given 2 times"),
    ({"resolutoin": "256"}, "link: unknown field 'resolutoin' (did you mean 'resolution'?)"),
    ({"resolution": "1" * 201}, "link: resolution: a value of at most 200 characters expected"),
    ({"k" * 10_000: "1"}, "link: unknown field '" + "k" * 40 + "…'"),
    ({f"f{i}": "1" for i in range(65)}, "link: more than 64 query parameters; a scenario has at most 22"),
    ({"samples_per_month": "1e400"}, "samples_per_month: expected an integer ≥ 0 and ≤ 1e+12, got inf"),
    ({"samples_per_month": "9" * 200}, "samples_per_month: expected an integer ≥ 0 and ≤ 1e+12, got an integer"),
])
def test_bad_params_raise_one_bounded_line(params, message):
    with pytest.raises(InputError) as err:
        scenarios.from_query_params(params)
    text = str(err.value)
    assert text.startswith(message), text
    assert "\n" not in text and len(text) < 300


def test_control_characters_never_reach_the_message():
    with pytest.raises(InputError) as err:
        scenarios.from_query_params({"task": "gen\x1b[2J\u202eeration\n"})
    assert not any(c in str(err.value) for c in "\x1b\u202e\n")


def test_examples_list_every_file_with_its_expected_line(tmp_path):
    found = scenarios.examples()
    assert [e.name for e in found] == [p.stem for p in EXAMPLE_FILES]
    latency = next(e for e in found if e.name == "latency-bound")
    assert latency.expected == "Expected: gan."
    assert scenarios.examples(tmp_path / "absent") == []
    (tmp_path / "plain.yaml").write_text("resolution: 256\n")
    assert scenarios.examples(tmp_path) == [scenarios.Example("plain", tmp_path / "plain.yaml", None)]
    answers, example = scenarios.load_example("plain", tmp_path)
    assert answers == dict(answers_mod.defaults(), resolution=256) and example.expected is None
    with pytest.raises(InputError, match="no example named 'nope'"):
        scenarios.load_example("nope", tmp_path)


def test_scenario_names_are_one_clean_bounded_line():
    assert scenarios.scenario_name("  cheap\n\x1b[31m  run ", []) == "cheap [31m run"
    assert scenarios.scenario_name("", ["a", "b"]) == "Scenario 3"
    assert scenarios.scenario_name(" \n", ["Scenario 2", "Scenario 3"]) == "Scenario 4"  # never replaces one
    assert len(scenarios.scenario_name("x" * 10_000, [])) == scenarios.MAX_SCENARIO_NAME


def _scenario(name: str, **changes) -> Scenario:
    answers = dict(answers_mod.defaults(), **changes)
    return Scenario(name, answers, analyse(answers))


def test_compare_table_has_scenarios_as_columns_and_the_key_estimates_as_rows():
    fast = _scenario("fast", latency_budget_ms=30.0, conditioning=["class"], serving_hardware="t4",
                     binding_constraint="latency")
    slow = _scenario("slow")
    table = scenarios.compare_table([fast, slow])
    assert list(table.columns) == ["fast", "slow"]
    assert list(table.index) == ["Recommendation", "Plan", "Binding constraint", "Latency per image",
                                 "USD per 1,000 images", "USD per month", "Training GPU-hours", "Weeks to production"]
    assert fast.result["recommendation"] == "gan" and table.loc["Recommendation", "fast"] == "GAN"
    assert table.loc["Binding constraint", "fast"] == "latency"
    for s in (fast, slow):  # the Recommendation page's cards, written the same way
        cards = {c.label: c.value for c in metric_cards(s.result)}
        assert table[s.name].iloc[3:].to_dict() == cards
    gan = fast.result["estimates"]["gan"]
    assert table.loc["Latency per image", "fast"] == f"{gan['latency_ms_per_sample']:.3g} ms"


def test_differing_answers_in_schema_order_as_people_read_them():
    a = Scenario("a", dict(answers_mod.defaults(), latency_budget_ms=30.0, commercial_use=False), {})
    b = Scenario("b", dict(answers_mod.defaults(), latency_budget_ms=None, conditioning=["class", "text"]), {})
    diffs = scenarios.differing_answers([a, b])
    assert [(d.field, d.label, d.values) for d in diffs] == [
        ("latency_budget_ms", "Latency budget", ("30 ms", "no limit")),
        ("conditioning", "Conditioning", ("text", "class, text")),
        ("commercial_use", "Commercial use", ("no", "yes")),
    ]
    table = scenarios.differences_table([a, b])
    assert list(table.columns) == ["a", "b"] and table.loc["Latency budget", "a"] == "30 ms"
    assert scenarios.differing_answers([a, a]) == []


def _fake(name: str, recommendation: str, **changes) -> Scenario:
    reasons = [{"name": "Latency", "contribution": 0.5}, {"name": "Fidelity", "contribution": 0.02}]
    return Scenario(name, dict(answers_mod.defaults(), **changes),
                    {"recommendation": recommendation, "top_reasons": reasons})


def test_why_names_the_single_answer_that_flips_the_decision():
    # a stand-in decision: gan below 100 ms, else diffusion; resolution and hardware do nothing
    def decide(answers):
        budget = answers["latency_budget_ms"]
        return "gan" if budget is not None and budget < 100 else "diffusion"

    fast = _fake("fast", "gan", latency_budget_ms=30.0, resolution=256)
    slow = _fake("slow", "diffusion", latency_budget_ms=None, resolution=1024)
    also_fast = _fake("also fast", "gan", latency_budget_ms=50.0, serving_hardware="t4")
    lines = scenarios.why_differs([fast, slow, also_fast], decide)
    assert len(lines) == 2  # fast/also fast agree: no line for that pair
    assert lines[0].startswith("fast → gan, slow → diffusion. Taking one answer from slow turns fast's gan into "
                               "diffusion: latency budget (30 ms → no limit).")
    assert "resolution" not in lines[0]  # it differs, but alone it flips nothing
    assert "fast's gan leads on latency (+0.500 points), fidelity (+0.020 points)" in lines[0]
    assert lines[1].startswith("slow → diffusion, also fast → gan. Taking one answer from also fast turns slow's "
                               "diffusion into gan: latency budget (no limit → 50 ms).")


def test_why_says_when_no_single_answer_flips_it_or_nothing_differs():
    def decide(answers):  # gan only when both the budget is tight and the hardware is a T4
        tight = answers["latency_budget_ms"] is not None and answers["latency_budget_ms"] < 100
        return "gan" if tight and answers["serving_hardware"] == "t4" else "diffusion"

    a = _fake("a", "diffusion")
    b = _fake("b", "gan", latency_budget_ms=30.0, serving_hardware="t4")
    (line,) = scenarios.why_differs([a, b], decide)
    assert "No single answer from b turns a's diffusion into gan: the differing answers act together." in line
    (same,) = scenarios.why_differs([a, _fake("c", "diffusion", resolution=256)], decide)
    assert same.startswith("Every scenario gets the same recommendation, diffusion")
