"""Page 4 and the entry script in AppTest: preview, both downloads offered; the four pages wired up.
(AppTest cannot read a download's bytes: the PDF itself is tested in tests/reports and in the
browser test.)"""
import json

from streamlit.testing.v1 import AppTest

from app.analysis import analyse
from reports.markdown import render

from reports.probe_view import ProbeSet
from rubric import answers as answers_mod

from tests.conftest import EXAMPLES, ROOT
from tests.app.conftest import PROBE_RESULTS, page


def test_preview_and_downloads():
    at = page("4_Report.py")
    at.session_state["answers"] = answers_mod.load_file(EXAMPLES / "hybrid-text-realtime.yaml")
    at.session_state["probe_sets"] = [ProbeSet.from_results(json.loads(PROBE_RESULTS.read_text()), "cpu.json")]
    at.run()
    assert not at.exception
    answers, sets = at.session_state["answers"], at.session_state["probe_sets"]
    expected = render(answers, analyse(answers, sets), sets)
    (preview,) = [m.value for m in at.markdown if m.value.startswith("# genarch decision report")]
    assert preview.strip() == expected.strip() and "cpu.json" in preview and "hybrid" in preview.lower()
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download Markdown", "Download PDF"]


def test_entry_script_serves_the_questionnaire_first_and_switches_pages():
    at = AppTest.from_file(str(ROOT / "app" / "streamlit_app.py"), default_timeout=30).run()
    assert not at.exception
    assert at.title[0].value == "Your situation"
    assert "binding constraint" in at.sidebar.markdown[0].value  # the current recommendation
    at.selectbox(key="q_binding_constraint").select("latency")
    at.text_input(key="q_latency_budget_ms").input("30")
    at.button(key="q_submit").click().run()
    at.switch_page("pages/2_Recommendation.py").run()
    assert not at.exception
    assert at.header[0].value.startswith("Recommendation: ")
    assert at.session_state["answers"]["latency_budget_ms"] == 30.0  # kept across pages
    for name, title in (("3_Probes.py", "Measurements on your hardware"), ("4_Report.py", "Report")):
        at.switch_page(f"pages/{name}").run()
        assert not at.exception and at.title[0].value == title
