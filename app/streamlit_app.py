"""The genarch app: questionnaire, recommendation, probes and report, in the browser.

    genarch app                                     # or `make run`: http://127.0.0.1:8501
    streamlit run app/streamlit_app.py --server.address 127.0.0.1 --server.headless true

This entry script sets the page up and lists the pages; each page (app/pages/) is a thin script
that reads the session state (app/state.py), calls the library and draws.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from app import state

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
])
with st.sidebar:
    result = state.decision()
    st.caption("Current recommendation")
    st.markdown(f"**{result['recommendation'].upper()}** · binding constraint: "
                f"{result['binding_constraint']}")
page.run()
