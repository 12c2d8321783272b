"""The app tests' plotly_charts helper reads back the figures a page drew, by title."""
from streamlit.testing.v1 import AppTest

from tests.app.conftest import plotly_charts


def _page():
    import streamlit as st

    from reports import charts
    from tests.reports.conftest import literal_contract

    for key, _, fig in charts.decision_charts(literal_contract(flips={"risk": 1.5})):
        st.plotly_chart(fig, key=key, width="stretch")


def test_figures_come_back_by_their_title():
    at = AppTest.from_function(_page).run()
    assert not at.exception
    drawn = plotly_charts(at)
    assert list(drawn) == ["Score points lost to each criterion (score = 1 − the candidate's total)",
                           "Weight change that flips the choice away from a"]
    contributions, flips = drawn.values()
    assert [t["name"] for t in contributions["data"]] == ["1. a · score 0.80", "2. b · score 0.60",
                                                          "3. c (eliminated) · score 0.50"]
    assert (flips["data"][0]["name"], flips["data"][0]["x"], flips["data"][0]["y"]) == ("flips to b", [150.0], ["Risk"])
    # the numbers come back as lists, however plotly packed them
    assert contributions["data"][1]["x"] == [0.3, 0.1] and len(contributions["data"][1]["customdata"]) == 2
