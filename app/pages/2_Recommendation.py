"""Page 2: the ranked candidates, why, how robust, and what would change the decision."""
import streamlit as st

from app import form, state
from reports import charts
from reports.document import ALTERNATIVES_HEADER, RANKING_HEADER, alternatives_rows, fmt, plan_lines, ranking_rows
from reports.markdown import escape
from reports.text import evidence_lines, lead_sentence, plan_of, shown_score, status_cell, status_reason, why_heading
from reports.whatif import what_would_change

state.init()
result = state.decision()
top = result["ranking"][0]

st.title(f"Recommendation: {result['recommendation'].upper()}")
st.write(f"**{escape(plan_of(result, top['architecture']))}**, score {shown_score(top):.3f}; binding constraint: "
         f"**{escape(result['binding_constraint'])}**.")
if result.get("runner_up"):
    second = next(r for r in result["ranking"] if r["architecture"] == result["runner_up"])
    st.write(f"Runner-up: **{escape(second['architecture'])}**, {escape(plan_of(result, second['architecture']))}, "
             f"score {shown_score(second):.3f} ({escape(status_cell(second), line_start=False)}).")
pending = form.unapplied(st.session_state["answers"])
if pending:
    st.warning(f"The questionnaire has {len(pending)} edited answer(s) not applied yet "
               f"({', '.join(pending)}); this recommendation uses the previous answers.")
if not result["feasible"]:
    st.warning("No candidate meets the binding constraint; this is the one that comes closest.")
for note in result["notes"]:
    st.info(escape(note))
with st.expander("What the decision rests on: measurements or published figures"):
    st.markdown("\n".join(f"- {escape(line)}" for line in evidence_lines(result)))

st.subheader("Ranking")
st.dataframe([dict(zip(RANKING_HEADER, row)) for row in ranking_rows(result)], hide_index=True, key="ranking_table")
st.caption("Intervals are 90%, from the latency model's spread on published measurements (or your probe's); "
           "p(limits) is the probability of meeting every limit you stated.")
for r in result["ranking"]:
    if status_reason(r):
        show = st.error if r.get("status", "eliminated") in ("eliminated", "infeasible") else st.warning
        show(f"**{r['architecture']}** {escape(status_cell(r), line_start=False)}")
with st.expander("Plans: how each candidate's weights are obtained (off the shelf, fine-tuned, from scratch)"):
    st.markdown("\n".join(f"- {escape(line, line_start=False)}" for line in plan_lines(result)))
    alternatives = alternatives_rows(result)
    if alternatives:
        st.dataframe([dict(zip(ALTERNATIVES_HEADER, row)) for row in alternatives], hide_index=True,
                     key="alternatives_table")

for chart_key, title, spec in charts.decision_charts(result):
    st.vega_lite_chart(spec, key=chart_key, width="stretch")

st.subheader(why_heading(result))
st.caption(escape(lead_sentence(result), line_start=False))
for reason in result["top_reasons"]:
    with st.expander(f"{reason['name']} ({reason['contribution']:+.3f} points): {reason['text']}", expanded=True):
        if reason["figures"]:
            st.dataframe([{"figure": f["name"], "value": fmt(f["value"], 4), "unit": f["unit"],
                           "source": f["source"]} for f in reason["figures"]],
                         hide_index=True, key=f"figures_{reason['criterion']}")
        else:
            st.caption("No sourced figure: this follows from your answers and the estimates below.")

st.subheader("Robustness")
r = result["robustness"]
st.metric("Top choice kept in draws of weights and estimates", f"{r['top_choice_share']:.0%}",
          help=f"{r['draws']:,} draws, each weight × exp(N(0, {r['log_weight_sigma']}²)) and each estimate "
               f"from its interval, seed {r['seed']}")

st.subheader("What would change this decision")
st.markdown("\n".join(f"- {escape(line, line_start=False)}" for line in what_would_change(result)))

with st.expander("Estimates and their assumptions"):
    for family, e in result["estimates"].items():
        st.markdown(f"**{family}** ({escape(e.get('variant_name') or e['variant'])}, {e['nfe']} NFE, "
                    f"basis: {e['basis']})")
        st.markdown("\n".join(f"- {escape(a, line_start=False)}" for a in e["assumptions"]))
