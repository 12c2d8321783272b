"""Serve the genarch app (questionnaire, recommendation, probes, report) in the browser.

    genarch app                         # http://127.0.0.1:8501, this machine only
    genarch app --port 8600
    genarch app --address 0.0.0.0       # reachable from other machines: only on a trusted network

Runs `streamlit run app/streamlit_app.py` headless (no browser is opened) with usage statistics
off, and prints the address to open. The server binds to 127.0.0.1 unless --address says otherwise.
"""
from __future__ import annotations

import argparse
import ipaddress
import subprocess
import sys
from pathlib import Path

from rubric.errors import InputError

ENTRY = Path(__file__).with_name("streamlit_app.py")
DEFAULT_ADDRESS, DEFAULT_PORT = "127.0.0.1", 8501
MAX_UPLOAD_MB = 5  # server-wide cap; each uploader has its own smaller limit (app/uploads.py)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--address", default=DEFAULT_ADDRESS,
                        help=f"address to bind (default {DEFAULT_ADDRESS}: this machine only)")


def streamlit_command(address: str, port: int) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(ENTRY),
            "--server.headless", "true",
            "--server.address", address,
            "--server.port", str(port),
            "--browser.gatherUsageStats", "false",
            "--server.maxUploadSize", str(MAX_UPLOAD_MB),
            "--server.fileWatcherType", "none",
            "--client.toolbarMode", "viewer",
            "--global.developmentMode", "false"]


def _check(address: str, port: int) -> None:
    if not 1 <= port <= 65535:
        raise InputError(f"--port must be between 1 and 65535, got {port}")
    if address != "localhost":
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise InputError(f"--address must be an IP address or localhost, got {address!r}") from None


def run(args: argparse.Namespace) -> int:
    _check(args.address, args.port)
    try:
        import streamlit  # noqa: F401  (fail here with one line, not in the child)
    except ImportError:
        raise InputError("streamlit is not installed; `pip install -e .` installs it") from None
    if args.address not in ("127.0.0.1", "localhost", "::1"):
        print(f"genarch app: warning: binding {args.address} makes the app reachable from other "
              "machines; it has no authentication", file=sys.stderr)
    host = f"[{args.address}]" if ":" in args.address else args.address
    print(f"genarch app: serving on http://{host}:{args.port} (Ctrl-C stops it)", flush=True)
    try:
        return subprocess.call(streamlit_command(args.address, args.port))
    except KeyboardInterrupt:  # the child got the same Ctrl-C and stops by itself
        return 130
