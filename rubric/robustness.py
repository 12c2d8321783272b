"""How robust is the top choice to the weights? Ours: neither pymcdm nor scikit-criteria has it.

* Monte Carlo: every weight is multiplied by exp(N(0, sigma²)) (seeded), and we count the share
  of draws in which the top choice stays on top.
* Flip analysis: for each criterion, the smallest relative change of its weight alone that
  makes another (non-eliminated) family overtake the top choice. Scores are weighted means, so
  top beats c while  Σ_j w_j (u_top,j − u_c,j) > 0 ; scaling w_i by m flips it at
      m* = −(Σ_{j≠i} w_j d_j) / (w_i d_i),   d_j = u_top,j − u_c,j,
  exactly, with no search. Changes beyond ×max_factor (or ÷) are reported as None.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Robustness:
    top_choice_share: float
    draws: int
    seed: int
    log_weight_sigma: float
    flip_weight_change: dict[str, float | None]  # criterion -> relative change (m* − 1) or None
    flip_to: dict[str, str | None]
    max_factor: float


def analyse(utilities: dict[str, dict[str, float]], weights: dict[str, float], top: str,
            settings: dict) -> Robustness:
    families = list(utilities)
    criteria = list(weights)
    u = np.array([[utilities[f][c] for c in criteria] for f in families])  # families × criteria
    w = np.array([weights[c] for c in criteria])
    draws, seed, sigma = int(settings["draws"]), int(settings["seed"]), float(settings["log_weight_sigma"])
    max_factor = float(settings["flip_search_max_factor"])
    top_index = families.index(top)

    rng = np.random.default_rng(seed)
    sampled = w * np.exp(sigma * rng.standard_normal((draws, len(w))))
    winners = np.argmax(sampled @ u.T, axis=1)  # normalising by Σw does not change the argmax
    share = float(np.mean(winners == top_index)) if len(families) > 1 else 1.0

    change: dict[str, float | None] = {}
    flip_to: dict[str, str | None] = {}
    for i, criterion in enumerate(criteria):
        best, best_family = None, None
        for j, family in enumerate(families):
            if j == top_index or w[i] == 0:
                continue
            d = u[top_index] - u[j]
            d_i = d[i]
            if d_i == 0:
                continue
            rest = float(w @ d - w[i] * d_i)
            m = -rest / (w[i] * d_i)
            if m <= 0 or not (1 / max_factor <= m <= max_factor) or math.isclose(m, 1.0):
                continue
            if best is None or abs(math.log(m)) < abs(math.log(best)):
                best, best_family = m, family
        change[criterion] = None if best is None else best - 1.0
        flip_to[criterion] = best_family
    return Robustness(share, draws, seed, sigma, change, flip_to, max_factor)
