"""Page 5 (Compare) in AppTest: save scenarios, add examples, compare two or three side by side."""
from app import scenarios
from app.analysis import analyse
from rubric import answers as answers_mod

from tests.conftest import EXAMPLES, ROOT
from tests.app.conftest import page


def _add_example(at, name: str):
    at.selectbox(key="compare_example").select(name).run()
    at.button(key="compare_add_example").click().run()
    assert not at.exception
    return at


def test_empty_page_says_what_to_do():
    at = page("5_Compare.py").run()
    assert not at.exception
    assert at.info[0].value == "No scenario saved yet."
    assert not at.table


def test_two_examples_side_by_side_with_their_differing_answers_and_why():
    at = page("5_Compare.py").run()
    _add_example(at, "latency-bound")
    assert at.info[0].value == "Pick two or three scenarios to compare."  # one is not a comparison
    _add_example(at, "conditioning-bound")
    assert at.multiselect(key="compare_pick").value == ["latency-bound", "conditioning-bound"]
    table = at.table[0].value  # tables have no key: 0 the decisions, 1 the differences
    assert list(table.columns) == ["latency-bound", "conditioning-bound"]
    latency = answers_mod.load_file(EXAMPLES / "latency-bound.yaml")
    conditioning = answers_mod.load_file(EXAMPLES / "conditioning-bound.yaml")
    assert [analyse(latency)["recommendation"], analyse(conditioning)["recommendation"]] == ["gan", "diffusion"]
    assert table.loc["Recommendation"].tolist() == ["GAN", "Diffusion"]
    differences = at.table[1].value
    assert differences.loc["Latency budget"].tolist() == ["30 ms", "15,000 ms"]
    assert differences.loc["Conditioning"].tolist() == ["class", "text, spatial, editing"]
    assert "Resolution" in differences.index and "Task" not in differences.index  # only what differs
    (why,) = [m.value for m in at.markdown if m.value.startswith("- latency")]
    assert why.startswith("- latency-bound → gan, conditioning-bound → diffusion.")


def test_save_the_current_scenario_then_compare_three_and_clear():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app" / "streamlit_app.py"), default_timeout=30).run()
    at.number_input(key="q_resolution").set_value(1024)
    at.button(key="q_submit").click().run()
    at.switch_page("pages/5_Compare.py").run()
    at.text_input(key="scenario_name").input("big images\n").run()
    at.button(key="scenario_save").click().run()
    assert at.success[0].value == "Saved big images for comparison."
    assert at.session_state["saved_scenarios"] == [("big images", at.session_state["answers"])]
    assert at.text_input(key="scenario_name").value == ""  # ready for the next name
    at.button(key="scenario_save").click().run()  # no name: a numbered one
    for name in ("latency-bound", "hybrid-text-realtime"):
        _add_example(at, name)
    # at most three at once: the newest three
    assert at.multiselect(key="compare_pick").value == ["Scenario 2", "latency-bound", "hybrid-text-realtime"]
    at.multiselect(key="compare_pick").set_value(["big images", "latency-bound", "hybrid-text-realtime"]).run()
    table = at.table[0].value  # tables have no key: 0 the decisions, 1 the differences
    assert list(table.columns) == ["big images", "latency-bound", "hybrid-text-realtime"]
    assert table.loc["Recommendation"].tolist() == ["Diffusion", "GAN", "Hybrid"]
    assert at.table[1].value.loc["Resolution"].tolist() == ["1,024 px", "256 px", "512 px"]
    assert len([m for m in at.markdown if m.value.startswith("- big images")]) == 1
    at.switch_page("pages/1_Questionnaire.py").run()
    at.switch_page("pages/5_Compare.py").run()  # the pick survives a visit elsewhere
    assert at.multiselect(key="compare_pick").value == ["big images", "latency-bound", "hybrid-text-realtime"]
    at.button(key="compare_clear").click().run()
    assert at.session_state["saved_scenarios"] == [] and at.info[0].value == "No scenario saved yet."


def test_the_example_list_is_hidden_without_an_examples_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(scenarios.examples, "__defaults__", (tmp_path / "absent",))
    at = page("5_Compare.py").run()
    assert not at.exception and not [w for w in at.selectbox if w.key == "compare_example"]
    assert at.button(key="scenario_save").label == "Save scenario for comparison"
