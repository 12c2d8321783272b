"""The data-needs power law on synthetic points with known parameters."""
from __future__ import annotations

import pytest

from probes.summaries.data_needs import fit_power_law, images_needed, predict_fid


def test_recovers_a_known_power_law():
    points = [(n, 200.0 * n ** -0.5) for n in (100, 300, 1000) for _ in range(2)]
    fit = fit_power_law(points)
    assert fit["a"] == pytest.approx(200.0) and fit["b"] == pytest.approx(0.5)
    # FID 2 needs (200 / 2)^(1/0.5) = 10,000 images: 10× the largest measured size exactly.
    need = images_needed(fit, 2.0)
    assert need["images"] == pytest.approx(10_000) and need["confidence"] == "measured-range"
    far = images_needed(fit, 1.0)
    assert far["images"] == pytest.approx(40_000) and far["confidence"] == "low"


def test_noisy_points_give_a_band_around_the_estimate():
    noise = [1.1, 0.9, 1.05, 0.95, 1.08, 0.93]
    sizes = [100, 100, 300, 300, 1000, 1000]
    fit = fit_power_law([(n, 50 * n ** -0.3 * e) for n, e in zip(sizes, noise)])
    pred = predict_fid(fit, 3000)
    assert pred["interval"][0] <= pred["fid"] <= pred["interval"][1]
    need = images_needed(fit, 8.0)
    assert need["interval"][0] <= need["images"] <= need["interval"][1]


def test_no_improvement_with_data_is_said_plainly():
    fit = fit_power_law([(100, 10.0), (300, 10.5), (1000, 11.0)])
    assert fit["b"] < 0
    assert images_needed(fit, 5.0)["images"] is None


def test_one_size_cannot_be_fitted():
    assert fit_power_law([(100, 3.0), (100, 4.0)]) is None


def test_unbounded_bands_are_json_safe():
    import json

    # Two sizes whose bootstrap resamples sometimes see no improvement: the upper end is unbounded.
    fit = fit_power_law([(100, 5.0), (100, 5.5), (300, 4.9), (300, 5.6)], seed=1)
    need = images_needed(fit, 1.0)
    json.dumps(need, allow_nan=False)  # no inf or nan may reach probe-results.json
    assert need["interval"] is None or need["interval"][1] is None or need["interval"][1] > 0
