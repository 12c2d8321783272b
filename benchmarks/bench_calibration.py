"""Every calibration row: the latency model's prediction, the published figure, the leave-one-out error.

    python benchmarks/bench_calibration.py

The fit is rubric/calibrate.py (`python -m rubric.calibrate` rewrites the stored parameters);
each row's leave-one-out prediction comes from a fit to all the other rows, so it says how the
model does on a measurement it has not seen. Goal: median leave-one-out error ≤ 20%, worst ≤ 40%.
Errors are printed as predicted / published − 1. No timing: this is arithmetic on published data.
"""
from __future__ import annotations

import math
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rubric import calibrate, latency_model as lm  # noqa: E402
from rubric.knowledge import load  # noqa: E402


def main() -> int:
    knowledge = load()
    rows = calibrate.load_rows(knowledge=knowledge)
    calibration = lm.load_calibration()
    loo = calibrate.leave_one_out(rows, knowledge)
    print(f"{'row':<42} {'measured':>16} {'published s':>12} {'predicted s':>12} {'in-fit':>7} {'LOO':>7}")
    ratio_errors = []
    for row, loo_log in zip(rows, loo):
        predicted = lm.row_seconds(row, knowledge, calibration)
        in_fit = predicted / row["seconds"] - 1
        loo_error = math.exp(loo_log) - 1
        ratio_errors.append(math.exp(abs(loo_log)) - 1)  # ×/÷ error: 2× over and 2× under count alike
        print(f"{row['id']:<42} {row['measured']:>16} {row['seconds']:>12.4g} {predicted:>12.4g} "
              f"{in_fit:>+7.0%} {loo_error:>+7.0%}")
    median, worst = statistics.median(ratio_errors), max(ratio_errors)
    print(f"\n{len(rows)} rows; leave-one-out error (×/÷): median {median:.0%} (goal ≤ 20%), "
          f"worst {worst:.0%} (goal ≤ 40%), 90th percentile {math.exp(calibration.interval_log_halfwidth) - 1:.0%} "
          f"(the 90% interval of every catalog estimate)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
