"""Order statistics shared by the rubric and the probes, in the standard library only.

    quantile([3.0, 1.0, 2.0], 0.5)   # 2.0

Torch-free and numpy-free, so the `recommend` path and the probes' summaries can both import it.
"""
from __future__ import annotations

import math
from collections.abc import Iterable


def quantile(values: Iterable[float], q: float) -> float:
    """The q-quantile (0 ≤ q ≤ 1) of `values` by linear interpolation between order statistics,
    numpy's default method ('linear', Hyndman & Fan type 7). An infinite order statistic is
    returned as is rather than interpolated into NaN: a bootstrap refit that never reaches its
    target counts as infinitely far."""
    s = sorted(values)
    if not s:
        raise ValueError("quantile of no values")
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile q must lie in [0, 1], got {q}")
    pos = q * (len(s) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    if pos == lo or s[hi] == s[lo]:
        return s[lo]
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)
