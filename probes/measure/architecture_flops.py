"""FLOPs and parameter counts of real production architectures, without downloading weights.

    python -m probes.measure.architecture_flops            # prints a table, writes ./genarch-arch-flops.json
    python -m probes.measure.architecture_flops --out F.json

Each architecture is built by diffusers from the config dict written below (copied from the
model's `config.json` on the Hugging Face Hub, so nothing is fetched) on the meta device:
parameters get shapes but no storage, so SDXL's 2.6 B parameters cost no memory. One forward
pass at batch 1 runs under `torch.utils.flop_counter.FlopCounterMode`, which counts matmuls,
convolutions and attention from shapes alone. Its FLOPs are 2 x multiply-accumulates, so they
are twice the "GFLOPs" of papers that count MACs (DiT's 118.6 "Gflops" for DiT-XL/2 -> ~237 here).
Element-wise ops (norms, activations, softmax) are not counted: they are a few percent of the
work but can dominate time on small models, which is why the cost model has a fixed-overhead term.

The attention-score products (QK^T, softmax(.)V) are reported separately: some published counts
leave them out. SDXL's UNet at 1024^2 counts 6.76 TFLOP here, 5.98 TFLOP without them, which
matches the diffusers benchmark figure of 5.98 TFLOP.

Alongside FLOPs, the same pass records what the calibrated latency model (rubric/latency_model.py)
needs to tell launch-bound, memory-bound and compute-bound calls apart: the bytes each kernel
reads and writes (inputs + outputs, at 2 bytes an element as in fp16/bf16 serving), less the
weights (read once per call whatever the batch), and the number of kernels launched. Views and
allocations move no data and are not counted. Attention is counted as one fused kernel (q, k, v
in, output out), as PyTorch's SDPA and xformers run it on a GPU: the meta device would otherwise
materialise the score matrix, which no serving stack does. This is a model of traffic, not a
measurement: caches and fusion change real traffic, which the fitted efficiencies absorb.

If a model cannot run on the meta device its row falls back to CPU at batch 1, noted in `notes`.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, dataclass
from typing import Callable

DEFAULT_OUT = "genarch-arch-flops.json"  # the current folder: no fixed name in a shared /tmp

# --- configs, the values of each repository's config.json (fields diffusers needs) -------------
# What every Stable Diffusion UNet and ControlNet config.json below sets alike (the CompVis latent
# diffusion layout); each config adds its own fields to these.
_SD_LAYOUT = dict(act_fn="silu", downsample_padding=1, flip_sin_to_cos=True, freq_shift=0,
                  layers_per_block=2, norm_eps=1e-5, norm_num_groups=32)
# runwayml/stable-diffusion-v1-5, unet/config.json (860 M parameters)
SD15_UNET = dict(
    _SD_LAYOUT, attention_head_dim=8, block_out_channels=[320, 640, 1280, 1280],
    center_input_sample=False, cross_attention_dim=768,
    down_block_types=["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                      "DownBlock2D"],
    in_channels=4, mid_block_scale_factor=1, out_channels=4, sample_size=64,
    up_block_types=["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
)
# stabilityai/stable-diffusion-xl-base-1.0, unet/config.json (2.57 B parameters)
SDXL_UNET = dict(
    _SD_LAYOUT, addition_embed_type="text_time", addition_embed_type_num_heads=64,
    addition_time_embed_dim=256, attention_head_dim=[5, 10, 20],
    block_out_channels=[320, 640, 1280], center_input_sample=False, cross_attention_dim=2048,
    down_block_types=["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
    in_channels=4, mid_block_type="UNetMidBlock2DCrossAttn", out_channels=4,
    projection_class_embeddings_input_dim=2816,  # 1280 pooled text + 6 time ids x 256
    sample_size=128, transformer_layers_per_block=[1, 2, 10],
    up_block_types=["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
    use_linear_projection=True,
)
# runwayml/stable-diffusion-v1-5, vae/config.json (same VAE family as SDXL's; 8x downsampling)
SD_VAE = dict(
    act_fn="silu", block_out_channels=[128, 256, 512, 512],
    down_block_types=["DownEncoderBlock2D"] * 4, in_channels=3, latent_channels=4,
    layers_per_block=2, norm_num_groups=32, out_channels=3, sample_size=512,
    up_block_types=["UpDecoderBlock2D"] * 4,
)
# lllyasviel/sd-controlnet-canny, config.json (a trainable copy of the SD1.5 encoder half)
SD15_CONTROLNET = dict(
    _SD_LAYOUT, attention_head_dim=8, block_out_channels=[320, 640, 1280, 1280],
    conditioning_embedding_out_channels=[16, 32, 96, 256], cross_attention_dim=768,
    down_block_types=["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                      "DownBlock2D"],
    in_channels=4, mid_block_scale_factor=1, use_linear_projection=False,
)
# facebook/DiT-XL-2-256, transformer/config.json (675 M parameters; arxiv 2212.09748)
DIT_XL_2 = dict(
    num_attention_heads=16, attention_head_dim=72, in_channels=4, out_channels=8, num_layers=28,
    attention_bias=True, sample_size=32, patch_size=2, activation_fn="gelu-approximate",
    num_embeds_ada_norm=1000, norm_type="ada_norm_zero", norm_elementwise_affine=False,
    norm_eps=1e-5,
)
# google/ddpm-cifar10-32, config.json (35.7 M parameters; arxiv 2006.11239)
DDPM_CIFAR10 = dict(
    act_fn="silu", block_out_channels=[128, 256, 256, 256], center_input_sample=False,
    down_block_types=["DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"],
    downsample_padding=0, flip_sin_to_cos=False, freq_shift=1, in_channels=3, layers_per_block=2,
    mid_block_scale_factor=1, norm_eps=1e-6, norm_num_groups=32, out_channels=3, sample_size=32,
    time_embedding_type="positional",
    up_block_types=["UpBlock2D", "UpBlock2D", "AttnUpBlock2D", "UpBlock2D"],
)


# stabilityai/stable-diffusion-2-1, unet/config.json (865 M parameters; 768² v-model): the SD1.5
# UNet with per-level heads, OpenCLIP-H's 1024-wide context, linear projections, a 96² latent
SD21_UNET = dict(SD15_UNET, attention_head_dim=[5, 10, 20, 20], cross_attention_dim=1024,
                 sample_size=96, use_linear_projection=True)

# stabilityai/stable-diffusion-x4-upscaler, unet/config.json, which diffusers converts from
# Stability-AI/stablediffusion configs/stable-diffusion/x4-upscaling.yaml: model_channels 256,
# channel_mult [1, 2, 2, 4], attention at levels 2-4 with self-attention disabled in the first
# three (cross-attention only), 7 input channels (4 latent + the 3-channel low-resolution image
# concatenated), the noise level of that image as a class label (num_classes 1000), OpenCLIP-H
# context. The latent has the INPUT image's side; its VAE upsamples 4x.
SD_X4_UPSCALER_UNET = dict(
    _SD_LAYOUT, attention_head_dim=8, block_out_channels=[256, 512, 512, 1024],
    center_input_sample=False, cross_attention_dim=1024,
    down_block_types=["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                      "CrossAttnDownBlock2D"],
    in_channels=7, mid_block_scale_factor=1, num_class_embeds=1000,
    only_cross_attention=[True, True, True, False], out_channels=4, sample_size=128,
    up_block_types=["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
    use_linear_projection=True,
)
# stabilityai/stable-diffusion-x4-upscaler, vae/config.json (x4-upscaling.yaml first_stage_config:
# ch 128, ch_mult [1, 2, 4]: three levels, so 4x up/downsampling; scaling_factor 0.08333)
SD_X4_UPSCALER_VAE = dict(
    act_fn="silu", block_out_channels=[128, 256, 512],
    down_block_types=["DownEncoderBlock2D"] * 3, in_channels=3, latent_channels=4,
    layers_per_block=2, norm_num_groups=32, out_channels=3, sample_size=256,
    up_block_types=["UpDecoderBlock2D"] * 3,
)


def _controlnet_config(unet_config: dict) -> dict:
    """ControlNetModel's config for a UNet: what `ControlNetModel.from_unet` copies (the encoder
    half and the middle block; thibaud/controlnet-sd21-* and diffusers/controlnet-*-sdxl-1.0 are
    built this way), with the default 3-channel conditioning embedding."""
    import inspect

    from diffusers import ControlNetModel
    accepted = set(inspect.signature(ControlNetModel.__init__).parameters)
    return {k: v for k, v in unet_config.items() if k in accepted}


def _rrdbnet_x4():
    """RRDBNet as in Real-ESRGAN's RealESRGAN_x4plus (xinntao/Real-ESRGAN, basicsr rrdbnet_arch):
    conv_first, 23 residual-in-residual dense blocks (3 dense blocks of 5 convs, 64 features,
    growth 32), conv_body, two (nearest 2x upsample, conv, LeakyReLU) stages, conv_hr, conv_last.
    It runs at the INPUT side and writes a 4x larger image."""
    import torch
    from torch import nn
    import torch.nn.functional as F

    lrelu = lambda x: F.leaky_relu(x, 0.2)  # noqa: E731

    class Dense(nn.Module):
        def __init__(self, nf=64, gc=32):
            super().__init__()
            self.convs = nn.ModuleList(nn.Conv2d(nf + i * gc, gc if i < 4 else nf, 3, 1, 1)
                                       for i in range(5))

        def forward(self, x):
            feats = [x]
            for i, conv in enumerate(self.convs):
                out = conv(torch.cat(feats, 1))
                if i < 4:
                    feats.append(lrelu(out))
            return out * 0.2 + x

    class RRDB(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.Sequential(Dense(), Dense(), Dense())

        def forward(self, x):
            return self.blocks(x) * 0.2 + x

    class RRDBNet(nn.Module):
        def __init__(self, nf=64, nb=23):
            super().__init__()
            self.conv_first = nn.Conv2d(3, nf, 3, 1, 1)
            self.body = nn.Sequential(*(RRDB() for _ in range(nb)))
            self.conv_body = nn.Conv2d(nf, nf, 3, 1, 1)
            self.conv_up1 = nn.Conv2d(nf, nf, 3, 1, 1)
            self.conv_up2 = nn.Conv2d(nf, nf, 3, 1, 1)
            self.conv_hr = nn.Conv2d(nf, nf, 3, 1, 1)
            self.conv_last = nn.Conv2d(nf, 3, 3, 1, 1)

        def forward(self, x):
            feat = self.conv_first(x)
            feat = feat + self.conv_body(self.body(feat))
            feat = lrelu(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")))
            feat = lrelu(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")))
            return self.conv_last(lrelu(self.conv_hr(feat)))

    return RRDBNet()


BYTES_PER_ELEMENT = 2  # fp16/bf16 serving


@dataclass
class ArchitectureFlops:
    flops_per_forward: float  # FLOPs (2 x MACs) of one forward at batch 1, one NFE
    attention_score_flops: float  # the part in QK^T and softmax(.)V (bmm / SDPA ops)
    activation_bytes_per_forward: float  # bytes read and written by kernels, weights excluded
    kernels_per_forward: int  # kernels launched (views and allocations excluded)
    params: int
    resolution: int  # output image side, pixels
    latent_side: int  # side of the tensor the network sees (pixels for pixel-space models)
    notes: str


@dataclass(frozen=True)
class _Spec:
    name: str
    resolution: int
    latent_side: int
    build: Callable  # () -> nn.Module
    inputs: Callable  # (device) -> (args, kwargs)
    notes: str
    count_module: Callable = lambda m: m  # which submodule's parameters to count


def _specs() -> list[_Spec]:
    import torch
    from diffusers import (AutoencoderKL, ControlNetModel, DiTTransformer2DModel, UNet2DConditionModel,
                           UNet2DModel)

    def unet_inputs(side, ctx_dim, sdxl=False):
        def make(dev):
            kw = dict(encoder_hidden_states=torch.randn(1, 77, ctx_dim, device=dev))
            if sdxl:  # pooled text embedding + (orig size, crop, target size) micro-conditioning
                kw["added_cond_kwargs"] = dict(text_embeds=torch.randn(1, 1280, device=dev),
                                               time_ids=torch.randn(1, 6, device=dev))
            return (torch.randn(1, 4, side, side, device=dev), torch.tensor([500], device=dev)), kw
        return make

    def vae_decoder(side):
        def make(dev):
            return (torch.randn(1, 4, side, side, device=dev),), {}
        return make

    class _Decode(torch.nn.Module):  # post_quant_conv + decoder: what a pipeline runs once
        def __init__(self, config=SD_VAE):
            super().__init__()
            self.vae = AutoencoderKL(**config)
            del self.vae.encoder, self.vae.quant_conv

        def forward(self, z):
            return self.vae.decoder(self.vae.post_quant_conv(z))

    class _Encode(torch.nn.Module):  # encoder + quant_conv: once per input image (img2img, inpainting)
        def __init__(self):
            super().__init__()
            self.vae = AutoencoderKL(**SD_VAE)
            del self.vae.decoder, self.vae.post_quant_conv

        def forward(self, x):
            return self.vae.quant_conv(self.vae.encoder(x))

    def controlnet_inputs(side, ctx_dim, sdxl=False):
        def make(dev):
            args, kw = unet_inputs(side, ctx_dim, sdxl)(dev)
            kw["controlnet_cond"] = torch.randn(1, 3, side * 8, side * 8, device=dev)
            return args, kw
        return make

    def upscaler_inputs(side):  # 4 noisy latent + 3 low-res image channels, noise level as label
        def make(dev):
            return ((torch.randn(1, 7, side, side, device=dev), torch.tensor([500], device=dev)),
                    dict(encoder_hidden_states=torch.randn(1, 77, 1024, device=dev),
                         class_labels=torch.tensor([20], device=dev)))
        return make

    cfg = "per NFE; classifier-free guidance doubles it"
    return [
        _Spec("sd15_unet", 512, 64, lambda: UNet2DConditionModel(**SD15_UNET),
              unet_inputs(64, 768), f"SD1.5 UNet, text context 77x768; {cfg}"),
        _Spec("sd21_unet", 768, 96, lambda: UNet2DConditionModel(**SD21_UNET),
              unet_inputs(96, 1024), f"SD2.1 UNet (SD-Turbo's too), context 77x1024; {cfg}"),
        _Spec("sdxl_unet", 1024, 128, lambda: UNet2DConditionModel(**SDXL_UNET),
              unet_inputs(128, 2048, sdxl=True), f"SDXL base UNet, context 77x2048; {cfg}"),
        _Spec("sd_vae_decoder_512", 512, 64, _Decode, vae_decoder(64),
              "AutoencoderKL decoder, once per image (not per NFE)"),
        _Spec("sd_vae_decoder_1024", 1024, 128, _Decode, vae_decoder(128),
              "AutoencoderKL decoder, once per image (not per NFE)"),
        _Spec("sd15_controlnet", 512, 64, lambda: ControlNetModel(**SD15_CONTROLNET),
              lambda dev: ((torch.randn(1, 4, 64, 64, device=dev), torch.tensor([500], device=dev)),
                           dict(encoder_hidden_states=torch.randn(1, 77, 768, device=dev),
                                controlnet_cond=torch.randn(1, 3, 512, 512, device=dev))),
              f"ControlNet alone, added to the SD1.5 UNet each NFE; {cfg}"),
        _Spec("controlnet_sd21", 768, 96, lambda: ControlNetModel(**_controlnet_config(SD21_UNET)),
              controlnet_inputs(96, 1024),
              f"ControlNet alone, added to the SD2.1 UNet each NFE; {cfg}"),
        _Spec("controlnet_sdxl", 1024, 128, lambda: ControlNetModel(**_controlnet_config(SDXL_UNET)),
              controlnet_inputs(128, 2048, sdxl=True),
              f"ControlNet alone (full encoder copy), added to the SDXL UNet each NFE; {cfg}"),
        _Spec("sd_vae_encoder", 512, 64, _Encode,
              lambda dev: ((torch.randn(1, 3, 512, 512, device=dev),), {}),
              "AutoencoderKL encoder + quant_conv, once per input image (not per NFE)"),
        _Spec("rrdbnet_x4", 1024, 256, _rrdbnet_x4,
              lambda dev: ((torch.randn(1, 3, 256, 256, device=dev),), {}),
              "Real-ESRGAN RRDBNet x4, 256² input -> 1024² output, one pass per image"),
        _Spec("sd_x4_upscaler_unet", 512, 128, lambda: UNet2DConditionModel(**SD_X4_UPSCALER_UNET),
              upscaler_inputs(128), f"SD x4 upscaler UNet, 128² input -> 512² output; {cfg}"),
        _Spec("sd_x4_upscaler_vae_decoder", 512, 128, lambda: _Decode(SD_X4_UPSCALER_VAE),
              vae_decoder(128), "x4 upscaler's AutoencoderKL decoder (4x), once per image"),
        _Spec("dit_xl_2_256", 256, 32, lambda: DiTTransformer2DModel(**DIT_XL_2),
              lambda dev: ((torch.randn(1, 4, 32, 32, device=dev),),
                           dict(timestep=torch.tensor([500], device=dev),
                                class_labels=torch.tensor([1], device=dev))),
              f"DiT-XL/2 class-conditional, 256 tokens; {cfg}; diffusers repeats the "
              "timestep/label embedders in all 28 blocks (+75 M params vs the paper's 675 M, "
              "negligible FLOPs)"),
        _Spec("ddpm_cifar10_unet", 32, 32, lambda: UNet2DModel(**DDPM_CIFAR10),
              lambda dev: ((torch.randn(1, 3, 32, 32, device=dev), torch.tensor([500], device=dev)), {}),
              "DDPM CIFAR-10 pixel-space UNet; per NFE, unconditional"),
    ]


def _traffic_modes():
    """Modes that count kernels and the bytes they move (module docstring)."""
    import torch
    import torch.nn.functional as F
    from torch.overrides import TorchFunctionMode
    from torch.utils._python_dispatch import TorchDispatchMode
    from torch.utils._pytree import tree_leaves

    no_traffic = {"view", "_unsafe_view", "reshape", "expand", "permute", "transpose", "t", "slice",
                  "select", "unsqueeze", "squeeze", "as_strided", "alias", "detach", "split",
                  "split_with_sizes", "chunk", "unbind", "lift_fresh", "empty", "empty_like",
                  "zeros", "zeros_like", "ones", "arange", "randn", "new_empty", "full",
                  "scalar_tensor", "_local_scalar_dense", "new_zeros", "new_ones"}

    def nbytes(tree) -> int:
        return sum(t.numel() * BYTES_PER_ELEMENT for t in tree_leaves(tree) if isinstance(t, torch.Tensor))

    class Traffic(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.bytes, self.kernels, self.fused_depth = 0, 0, 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            if self.fused_depth == 0 and func.overloadpacket.__name__ not in no_traffic:
                self.bytes += nbytes(args) + nbytes(kwargs) + nbytes(out)
                self.kernels += 1
            return out

    class FusedAttention(TorchFunctionMode):
        """SDPA as one kernel: q, k, v and the output; its decomposition on meta is not counted."""
        def __init__(self, traffic):
            super().__init__()
            self.traffic = traffic

        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            if func is not F.scaled_dot_product_attention:
                return func(*args, **kwargs)
            self.traffic.fused_depth += 1
            try:
                out = func(*args, **kwargs)
            finally:
                self.traffic.fused_depth -= 1
            self.traffic.bytes += nbytes(args[:3]) + nbytes(out)
            self.traffic.kernels += 1
            return out

    traffic = Traffic()
    return traffic, FusedAttention(traffic)


def _count(spec: _Spec, device: str) -> tuple[float, float, float, int, int]:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device(device):
        model = spec.build()
    model = model.to(device).eval()  # buffers made from numpy (DiT's pos. embedding) live on CPU
    args, kwargs = spec.inputs(device)
    counter = FlopCounterMode(display=False)
    traffic, fused_attention = _traffic_modes()
    with torch.no_grad(), counter, fused_attention, traffic:
        model(*args, **kwargs)
    # On meta/CPU SDPA runs its math path (bmm); on CUDA it is one fused op. Either way these are
    # the attention-score products, which several published counts leave out (module docstring).
    by_op = counter.get_flop_counts().get("Global", {})
    attention = sum(v for op, v in by_op.items() if "bmm" in str(op) or "scaled_dot" in str(op))
    params = sum(p.numel() for p in model.parameters())
    # Weights are read once per forward; what remains grows with the batch.
    activations = max(0.0, traffic.bytes - params * BYTES_PER_ELEMENT)
    return float(counter.get_total_flops()), float(attention), activations, traffic.kernels, params


def measure(names: list[str] | None = None) -> dict[str, ArchitectureFlops]:
    """FLOPs per forward (batch 1) and parameter count for each named architecture (all if None)."""
    results = {}
    for spec in _specs():
        if names and spec.name not in names:
            continue
        notes = spec.notes
        try:
            counted = _count(spec, "meta")
        except Exception as err:  # some op lacks a meta kernel: pay for real memory instead
            counted = _count(spec, "cpu")
            notes += f"; counted on CPU (meta failed: {type(err).__name__})"
        flops, attention, activations, kernels, params = counted
        results[spec.name] = ArchitectureFlops(flops, attention, activations, kernels, params,
                                               spec.resolution, spec.latent_side, notes)
    return results


def format_table(results: dict[str, ArchitectureFlops]) -> str:
    lines = [f"{'architecture':<22}{'res':>6}{'latent':>8}{'params (M)':>12}{'GFLOP/fwd':>12}"
             f"{'of it attn':>12}{'act. GB':>9}{'kernels':>9}  notes"]
    for name, r in results.items():
        lines.append(f"{name:<22}{r.resolution:>6}{r.latent_side:>8}{r.params / 1e6:>12.1f}"
                     f"{r.flops_per_forward / 1e9:>12.1f}{r.attention_score_flops / 1e9:>12.1f}"
                     f"{r.activation_bytes_per_forward / 1e9:>9.2f}{r.kernels_per_forward:>9d}"
                     f"  {r.notes}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"JSON output (default {DEFAULT_OUT})")
    parser.add_argument("--only", nargs="*", help="architecture names to count (default all)")
    args = parser.parse_args(argv)
    from probes.atomic import check_target, write_json_atomic
    from rubric.errors import InputError

    try:
        check_target(args.out, f"--out {args.out}")  # before minutes of counting
    except InputError as err:
        print(f"architecture_flops: error: {err}", file=sys.stderr)
        return 2
    results = measure(args.only)
    print(format_table(results))
    try:
        write_json_atomic(args.out, {k: asdict(v) for k, v in results.items()}, f"--out {args.out}", indent=2)
    except InputError as err:
        print(f"architecture_flops: error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
