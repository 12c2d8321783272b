"""Serve the genarch app (questionnaire, recommendation, probes, report) in the browser.

    genarch app                         # http://127.0.0.1:8501, this machine only
    genarch app --port 8600
    genarch app --address 0.0.0.0       # reachable from other machines: only on a trusted network

Runs `streamlit run app/streamlit_app.py` headless (no browser is opened) with the settings of
.streamlit/config.toml passed as flags (usage statistics off, uploads capped, no error details in
the browser; SETTINGS below, kept equal to the file by a test), and prints the address to open.
The server binds to 127.0.0.1 unless --address says otherwise; browser.serverAddress is set to the
bound address, so Streamlit never asks an outside service for this machine's external IP.

Streamlit runs in its own process group. SIGTERM, SIGINT (Ctrl-C) or SIGHUP to `genarch app` is
forwarded to that group (the server and any probe it started); whatever has not stopped after
STOP_GRACE_S seconds is killed. No server is left serving.
"""
from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from rubric.errors import InputError

ENTRY = Path(__file__).with_name("streamlit_app.py")
DEFAULT_ADDRESS, DEFAULT_PORT = "127.0.0.1", 8501
MAX_UPLOAD_MB = 5  # server-wide cap; each uploader has its own smaller limit (app/uploads.py)
STOP_GRACE_S = 5.0  # after a forwarded signal, how long the server may take before it is killed
# The same values as .streamlit/config.toml (tests/app/test_app_server.py compares them), passed as
# flags so that they hold whatever the current folder, and beat any config file.
SETTINGS = {
    "global.developmentMode": "false",
    "server.headless": "true",
    "server.maxUploadSize": str(MAX_UPLOAD_MB),
    "server.fileWatcherType": "none",
    "server.enableCORS": "true",
    "server.enableXsrfProtection": "true",
    "browser.gatherUsageStats": "false",
    "client.showErrorDetails": "none",
    "client.toolbarMode": "viewer",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--address", default=DEFAULT_ADDRESS,
                        help=f"address to bind (default {DEFAULT_ADDRESS}: this machine only)")


def streamlit_command(address: str, port: int) -> list[str]:
    command = [sys.executable, "-m", "streamlit", "run", str(ENTRY),
               "--server.address", address,
               "--server.port", str(port),
               # the URL Streamlit prints and trusts for CORS: set, it never looks up an external IP
               "--browser.serverAddress", address]
    for name, value in SETTINGS.items():
        command += [f"--{name}", value]
    return command


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(child.pid, signum)  # the child leads its own group (start_new_session)
    except (ProcessLookupError, PermissionError):
        pass


def serve(command: list[str]) -> int:
    """Run the server until it exits, or until SIGTERM, SIGINT or SIGHUP arrives: that signal is
    forwarded to the server's process group, which is killed if still there after STOP_GRACE_S.
    Returns the server's exit code, or 128 + the signal's number when stopped by one."""
    child = subprocess.Popen(command, start_new_session=True)
    received: list[int] = []

    def forward(signum, frame):  # noqa: ARG001
        received.append(signum)
        _signal_group(child, signum)

    previous = {}
    for name in ("SIGTERM", "SIGINT", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None:
            try:
                previous[signum] = signal.signal(signum, forward)
            except ValueError:  # not the main thread: the caller stops the child itself
                pass
    deadline = None
    try:
        while True:
            try:
                code = child.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                pass
            if received and deadline is None:
                deadline = time.monotonic() + STOP_GRACE_S
            if deadline is not None and time.monotonic() > deadline:
                _signal_group(child, signal.SIGKILL)
                code = child.wait()
                break
    finally:
        if child.poll() is None:  # an unexpected exception here: never leave the server running
            _signal_group(child, signal.SIGKILL)
            child.wait()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 128 + received[0] if received else code


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
    code = serve(streamlit_command(args.address, args.port))
    if code > 128 and code - 128 in (signal.SIGTERM, signal.SIGINT, getattr(signal, "SIGHUP", -1)):
        print(f"genarch app: stopped ({signal.Signals(code - 128).name})", file=sys.stderr)
    return code
