"""A small pixel-space diffusion denoiser whose width, depth and resolution scale from one config.

    from probes.models.ref_diffusion import DenoiserConfig, build_denoiser, DIFFUSION_SIZES
    unet = build_denoiser(DIFFUSION_SIZES["s"]); eps = unet(x_t, t).sample

The network is diffusers' `UNet2DModel`: the DDPM UNet (Ho et al. 2020, arxiv 2006.11239) with
residual blocks, a sinusoidal time embedding and self-attention at the coarse levels. At
base_width=128, mults (1, 2, 2, 2), two blocks per level and attention at 16x16 it is exactly
`google/ddpm-cifar10-32` (35.7 M parameters, 12.4 GFLOP per forward; probes/measure/architecture_flops.py).
The smaller sizes are narrower copies of that layout so the probe runs in seconds on a CPU.

One sample costs NFE forwards of this network; the sampler (probes/models/sampling.py) chooses which
timesteps. FLOPs grow as width^2 x resolution^2 (attention as resolution^4 at its level).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DenoiserConfig:
    resolution: int = 32  # image side in pixels; divisible by 2^(levels - 1)
    base_width: int = 32  # channels of the first level
    channel_mults: tuple[int, ...] = (1, 2, 2, 2)  # per level, as DDPM's CIFAR-10 model
    layers_per_block: int = 2  # residual blocks per level (depth)
    attention_levels: tuple[int, ...] = (1,)  # level indices with self-attention (DDPM: 16x16)
    channels: int = 3
    norm_groups: int = 32  # GroupNorm groups, as DDPM; the narrow sizes use fewer (= width)

    def __post_init__(self):
        levels = len(self.channel_mults)
        if levels < 1 or self.resolution % 2 ** (levels - 1):
            raise ValueError(f"resolution {self.resolution} must be divisible by 2^{levels - 1}")
        if any(self.base_width * m % self.norm_groups for m in self.channel_mults):
            raise ValueError(f"every width must be divisible by norm_groups={self.norm_groups}")
        if any(not 0 <= i < levels for i in self.attention_levels):
            raise ValueError(f"attention_levels must lie in 0..{levels - 1}")

    def diffusers_config(self) -> dict:
        """Keyword arguments for `diffusers.UNet2DModel`."""
        levels = range(len(self.channel_mults))
        return dict(
            sample_size=self.resolution, in_channels=self.channels, out_channels=self.channels,
            block_out_channels=tuple(self.base_width * m for m in self.channel_mults),
            down_block_types=tuple("AttnDownBlock2D" if i in self.attention_levels else "DownBlock2D"
                                   for i in levels),
            # the up path is the mirror image: level i going down is level (levels-1-i) going up
            up_block_types=tuple("AttnUpBlock2D" if i in self.attention_levels else "UpBlock2D"
                                 for i in reversed(levels)),
            layers_per_block=self.layers_per_block, norm_num_groups=self.norm_groups,
            attention_head_dim=None,  # one head spanning all channels, as DDPM
            # DDPM's choices, as in google/ddpm-cifar10-32's config.json
            time_embedding_type="positional", flip_sin_to_cos=False, freq_shift=1,
            downsample_padding=0, norm_eps=1e-6,
        )


def build_denoiser(config: DenoiserConfig):
    """A freshly initialised `UNet2DModel` (random weights: latency does not depend on them)."""
    from diffusers import UNet2DModel

    return UNet2DModel(**config.diffusers_config())


class Denoiser:
    """Callable `(x_t, t) -> predicted noise`, hiding diffusers' output dataclass from samplers."""

    def __init__(self, unet):
        self.unet = unet

    def __call__(self, x_t, t):
        return self.unet(x_t, t, return_dict=False)[0]


# Named sizes: one topology (DDPM's CIFAR-10 layout: 4 levels, 2 blocks each, attention at 16x16),
# only the width changes, so FLOPs grow as width^2 (256x from xs to xl) while the number of
# kernels per forward stays fixed; the cost model's fixed overhead is then one number per family.
# "xl" is google/ddpm-cifar10-32 itself (35.7 M parameters, 12.4 GFLOP).
DIFFUSION_SIZES: dict[str, DenoiserConfig] = {
    name: DenoiserConfig(resolution=32, base_width=width, norm_groups=min(32, width))
    for name, width in (("xs", 8), ("s", 16), ("m", 32), ("l", 64), ("xl", 128))
}
