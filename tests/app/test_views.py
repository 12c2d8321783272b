"""app/views.py: the ranking as formatted tables and cards, and the Probes page's device note."""
import pytest

from app import views


def _estimate(latency, usd_1k, monthly, gpu_hours, weeks, **extra):
    return {"latency_ms_per_sample": latency, "usd_per_1k_samples": usd_1k, "monthly_usd": monthly,
            "training_gpu_hours": gpu_hours, "weeks_to_production": weeks, "p_meets_limits": extra.pop("p", 1.0),
            "plan": "as_is", "images_used": 0, "licence": None, **extra}


def _row(family, status, score, reason=None):
    return {"architecture": family, "variant_name": f"{family} variant", "score": score, "status": status,
            "eliminated": status in ("eliminated", "infeasible"), "elimination_reason": reason,
            "infeasible_reason": reason if status == "infeasible" else None, "warnings": [], "at_risk": None}


# A literal contract: the raw figures the issue saw unformatted (344.658 ms, 225000 GPU-hours).
RESULT = {
    "recommendation": "hybrid", "runner_up": "diffusion", "answers": {"dataset_images": 20000},
    "ranking": [_row("hybrid", "ok", 0.8538), _row("diffusion", "eliminated", 0.4231, "diffusion: 897 ms > 250 ms"),
                _row("gan", "infeasible", 0.671, "170 weeks to production")],
    "estimates": {
        "hybrid": _estimate(344.658, 0.040649, 2920.0, 125.0, 1.593, latency_interval_ms=[250.0, 480.0],
                            monthly_usd_interval=[2920.0, 2920.0]),
        "diffusion": _estimate(1234.5, 0.0000881, 30660.0, 75.0, 1.6, p=0.0),
        "gan": _estimate(137.0, 0.0135, 1460.0, 225000.0, 170.4)},
}


def test_the_ranking_frame_writes_every_figure_with_its_unit():
    frame = views.ranking_frame(RESULT)
    assert list(frame.columns) == list(views.RANKING_COLUMNS)
    assert frame.to_dict("records") == [
        {"#": 1, "candidate": "hybrid", "status": "✓ ok", "score": "0.854", "latency": "345 ms",
         "USD per 1,000 images": "0.0406 USD", "USD per month": "2,920 USD", "meets limits": "100%"},
        {"#": 2, "candidate": "diffusion", "status": "✗ eliminated", "score": "0.423", "latency": "1.23 s",
         "USD per 1,000 images": "0.0000881 USD", "USD per month": "30,660 USD", "meets limits": "0%"},
        {"#": 3, "candidate": "gan", "status": "✗ infeasible", "score": "0.671", "latency": "137 ms",
         "USD per 1,000 images": "0.0135 USD", "USD per month": "1,460 USD", "meets limits": "100%"}]


def test_the_details_frame_gives_intervals_where_they_differ_and_the_reasons():
    details = views.details_frame(RESULT).set_index("candidate")
    assert details.loc["hybrid", "latency (90%)"] == "345 ms (250 ms – 480 ms)"
    assert details.loc["hybrid", "USD per month (90%)"] == "2,920 USD"  # both ends the same: no interval
    assert details.loc["gan", "training (90%)"] == "225,000 GPU-h"
    assert details.loc["gan", "weeks to production (90%)"] == "170 weeks"
    assert details.loc["hybrid", "why this status"] == "—"
    assert details.loc["diffusion", "why this status"] == "897 ms > 250 ms"  # the family is the row's name
    assert details.loc["hybrid", "plan"] == "off the shelf"


def test_candidate_cards_say_rank_status_and_figures():
    first, second, third = views.candidate_cards(RESULT)
    assert first.title == "1. hybrid ✓ ok" and first.variant == "hybrid variant"
    assert first.figures == "345 ms · 0.0406 USD per 1,000 images · 2,920 USD per month"
    assert first.odds == "score 0.854 · meets every limit: 100%"
    assert second.title == "2. diffusion ✗ eliminated" and third.title == "3. gan ✗ infeasible"
    assert second.figures == "1.23 s · 0.0000881 USD per 1,000 images · 30,660 USD per month"
    assert second.odds == "score 0.423 · meets every limit: 0%"


@pytest.mark.parametrize("delta, runner_up, short", [
    ("−824 ms (12× less) vs diffusion", "diffusion", "−824 ms (12× less)"),
    ("same as diffusion", "diffusion", "same as diffusion"),
    ("+50 GPU-h vs gan", "diffusion", "+50 GPU-h vs gan"),
    (None, None, None)])
def test_short_delta_drops_only_the_runner_up_suffix(delta, runner_up, short):
    assert views.short_delta(delta, runner_up) == short


CPU = views.LocalDevice("cpu", "AMD EPYC 7B13", 2)


def test_a_cpu_probe_cannot_speak_for_a_gpu():
    note = views.probe_device_note("a100", CPU)
    assert note.startswith("This machine is a 2-core CPU (AMD EPYC 7B13); the serving hardware is NVIDIA A100")
    assert "latency and cost cannot speak for the NVIDIA A100 SXM4 80GB" in note
    assert "training stability, data needs and controllability" in note


def test_another_gpu_is_scaled_and_the_serving_gpu_is_measured():
    scaled = views.probe_device_note("a100", views.LocalDevice("cuda", "NVIDIA L4", 8))
    assert "carried to the NVIDIA A100 SXM4 80GB by the catalog's peak ratio" in scaled
    exact = views.probe_device_note("h100", views.LocalDevice("cuda", "NVIDIA H100 80GB HBM3", 8))
    assert "a probe here measures latency and cost on it, which replace the calibrated catalog model" in exact
    on_cpu = views.probe_device_note("cpu", CPU)
    assert "replace the calibrated catalog model" in on_cpu


def test_an_explicit_cpu_probe_on_a_gpu_machine_is_a_cpu_probe():
    gpu = views.LocalDevice("cuda", "NVIDIA A100-SXM4-80GB", 8)
    assert views.probe_target(gpu, "auto") == gpu
    assert views.probe_target(gpu, "cpu").kind == "cpu"
    assert "cannot speak for" in views.probe_device_note("a100", views.probe_target(gpu, "cpu"))


def test_this_machine_is_found_without_torch(monkeypatch):
    monkeypatch.setattr(views.shutil, "which", lambda name: None)  # no nvidia-smi
    monkeypatch.setattr(views.platform, "system", lambda: "Linux")
    views.local_device.cache_clear()
    try:
        device = views.local_device()
    finally:
        views.local_device.cache_clear()
    assert device.kind == "cpu" and device.cores >= 1 and device.name
