"""`genarch estimate` arguments at and past their bounds: one line and exit 2, or finite figures."""
from __future__ import annotations

import json
import math

import pytest

from app.cli import main


@pytest.mark.parametrize("args, needle", [
    (["--usd-per-hour", "1e308"], "--usd-per-hour must be at most 10,000"),
    (["--usd-per-hour", "nan"], "--usd-per-hour must be positive"),
    (["--usd-per-hour", "-1"], "--usd-per-hour must be positive"),
    (["--resolution", "99999999999999999999999999"], "--resolution must be at most"),
    (["--steps", "1.5"], "--steps must be a whole number"),
    (["--batch", "1e30"], "--batch must be at most 1,000,000"),
])
def test_out_of_range_arguments_are_one_line(capsys, args, needle):
    assert main(["estimate", "--model", "sd15", "--hardware", "a100", *args]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_the_largest_allowed_price_gives_finite_money(capsys):
    # 10,000 USD/h was the ceiling below which money stayed finite; 1e308 overflowed to inf in JSON.
    assert main(["estimate", "--model", "sd15", "--hardware", "a100", "--usd-per-hour", "10000",
                 "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert math.isfinite(out["usd_per_1k_samples"]) and out["usd_per_1k_samples"] > 0
    assert all(math.isfinite(v) and v > 0 for v in out["usd_per_1k_interval"])
