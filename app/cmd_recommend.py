"""Rank GAN, diffusion and hybrid for your constraints, with reasons, figures and robustness.

    genarch recommend                      # the built-in example answers (defaults)
    genarch recommend answers.yaml         # your answers; `genarch questions` lists the fields
    genarch recommend answers.yaml --format json

Fields missing from ANSWERS take their defaults. Imports neither torch nor streamlit.
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
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    if args.answers is None:
        answers = answers_mod.defaults()
        print("genarch: no answers file given; using the built-in defaults "
              "(`genarch questions --yaml` prints them to edit)", file=sys.stderr)
    else:
        answers = answers_mod.load_file(args.answers)
    decision = engine.decide(answers)
    result = contract.to_dict(decision, answers)
    if args.format == "json":
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        from reports.text import render

        print(render(result))
    return 0
