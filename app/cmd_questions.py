"""List every question of the answers format: help, type, unit, range and default.

    genarch questions            # a readable list
    genarch questions --yaml     # a complete answers file with the defaults, to edit
"""
from __future__ import annotations

import argparse

from rubric import answers as answers_mod


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--yaml", action="store_true", help="print an answers file with every default")


def run(args: argparse.Namespace) -> int:
    if args.yaml:
        print(answers_mod.to_yaml(answers_mod.defaults()), end="")
        return 0
    for q in answers_mod.questions().values():
        unit = f" [{q.unit}]" if q.unit else ""
        default = "null" if q.default is None else q.default
        print(f"{q.name}{unit}\n    {q.help}\n    type: {q.type}; expected: {q.expected()}; default: {default}")
    return 0
