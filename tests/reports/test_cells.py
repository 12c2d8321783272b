"""reports/cells.py and reports/ranking.py: each kind of cell written one way, the ranking built once."""
import pytest

from reports import cells
from reports.document import RANKING_HEADER, ranking_rows
from reports.ranking import ranked


@pytest.mark.parametrize("value, spec, written", [
    (0.49743, ".3f", "0.497"), (0.5, ".0%", "50%"), (7, "d", "7"), (None, ".3f", "-"),
    ([], ".1f", "-"),  # an empty mean (no run measured it) is missing, not a crash
    (True, ".2f", "-")])
def test_number_writes_a_column_cell_or_a_dash(value, spec, written):
    assert cells.number(value, spec) == written


@pytest.mark.parametrize("value, written", [
    (None, "—"), (True, "yes"), (0.49743, "0.497"), (12345.6, "12,346"), (20000, "20,000"),
    ({"a": 0.5}, "a 0.5"), ([1, 2.5], "1, 2.5"), ("x", "x")])
def test_fmt(value, written):
    assert cells.fmt(value) == written


@pytest.mark.parametrize("write, value, written", [
    (cells.ms, 344.658, "345 ms"), (cells.ms, 1234.5, "1.23 s"),
    (cells.usd, 30660.0, "30,660 USD"), (cells.usd, 0.040649, "0.0406 USD"), (cells.usd, 0.0000881, "0.0000881 USD"),
    (cells.usd, 0.0, "0 USD"), (cells.gpu_hours, 225000.0, "225,000"), (cells.gpu_hours, 1.5, "1.5"),
    (cells.weeks, 1.593, "1.6"), (cells.weeks, 170.4, "170"), (cells.three_figures, 137365.0, "137,000"),
    (cells.score, 0.8538, "0.854"), (cells.share, 1.0, "100%")])
def test_figures_with_hand_written_cells(write, value, written):
    assert write(value) == written


def test_an_interval_is_shown_only_where_its_ends_differ():
    assert cells.with_interval("345 ms", [250.0, 480.0], cells.ms) == "345 ms (250 ms – 480 ms)"
    assert cells.with_interval("2,920 USD", [2920.0, 2920.4], cells.usd) == "2,920 USD"
    assert cells.with_interval("345 ms", None, cells.ms) == "345 ms"


def test_gained_lost():
    assert cells.gained_lost(12, 2) == "+12/-2"
    assert cells.gained_lost(12, None) is None and cells.gained_lost(None, None) is None


def _estimate(latency, p, interval=None):
    return {"latency_ms_per_sample": latency, "latency_interval_ms": interval, "usd_per_1k_samples": 0.0406,
            "usd_per_1k_interval": [0.03, 0.05], "monthly_usd": 137365.0, "monthly_usd_interval": [137000.0, 137400.0],
            "training_gpu_hours": 1.5, "training_gpu_hours_interval": None, "weeks_to_production": 1.593,
            "weeks_interval": None, "p_meets_limits": p, "plan": "as_is", "images_used": 0, "licence": None,
            "in_house_distillation": False}


RESULT = {
    "answers": {"dataset_images": 20000},
    "ranking": [{"architecture": "hybrid", "variant_name": "SD-Turbo, 1 step", "score": 0.8538, "status": "ok",
                 "warnings": []},
                {"architecture": "gan", "variant_name": "StyleGAN2", "score": 0.9, "plan_score": 0.4231,
                 "status": "eliminated", "elimination_reason": "gan, StyleGAN2: 170 weeks > 12 week deadline",
                 "warnings": []}],
    "estimates": {"hybrid": {**_estimate(344.658, 1.0, [250.0, 480.0]), "nfe": 4},
                  "gan": _estimate(137.0, 0.0)},
}


def test_ranked_builds_each_candidate_once_and_the_report_reads_it():
    hybrid, gan = ranked(RESULT)
    assert (hybrid.rank, hybrid.family, hybrid.score, hybrid.meets_limits, hybrid.status_cell) == \
        (1, "hybrid", "0.854", "100%", "ok")
    assert hybrid.variant == "SD-Turbo, 4 steps"  # the steps its estimate was computed for
    assert hybrid.plan == "off the shelf"
    assert gan.score == "0.423"  # the plan it shows, not the family's best unusable one
    assert gan.reason == "170 weeks > 12 week deadline" and gan.status_cell == f"eliminated: {gan.reason}"
    assert hybrid.figure("latency_ms_per_sample", cells.ms) == "345 ms (250 ms – 480 ms)"
    assert gan.figure("latency_ms_per_sample", cells.ms) == "137 ms"
    report = dict(zip(RANKING_HEADER, ranking_rows(RESULT)[0]))
    assert report["USD/1k (90%)"] == "0.0406 (0.03 – 0.05)"
    assert report["USD/month (90%)"] == "137,000"  # both ends read 137,000 at three figures
    assert (report["train GPU-h (90%)"], report["weeks"]) == ("2", "1.6")
