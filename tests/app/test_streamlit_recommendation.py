"""Page 2 in AppTest: ranking, eliminations, the contribution chart, robustness, what would change."""
from app.analysis import analyse
from reports.text import licence_name
from rubric import answers as answers_mod

from tests.conftest import EXAMPLES
from tests.app.conftest import page, vega_charts


def _open(answers):
    at = page("2_Recommendation.py")
    at.session_state["answers"] = answers
    at.run()
    assert not at.exception
    return at


def test_latency_bound_shows_the_ranking_eliminations_and_the_chart():
    answers = answers_mod.load_file(EXAMPLES / "latency-bound.yaml")
    at = _open(answers)
    assert at.title[0].value == "Recommendation: GAN"
    eliminated = [e.value for e in at.error]
    assert any(e.startswith("**hybrid** eliminated:") and "latency limit" in e for e in eliminated)
    assert any(e.startswith("**diffusion** eliminated:") for e in eliminated)
    (contrib,) = [s for t, s in vega_charts(at).items() if t.startswith("Score points lost to each criterion")]
    candidates = {row["candidate"] for row in contrib["data"]["values"]}
    assert candidates == {"1. gan", "2. hybrid (eliminated)", "3. diffusion (eliminated)"}
    assert at.metric[0].value == "100%"
    assert len(at.get("dataframe")) >= 2  # the ranking and the figures behind the first reason
    (rests_on,) = [e for e in at.expander if e.label.startswith("What the decision rests on")]
    assert "no cost model measured" in rests_on.markdown[0].value  # no probe results on this page yet


def test_weight_flips_are_drawn_and_explained():
    answers = answers_mod.validate({"latency_budget_ms": 100, "dataset_images": 2000})
    result = analyse(answers)
    at = _open(answers)
    assert at.title[0].value == f"Recommendation: {result['recommendation'].upper()}"
    flips = [s for t, s in vega_charts(at).items() if t.startswith("Weight change that flips")]
    assert flips and {row["flips_to"] for row in flips[0]["data"]["values"]} == {"diffusion"}
    what_if = next(m.value for m in at.markdown if "random weight draws" in m.value)
    assert "would make diffusion the recommendation" in what_if


def test_figures_have_sources():
    at = _open(answers_mod.load_file(EXAMPLES / "conditioning-bound.yaml"))
    expanders = at.expander
    assert len(expanders) >= 3  # the top reasons, then the assumptions
    assert any("source" in df.value.columns for df in at.dataframe)


def test_plans_status_and_why_over_the_runner_up():
    answers = answers_mod.load_file(EXAMPLES / "conditioning-bound.yaml")
    result = analyse(answers)
    at = _open(answers)
    top, runner_up = result["recommendation"], result["runner_up"]
    assert [h.value for h in at.subheader if h.value.startswith("Why ")] == [f"Why {top} over {runner_up}"]
    ranking = next(df.value for df in at.dataframe if "plan" in df.value.columns and "p(limits)" in df.value.columns)
    statuses = dict(zip(ranking["candidate"], ranking["status"]))
    plans = dict(zip(ranking["candidate"], ranking["plan"]))
    for row in result["ranking"]:
        assert statuses[row["architecture"]].split(":")[0] == row["status"]
        if row["licence"]:
            assert licence_name(row["licence"]) in plans[row["architecture"]]
    (plans_box,) = [e for e in at.expander if e.label.startswith("Plans")]
    listed = plans_box.markdown[0].value.replace("\\", "")
    for row in result["ranking"]:
        assert row["architecture"] + ":" in listed and (row["licence"] or "") in listed
    runner = next(w.value for w in at.markdown if w.value.startswith("Runner-up: "))
    assert f"**{runner_up}**" in runner
