"""Data needs: quality against dataset size, as a power law with an uncertainty band.

    fit = fit_power_law([(n_images, fid), ...])            # per family, all seeds' points
    images_needed(fit, target_fid=5.0)                       # with a confidence label

Quality follows a power law in dataset size over the ranges measured in practice (the
DiffAugment table: FFHQ-256 StyleGAN2 FID 62 -> 26 -> 15 -> 6 at 1k/5k/10k/30k images):
    FID(n) = a × n^(−b),  fitted as a straight line in log–log space by least squares.
The band comes from a seeded bootstrap over the measured points (5th–95th percentile). An answer
beyond 10× the largest measured size is extrapolation and is labelled low-confidence. Torch-free.
"""
from __future__ import annotations

import math
import random

from rubric.stats import quantile

EXTRAPOLATION_LIMIT = 10.0  # × the largest measured dataset size
OUT_OF_REACH = 10_000.0  # beyond this multiple the power law says "not by more data"
BOOTSTRAP = 200


def _line(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    """(log a, b) of log y = log a − b log n; None when the sizes do not vary."""
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(y) for _, y in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx <= 1e-12:
        return None
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return my - slope * mx, -slope


def _finite(value: float) -> float | None:
    """JSON has no infinity: an unbounded end of a band is written as null."""
    return value if math.isfinite(value) else None


def fit_power_law(points: list[tuple[float, float]], seed: int = 0) -> dict | None:
    """Fit FID(n) = a n^(−b) to (dataset size, FID) points; None with < 2 distinct sizes."""
    points = [(float(n), float(y)) for n, y in points if n > 0 and y > 0 and math.isfinite(y)]
    line = _line(points) if len(points) >= 2 else None
    if line is None:
        return None
    log_a, b = line
    rng = random.Random(seed)
    boot = [fit for fit in (_line([rng.choice(points) for _ in points]) for _ in range(BOOTSTRAP)) if fit]
    residuals = [math.log(y) - (log_a - b * math.log(n)) for n, y in points]
    return {"model": "fid = a * n_images ** (-b)", "a": math.exp(log_a), "b": b,
            "sizes_measured": sorted({n for n, _ in points}), "n_points": len(points),
            "rms_log_residual": math.sqrt(sum(r * r for r in residuals) / len(residuals)),
            "bootstrap": [[la, bb] for la, bb in boot]}


def predict_fid(fit: dict, n_images: float) -> dict:
    """FID predicted at n_images, with the bootstrap's 5–95% band."""
    value = fit["a"] * n_images ** (-fit["b"])
    boot = [math.exp(la) * n_images ** (-bb) for la, bb in fit["bootstrap"]] or [value]
    return {"fid": value, "interval": [_finite(quantile(boot, 0.05)), _finite(quantile(boot, 0.95))],
            "extrapolated": n_images > EXTRAPOLATION_LIMIT * max(fit["sizes_measured"])}


def images_needed(fit: dict, target_fid: float) -> dict:
    """Images needed to reach `target_fid`, its band, and how far to trust it."""
    largest = max(fit["sizes_measured"])
    if fit["b"] <= 0:
        return {"target_fid": target_fid, "images": None, "interval": None, "confidence": "none",
                "note": "quality did not improve with more data in the measured range"}

    def solve(log_a: float, b: float) -> float:
        if b <= 0:
            return math.inf
        log_n = (log_a - math.log(target_fid)) / b
        return math.inf if log_n > 700 else math.exp(log_n)  # e^700 ≈ 1e304: no dataset is that big

    images = solve(math.log(fit["a"]), fit["b"])
    if images > OUT_OF_REACH * largest:
        return {"target_fid": target_fid, "images": None, "interval": None, "confidence": "none",
                "note": f"quality barely improves with data in the measured range (b = {fit['b']:.3f}): "
                        f"more than {OUT_OF_REACH:,.0f}× the largest measured size"}
    boot = [solve(la, bb) for la, bb in fit["bootstrap"]]
    interval = [_finite(quantile(boot, 0.05)), _finite(quantile(boot, 0.95))] if boot else None
    beyond = images > EXTRAPOLATION_LIMIT * largest
    return {"target_fid": target_fid, "images": images, "interval": interval,
            "confidence": "low" if beyond else "measured-range",
            "note": (f"extrapolated beyond 10× the largest measured size ({largest:,.0f} images)"
                     if beyond else f"within 10× of the measured sizes (up to {largest:,.0f} images)")}
