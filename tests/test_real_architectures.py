"""The real architectures the cost-model benchmark predicts (benchmarks/real_architectures.py) are
the published networks: their parameter counts match their sources, and none is a project model."""
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from real_architectures import REAL_ARCHITECTURES  # noqa: E402

# Parameter counts as their sources give them (diffusers' DiT embeds the timestep and class in
# every block, hence more than the paper's 33 M).
PUBLISHED_PARAMS = {
    "dcgan-64": 3_576_704, "sngan-resnet-32": 4_276_739, "pix2pix-unet-256": 54_413_955,
    "cyclegan-resnet-128": 11_378_179, "ddpm-cifar10": 35_746_307, "dit-s-2": 39_805_088,
    "ldm-celebahq-256": 274_056_163, "sd15-unet-256": 859_520_964,
}


@pytest.mark.parametrize("name", sorted(REAL_ARCHITECTURES))
def test_parameter_counts_match_the_sources(name):
    with torch.device("meta"):  # no memory: SD 1.5's UNet alone is 3.4 GB in fp32
        model = REAL_ARCHITECTURES[name].build()
    assert sum(p.numel() for p in model.parameters()) == PUBLISHED_PARAMS[name]


def test_small_ones_run_and_give_images():
    for name in ("dcgan-64", "sngan-resnet-32"):
        arch = REAL_ARCHITECTURES[name]
        with torch.inference_mode():
            out = arch.build().eval()(*arch.inputs(2))
        assert out.shape[:2] == (2, 3) and torch.isfinite(out).all()


def test_every_family_has_architectures_in_its_reference_mix():
    mixes = {(a.family, a.in_reference_mix) for a in REAL_ARCHITECTURES.values()}
    assert {("gan", True), ("diffusion", True)} <= mixes
