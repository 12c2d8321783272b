"""Shared inputs for the report tests: real decisions from the engine, and a literal contract."""
from __future__ import annotations

import json

import pytest

from tests.conftest import EXAMPLES, ROOT

PROBE_RESULTS = ROOT / "tests" / "fixtures" / "probe-results-cpu.json"
CONTROL_RESULTS = ROOT / "tests" / "fixtures" / "probe-results-control.json"
HYBRID_EXAMPLE = EXAMPLES / "hybrid-text-realtime.yaml"
# Where a probe file may sit on the machine that wrote the report: the body must name the file only.
LOCAL_SOURCE = "/home/analyst/runs/cpu-box/probe-results.json"
GENERATED = "2026-12-03 01:50 UTC"
# Answers whose decision has weight changes that flip it (hybrid; diffusion is within reach).
FLIPPING = {"serving_hardware": "a100", "latency_budget_ms": 100, "dataset_images": 2000}


def decision(answers_or_path):
    from app.analysis import analyse
    from rubric import answers

    values = (answers.load_file(answers_or_path) if not isinstance(answers_or_path, dict)
              else answers.validate(answers_or_path))
    return values, analyse(values)


@pytest.fixture
def latency_bound():
    return decision(EXAMPLES / "latency-bound.yaml")


@pytest.fixture
def flipping():
    return decision(FLIPPING)


def stored_probe_results() -> dict:
    """The stored fixtures as one quick-profile file: inference and cost model, then the
    conditioning, steering and hybrid sections."""
    return {**json.loads(PROBE_RESULTS.read_text()), **json.loads(CONTROL_RESULTS.read_text())}


@pytest.fixture(scope="module")
def hybrid_with_probes():
    """The hybrid example decided with the stored probe fixtures, read from a local path."""
    from app.analysis import analyse
    from reports.probe_view import ProbeSet
    from rubric import answers as answers_mod

    sets = [ProbeSet.from_results(stored_probe_results(), LOCAL_SOURCE)]
    answers = answers_mod.load_file(HYBRID_EXAMPLE)
    return answers, analyse(answers, sets), sets


@pytest.fixture
def probe_sets():
    from reports.probe_view import ProbeSet

    return [ProbeSet.from_results(json.loads(PROBE_RESULTS.read_text()), "runs/cpu/probe-results.json")]


def literal_contract(*, eliminated_score=0.5, flips=None, feasible=True, basis="catalog"):
    """A hand-made decision contract: a (0.8) beats b (0.6); c is eliminated at `eliminated_score`.
    Two criteria, weights 3 and 1: a's utilities (1.0, 0.2) give (3×1 + 1×0.2)/4 = 0.8."""
    def reasons(u1, u2):
        return [{"criterion": "speed", "name": "Speed", "weight": 3.0, "utility": u1, "text": "t", "figures": []},
                {"criterion": "risk", "name": "Risk", "weight": 1.0, "utility": u2, "text": "t", "figures": []}]

    flips = flips or {}
    est = {"variant": "v", "nfe": 1, "basis": basis, "assumptions": [], "latency_ms_per_sample": 1.0}
    return {
        "recommendation": "a", "feasible": feasible, "binding_constraint": "latency",
        "ranking": [
            {"architecture": "a", "variant_name": "A", "score": 0.8, "eliminated": False,
             "elimination_reason": None, "reasons": reasons(1.0, 0.2)},
            {"architecture": "b", "variant_name": "B", "score": 0.6, "eliminated": False,
             "elimination_reason": None, "reasons": reasons(0.6, 0.6)},
            {"architecture": "c", "variant_name": "C", "score": eliminated_score, "eliminated": True,
             "elimination_reason": "c: 900 ms predicted > 100 ms latency limit", "reasons": reasons(0.0, 1.0)},
        ],
        "estimates": {"a": est, "b": est, "c": est},
        "weights": {"speed": 3.0, "risk": 1.0},
        "robustness": {"top_choice_share": 0.93, "draws": 2000, "seed": 7, "log_weight_sigma": 0.4,
                       "max_factor": 4.0,
                       "flip_weight_change": {"speed": flips.get("speed"), "risk": flips.get("risk")},
                       "flip_to": {"speed": "b" if "speed" in flips else None,
                                   "risk": "b" if "risk" in flips else None}},
        "notes": [],
    }


def png_bytes(size: int = 16) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (200, 40, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def with_training(results: dict) -> dict:
    """`results` plus a training section in the shape probes/training.py and
    probes/summaries/training_summary.py write: two families, two dataset sizes, one seed."""
    import base64

    runs = []
    for arch, fids in (("gan", (60.0, 30.0)), ("diffusion", (40.0, 20.0))):
        for size, fid in zip((200, 1000), fids):
            runs.append({
                "architecture": arch, "fraction": size / 1000, "train_images": size, "seed": 0,
                "curve": [{"step": 1, "images_seen": 64, "fid": 2 * fid}, {"step": 2, "images_seen": 128, "fid": fid}],
                "final": {"step": 2, "images_seen": 128, "fid": fid}, "diverged": False,
                "mode_coverage": {"classes_covered": 7 if arch == "gan" else 10, "classes": 10,
                                  "kl_real_to_generated": 0.3},
                **({"sample_grid_png_base64": base64.b64encode(png_bytes()).decode()} if size == 1000 else {}),
            })
    results = {**results, "training": {"runs": runs, "stability": {
        "gan": {"runs": 2, "diverged_runs": 0, "relative_spread_full_data": None,
                "classes_covered_mean": 7, "classes": 10},
        "diffusion": {"runs": 2, "diverged_runs": 0, "relative_spread_full_data": None,
                      "classes_covered_mean": 10, "classes": 10}}}}
    results["data_needs"] = {"target_fid": 25.0, "families": {
        "gan": {"fit": {"a": 60.0 * 200 ** 0.43, "b": 0.43, "sizes_measured": [200, 1000]},
                "images_needed": {"images": 1500.0, "confidence": "measured-range"}},
        "diffusion": {"fit": {"a": 40.0 * 200 ** 0.43, "b": 0.43, "sizes_measured": [200, 1000]},
                      "images_needed": {"images": 700.0, "confidence": "measured-range"}}}}
    return results
