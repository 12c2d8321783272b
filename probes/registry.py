"""Every probe described once; the CLI, the app, the progress bar and the decision read it here.

    probe_names()                  # ["inference", ...]: torch-free, for --only choices and help text
    spec = get_probe("training")   # its ProbeSpec: description, expected rows, quick-profile time, evidence
    spec.run(context)              # imports probes.training on first use (torch) and runs it

    @register_probe("inference")   # in probes/inference.py: binds the run function to its spec
    def run_inference(context: ProbeContext) -> None: ...

As torch-fidelity does for feature extractors, binding a name that has no spec, or binding a
taken name to another function, or a non-callable, is an error. Naming and describing the
probes costs no import of torch: a probe's module is imported when it is run.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

from probes.summaries.control_summary import conditioning_evidence, hybrid_evidence, steering_evidence
from probes.summaries.training_summary import training_evidence


def _inference_rows(config: dict) -> int:
    """Per dtype, a batch-1 and a throughput row for each GAN size and each (denoiser size, NFE):
    the tasks of probes.inference.plan (tests/probes/test_registry.py holds the two together)."""
    inf = config["inference"]
    per_dtype = 2 * len(inf["gan_sizes"]) + 2 * len(inf["diffusion_sizes"]) * len(inf["nfes"])
    return per_dtype * len(config["dtypes"])


def _training_runs(config: dict) -> int:
    """Both families (gan, diffusion) at each dataset fraction and seed: probes.training's tasks."""
    training = config["training"]
    return 2 * len(training["fractions"]) * len(training["seeds"])


def _inference_rows_done(results: dict) -> int:
    return len(results.get("inference") or [])


def _training_runs_done(results: dict) -> int:
    return len((results.get("training") or {}).get("runs") or [])


def _device_profile(results: dict) -> dict | None:
    """The headline cost-model fit, or None when the file holds none (InputError for a fit that
    cannot be used: probes.summaries.cost_model.device_profile)."""
    from probes.summaries.cost_model import device_profile  # the cost model is read only where it is used

    cost_model = results.get("cost_model")
    return device_profile(results) if isinstance(cost_model, dict) and cost_model.get("fits") else None


@dataclass(frozen=True)
class ProbeSpec:
    """One probe: what it measures, how much of it there is, how long it takes, what it tells.

    `expected_rows(config)` counts the steps its progress bar counts (`unit`) from the run's
    config as saved in the results (None where the config lacks what it needs); `rows_done(results)`
    counts those measured so far; a probe without a unit is one step, its section. `evidence`
    turns a results file into what the decision reads (None when the file holds nothing usable).
    """
    name: str
    module: str  # imports torch; its @register_probe binds the run function
    description: str
    quick_cpu_seconds: float  # wall time of the quick profile on a 2-core CPU (sources in PROBES)
    evidence: Callable[[dict], Any]
    unit: str | None = None
    expected_rows: Callable[[dict], int] | None = None
    rows_done: Callable[[dict], int] | None = None

    def planned(self, config: dict | None) -> int | None:
        """Steps the run plans (1 for a probe without a unit), or None when the config cannot say."""
        if self.expected_rows is None:
            return 1
        try:
            return self.expected_rows(config)
        except (KeyError, TypeError):
            return None

    def done(self, results: dict) -> int:
        """Steps measured in the results so far (a probe without a unit: 1 once its section is complete)."""
        if self.rows_done is None:
            return int(bool((results.get(self.name) or {}).get("complete")))
        return self.rows_done(results)

    def run(self, context) -> None:
        if self.name not in _RUNNERS:
            importlib.import_module(self.module)
        if self.name not in _RUNNERS:
            raise KeyError(f"{self.module} registers no run function for probe {self.name!r}")
        _RUNNERS[self.name](context)


# In the order they run (cheap measurements first). Quick-profile seconds: `python
# benchmarks/bench_probe_quick.py --only all` on a 2-core CPU with nothing else running (290 s in
# all). They weight the progress bar across probes, and the Probes page quotes them.
PROBES: dict[str, ProbeSpec] = {spec.name: spec for spec in (
    ProbeSpec("inference", "probes.inference",
              "latency per NFE, throughput, peak memory and FLOP/s of reference GANs and denoisers",
              55, _device_profile, "measurements", _inference_rows, _inference_rows_done),
    ProbeSpec("training", "probes.training",
              "training stability, learning curves, mode coverage and data needs of reference GANs and "
              "denoisers, with torch-fidelity metrics",
              106, training_evidence, "training runs", _training_runs, _training_runs_done),
    ProbeSpec("conditioning", "probes.conditioning",
              "class-conditional GAN (projection D) and diffusion (classifier-free guidance): conditional "
              "accuracy, per-class quality and diversity, guidance scale and cost",
              46, conditioning_evidence),
    ProbeSpec("steering", "probes.steering",
              "post-hoc steering without retraining: inpainting with the unconditional denoiser (RePaint) "
              "vs the GAN's latent optimisation; quality of the completion, time per sample",
              44, steering_evidence),
    ProbeSpec("hybrid", "probes.hybrid",
              "progressive distillation of the reference denoiser to 1-4 steps: quality against NFE for "
              "teacher, student and GAN on the same data, and the distillation's training cost",
              36, hybrid_evidence),
)}

_RUNNERS: dict[str, Callable] = {}


def register_probe(name: str) -> Callable[[Callable], Callable]:
    """Bind a probe's run function, (ProbeContext) -> None, to the spec named `name`."""
    if name not in PROBES:
        raise ValueError(f"probe {name!r} has no spec in probes.registry.PROBES")

    def decorator(fn: Callable) -> Callable:
        if not callable(fn):
            raise TypeError(f"probe {name!r} must be callable, got {type(fn).__name__}")
        existing = _RUNNERS.get(name)
        if existing is not None and existing is not fn:
            raise ValueError(f"probe {name!r} is already registered by {existing.__module__}")
        _RUNNERS[name] = fn
        return fn

    return decorator


def probe_names() -> list[str]:
    """The probes in their running order."""
    return list(PROBES)


def describe(name: str) -> str:
    return get_probe(name).description


def get_probe(name: str) -> ProbeSpec:
    if name not in PROBES:
        raise KeyError(f"unknown probe {name!r}; known: {', '.join(probe_names())}")
    return PROBES[name]
