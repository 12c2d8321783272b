"""The decision at a glance: the verdict names family, binding constraint and the trade-off against
the runner-up; the cards carry the recommendation's figures, intervals and differences."""
from __future__ import annotations

import pytest

from reports import verdict
from rubric import answers, contract, engine

from tests.conftest import EXAMPLES


def _result(name: str, **changes) -> dict:
    values = answers.validate({**answers.load_file(EXAMPLES / f"{name}.yaml"), **changes})
    return contract.to_dict(engine.decide(values), values)


@pytest.fixture(scope="module")
def realtime() -> dict:
    return _result("hybrid-text-realtime")


def test_verdict_names_family_plan_binding_and_the_trade_off(realtime):
    sentence = verdict.verdict_sentence(realtime)
    assert sentence.startswith("Hybrid (SD-Turbo")
    assert "latency as the binding constraint" in sentence
    assert "against diffusion (eliminated:" in sentence  # the runner-up and why it is out
    # diffusion's 897 ms against the hybrid's 73 ms: the ratio of the estimates, not a fixed text
    mine = realtime["estimates"]["hybrid"]["latency_ms_per_sample"]
    theirs = realtime["estimates"]["diffusion"]["latency_ms_per_sample"]
    assert f"wins on latency ({verdict.times(theirs / mine)} faster per image)" in sentence
    assert "Licen" not in sentence and sentence.endswith(".")


def test_trade_off_says_what_is_given_up_with_its_ratio():
    """Diffusion wins on stability when it binds, and gives up latency: both said, with the
    estimates' ratio."""
    result = _result("licence-clean-from-scratch")
    text = verdict.trade_off(result)
    assert text.startswith("against hybrid it wins on training stability")
    assert "gives up latency (" in text and "slower per image)" in text


def test_cards_carry_figures_intervals_and_deltas(realtime):
    cards = verdict.metric_cards(realtime)
    assert [c.label for c in cards] == ["Latency per image", "USD per 1,000 images", "USD per month",
                                        "Training GPU-hours", "Weeks to production"]
    latency = cards[0]
    assert latency.value == "73.2 ms" or latency.value.endswith(" ms")
    assert latency.interval.startswith("90%: ") and " – " in latency.interval
    assert latency.delta.startswith("−") and latency.delta.endswith("vs diffusion") and latency.better is True
    for card in cards:
        assert "e-0" not in card.value and "e+" not in (card.delta or "")  # no scientific notation


def test_cards_without_runner_up_have_no_delta(realtime):
    alone = {**realtime, "runner_up": None}
    assert all(c.delta is None and c.better is None for c in verdict.metric_cards(alone))
    assert verdict.verdict_sentence(alone).endswith("it is the only candidate.")


def test_equal_figures_say_same(realtime):
    same = {**realtime, "estimates": {**realtime["estimates"],
                                      "diffusion": dict(realtime["estimates"]["hybrid"])}}
    assert all(c.delta == "same as diffusion" and c.better is None for c in verdict.metric_cards(same))


def test_robustness_in_words_names_the_nearest_answer(realtime):
    text = verdict.robustness_words(realtime)
    share = realtime["robustness"]["top_choice_share"]
    assert f"{share:.0%}" in text
    expected = ("firm" if share >= 0.9 else "fairly firm" if share >= 0.7
                else "a close call" if share >= 0.5 else "fragile")
    assert text.startswith(f"The decision is {expected}: hybrid stays first")
    assert "latency budget of" in text and "(yours: 250 ms)" in text
    nothing = {**realtime, "what_if": []}
    assert "No single answer changed within its realistic range changes it." in verdict.robustness_words(nothing)


def test_what_if_lines_group_the_values_of_one_answer():
    result = {"what_if": [
        {"field": "serving_hardware", "label": "serving hardware", "change": "set", "value": "h100",
         "current": "t4", "current_text": "t4", "recommendation": "diffusion", "text": "serving hardware h100 → diffusion"},
        {"field": "serving_hardware", "label": "serving hardware", "change": "set", "value": "h200",
         "current": "t4", "current_text": "t4", "recommendation": "diffusion", "text": "serving hardware h200 → diffusion"},
        {"field": "team_can_maintain_custom_pipeline", "label": "team can maintain custom pipeline", "change": "set",
         "value": True, "current": False, "current_text": "no", "recommendation": "hybrid",
         "text": "the team can maintain a custom pipeline → hybrid"},
    ]}
    assert verdict.what_if_lines(result) == [
        "serving hardware h100 or h200 → diffusion (yours: t4)",
        "the team can maintain a custom pipeline → hybrid (yours: no)",
    ]


def test_score_words_explain_scores_once(realtime):
    text = verdict.score_words(realtime)
    assert text.startswith("A score runs from 0 to 1")
    assert "diffusion" in text and "(but eliminated, whatever its score)" in text
