"""The `genarch` command line.

    genarch questions                 # every question, its type, unit, range and default
    genarch recommend [ANSWERS.yaml]  # rank gan / diffusion / hybrid for your constraints

Each subcommand lives in its own module under `app/` and registers itself in COMMANDS, so the
CLI is one dispatch table. Bad input raises `rubric.errors.InputError`: one line on stderr,
exit code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from rubric.errors import InputError

# name -> module; each module has `add_arguments(parser)`, `run(args) -> int` and a docstring
# whose first line is the help text. Modules are imported lazily so that `genarch recommend`
# never pays for torch (probes) or streamlit (app).
COMMANDS = {
    "questions": "app.cmd_questions",
    "recommend": "app.cmd_recommend",
    "probe": "app.cmd_probe",
    "estimate": "app.cmd_estimate",
    "app": "app.cmd_app",
    "report": "app.cmd_report",
}

EXIT_BAD_INPUT = 2


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 already; keep it to one line
        self.exit(EXIT_BAD_INPUT, f"genarch: error: {message} (see `genarch --help`)\n")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("genarch")
    except PackageNotFoundError:
        return "unknown"


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog="genarch",
        description="Choose between a GAN, a diffusion model and a hybrid from your constraints "
        "and measurements on your own hardware.",
    )
    parser.add_argument("--version", action="version", version=f"genarch {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_ArgumentParser)
    sub.required = True
    # Only the module of the chosen command is imported; `--help` imports them all for help text.
    wanted = [a for a in argv if a in COMMANDS][:1] or list(COMMANDS)
    for name, module_name in COMMANDS.items():
        if name in wanted:
            module = importlib.import_module(module_name)
            doc = (module.__doc__ or "").strip().splitlines()
            cmd = sub.add_parser(name, help=doc[0] if doc else None, description="\n".join(doc),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
            module.add_arguments(cmd)
            cmd.set_defaults(_run=module.run)
        else:
            sub.add_parser(name)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except InputError as err:
        print(f"genarch {args.command}: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"genarch {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `genarch recommend x.yaml | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
