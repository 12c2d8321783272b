"""rubric.stats.quantile: numpy's default (linear) quantile without numpy, infinities kept."""
import math
import random

import numpy as np
import pytest

from rubric.stats import quantile


@pytest.mark.parametrize("values, q, expected", [
    ([1.0, 2.0, 3.0, 4.0], 0.5, 2.5),
    ([1.0, 2.0, 3.0, 4.0], 0.25, 1.75),  # position 0.75 between 1 and 2
    ([4.0, 1.0, 3.0, 2.0], 0.9, 3.7),  # unsorted input; position 2.7
    ([7.0], 0.9, 7.0),
    ([1.0, 5.0], 0.0, 1.0),
    ([1.0, 5.0], 1.0, 5.0),
])
def test_hand_computed(values, q, expected):
    assert quantile(values, q) == pytest.approx(expected)


def test_matches_numpy_linear():
    rng = random.Random(0)
    for n in (2, 3, 10, 101):
        values = [rng.lognormvariate(0, 1) for _ in range(n)]
        for q in (0.05, 0.25, 0.5, 0.75, 0.9, 0.95):
            assert quantile(values, q) == pytest.approx(float(np.quantile(values, q)), rel=1e-12)


def test_infinite_order_statistics():
    assert quantile([1.0, math.inf], 0.5) == math.inf
    assert quantile([1.0, 2.0, math.inf, math.inf], 0.9) == math.inf  # never inf - inf = NaN
    assert quantile([1.0, 2.0, math.inf], 0.5) == 2.0  # exact position: no 0 × inf


@pytest.mark.parametrize("values, q", [([], 0.5), ([1.0], -0.1), ([1.0], 1.5)])
def test_refuses(values, q):
    with pytest.raises(ValueError):
        quantile(values, q)
