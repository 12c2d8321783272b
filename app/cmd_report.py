"""Write the decision report as Markdown or PDF, comparing probe results from several machines.

    genarch report --answers answers.yaml --format md --out report.md
    genarch report --answers answers.yaml --probe-results h100/probe-results.json \\
        --probe-results l4/probe-results.json --format pdf --out report.pdf

The report holds the ranking, eliminations, the reasons with their figures and sources,
robustness, "what would change this decision", the measurements (side by side when several
files are given: run `genarch probe` on each GPU type, then merge them here) and an appendix
to reproduce it. With no --format, the suffix of --out decides. Torch-free.
"""
from __future__ import annotations

import argparse
import os

from rubric import answers as answers_mod
from rubric.errors import InputError

FORMATS = ("md", "pdf")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--answers", required=True, metavar="ANSWERS.yaml",
                        help="answers file (YAML mapping; `genarch questions --yaml` prints one)")
    parser.add_argument("--probe-results", action="extend", nargs="+", default=[], metavar="FILE",
                        help="probe-results.json from `genarch probe`; repeat for several machines")
    parser.add_argument("--format", choices=FORMATS, default=None,
                        help="md or pdf (default: from the suffix of --out)")
    parser.add_argument("--out", required=True, metavar="FILE", help="where to write the report")


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    suffix = os.path.splitext(args.out)[1].lower().lstrip(".")
    if suffix in ("md", "markdown"):
        return "md"
    if suffix == "pdf":
        return "pdf"
    raise InputError(f"--out {args.out}: cannot tell the format from the suffix; pass --format md or pdf")


def run(args: argparse.Namespace) -> int:
    from app.analysis import analyse
    from app.uploads import read_probe_file
    from probes.probe_set import unique_labels

    fmt = _format(args)
    from probes.atomic import check_target, write_atomic

    check_target(args.out, f"--out {args.out}")  # a FIFO, device or folder: refused before any work
    answers = answers_mod.load_file(args.answers)
    sets = unique_labels([read_probe_file(p) for p in args.probe_results])
    result = analyse(answers, sets)
    if fmt == "md":
        from reports.markdown import render

        from datetime import datetime, timezone

        # A report is forwarded: page 1 says when it was made, as the PDF's does.
        data = render(answers, result, sets, datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")).encode("utf-8")
    else:
        from reports.pdf import render

        data = render(answers, result, sets)
    write_atomic(args.out, data, f"--out {args.out}")  # a reader never sees half a report
    print(f"wrote {args.out} ({fmt}, {len(data):,} bytes; recommendation: {result['recommendation']})")
    return 0
