"""Scores move the right way when a need grows or a limit loosens, and smoothly with the data
(hypothesis, over the whole answers space). A score is the family's standing on the weighted
criteria: needing more of something is never good news for it, and having more room never bad."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rubric import engine, knowledge

from tests.rubric.test_properties import ANSWERS

KB = knowledge.load()
# derandomize: CI explores the same examples every run; each property was also run with 1,000
# random examples by hand.
PROPERTY = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
EPS = 1e-9


def scores(answers: dict) -> dict[str, float]:
    return engine.decide(answers, KB).scores


def never_higher(after: dict, before: dict) -> None:
    for family in before:
        assert after[family] <= before[family] + EPS, (family, before[family], after[family])


@PROPERTY
@given(ANSWERS, st.sampled_from(["class", "text", "spatial", "editing"]))
def test_asking_for_one_more_conditioning_kind_never_raises_a_score(answers, kind):
    kinds = [k for k in answers["conditioning"] if k != "none"]
    if kind in kinds:
        return
    never_higher(scores({**answers, "conditioning": kinds + [kind]}), scores(answers))


@PROPERTY
@given(ANSWERS, st.floats(1.01, 1000.0))
def test_more_samples_a_month_never_raise_a_score(answers, factor):
    more = int(answers["samples_per_month"] * factor) + 1
    never_higher(scores({**answers, "samples_per_month": more}), scores(answers))


@PROPERTY
@given(ANSWERS, st.floats(1.01, 1000.0),
       st.sampled_from(["latency_budget_ms", "inference_budget_usd_per_month", "training_budget_gpu_hours",
                        "deadline_weeks"]))
def test_a_looser_limit_never_lowers_a_score(answers, factor, limit):
    if answers[limit] is None:
        answers = {**answers, limit: 100.0}
    before = scores(answers)
    for looser in (answers[limit] * factor + 1e-6, None):  # None: no limit at all
        never_higher(before, scores({**answers, limit: looser}))


@PROPERTY
@given(ANSWERS, st.integers(1, 10**6))
def test_more_training_images_never_lower_a_score(answers, extra):
    never_higher(scores(answers), scores({**answers, "dataset_images": answers["dataset_images"] + extra}))


@PROPERTY
@given(ANSWERS, st.integers(0, 10**7))
def test_one_image_more_moves_no_score_by_more_than_two_hundredths(answers, images):
    a, b = scores({**answers, "dataset_images": images}), scores({**answers, "dataset_images": images + 1})
    for family in a:
        assert abs(a[family] - b[family]) <= 0.02, (family, images, a[family], b[family])
