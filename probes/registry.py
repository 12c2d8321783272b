"""Probes register by name; the CLI, the app and the report discover them here.

    @register_probe("inference", "latency, throughput, memory and FLOPs of reference models")
    def run_inference(context: ProbeContext) -> None: ...

    probe_names()           # ["inference", ...]: torch-free, for --only choices and help text
    get_probe("inference")  # imports probes.inference on first use, returns its ProbeSpec

As torch-fidelity does for feature extractors, registering a taken name or a non-callable is an
error. Built-in probes are listed in BUILTIN_PROBES by module, so naming them costs no import of
torch; `get_probe` imports the module, whose decorator registers the function.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

# name -> (module that registers it, one-line description), in the order they run.
BUILTIN_PROBES: dict[str, tuple[str, str]] = {
    "inference": ("probes.inference",
                  "latency per NFE, throughput, peak memory and FLOP/s of reference GANs and denoisers"),
    "training": ("probes.training",
                 "training stability, learning curves, mode coverage and data needs, with torch-fidelity"),
    "conditioning": ("probes.conditioning",
                     "class-conditional GAN and guided diffusion: conditional accuracy against guidance"),
    "steering": ("probes.steering",
                 "inpainting without retraining: RePaint through the scheduler against GAN latent optimisation"),
    "hybrid": ("probes.hybrid",
               "a 1-4 step distilled student against its teacher and the GAN: quality against NFE"),
}


@dataclass(frozen=True)
class ProbeSpec:
    name: str
    description: str
    run: Callable  # (ProbeContext) -> None; appends rows through the context


_REGISTRY: dict[str, ProbeSpec] = {}


def register_probe(name: str, description: str) -> Callable[[Callable], Callable]:
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"probe name must be an identifier, got {name!r}")

    def decorator(fn: Callable) -> Callable:
        if not callable(fn):
            raise TypeError(f"probe {name!r} must be callable, got {type(fn).__name__}")
        existing = _REGISTRY.get(name)
        if existing is not None and existing.run is not fn:
            raise ValueError(f"probe {name!r} is already registered by {existing.run.__module__}")
        _REGISTRY[name] = ProbeSpec(name, description, fn)
        return fn

    return decorator


def probe_names() -> list[str]:
    """Built-in probes in their running order (cheap measurements first), then any others."""
    return list(BUILTIN_PROBES) + sorted(set(_REGISTRY) - set(BUILTIN_PROBES))


def describe(name: str) -> str:
    if name in _REGISTRY:
        return _REGISTRY[name].description
    return BUILTIN_PROBES[name][1]


def get_probe(name: str) -> ProbeSpec:
    if name not in _REGISTRY and name in BUILTIN_PROBES:
        importlib.import_module(BUILTIN_PROBES[name][0])
    if name not in _REGISTRY:
        raise KeyError(f"unknown probe {name!r}; known: {', '.join(probe_names())}")
    return _REGISTRY[name]
