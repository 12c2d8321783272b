"""Page 1 in AppTest: the form from the schema, validation beside fields, load and save answers."""
from app.analysis import analyse
from rubric import answers as answers_mod

from tests.conftest import EXAMPLES
from tests.app.conftest import page


def _open():
    at = page("1_Questionnaire.py").run()
    assert not at.exception
    return at


def test_every_question_has_a_keyed_widget_with_its_default():
    at = _open()
    defaults = answers_mod.defaults()
    for name, q in answers_mod.questions().items():
        key, default = f"q_{name}", defaults[name]
        if q.type in ("choice", "hardware"):
            assert at.selectbox(key=key).value == default and at.selectbox(key=key).options == list(q.choices)
        elif q.type == "choices":
            assert at.multiselect(key=key).value == default
        elif q.type == "bool":
            assert at.checkbox(key=key).value is default
        elif q.nullable:  # empty text means null ("no limit")
            assert at.text_input(key=key).value == ("" if default is None else f"{default:g}"), name
        else:
            assert at.number_input(key=key).value == default, name
    assert at.button(key="q_submit").label == "Recommend"
    assert [c.value for c in at.caption if "Per-sample latency budget" in c.value]  # help beside it


def test_fill_and_submit_updates_the_recommendation():
    at = _open()
    at.text_input(key="q_latency_budget_ms").input("30")
    at.selectbox(key="q_serving_hardware").select("t4")
    at.multiselect(key="q_conditioning").set_value(["class"])
    at.selectbox(key="q_binding_constraint").select("latency")
    at.button(key="q_submit").click().run()
    assert not at.exception and not at.error
    answers = at.session_state["answers"]
    assert answers["latency_budget_ms"] == 30.0 and answers["binding_constraint"] == "latency"
    expected = analyse(answers)["recommendation"]
    assert f"Recommendation: **{expected.upper()}**" in at.info[0].value
    assert at.success[0].value.startswith("Answers saved")


def test_invalid_fields_get_messages_beside_them_and_keep_the_old_answers():
    at = _open()
    at.text_input(key="q_latency_budget_ms").input("fast")
    at.number_input(key="q_resolution").set_value(99999)
    at.multiselect(key="q_conditioning").set_value([])
    at.button(key="q_submit").click().run()
    messages = [e.value for e in at.error]
    assert messages[0].startswith("3 answer(s) need fixing")
    assert any("expected a number \\> 0, or null, got 'fast'" in m for m in messages)
    assert any("expected an integer ≥ 16 and ≤ 4096, got 99999" in m for m in messages)
    assert any("an empty list" in m for m in messages)
    assert at.session_state["answers"] == answers_mod.defaults()
    at.text_input(key="q_latency_budget_ms").input("")  # empty = no limit
    at.number_input(key="q_resolution").set_value(256)
    at.multiselect(key="q_conditioning").set_value(["text"])
    at.button(key="q_submit").click().run()
    assert not at.error and at.session_state["answers"]["latency_budget_ms"] is None


def test_load_answers_file_then_a_bad_one_and_keep_working():
    at = _open()
    good = (EXAMPLES / "data-bound.yaml").read_bytes()
    at.file_uploader(key="answers_upload").set_value(("data-bound.yaml", good, "application/x-yaml")).run()
    loaded = answers_mod.load_file(EXAMPLES / "data-bound.yaml")
    assert at.session_state["answers"] == loaded
    assert at.number_input(key="q_dataset_images").value == loaded["dataset_images"]
    assert at.success[0].value == "Loaded the answers from data-bound.yaml."

    at.file_uploader(key="answers_upload").set_value(("x.yaml", b"resolution: [1\n", "application/x-yaml")).run()
    assert not at.exception
    assert at.error[0].value == "Not loaded: x.yaml: not valid YAML at line 2"
    assert at.session_state["answers"] == loaded  # the session keeps what it had
    at.number_input(key="q_resolution").set_value(128)
    at.button(key="q_submit").click().run()
    assert at.session_state["answers"]["resolution"] == 128 and not at.error


def test_save_offers_the_current_answers_as_yaml():
    at = _open()
    (button,) = [b for b in at.get("download_button")]
    assert button.proto.label == "Save answers (YAML)"
    assert answers_mod.parse(answers_mod.to_yaml(at.session_state["answers"])) == at.session_state["answers"]


def test_unapplied_edits_survive_a_page_switch_and_are_flagged():
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app" / "streamlit_app.py"), default_timeout=30).run()
    at.number_input(key="q_resolution").set_value(256).run()
    at.text_input(key="q_latency_budget_ms").input("45").run()
    assert any("2 edited answer(s) not applied yet (resolution, latency_budget_ms)" in w.value for w in at.warning)
    at.switch_page("pages/2_Recommendation.py").run()
    assert not at.exception
    assert at.session_state["answers"]["resolution"] == 512  # not applied: the decision is unchanged
    assert any("2 edited answer(s) not applied yet" in w.value for w in at.warning)
    at.switch_page("pages/1_Questionnaire.py").run()
    assert at.number_input(key="q_resolution").value == 256  # the draft came back with the page
    assert at.text_input(key="q_latency_budget_ms").value == "45"
    at.button(key="q_submit").click().run()
    assert at.session_state["answers"]["resolution"] == 256
    assert at.session_state["answers"]["latency_budget_ms"] == 45.0
    assert not any("not applied" in w.value for w in at.warning)
