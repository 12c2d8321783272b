"""Page 5: two or three saved scenarios side by side: decisions, estimates, what differs and why."""
import streamlit as st

from app import scenarios, state
from reports.markdown import escape

state.init()
st.title("Compare scenarios")
st.write("Save the answers the recommendation uses now as a scenario, or add an example; then pick two "
         "or three to see their decisions side by side, the answers that differ, and why the decision does.")

notice = st.session_state["compare_notice"]
if notice:
    kind, text = notice
    (st.success if kind == "success" else st.error)(escape(text))

saved = [name for name, _ in st.session_state["saved_scenarios"]]
name_col, save_col = st.columns([2, 1], vertical_alignment="bottom")
name_col.text_input("Scenario name", key="scenario_name", max_chars=scenarios.MAX_SCENARIO_NAME,
                    placeholder=f"Scenario {len(saved) + 1}")
save_col.button("Save scenario for comparison", key="scenario_save", on_click=state.save_scenario,
                type="primary", icon=":material/bookmark_add:", width="stretch")
examples = scenarios.examples()
if examples:
    example_col, add_col = st.columns([2, 1], vertical_alignment="bottom")
    example_col.selectbox("Or add an example", [e.name for e in examples], index=None, key="compare_example",
                          placeholder="Choose an example")
    add_col.button("Add example", key="compare_add_example", on_click=state.add_example_scenario,
                   icon=":material/add:", width="stretch")

if not saved:
    st.info("No scenario saved yet.")
else:
    pick_col, clear_col = st.columns([2, 1], vertical_alignment="bottom")
    pick_col.multiselect("Scenarios to compare (two or three)", saved, key="compare_pick", max_selections=3)
    clear_col.button("Clear saved scenarios", key="compare_clear", on_click=state.clear_scenarios,
                     icon=":material/delete:", width="stretch")
    picked = state.compared()
    if len(picked) < 2:
        st.info("Pick two or three scenarios to compare.")
    else:
        st.subheader("Decisions and key estimates")
        # st.table, not st.dataframe: a plan's long name wraps in its cell instead of being cut
        # off, at 1280 px and on a phone alike.
        st.table(scenarios.compare_table(picked))
        st.subheader("What differs")
        differences = scenarios.differences_table(picked)
        if len(differences):
            st.table(differences)
        else:
            st.caption("The answers are the same in every scenario.")
        st.subheader("Why the decision differs")
        st.markdown("\n".join(f"- {escape(line, line_start=False)}"
                              for line in scenarios.why_differs(picked, state.recommendation_for)))
