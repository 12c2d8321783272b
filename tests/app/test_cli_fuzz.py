"""The command line never shows a traceback: hypothesis fuzzing of `genarch recommend`
and `genarch questions` in-process (exit 2 with one line, or sane output: strict JSON, no control
characters), and the last-resort handling of Ctrl-C, broken pipes and bugs."""
from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import math
import os
import subprocess
import sys
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import cli
from rubric import answers, engine
from tests.conftest import ROOT
from tests.rubric.test_answers_hostile import LINES, YAMLISH, _bomb

_DECIDE = engine.decide
FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def _bugs_raise(monkeypatch):
    """While fuzzing, an unexpected exception fails the test with its traceback (GENARCH_DEBUG)."""
    monkeypatch.setenv("GENARCH_DEBUG", "1")


def _strict(text: str):
    """json.loads that refuses NaN, Infinity and -Infinity, as strict JSON parsers do."""
    def refuse(constant):
        raise AssertionError(f"not strict JSON: {constant}")
    return json.loads(text, parse_constant=refuse)


def _main(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as exc:  # argparse: --help, --version, a usage error
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def _assert_clean(code: int, out: str, err: str) -> None:
    assert "Traceback" not in err and "Traceback" not in out
    if code == 2:
        assert err.count("\n") == 1 and err[:-1].isprintable() and len(err) < 400, err[:500]
    else:
        assert code == 0, (code, err[:500])
    for line in out.splitlines():
        assert line.isprintable(), repr(line[:200])


def _check_output(fmt: str, code: int, out: str, err: str) -> None:
    _assert_clean(code, out, err)
    if code == 0 and fmt == "json":
        result = _strict(out)
        for family, e in result["estimates"].items():
            for field in ("latency_ms_per_sample", "usd_per_1k_samples", "monthly_usd", "training_gpu_hours",
                          "weeks_to_production"):
                assert math.isfinite(e[field]) and e[field] >= 0, (family, field, e[field])


@FUZZ
@given(YAMLISH | LINES, st.sampled_from(["text", "json"]))
def test_fuzz_recommend_answers_files(text, fmt):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "answers.yaml")
        with open(path, "w", encoding="utf-8", errors="surrogatepass") as handle:
            handle.write(text)
        code, out, err = _main(["recommend", path, "--format", fmt])
    _check_output(fmt, code, out, err)


TOKENS = ["recommend", "questions", "--format", "json", "text", "xml", "--yaml", "--probe-results",
          "/nonexistent/p.json", "/nonexistent/a.yaml", "--", "-", "", "\x1b[31m", "é", "--unknown", "-x",
          str(ROOT / "examples" / "latency-bound.yaml")]


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["recommend", "questions"]), st.lists(st.sampled_from(TOKENS), max_size=5))
def test_fuzz_argv(command, rest):
    code, out, err = _main([command, *rest])
    assert "Traceback" not in err
    assert code in (0, 2), (code, err[:300])
    if code == 2:
        assert err.count("\n") == 1, err[:500]


def test_recommend_json_is_strict_and_sane():
    code, out, err = _main(["recommend", "--format", "json"])
    assert code == 0
    result = _strict(out)
    assert result["recommendation"] in ("gan", "diffusion", "hybrid")


def _decision_with(family: str, **changes):
    decision = _DECIDE(answers.defaults())
    decision.estimates[family] = dataclasses.replace(decision.estimates[family], **changes)
    return decision


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("field, value", [("latency_ms_per_sample", math.nan), ("monthly_usd", -2.6e7),
                                          ("usd_per_1k_interval", (0.1, math.inf))])
def test_a_figure_that_would_be_nan_or_negative_is_one_line_naming_its_source(tmp_path, monkeypatch, fmt, field,
                                                                             value):
    path = tmp_path / "answers.yaml"
    path.write_text(answers.to_yaml(answers.defaults()))
    monkeypatch.setattr(engine, "decide", lambda *a, **k: _decision_with("gan", **{field: value}))
    code, out, err = _main(["recommend", str(path), "--format", fmt])
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert "gan" in err and field in err and "Traceback" not in err


def test_a_bug_is_one_line_exit_1_without_debug(monkeypatch):
    monkeypatch.delenv("GENARCH_DEBUG")
    from app import cmd_questions

    def boom(args):
        raise RuntimeError("something broke\n\x1b[31m" + "x" * 10_000)
    monkeypatch.setattr(cmd_questions, "run", boom)
    code, out, err = _main(["questions"])
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert "internal error: RuntimeError: something broke" in err and "GENARCH_DEBUG" in err
    assert err[:-1].isprintable() and len(err) < 700


def test_a_bug_raises_with_debug(monkeypatch):
    from app import cmd_questions

    monkeypatch.setattr(cmd_questions, "run", lambda args: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        cli.main(["questions"])


@pytest.mark.parametrize("raised, expected", [(KeyboardInterrupt, 130), (BrokenPipeError, 0)])
def test_interrupt_and_broken_pipe(monkeypatch, raised, expected):
    from app import cmd_questions

    def stop(args):
        raise raised
    monkeypatch.setattr(cmd_questions, "run", stop)
    code, out, err = _main(["questions"])
    assert code == expected and "Traceback" not in err
    assert err == ("genarch questions: interrupted\n" if raised is KeyboardInterrupt else "")


def test_real_process_yaml_bomb_one_line_no_traceback(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb())
    env = {k: v for k, v in os.environ.items() if k != "GENARCH_DEBUG"}
    proc = subprocess.run([sys.executable, "-m", "app.cli", "recommend", str(path)], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=20)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "alias" in proc.stderr and "Traceback" not in proc.stderr
