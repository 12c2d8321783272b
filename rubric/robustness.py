"""How robust is the top choice to the weights and the estimates? Ours: neither pymcdm nor
scikit-criteria has it.

* Monte Carlo: every weight is multiplied by exp(N(0, sigma²)) (seeded) and, in the same draw,
  every family's estimates are redrawn from their log-normal spread (one serving rate behind
  latency and money, one training budget behind GPU-hours and weeks); the utilities of those
  criteria are recomputed, a family whose drawn quantity breaks the binding limit is out of that
  draw, and we count the share of draws in which the top choice stays on top. A decision that
  rests on a thin margin to a limit therefore says so.
* Flip analysis: for each criterion, the smallest relative change of its weight alone that
  makes another (non-eliminated) family overtake the top choice. Scores rank as weighted means, so
  top beats c while  Σ_j w_j (u_top,j − u_c,j) > 0 ; scaling w_i by m flips it at
      m* = −(Σ_{j≠i} w_j d_j) / (w_i d_i),   d_j = u_top,j − u_c,j,
  exactly, with no search. Changes beyond ×max_factor (or ÷) are reported as None.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rubric.utilities import LOG2_CAP


@dataclass(frozen=True)
class UncertainCell:
    """One family's estimated quantity behind one ratio criterion, to redraw in each draw:
    quantity = offset + base × exp(sigma × z) / divisor (then at least `floor`), z the family's
    draw for its `group`; the utility is the criterion's curve of quantity / limit, and of
    quantity / its fixed reference where it has one (the lower of the two)."""
    family: int
    criterion: int
    group: str  # "serving" | "training"
    log_sigma: float
    base: float
    offset: float
    divisor: float
    floor: float
    limit: float | None
    curve: dict
    gates: bool  # a binding limit: a draw past it takes the family out
    reference: float | None = None
    reference_curve: dict | None = None


def curve_array(ratio: np.ndarray, params: dict) -> np.ndarray:
    """rubric.utilities.curve on arrays."""
    with np.errstate(divide="ignore"):
        z = np.clip(np.log2(np.maximum(ratio, 0.0)), -LOG2_CAP, LOG2_CAP)
    k = params["sharpness"]
    return 1.0 - params["slope"] * np.logaddexp(0.0, k * (z - params["knee_log2"])) / k


def _redrawn(cells: list[UncertainCell], u: np.ndarray, rng, draws: int, families: int):
    """(utilities per draw, families × criteria; alive mask per draw) with estimates redrawn."""
    utilities = np.broadcast_to(u, (draws, *u.shape)).copy()
    alive = np.ones((draws, families), dtype=bool)
    z = {"serving": rng.standard_normal((draws, families)), "training": rng.standard_normal((draws, families))}
    for cell in cells:
        drawn = cell.offset + cell.base * np.exp(cell.log_sigma * z[cell.group][:, cell.family]) / cell.divisor
        quantity = np.maximum(drawn, cell.floor)
        utility = None
        if cell.limit is not None:
            with np.errstate(over="ignore"):  # a limit of ~1e-308 gives inf, which the curve caps
                ratio = quantity / cell.limit if cell.limit > 0 else np.where(quantity > 0, 2.0 ** LOG2_CAP, 0.0)
            if cell.gates:
                alive[:, cell.family] &= quantity <= cell.limit
            utility = curve_array(ratio, cell.curve)
        if cell.reference is not None:
            against = curve_array(quantity / cell.reference, cell.reference_curve)
            utility = against if utility is None else np.minimum(utility, against)
        if utility is not None:
            utilities[:, cell.family, cell.criterion] = utility
    return utilities, alive


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
            settings: dict, uncertain: list[UncertainCell] | None = None) -> Robustness:
    families = list(utilities)
    criteria = list(weights)
    u = np.array([[utilities[f][c] for c in criteria] for f in families])  # families × criteria
    w = np.array([weights[c] for c in criteria])
    draws, seed, sigma = int(settings["draws"]), int(settings["seed"]), float(settings["log_weight_sigma"])
    max_factor = float(settings["flip_search_max_factor"])
    top_index = families.index(top)

    rng = np.random.default_rng(seed)
    sampled = w * np.exp(sigma * rng.standard_normal((draws, len(w))))
    if uncertain:
        drawn, alive = _redrawn(uncertain, u, rng, draws, len(families))
        totals = np.einsum("dc,dfc->df", sampled, drawn)  # normalising by Σw does not change the argmax
        totals = np.where(alive, totals, -np.inf)
        winners = np.argmax(totals, axis=1)
        share = float(np.mean((winners == top_index) & alive[:, top_index]))
    else:
        winners = np.argmax(sampled @ u.T, axis=1)
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
