"""How precisely a probe measured a share: standard errors for the controllability evidence.

The reasons quote measured support as "value ± one standard error", so a reader can tell a
measurement on 128 images from one on 10,000. Normal approximations, adequate at the probes'
sample sizes (hundreds; Agresti, Categorical Data Analysis, 3rd ed., §1.3 and §11.1). Pure
functions, no I/O.
"""
from __future__ import annotations

import math


def se_share(share: float, samples: int) -> float:
    """A share of `samples` independent trials (binomial)."""
    return math.sqrt(share * (1 - share) / samples)


def se_paired_share_difference(gained: int, lost: int, samples: int) -> float:
    """The difference of two shares over the same items: `gained` items only the method gets
    right, `lost` only the floor does (the variance behind McNemar's test; items both get right
    or both get wrong add nothing)."""
    return math.sqrt(max(0.0, (gained + lost) - (gained - lost) ** 2 / samples)) / samples


def se_mean(sd: float, samples: int) -> float:
    """The mean of `samples` per-item values (or per-item differences) with standard deviation sd."""
    return sd / math.sqrt(samples)
