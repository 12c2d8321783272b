"""Rank GAN, diffusion and hybrid for your constraints, with reasons, figures and robustness.

    genarch recommend                      # the built-in example answers (defaults)
    genarch recommend answers.yaml         # your answers; `genarch questions` lists the fields
    genarch recommend answers.yaml --format json
    genarch recommend answers.yaml --probe-results out/probe-results.json

Fields missing from ANSWERS take their defaults. With --probe-results, the cost model measured
by `genarch probe` replaces the catalog's assumed efficiency (scaled by the catalog's peak ratio
when the probe ran on another device, and said so). Imports neither torch nor streamlit.
"""
from __future__ import annotations

import argparse
import json
import sys

from rubric import answers as answers_mod
from rubric import contract, engine


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("answers", nargs="?", metavar="ANSWERS.yaml",
                        help="answers file (YAML mapping); omitted: the built-in defaults")
    parser.add_argument("--probe-results", metavar="FILE",
                        help="probe-results.json from `genarch probe`: use its measured cost model")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def load_evidence(path: str) -> dict:
    """Evidence for the engine from a probe results file (torch-free)."""
    from probes.cost_model import device_profile
    from probes.results import load_probe_results

    results = load_probe_results(path)
    notes = []
    if not results.get("complete"):
        notes.append(f"probe results {path} are partial (complete: false); `genarch probe --resume` finishes them")
    return {"device_profile": device_profile(results), "notes": notes, "probe_results": str(path)}


def run(args: argparse.Namespace) -> int:
    answers = answers_mod.defaults() if args.answers is None else answers_mod.load_file(args.answers)
    evidence = load_evidence(args.probe_results) if args.probe_results else None
    if args.answers is None:  # said once all input is known to be good: errors stay one line
        print("genarch: no answers file given; using the built-in defaults "
              "(`genarch questions --yaml` prints them to edit)", file=sys.stderr)
    decision = engine.decide(answers, evidence=evidence)
    result = contract.to_dict(decision, answers)
    if args.format == "json":
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        from reports.text import render

        print(render(result))
    return 0
