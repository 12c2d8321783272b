"""Page 1: the questionnaire as a form, in sections; start from an example, load and save answers."""
import streamlit as st

from app import form, scenarios, state
from app.uploads import MAX_ANSWERS_BYTES
from reports.markdown import escape
from reports.verdict import family_name
from rubric import answers as answers_mod

state.init()
st.title("Your situation")
st.write("Answer what you know; every field has a default. Edits apply when you press **Recommend** "
         "(at the top or the bottom of the form), which checks each answer; the address bar then holds "
         "your answers, so a reload or the link on another machine gives the same scenario.")

if st.session_state["answers_toast"]:
    st.toast(escape(st.session_state["answers_toast"]), icon=":material/check_circle:")
    st.session_state["answers_toast"] = None

examples = scenarios.examples()
pick, load, save = st.columns([2, 2, 1], vertical_alignment="bottom") if examples else (None, *st.columns([3, 1], vertical_alignment="bottom"))
if examples:
    with pick:
        st.selectbox("Start from an example", [e.name for e in examples], index=None, key="example_pick",
                     placeholder="Choose an example", on_change=state.on_example_pick)
with load:
    st.file_uploader(f"Load answers (.yaml, at most {MAX_ANSWERS_BYTES // 1_000_000} MB)",
                     type=["yaml", "yml"], key="answers_upload", max_upload_size=1,
                     on_change=state.on_answers_upload)
with save:
    st.download_button("Save answers (YAML)", answers_mod.to_yaml(st.session_state["answers"]),
                       file_name="answers.yaml", mime="application/x-yaml", key="answers_download",
                       on_click="ignore", width="stretch")
chosen = next((e for e in examples if e.name == st.session_state.get("example_pick")), None)
if chosen is not None and chosen.expected:
    st.caption(f"Example {chosen.name}: {escape(chosen.expected, line_start=False)}")  # the file's own header

notice = st.session_state["answers_notice"]
if notice:
    kind, text = notice
    (st.success if kind == "success" else st.error)(escape(text))
    if kind == "success" and not st.session_state["answers_errors"]:
        result = state.decision()
        st.info(f"Recommendation: **{result['recommendation'].upper()}** "
                f"({escape(result['ranking'][0]['variant_name'])}).")
        state.page_link("pages/2_Recommendation.py", f"Why {family_name(result['recommendation'])}, and what "
                        "would change it", icon=":material/flag:")
        state.page_link("pages/5_Compare.py", "Compare with other scenarios", icon=":material/compare_arrows:")

# A form sends its values only on submit: widgets do not rerun the page under the cursor (an open
# dropdown stays open), at the price that edits not submitted are dropped when the page is left.
with st.form("questionnaire", border=False, enter_to_submit=False):
    st.form_submit_button("Recommend", type="primary", key="q_submit_top", on_click=state.submit_answers)
    form.render_fields(st.session_state["answers_errors"])
    pending = form.unapplied(st.session_state["answers"])
    if pending:
        labels = ", ".join(answers_mod.questions()[name].title() for name in pending)
        st.warning(f"{len(pending)} answer(s) not applied ({labels}): the recommendation uses the previous "
                   "answers until they pass the checks.")
    st.form_submit_button("Recommend", type="primary", key="q_submit", on_click=state.submit_answers)
