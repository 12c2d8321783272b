"""Shared fixtures: a probe config small enough to run end to end in a second or two on a CPU."""
from __future__ import annotations

import dataclasses
import random

import pytest
import torch

from probes.config import InferenceSettings, resolve_config

# One thread: on a shared 2-core machine a second OpenMP thread waiting on a preempted sibling
# makes calls 100x slower; tests check behaviour, not speed.
torch.set_num_threads(1)

# The batch search stops on max_batch (never on time), so the row count does not depend on load.
TINY = InferenceSettings(gan_sizes=("xs",), diffusion_sizes=("xs",), nfes=(1, 2), sampler="ddim",
                         min_repeats=1, max_repeats=2, min_time_s=0.0, warmup_s=0.0,
                         max_forward_s=1e6, max_batch=4)


def tiny_config(budget_s=None, device="cpu", dtypes=("fp32",), **inference):
    config = resolve_config("quick", ("inference",), device, dtypes, budget_s=budget_s, seed=0)
    return dataclasses.replace(config, inference=dataclasses.replace(TINY, **inference))


@pytest.fixture
def tiny():
    return tiny_config


@pytest.fixture
def tiny_settings():
    return TINY


def make_synthetic_rows(overhead_ms, rate, noise=0.0, dtype="fp32", seed=0):
    """Rows as the probe writes them, timed by the law the cost model assumes, with relative noise."""
    rng = random.Random(seed)
    rows = []
    for flops in (1e7, 1e8, 1e9, 1e10):
        for batch in (1, 4):
            for nfe in (1, 10):
                call_ms = (overhead_ms + 1000 * flops * batch / rate) * (1 + rng.uniform(-noise, noise))
                rows.append(dict(flops_per_forward=flops, batch=batch, nfe=nfe, dtype=dtype,
                                 latency_ms_per_sample=call_ms * nfe / batch))
    return rows


@pytest.fixture
def synthetic_rows():
    return make_synthetic_rows


def run_probe_in_memory(run, section: str, settings, directory):
    """Run one probe function on `settings` outside the runner, saving to a file in `directory`
    as the runner does, and return the results dict it built."""
    from types import SimpleNamespace

    from probes.results import write_probe_results
    from probes.runner import ProbeContext

    results: dict = {}
    path = directory / "probe-results.json"
    ctx = ProbeContext(SimpleNamespace(device="cpu", seed=0, **{section: settings}), set(), results,
                       lambda: write_probe_results(path, results))
    run(ctx)
    return results
