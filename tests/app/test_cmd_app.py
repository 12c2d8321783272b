"""`genarch app`: binds 127.0.0.1:8501 unless told otherwise, headless, usage statistics off."""

import pytest

from app import cmd_app
from app.cli import main


def _flags(command):
    return dict(zip(command[5::2], command[6::2]))  # python -m streamlit run ENTRY --k v ...


def test_defaults(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(cmd_app, "serve", lambda command: calls.append(command) or 0)
    assert main(["app"]) == 0
    (command,) = calls
    assert command[1:4] == ["-m", "streamlit", "run"] and command[4].endswith("app/streamlit_app.py")
    flags = _flags(command)
    assert flags["--server.address"] == "127.0.0.1" and flags["--server.port"] == "8501"
    assert flags["--server.headless"] == "true" and flags["--browser.gatherUsageStats"] == "false"
    captured = capsys.readouterr()
    assert "serving on http://127.0.0.1:8501" in captured.out and captured.err == ""


def test_other_address_is_allowed_with_a_warning(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(cmd_app, "serve", lambda command: calls.append(command) or 0)
    assert main(["app", "--address", "0.0.0.0", "--port", "8600"]) == 0
    assert _flags(calls[0])["--server.address"] == "0.0.0.0" and _flags(calls[0])["--server.port"] == "8600"
    assert "reachable from other machines" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [(["--port", "0"], "--port must be between 1 and 65535"),
                                           (["--address", "example.com"], "--address must be an IP address")])
def test_bad_options(monkeypatch, capsys, argv, message):
    monkeypatch.setattr(cmd_app, "serve", lambda command: pytest.fail("must not start"))
    assert main(["app", *argv]) == 2
    assert message in capsys.readouterr().err
