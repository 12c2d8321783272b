"""Page 2: the verdict and its figures first, then what would change it, the ranking, the reasons
and the details. What each block says comes from reports/verdict.py and app/views.py."""
import streamlit as st

from app import form, state, views
from reports import charts
from reports.document import (ALTERNATIVES_HEADER, FIGURES_HEADER, alternatives_rows, estimate_label, figure_rows,
                              plan_lines)
from reports.markdown import escape
from reports.ranking import ranked
from reports.text import evidence_lines, lead_sentence, why_heading
from reports.verdict import metric_cards, robustness_words, score_words, verdict_sentence, what_if_lines
from reports.whatif import what_would_change

state.init()
result = state.decision()

# A compact heading: at 1280×800 and on a 390×844 phone the verdict and its five cards must fit
# above the fold, and st.title's 2.75rem would take a line of it.
st.html(views.RESPONSIVE_CSS)
with st.container(key="verdict_title"):
    st.header(f"Recommendation: {result['recommendation'].upper()}", anchor=False)
pending = form.unapplied(st.session_state["answers"])
if pending:
    st.warning(f"{len(pending)} edited answer(s) not applied ({', '.join(pending)}); this recommendation uses "
               "the previous answers.")
with st.container(key="verdict"):
    st.markdown(escape(verdict_sentence(result)))
# Lower is better for all five figures: green where the recommendation beats the runner-up.
COLOURS = {True: ("green", "down"), False: ("red", "up"), None: ("gray", "off")}
with st.container(horizontal=True, wrap=True, gap="small", key="verdict_cards"):
    for card in metric_cards(result):
        colour, arrow = COLOURS[card.better]
        st.metric(card.label, card.value, views.short_delta(card.delta, result.get("runner_up")),
                  delta_color=colour, delta_arrow=arrow, border=True, help=card.interval)
if result.get("runner_up"):
    st.caption(f"Differences are against {escape(result['runner_up'], line_start=False)}, the runner-up: green where "
               f"{escape(result['recommendation'], line_start=False)} does better; the ? beside a label gives its 90% interval.")
st.caption(escape(score_words(result), line_start=False))

st.subheader("What would change it")
lines = what_if_lines(result)
if lines:
    st.markdown("\n".join(f"- {escape(line, line_start=False)}" for line in lines))
st.markdown(escape(robustness_words(result)))

st.subheader("Ranking")
with st.container(key="ranking_wide"):
    st.dataframe(views.ranking_frame(result), hide_index=True, key="ranking_table",
                 column_config=views.RANKING_COLUMN_CONFIG)
with st.container(key="ranking_narrow"):
    for card in views.candidate_cards(result):
        with st.container(border=True):
            st.markdown(f"**{escape(card.title, line_start=False)}** · {escape(card.variant, line_start=False)}")
            st.caption(f"{escape(card.figures, line_start=False)}  \n{escape(card.odds, line_start=False)}")
for candidate in ranked(result):
    if candidate.reason:
        show = st.error if candidate.status in ("eliminated", "infeasible") else st.warning
        show(f"**{candidate.family}** {candidate.status}: {escape(candidate.reason, line_start=False)}")
if result["notes"]:
    with st.expander(f"Notes on the candidates' plans and licences ({len(result['notes'])})"):
        st.markdown("\n".join(f"- {escape(note, line_start=False)}" for note in result["notes"]))
with st.expander("Every estimate with its 90% interval, the variants and their plans"):
    st.dataframe(views.details_frame(result), hide_index=True, key="details_table")
    st.markdown("\n".join(f"- {escape(line, line_start=False)}" for line in plan_lines(result)))
    alternatives = alternatives_rows(result)
    if alternatives:
        st.dataframe(views.records(ALTERNATIVES_HEADER, alternatives), hide_index=True, key="alternatives_table")

st.subheader(why_heading(result))
st.caption(escape(lead_sentence(result), line_start=False))
for reason in result["top_reasons"]:
    with st.expander(f"{reason['name']} ({reason['contribution']:+.3f} points): {reason['text']}"):
        if reason["figures"]:
            st.dataframe(views.records(FIGURES_HEADER, figure_rows(reason)), hide_index=True,
                         key=f"figures_{reason['criterion']}")
        else:
            st.caption("No sourced figure: this follows from your answers and the estimates below.")
for chart_key, title, figure in charts.decision_charts(result):
    st.plotly_chart(figure, key=chart_key, width="stretch")

with st.expander("What the decision rests on: measurements or published figures"):
    st.markdown("\n".join(f"- {escape(line)}" for line in evidence_lines(result)))
with st.expander("Weights that would change it, and the draws behind the robustness"):
    r = result["robustness"]
    st.caption(f"{r['draws']:,} draws, each weight × exp(N(0, {r['log_weight_sigma']}²)) and each estimate "
               f"from its interval, seed {r['seed']}.")
    st.markdown("\n".join(f"- {escape(line, line_start=False)}" for line in what_would_change(result)))
with st.expander("Estimates and their assumptions"):
    for family, e in result["estimates"].items():
        st.markdown(f"**{family}** ({escape(estimate_label(e), line_start=False)})")
        st.markdown("\n".join(f"- {escape(a, line_start=False)}" for a in e["assumptions"]))
