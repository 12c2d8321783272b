"""Page 4: the report, previewed, and downloaded as Markdown or PDF (built on click)."""
import streamlit as st

from app import state

state.init()
st.title("Report")
st.write("The same content as `genarch report`: a summary first (the verdict, its trade-off and what would "
         "change it), then the ranking, reasons with sources, the measurements and an appendix to reproduce it.")
markdown = state.report_markdown()
left, right, _ = st.columns([1, 1, 2])
with left:
    st.download_button("Download Markdown", markdown, file_name="genarch-report.md", mime="text/markdown",
                       key="report_md", on_click="ignore", icon=":material/download:", width="stretch")
with right:
    # A callable: the PDF (charts drawn as images) is built when the button is clicked, not on render.
    st.download_button("Download PDF", state.report_pdf_builder(), file_name="genarch-report.pdf",
                       mime="application/pdf", key="report_pdf", on_click="ignore", icon=":material/download:",
                       width="stretch")
with st.container(border=True, height=700, key="report_preview"):
    st.markdown(markdown)
