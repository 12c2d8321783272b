"""Page 1: the questionnaire, generated from the answers schema; load and save answers as YAML."""
import streamlit as st

from app import form, state
from app.uploads import MAX_ANSWERS_BYTES
from reports.markdown import escape
from rubric import answers as answers_mod

state.init()
st.title("Your situation")
st.write("Answer what you know; every field has a default. **Recommend** checks each answer and "
         "updates the recommendation. The same fields as `genarch questions`.")

load, save = st.columns([3, 1], vertical_alignment="bottom")
with load:
    st.file_uploader(f"Load answers (.yaml, at most {MAX_ANSWERS_BYTES // 1_000_000} MB)",
                     type=["yaml", "yml"], key="answers_upload", max_upload_size=1,
                     on_change=state.on_answers_upload)
with save:
    st.download_button("Save answers (YAML)", answers_mod.to_yaml(st.session_state["answers"]),
                       file_name="answers.yaml", mime="application/x-yaml", key="answers_download",
                       on_click="ignore", width="stretch")

notice = st.session_state["answers_notice"]
if notice:
    kind, text = notice
    (st.success if kind == "success" else st.error)(escape(text))
    if kind == "success" and not st.session_state["answers_errors"]:
        result = state.decision()
        st.info(f"Recommendation: **{result['recommendation'].upper()}** "
                f"({escape(result['ranking'][0]['variant_name'])}); the Recommendation page explains it.")

# No st.form: a form sends its values only on submit, so edits made before switching pages were
# lost. The widgets keep their state across pages (form.sync_widgets); Recommend applies them.
form.render_fields(st.session_state["answers_errors"])
pending = form.unapplied(st.session_state["answers"])
if pending:
    st.warning(f"{len(pending)} edited answer(s) not applied yet ({', '.join(pending)}): "
               "the recommendation still uses the previous answers until you press Recommend.")
st.button("Recommend", type="primary", key="q_submit", on_click=state.submit_answers)
