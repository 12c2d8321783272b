"""Fit the latency model to published measurements and write rubric/data/latency_calibration.yaml.

    python -m rubric.calibrate            # refit and rewrite the file
    python -m rubric.calibrate --check    # exit 1 if the stored file differs from a refit

The model (rubric/latency_model.py) has eight parameters: the launch time per kernel of each
serving stack, the compute and bandwidth efficiencies, the CUDA-core work per byte, and the traffic factor of compiled and
TensorRT stacks against eager. They are fitted by least squares on log(predicted / published),
so a 2× miss on a 0.07 s row weighs as much as one on a 7 s row (scipy.optimize.least_squares,
from a fixed start, so a rerun reproduces the file). The uncertainty is leave-one-out: each row
is predicted by a fit to all the others; the 90th percentile of those errors is the half-width
of every estimate's 90% interval, and their spread the sigma of the probabilities.
Run only by hand or by tests: `genarch recommend` reads the written file and never imports scipy.
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import yaml

from rubric import latency_model as lm
from rubric.knowledge import DATA_DIR, Knowledge, KnowledgeError
from rubric.knowledge import load as load_knowledge
from rubric.stats import quantile

ROWS_FILE = "published_latency.yaml"
# Start of the fit, in the model's units: 20 µs per eager kernel launch, half of peak, half of
# bandwidth, 1 CUDA-core FLOP per traced byte, 5 µs launches and 0.7× traffic for compiled and
# TensorRT stacks.
START = [math.log(x) for x in (20e-6, 0.5, 0.5, 1.0, 1e9, 5e-6, 0.7, 5e-6, 0.7)]
# Uncalibrated CPU assumptions: no published CPU rows; `genarch probe` measures the user's CPU.
CPU = {"launch_s_per_kernel": 20e-6, "compute_efficiency": 0.30, "bandwidth_efficiency": 0.5}
CPU_SOURCE = ("genarch assumption: vectorised fp32 convolutions at 0.3 of peak, half the memory bandwidth, "
              "20 µs per operator (no published CPU rows; run `genarch probe --device cpu`)")
ROW_KEYS = {"id", "pipeline", "device", "dtype", "stack", "batch", "measured", "seconds", "source",
            "resolution", "steps", "guidance", "adapter", "note"}


def load_rows(data_dir: Path = DATA_DIR, knowledge: Knowledge | None = None) -> list[dict]:
    knowledge = knowledge or load_knowledge(data_dir)
    with (Path(data_dir) / ROWS_FILE).open(encoding="utf-8") as handle:
        rows = yaml.safe_load(handle)["rows"]
    for row in rows:
        where = f"{ROWS_FILE}: {row.get('id')}"
        if set(row) - ROW_KEYS:
            raise KnowledgeError(f"{where}: unknown key(s) {', '.join(sorted(set(row) - ROW_KEYS))}")
        if (row["pipeline"] not in knowledge.pipelines or row["device"] not in knowledge.devices
                or row["stack"] not in lm.STACKS or row["dtype"] not in lm.DTYPES
                or row["measured"] not in ("end_to_end", "denoising_step", "denoiser_forward")
                or not row["seconds"] > 0 or not row["batch"] >= 1):
            raise KnowledgeError(f"{where}: unknown pipeline, device, stack, dtype or measure, or a bad figure")
    return rows


# Prior sigma of an architecture's log factor (×/÷1.65 at one sigma), against the rows' scatter of
# about 0.2: the factor moves only as far as several rows of that architecture agree.
ARCHITECTURE_PRIOR_SIGMA = 0.5
PRIOR_WEIGHT = 0.2 / ARCHITECTURE_PRIOR_SIGMA


def _calibration(theta, factors: dict[str, float] | None = None) -> lm.Calibration:
    """A calibration to predict with while fitting (the spread is not known yet, nor used)."""
    compute, bandwidth, vector, tail, stacks = lm.parameters_from_vector(list(theta))
    return lm.Calibration(compute, bandwidth, vector, tail, stacks, 0.0, 0.0, CPU, 0, "", dict(factors or {}))


def log_errors(theta, rows: list[dict], knowledge: Knowledge, factors: dict[str, float] | None = None) -> list[float]:
    """log(predicted / published) per row."""
    calibration = _calibration(theta, factors)
    return [math.log(lm.row_seconds(row, knowledge, calibration) / row["seconds"]) for row in rows]


def fitted_architectures(rows: list[dict], knowledge: Knowledge) -> list[str]:
    """Denoisers with rows of their own get a device-time factor each (partial pooling)."""
    return sorted({knowledge.pipelines[row["pipeline"]].denoiser for row in rows})


def fit(rows: list[dict], knowledge: Knowledge) -> tuple[list[float], dict[str, float]]:
    """(the shared parameters, the per-architecture factors). Each architecture's log factor is
    pulled toward 0 (the shared model) with a prior sigma of ARCHITECTURE_PRIOR_SIGMA, so an
    architecture with few rows keeps close to the shared fit and one with none uses it as is."""
    from scipy.optimize import least_squares

    names = fitted_architectures(rows, knowledge)
    shared = len(START)

    def residuals(t):
        factors = dict(zip(names, (math.exp(x) for x in t[shared:])))
        errors = log_errors(t[:shared], rows, knowledge, factors)
        return errors + [x * PRIOR_WEIGHT for x in t[shared:]]

    # Compute efficiency is left unbounded: the fit puts it above 1 (the tensor-core term is then
    # small beside traffic, vector work and launches, which is what the rows say: SD-class UNets
    # are not tensor-core bound), and bounding it at 1 worsens the leave-one-out errors
    # (median 0.16 -> 0.18, worst 0.65 -> 0.76).
    result = least_squares(residuals, START + [0.0] * len(names), method="trf",
                           xtol=1e-12, ftol=1e-12, max_nfev=4000)
    theta = [float(x) for x in result.x]
    return theta[:shared], {n: math.exp(x) for n, x in zip(names, theta[shared:])}


def leave_one_out(rows: list[dict], knowledge: Knowledge) -> list[float]:
    """log(predicted / published) for each row, predicted by a fit to the other rows."""
    errors = []
    for i, row in enumerate(rows):
        theta, factors = fit(rows[:i] + rows[i + 1:], knowledge)
        errors.append(log_errors(theta, [row], knowledge, factors)[0])
    return errors


def calibrate(data_dir: Path = DATA_DIR) -> dict:
    """The calibration file's content (rounded so a refit reproduces it exactly)."""
    knowledge = load_knowledge(data_dir)
    rows = load_rows(data_dir, knowledge)
    theta, factors = fit(rows, knowledge)
    loo = leave_one_out(rows, knowledge)
    absolute = [abs(e) for e in loo]
    halfwidth = quantile(absolute, 0.9)
    compute, bandwidth, vector, tail, stacks = lm.parameters_from_vector(theta)

    def r(x: float) -> float:
        return float(f"{x:.4g}")

    return {
        "source": f"python -m rubric.calibrate: least squares on log error over {len(rows)} rows of {ROWS_FILE}",
        "rows": len(rows),
        "fit": {
            "compute_efficiency": r(compute),
            "bandwidth_efficiency": r(bandwidth),
            "vector_flop_per_byte": r(vector),
            "tail_flop_per_kernel": r(tail),
            "architecture_factors": {name: r(f) for name, f in factors.items()},
            "stacks": {name: {"launch_s_per_kernel": r(s.launch_s_per_kernel), "traffic_factor": r(s.traffic_factor)}
                       for name, s in stacks.items()},
        },
        "uncertainty": {
            "leave_one_out_median_error": r(math.exp(quantile(absolute, 0.5)) - 1),
            "leave_one_out_worst_error": r(math.exp(max(absolute)) - 1),
            "interval_log_halfwidth": r(halfwidth),
            "log_sigma": r(halfwidth / lm.Z_90),
            "note": "90% of leave-one-out predictions lie within exp(±interval_log_halfwidth) of the published "
                    "figure; log_sigma = that half-width / 1.645, the sigma of a normal on log latency",
        },
        "cpu": {**CPU, "source": CPU_SOURCE},
    }


HEADER = ("# Written by `python -m rubric.calibrate` from published_latency.yaml: do not edit by hand.\n"
          "# The latency model's fitted parameters (rubric/latency_model.py) and its leave-one-out spread.\n")


def render(content: dict) -> str:
    return HEADER + yaml.safe_dump(content, sort_keys=False, allow_unicode=True, width=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the stored file instead of writing")
    args = parser.parse_args(argv)
    text = render(calibrate())
    path = DATA_DIR / lm.CALIBRATION_FILE
    if args.check:
        same = path.exists() and path.read_text(encoding="utf-8") == text
        print(f"{path}: {'reproduced' if same else 'differs from a refit'}")
        return 0 if same else 1
    from probes.atomic import write_text_atomic  # torch-free: temp file, fsync, os.replace

    write_text_atomic(path, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
