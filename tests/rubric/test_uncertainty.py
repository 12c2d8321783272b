"""Standard errors of the controllability evidence, against the per-item computation."""
from __future__ import annotations

import math

import pytest

from rubric.uncertainty import se_mean, se_paired_share_difference, se_share


def _se_of_mean(values: list[float]) -> float:
    n = len(values)
    mean = sum(values) / n
    return math.sqrt(sum((v - mean) ** 2 for v in values) / n / n)  # population variance, as a share's


def test_paired_share_difference_is_the_standard_error_of_the_per_item_differences():
    # 7 items right only with the method (+1), 3 only with the floor (-1), 30 with both or neither (0)
    differences = [1.0] * 7 + [-1.0] * 3 + [0.0] * 30
    assert se_paired_share_difference(7, 3, 40) == pytest.approx(_se_of_mean(differences))


def test_a_share_is_a_mean_of_ones_and_zeros():
    assert se_share(0.25, 80) == pytest.approx(_se_of_mean([1.0] * 20 + [0.0] * 60))
    assert se_share(0.0, 80) == 0.0 and se_share(1.0, 80) == 0.0


def test_pairing_removes_what_both_get_right():
    # identical outcomes on every item: no uncertainty about the difference, whatever the shares
    assert se_paired_share_difference(0, 0, 100) == 0.0
    assert se_paired_share_difference(5, 5, 100) < math.hypot(se_share(0.5, 100), se_share(0.5, 100))


def test_mean_of_differences():
    assert se_mean(0.5, 25) == pytest.approx(0.1)
