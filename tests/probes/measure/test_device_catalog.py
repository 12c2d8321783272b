"""probes/measure/device.py reads peak rates from the one hardware catalog (rubric/data/hardware.yaml),
matching the names torch reports to its entries with the rubric's own Knowledge.gpu_id."""
from __future__ import annotations

import pytest

from probes.measure import device as dev
from rubric import knowledge
from rubric.estimates import match_device

# torch.cuda.get_device_name() as it reads on each catalog GPU (the SXM/PCIe and memory variants
# included), so a probe on any of them divides by a datasheet peak.
TORCH_NAMES = {
    "NVIDIA A100-SXM4-40GB": "a100-40gb", "NVIDIA A100-PCIE-40GB": "a100-40gb",
    "NVIDIA A100-SXM4-80GB": "a100", "NVIDIA A100 80GB PCIe": "a100",
    "NVIDIA H100 PCIe": "h100-pcie", "NVIDIA H100 80GB HBM3": "h100",
    "NVIDIA H200": "h200", "NVIDIA L40S": "l40s", "NVIDIA L40": "l40", "NVIDIA L4": "l4",
    "NVIDIA A10": "a10", "Tesla T4": "t4",
    "NVIDIA GeForce RTX 4090": "rtx4090", "NVIDIA GeForce RTX 3090": "rtx3090",
    "Tesla V100-SXM2-16GB": "v100", "Tesla V100-SXM2-32GB": "v100",
}


@pytest.mark.parametrize("name, device_id", TORCH_NAMES.items())
def test_torch_names_resolve_to_catalog_entries(name, device_id):
    assert knowledge.load().gpu_id(name) == device_id
    assert match_device(name, "cuda", knowledge.load()) == device_id  # the estimates' view, the same
    assert dev.peak_flop_per_s(name, "fp32") == knowledge.load().devices[device_id].peak_flop_per_s["fp32"]


def test_every_catalog_gpu_is_reachable():
    """No entry is shadowed by an earlier, looser pattern: each GPU's own name and at least one
    torch name resolve to it."""
    catalog = knowledge.load()
    gpus = {d.id for d in catalog.devices.values() if d.kind == "gpu"}
    assert gpus == set(TORCH_NAMES.values())
    for device_id in gpus:
        assert catalog.gpu_id(catalog.devices[device_id].name) == device_id


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
    assert knowledge.load().gpu_id(name) is None
    assert dev.peak_flop_per_s(name, "fp16") is None


def test_no_second_table():
    assert not hasattr(dev, "PEAK_FLOP_PER_S")


def test_every_gpu_has_a_half_precision_peak():
    gpus = [d for d in knowledge.load().devices.values() if d.kind == "gpu"]
    assert gpus
    for d in gpus:
        assert "fp16" in d.peak_flop_per_s or "bf16" in d.peak_flop_per_s, d.id
        assert d.match, d.id
