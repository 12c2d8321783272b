"""Rank GAN, diffusion and hybrid for your constraints, with reasons, figures and robustness.

    genarch recommend                      # the built-in example answers (defaults)
    genarch recommend answers.yaml         # your answers; `genarch questions` lists the fields
    genarch recommend answers.yaml --format json
    genarch recommend answers.yaml --probe-results out/probe-results.json

Fields missing from ANSWERS take their defaults. With --probe-results, the cost model measured
by `genarch probe` replaces the calibrated catalog model (scaled by the catalog's peak ratio
when the probe ran on another device, and said so). Imports neither torch nor streamlit.
"""
from __future__ import annotations

import argparse
import sys

from rubric import answers as answers_mod
from rubric import contract, engine


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("answers", nargs="?", metavar="ANSWERS.yaml",
                        help="answers file (YAML mapping); omitted: the built-in defaults")
    parser.add_argument("--probe-results", metavar="FILE", nargs="+",
                        help="probe-results.json from `genarch probe` (one or more machines): the one "
                        "measured on the serving hardware gives the cost model; training results "
                        "give measured stability, mode coverage and data needs; conditioning and "
                        "steering results, measured controllability; hybrid results, the distilled "
                        "student's steps, quality and distillation cost")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    answers = answers_mod.defaults() if args.answers is None else answers_mod.load_file(args.answers)
    evidence = None
    if args.probe_results:
        from app.analysis import evidence_for, load_sets

        evidence = evidence_for(load_sets(args.probe_results), answers["serving_hardware"])
    if args.answers is None:  # said once all input is known to be good: errors stay one line
        print("genarch: no answers file given; using the built-in defaults "
              "(`genarch questions --yaml` prints them to edit)", file=sys.stderr)
    decision = engine.decide(answers, evidence=evidence)
    result = contract.to_dict(decision, answers)
    if args.format == "json":
        print(contract.dumps(result, indent=2, ensure_ascii=False))
    else:
        from reports.text import render

        print(render(result))
    return 0
