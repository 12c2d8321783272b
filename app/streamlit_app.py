"""The genarch app: questionnaire, recommendation, probes and report, in the browser.

    genarch app                                     # or `make run`: http://127.0.0.1:8501
    streamlit run app/streamlit_app.py --server.address 127.0.0.1 --server.headless true

This entry script sets the page up and lists the pages; each page (app/pages/) is a thin script
that reads the session state (app/state.py), calls the library and draws. state.init() keeps the
applied answers in the URL's query params on every page, so any page's link holds the scenario.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from app import state
from reports.markdown import escape

PAGES = Path(__file__).parent / "pages"

st.set_page_config(page_title="genarch", page_icon=":material/explore:", layout="wide")
state.init()
page = st.navigation([
    st.Page(PAGES / "1_Questionnaire.py", title="Questionnaire", icon=":material/edit_note:",
            url_path="questionnaire", default=True),
    st.Page(PAGES / "2_Recommendation.py", title="Recommendation", icon=":material/flag:",
            url_path="recommendation"),
    st.Page(PAGES / "3_Probes.py", title="Probes", icon=":material/speed:", url_path="probes"),
    st.Page(PAGES / "4_Report.py", title="Report", icon=":material/description:", url_path="report"),
    st.Page(PAGES / "5_Compare.py", title="Compare", icon=":material/compare_arrows:", url_path="compare"),
])
# A loaded file that passed its checks but breaks the decision or a page must not leave the session
# stuck: the failure is one line with the controls that clear what was loaded (state.show_failure).
# st.stop and st.rerun raise BaseException subclasses, which pass through.
with st.sidebar:
    if st.session_state["link_error"]:
        st.error(escape(st.session_state["link_error"]))  # one line, from rubric.answers' own messages
    try:
        result = state.decision()
    except Exception:  # the page below says why, with the clear controls
        st.caption("No recommendation: what is loaded cannot be used.")
    else:
        st.caption("Current recommendation")
        st.markdown(f"**{result['recommendation'].upper()}** · binding constraint: "
                    f"{result['binding_constraint']}")
try:
    page.run()
except Exception as err:
    state.show_failure(err)
