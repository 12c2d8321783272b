"""One spec per probe: the run function bound to it, the text `genarch probe --help` prints, the
steps its progress bar plans, and the decision's reader of its section."""
from __future__ import annotations

import importlib

import pytest

from app.cli import main
from probes import registry
from probes.config import resolve_config
from probes.summaries.control_summary import conditioning_evidence, hybrid_evidence, steering_evidence
from probes.registry import PROBES, get_probe, probe_names, register_probe
from probes.summaries.training_summary import training_evidence


def test_every_probe_has_one_spec_and_one_run_function():
    pytest.importorskip("torch")
    pytest.importorskip("diffusers")
    assert probe_names() == ["inference", "training", "conditioning", "steering", "hybrid"]
    for name, spec in PROBES.items():
        assert spec.name == name and get_probe(name) is spec
        module = importlib.import_module(spec.module)
        bound = registry._RUNNERS[name]
        assert bound.__module__ == module.__name__  # the spec names the module that binds it
        assert [n for n, fn in registry._RUNNERS.items() if fn is bound] == [name]


def test_binding_is_refused_without_a_spec_or_twice():
    with pytest.raises(ValueError, match="has no spec"):
        register_probe("not_a_probe")
    with pytest.raises(TypeError, match="must be callable"):
        register_probe("hybrid")(42)
    registry._RUNNERS.pop("hybrid", None)
    try:
        first = register_probe("hybrid")(lambda ctx: None)
        assert register_probe("hybrid")(first) is first  # the same function again is harmless
        with pytest.raises(ValueError, match="already registered"):
            register_probe("hybrid")(lambda ctx: None)
    finally:
        registry._RUNNERS.pop("hybrid", None)
    with pytest.raises(KeyError, match="unknown probe 'nope'"):
        get_probe("nope")


def test_help_prints_each_probe_s_one_description(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "2000")  # one line per option: nothing broken at a hyphen
    with pytest.raises(SystemExit):
        main(["probe", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    for name, spec in PROBES.items():
        assert f"{name} ({spec.description})" in shown


@pytest.mark.parametrize("profile, device", [("quick", "cpu"), ("full", "cpu"), ("quick", "cuda"), ("full", "cuda")])
def test_expected_rows_are_the_tasks_the_probes_plan(profile, device):
    pytest.importorskip("torch")
    from probes import inference, training

    dtypes = ("fp32",) if device == "cpu" else ("fp32", "bf16")
    config = resolve_config(profile, tuple(PROBES), device, dtypes)
    saved = config.to_dict()  # as the results file keeps it
    assert PROBES["inference"].planned(saved) == len(inference.plan(config.inference, config.dtypes))
    assert PROBES["training"].planned(saved) == (len(training.FAMILIES) * len(config.training.fractions)
                                                 * len(config.training.seeds))
    for name in ("conditioning", "steering", "hybrid"):
        assert PROBES[name].planned(saved) == 1  # one step: the section, complete or not
    assert PROBES["inference"].planned({}) is None and PROBES["inference"].planned(None) is None


def test_steps_done_are_counted_from_the_results():
    results = {"inference": [{}] * 5, "training": {"runs": [{}] * 3}, "hybrid": {"complete": True},
               "steering": {"complete": False}}
    assert [PROBES[n].done(results) for n in PROBES] == [5, 3, 0, 0, 1]


def test_each_spec_names_the_reader_of_its_section():
    assert [PROBES[n].evidence for n in ("training", "conditioning", "steering", "hybrid")] == [
        training_evidence, conditioning_evidence, steering_evidence, hybrid_evidence]
    assert PROBES["inference"].evidence({"cost_model": None}) is None
    assert all(spec.quick_cpu_seconds > 0 for spec in PROBES.values())
