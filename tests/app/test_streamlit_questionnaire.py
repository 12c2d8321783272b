"""Page 1 in AppTest: the sectioned form, both Recommend buttons, validation beside fields, the
link (query params), the example picker, load and save answers."""
import json

import pytest

from app import form, scenarios
from app.analysis import analyse
from app.cli import main
from reports.verdict import family_name
from rubric import answers as answers_mod

from tests.conftest import EXAMPLES, ROOT
from tests.app.conftest import page


def _open(params: dict | None = None):
    at = page("1_Questionnaire.py")
    for name, value in (params or {}).items():
        at.query_params[name] = value
    at.run()
    assert not at.exception
    return at


def _app():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(ROOT / "app" / "streamlit_app.py"), default_timeout=30)


def test_every_question_has_a_keyed_widget_with_its_default():
    at = _open()
    defaults = answers_mod.defaults()
    for name, q in answers_mod.questions().items():
        key, default = f"q_{name}", defaults[name]
        if q.type in ("choice", "hardware"):
            assert at.selectbox(key=key).value == default
        elif q.type == "choices":
            assert at.multiselect(key=key).value == default
        elif q.type == "bool":
            assert at.checkbox(key=key).value is default
        elif q.nullable:  # empty text means no limit
            assert at.text_input(key=key).value == ("" if default is None else f"{default:g}"), name
        else:
            assert at.number_input(key=key).value == default, name
    assert at.button(key="q_submit_top").label == at.button(key="q_submit").label == "Recommend"


def test_fields_come_in_sections_with_the_binding_constraint_first():
    at = _open()
    titles = [h.value for h in at.subheader]
    assert titles == ["The constraint that cannot move", "What you must serve", "What you have",
                      "Your team and time", "Priorities"]
    keys = [w.key for w in at.selectbox if w.key.startswith("q_")]
    assert keys[0] == "q_binding_constraint"  # drawn before every other field
    placed = [name for _, names in form.SECTIONS for name in names]
    assert sorted(placed) == sorted(answers_mod.questions())  # each question in exactly one section


def test_help_once_label_without_unit_and_never_null():
    at = _open()
    widgets = [*at.selectbox, *at.multiselect, *at.checkbox, *at.text_input, *at.number_input]
    questions = answers_mod.questions()
    texts = []
    for w in widgets:
        texts += [w.label, w.help or "", getattr(w, "placeholder", "") or ""]
        if w.key.startswith("q_"):
            q = questions[w.key[2:]]
            assert w.help == q.help and w.label == q.title()
            assert not q.unit or q.unit not in w.label, w.label  # the unit once, in the caption
    captions = [c.value for c in at.caption]
    texts += captions + [m.value for m in at.markdown]
    assert not [t for t in texts if "null" in t.lower()]
    assert "In ms: a number above 0; leave empty for no limit." in captions
    assert "In samples/month: a whole number from 0 to 1,000,000,000,000." in captions
    assert at.text_input(key="q_latency_budget_ms").placeholder == "no limit"
    assert not [c for c in captions if "Per-sample latency budget" in c]  # help only in the tooltip


@pytest.mark.parametrize("button", ["q_submit_top", "q_submit"])
def test_fill_and_submit_from_either_button_updates_the_recommendation(button):
    at = _open()
    at.text_input(key="q_latency_budget_ms").input("30")
    at.selectbox(key="q_serving_hardware").select("t4")
    at.multiselect(key="q_conditioning").set_value(["class"])
    at.selectbox(key="q_binding_constraint").select("latency")
    at.button(key=button).click().run()
    assert not at.exception and not at.error
    answers = at.session_state["answers"]
    assert answers["latency_budget_ms"] == 30.0 and answers["binding_constraint"] == "latency"
    expected = analyse(answers)["recommendation"]
    assert at.info[0].value.startswith(f"Recommendation: **{expected.upper()}**")
    assert at.success[0].value.startswith("Answers saved")
    assert [t.proto.body for t in at.toast] == ["Answers saved; the recommendation is updated."]
    assert f"Why {family_name(expected)}, and what would change it" in [c.value for c in at.caption]  # the link
    assert at.query_params["latency_budget_ms"] == "30" and at.query_params["serving_hardware"] == "t4"
    at.run()
    assert not at.toast  # once, not on every rerun


def test_invalid_fields_get_messages_beside_them_and_keep_the_old_answers():
    at = _open()
    at.text_input(key="q_latency_budget_ms").input("fast")
    at.number_input(key="q_resolution").set_value(99999)
    at.multiselect(key="q_conditioning").set_value([])
    at.button(key="q_submit_top").click().run()
    messages = [e.value for e in at.error]
    assert messages[0].startswith("3 answer(s) need fixing")  # the summary at the top
    assert any("expected a number \\> 0, or empty for no limit, got 'fast'" in m for m in messages)
    assert any("expected an integer ≥ 16 and ≤ 4096, got 99999" in m for m in messages)
    assert any("an empty list" in m for m in messages)
    assert at.session_state["answers"] == answers_mod.defaults()
    assert not at.toast and not at.query_params
    assert [w.value for w in at.warning] == [
        "3 answer(s) not applied (Resolution, Latency budget, Conditioning): the recommendation uses the "
        "previous answers until they pass the checks."]
    at.text_input(key="q_latency_budget_ms").input("")  # empty = no limit
    at.number_input(key="q_resolution").set_value(256)
    at.multiselect(key="q_conditioning").set_value(["text"])
    at.button(key="q_submit").click().run()
    assert not at.error and at.session_state["answers"]["latency_budget_ms"] is None
    assert at.query_params["latency_budget_ms"] == "none"


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


def test_a_submitted_form_survives_page_switches_and_the_link_follows():
    at = _app().run()
    at.number_input(key="q_resolution").set_value(256)
    at.text_input(key="q_latency_budget_ms").input("45")
    at.button(key="q_submit").click().run()
    assert at.session_state["answers"]["resolution"] == 256
    family = family_name(analyse(at.session_state["answers"])["recommendation"])
    links = {link.proto.label: link.proto.page for link in at.get("page_link")}
    assert links[f"Why {family}, and what would change it"].endswith("recommendation")
    assert links["Compare with other scenarios"].endswith("compare")
    at.switch_page("pages/2_Recommendation.py").run()
    assert not at.exception
    assert at.query_params["resolution"] == "256" and at.query_params["latency_budget_ms"] == "45"
    at.switch_page("pages/1_Questionnaire.py").run()
    assert at.number_input(key="q_resolution").value == 256  # the submitted values come back with the page
    assert at.text_input(key="q_latency_budget_ms").value == "45"
    assert at.session_state["answers"]["latency_budget_ms"] == 45.0
    assert not any("not applied" in w.value for w in at.warning)


def test_a_link_gives_the_same_scenario_in_a_fresh_session():
    answers = answers_mod.load_file(EXAMPLES / "latency-bound.yaml")
    at = _open(scenarios.to_query_params(answers))
    assert at.session_state["answers"] == answers
    assert at.text_input(key="q_latency_budget_ms").value == "30"
    assert at.selectbox(key="q_binding_constraint").value == "latency"
    assert at.success[0].value == "Answers loaded from the link."
    # read through the same validation as a file: a string "none" is "no limit", lists by commas
    at = _open({"deadline_weeks": "none", "conditioning": "text,spatial", "commercial_use": "false"})
    assert at.session_state["answers"] == dict(answers_mod.defaults(), deadline_weeks=None,
                                               conditioning=["text", "spatial"], commercial_use=False)


@pytest.mark.parametrize("params, message", [
    ({"resolution": "huge"}, "resolution: expected an integer ≥ 16 and ≤ 4096, got 'huge'"),
    ({"latency_budget_ms": "-5"}, "expected a number > 0, or none, got -5"),
    ({"resolutoin": "256"}, "unknown field 'resolutoin' (did you mean 'resolution'?)"),
    ({"task": "x\x1b[31m\nmore"}, "expected one of generation, image_to_image, got '"),
    ({"resolution": "9" * 5000}, "a value of at most 200 characters expected"),
    ({f"field{i}": "1" for i in range(200)}, "more than 64 query parameters; a scenario has at most 22"),
])
def test_bad_links_get_one_line_and_the_defaults(params, message):
    at = _app()
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception
    assert at.session_state["answers"] == answers_mod.defaults()
    (error,) = [e.value for e in at.sidebar.error]
    assert message in error.replace("\\", ""), error  # Markdown escapes aside
    assert "\n" not in error and "\x1b" not in error and len(error) < 400
    assert error.startswith("The link's answers were not used") and error.endswith("The defaults apply.")
    assert at.error[0].value == error  # on the questionnaire too, at the top
    assert not at.query_params  # the address bar now holds what applies: the defaults


def test_the_example_picker_loads_each_example_with_the_cli_recommendation(capsys):
    at = _open()
    names = at.selectbox(key="example_pick").options
    assert names == sorted(p.stem for p in EXAMPLES.glob("*.yaml")) and len(names) >= 10
    for name in names:
        at.selectbox(key="example_pick").select(name).run()
        assert not at.exception and not at.error, name
        assert at.session_state["answers"] == answers_mod.load_file(EXAMPLES / f"{name}.yaml")
        assert main(["recommend", str(EXAMPLES / f"{name}.yaml"), "--format", "json"]) == 0
        expected = json.loads(capsys.readouterr().out)["recommendation"]
        assert at.info[0].value.startswith(f"Recommendation: **{expected.upper()}**"), name
        header = next(line for line in (EXAMPLES / f"{name}.yaml").read_text().splitlines()
                      if line.startswith("# Expected:"))
        assert f"Example {name}: {header[2:]}" in [c.value for c in at.caption]
        assert at.selectbox(key="q_serving_hardware").value == at.session_state["answers"]["serving_hardware"]


def test_the_example_picker_is_hidden_without_an_examples_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(scenarios, "EXAMPLES_DIR", tmp_path / "absent")
    monkeypatch.setattr(scenarios.examples, "__defaults__", (tmp_path / "absent",))
    at = _open()
    assert not [w for w in at.selectbox if w.key == "example_pick"]
