"""The inference probe: throughput-batch search with simulated OOM, rows with the contract keys."""
from __future__ import annotations

import pytest
import torch

from probes import inference
from probes.inference import find_throughput_batch
from probes.results import INFERENCE_ROW_KEYS
from probes.runner import run_probes


def oom_above(limit, seconds=0.001):
    def try_batch(b):
        if b > limit:
            raise torch.cuda.OutOfMemoryError(f"CUDA out of memory: tried batch {b}")
        return seconds
    return try_batch


def test_batch_search_backs_off_on_oom():
    assert find_throughput_batch(oom_above(8), 256, 1.0) == (8, "oom")


def test_batch_search_oom_at_batch_one_gives_none():
    assert find_throughput_batch(oom_above(0), 256, 1.0) == (None, "oom")


def test_batch_search_stops_on_time_memory_and_cap():
    assert find_throughput_batch(lambda b: b * 0.01, 256, 0.05) == (4, "time")
    assert find_throughput_batch(lambda b: 1.0, 256, 0.05) == (1, "time")
    assert find_throughput_batch(lambda b: 0.001, 256, 1.0, lambda: True) == (1, "memory")
    assert find_throughput_batch(lambda b: 0.001, 16, 1.0) == (16, "max_batch")


def test_batch_search_reraises_other_errors():
    def broken(b):
        raise RuntimeError("shape mismatch")
    with pytest.raises(RuntimeError, match="shape"):
        find_throughput_batch(broken, 16, 1.0)


def test_simulated_oom_in_the_probe_records_largest_batch_that_fit(tiny, tmp_path, monkeypatch):
    """Patch the generator's forward to run out of memory above batch 2, as a full GPU would."""
    real_init = inference.Workload.__init__

    def init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        forward = self.model.forward

        def forward_that_ooms(x, *a, **k):
            if x.shape[0] > 2:
                raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
            return forward(x, *a, **k)
        self.model.forward = forward_that_ooms

    monkeypatch.setattr(inference.Workload, "__init__", init)
    results = run_probes(tiny(max_batch=64), str(tmp_path / "r.json"), show_progress=False)
    throughput = [r for r in results["inference"] if r["batch_role"] == "throughput"]
    assert throughput and all(r["batch"] == 2 for r in throughput)
    assert all(r["batch_search"] == {"stopped_by": "oom", "largest_fit": 2} for r in throughput)
    assert results["complete"]


def test_oom_during_measurement_halves_the_batch(tiny, tmp_path, monkeypatch):
    """The search passes (forward_once is fine) but whole sampling calls at batch 4 run out."""
    real_draw = inference.Workload.draw

    def draw(self, batch, nfe):
        fn = real_draw(self, batch, nfe)
        if batch > 2:
            def oom():
                raise torch.cuda.OutOfMemoryError("CUDA out of memory")
            return oom
        return fn

    monkeypatch.setattr(inference.Workload, "draw", draw)
    results = run_probes(tiny(max_batch=4), str(tmp_path / "r.json"), show_progress=False)
    throughput = [r for r in results["inference"] if r["batch_role"] == "throughput"]
    assert throughput and all(r["batch"] == 2 and r["oom_backoffs"] == 1 for r in throughput)


def test_rows_carry_the_contract_keys_and_consistent_units(tiny, tmp_path):
    results = run_probes(tiny(), str(tmp_path / "r.json"), show_progress=False)
    rows = results["inference"]
    assert len(rows) == 6  # gan: 2 roles; diffusion: 2 NFEs x 2 roles
    for r in rows:
        assert set(INFERENCE_ROW_KEYS) <= set(r)
        assert r["throughput_samples_per_s"] == pytest.approx(
            1000.0 / r["latency_ms_per_sample"], rel=1e-9)
        assert r["latency_ms_per_sample_p90"] >= r["latency_ms_per_sample"]
        assert r["flops_per_forward"] > 0 and r["peak_memory_mib"] > 0
        assert r["energy_j_per_1k_samples"] is None and r["energy_note"]  # no NVML on CPU
        assert r["fraction_of_peak"] is None  # CPU peak unknown
    by_size = {r["architecture"]: r["flops_per_forward"] for r in rows}
    assert by_size["diffusion"] != by_size["gan"]
    assert results["cost_model"]["device_kind"] == "cpu"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_rows_have_gpu_memory_and_energy_fields(tiny, tmp_path):
    results = run_probes(tiny(device="cuda", dtypes=("fp32", "bf16")), str(tmp_path / "r.json"),
                         show_progress=False)
    rows = results["inference"]
    assert {r["dtype"] for r in rows} == {"fp32", "bf16"}
    assert all(r["memory_source"] == "cuda_max_memory_allocated" for r in rows)
    assert all(r["energy_j_per_1k_samples"] is not None or r["energy_note"] for r in rows)
