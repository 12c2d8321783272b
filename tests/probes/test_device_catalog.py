"""probes/device.py reads peak rates from the one hardware catalog (rubric/data/hardware.yaml)."""
from __future__ import annotations

import pytest

from probes import device as dev
from rubric import knowledge


@pytest.mark.parametrize("name, device_id", [
    ("NVIDIA A100-SXM4-40GB", "a100-40gb"),
    ("NVIDIA A100-SXM4-80GB", "a100"),
    ("NVIDIA H100 PCIe", "h100-pcie"),
    ("NVIDIA H100 80GB HBM3", "h100"),
    ("NVIDIA H200", "h200"),
    ("NVIDIA L40S", "l40s"),
    ("NVIDIA L4", "l4"),
    ("Tesla T4", "t4"),
    ("Tesla V100-SXM2-16GB", "v100"),
    ("NVIDIA GeForce RTX 4090", "rtx4090"),
    ("NVIDIA GeForce RTX 3090", "rtx3090"),
])
def test_catalog_device_id(name, device_id):
    assert dev.catalog_device_id(name) == device_id


@pytest.mark.parametrize("name, dtype, peak", [
    ("NVIDIA A100-SXM4-40GB", "fp16", 312e12),
    ("NVIDIA A100-SXM4-40GB", "fp32", 19.5e12),
    ("NVIDIA H100 PCIe", "fp16", 756.5e12),
    ("NVIDIA H100 PCIe", "bf16", 756.5e12),
    ("NVIDIA H100 80GB HBM3", "bf16", 989.4e12),
    ("Tesla T4", "fp16", 65e12),
    ("Tesla T4", "bf16", None),
    ("NVIDIA GeForce RTX 4090", "bf16", 165.2e12),
])
def test_peak_flop_per_s(name, dtype, peak):
    assert dev.peak_flop_per_s(name, dtype) == (pytest.approx(peak) if peak else None)


@pytest.mark.parametrize("name", ["Some Future GPU 9000", "", "cpu"])
def test_unknown_name(name):
    assert dev.catalog_device_id(name) is None
    assert dev.peak_flop_per_s(name, "fp16") is None


def test_no_second_table():
    assert not hasattr(dev, "PEAK_FLOP_PER_S")


def test_every_gpu_has_a_half_precision_peak():
    gpus = [d for d in knowledge.load().devices.values() if d.kind == "gpu"]
    assert gpus
    for d in gpus:
        assert "fp16" in d.peak_flop_per_s or "bf16" in d.peak_flop_per_s, d.id
        assert d.match, d.id
