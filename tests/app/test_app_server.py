"""`genarch app` on a network: the shipped .streamlit/config.toml and the flags
`genarch app` passes agree; SIGTERM or Ctrl-C stops the Streamlit child too (nothing left serving);
no external-IP lookup; a loaded file that breaks a page leaves a session that can still clear it."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib

import pytest

from app import cmd_app
from tests.conftest import ROOT

CONFIG = ROOT / ".streamlit" / "config.toml"


def test_config_toml_holds_the_safe_settings_and_matches_genarch_app():
    config = tomllib.loads(CONFIG.read_text())
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["maxUploadSize"] == cmd_app.MAX_UPLOAD_MB <= 5
    assert config["client"]["showErrorDetails"] == "none"
    assert config["global"]["developmentMode"] is False
    assert config["server"]["address"] == "127.0.0.1" and config["browser"]["serverAddress"] == "localhost"
    assert config["server"]["enableXsrfProtection"] is True and config["server"]["enableCORS"] is True
    flat = {f"{section}.{name}": value for section, options in config.items() for name, value in options.items()}
    for name, flag in cmd_app.SETTINGS.items():  # what `genarch app` passes: the same values
        assert str(flat[name]).lower() == flag, name


def test_streamlit_knows_every_option_and_reads_the_file():
    """The option names exist in the installed Streamlit (a renamed one would be ignored silently)."""
    from streamlit import config

    options = config.get_config_options(force_reparse=True)
    for name in [*cmd_app.SETTINGS, "server.address", "server.port", "browser.serverAddress"]:
        assert name in options, name


@pytest.mark.parametrize("address", ["127.0.0.1", "0.0.0.0", "192.168.1.7"])
def test_the_shown_address_is_the_bound_one_so_no_external_ip_is_fetched(address):
    command = cmd_app.streamlit_command(address, 8600)
    flags = dict(zip(command[5::2], command[6::2]))
    assert flags["--browser.serverAddress"] == address == flags["--server.address"]
    assert flags["--client.showErrorDetails"] == "none" and flags["--server.maxUploadSize"] == "5"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _children(pid: int) -> list[int]:
    path = f"/proc/{pid}/task/{pid}/children"
    if not os.path.exists(path):
        pytest.skip("needs /proc (Linux) to find the child process")
    with open(path) as f:
        return [int(p) for p in f.read().split()]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("signum", [signal.SIGTERM])
def test_sigterm_to_genarch_app_stops_the_streamlit_child(tmp_path, signum):
    port = _free_port()
    log = open(tmp_path / "app.log", "wb")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}  # no ~/.streamlit of the user
    parent = subprocess.Popen([sys.executable, "-m", "app.cli", "app", "--port", str(port)], cwd=tmp_path,
                              stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 15
        # Streamlit listens a moment before it prints its URL: wait for both, or a loaded machine
        # sends the signal between the two and the banner is never written
        while not (_listening(port) and b"URL: " in (tmp_path / "app.log").read_bytes()):
            assert parent.poll() is None, (tmp_path / "app.log").read_text()
            assert time.monotonic() < deadline, "the server did not start within 15 s"
            time.sleep(0.2)
        (child,) = _children(parent.pid)
        parent.send_signal(signum)
        assert parent.wait(timeout=10) == 128 + signum
        deadline = time.monotonic() + 10
        while _alive(child) or _listening(port):
            assert time.monotonic() < deadline, "the Streamlit child still runs 10 s after SIGTERM"
            time.sleep(0.1)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        log.close()
    output = (tmp_path / "app.log").read_text()
    assert f"URL: http://127.0.0.1:{port}" in output and "External URL" not in output
    assert "stopped (SIGTERM)" in output and "Traceback" not in output


def test_ctrl_c_is_forwarded_and_a_child_that_ignores_it_is_killed(monkeypatch):
    """serve() itself, with a stand-in for Streamlit that ignores SIGINT and SIGTERM."""
    monkeypatch.setattr(cmd_app, "STOP_GRACE_S", 0.5)
    stubborn = [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); "
                "signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"]
    spawned = []
    real_popen = subprocess.Popen

    def popen(*args, **kwargs):
        spawned.append(real_popen(*args, **kwargs))
        return spawned[-1]

    monkeypatch.setattr(cmd_app.subprocess, "Popen", popen)
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    started = time.monotonic()
    try:
        assert cmd_app.serve(stubborn) == 130
    finally:
        timer.cancel()
    assert time.monotonic() - started < 8
    assert spawned[0].poll() == -signal.SIGKILL
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handlers restored


def test_a_loaded_file_that_breaks_a_page_leaves_the_clear_control(monkeypatch):
    from streamlit.testing.v1 import AppTest

    from app import state
    from reports.probe_view import ProbeSet

    def broken(answers, sets):
        if sets:
            raise KeyError("cost_model")  # what a file that passed upload but breaks the decision does
        return real(answers, sets)

    real = state.analyse
    monkeypatch.setattr(state, "analyse", broken)
    at = AppTest.from_file(str(ROOT / "app" / "streamlit_app.py"), default_timeout=30).run()
    at.session_state["probe_sets"] = [ProbeSet("bad machine", "bad.json", {"created_unix": time.time(),
                                                                           "inference": []})]
    at.switch_page("pages/2_Recommendation.py").run()
    assert not at.exception
    (error,) = at.error
    assert "could not be drawn" in error.value and "KeyError" in error.value
    assert "Traceback" not in error.value and "\n" not in error.value
    at.button(key="failure_clear").click().run()
    assert not at.exception and not any("could not be drawn" in e.value for e in at.error)
    assert at.session_state["probe_sets"] == []
    assert at.header[0].value.startswith("Recommendation:")
