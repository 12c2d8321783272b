"""The `genarch` command line.

    genarch questions                 # every question, its type, unit, range and default
    genarch recommend [ANSWERS.yaml]  # rank gan / diffusion / hybrid for your constraints

Each subcommand lives in its own module under `app/` and registers itself in COMMANDS, so the
CLI is one dispatch table. Bad input raises `rubric.errors.InputError`: one line on stderr,
exit code 2, never a traceback. Ctrl-C: one line, exit code 130. Anything else unexpected (a
bug) still prints one line naming the error type, exit code 1; with GENARCH_DEBUG=1 in the
environment it is raised instead, traceback and all (tests set it to keep bugs visible).
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from rubric.errors import InputError, clean_text

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
EXIT_BUG = 1
EXIT_INTERRUPTED = 130
MAX_MESSAGE_CHARS = 500  # an error line is one line, however long what it quotes
DEBUG_ENV = "GENARCH_DEBUG"


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


def _debug() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "false", "no")


def _say(prefix: str, message: str) -> None:
    """One line on stderr: no control characters (a newline, an escape sequence from a file), bounded."""
    text = clean_text(message, " ")
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[:MAX_MESSAGE_CHARS - 1] + "…"
    try:
        print(f"{prefix}: {text}", file=sys.stderr, flush=True)
    except (OSError, ValueError):  # stderr closed: nothing left to tell
        pass


def _quiet_stdout() -> None:
    """After a broken pipe (`genarch recommend x.yaml | head`), point stdout at /dev/null so the
    interpreter's final flush does not print a second error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = "genarch"
    try:
        args = build_parser(argv).parse_args(argv)
        command = f"genarch {args.command}"
        return int(args._run(args) or 0)
    except InputError as err:
        _say(f"{command}: error", str(err))
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _say(command, "interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `genarch recommend x.yaml | head`
        _quiet_stdout()
        return 0
    except Exception as err:  # noqa: BLE001 — the last resort: a bug, said in one line
        if _debug():
            raise
        try:
            detail = str(err)
        except Exception:  # noqa: BLE001 — an exception whose message cannot be built
            detail = ""
        detail = detail if len(detail) <= 200 else detail[:199] + "…"
        _say(f"{command}: internal error", f"{type(err).__name__}{': ' + detail if detail else ''} "
             f"(a bug in genarch; run with {DEBUG_ENV}=1 for the traceback)")
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
