"""The answers contract: defaults, validation, and every bad-input case from the issue."""
from __future__ import annotations

import math
import subprocess
import sys

import pytest
import yaml

from app.cli import main
from rubric import answers
from rubric.errors import InputError

from tests.conftest import ROOT


def test_defaults_cover_every_question_and_validate():
    values = answers.defaults()
    assert set(values) == set(answers.questions())
    assert answers.validate(values) == values


def test_partial_file_takes_defaults_for_missing_fields():
    result = answers.parse("resolution: 1024\nconditioning: [class]\n")
    assert result["resolution"] == 1024 and result["conditioning"] == ["class"]
    assert result["serving_hardware"] == answers.defaults()["serving_hardware"]


def test_yaml_round_trip_keeps_schema_order():
    text = answers.to_yaml(answers.defaults())
    assert list(yaml.safe_load(text)) == list(answers.questions())
    assert answers.parse(text) == answers.defaults()


def test_exponent_numbers_are_numbers():
    # PyYAML reads 1e6 as a string (YAML 1.1); users mean a number.
    assert answers.parse("samples_per_month: 1e6")["samples_per_month"] == 1_000_000


@pytest.mark.parametrize("text, needle", [
    ("resolution: big", "resolution: expected an integer"),
    ("resolution: 8", "resolution: expected an integer ≥ 16 and ≤ 4096, got 8"),
    ("resolution: 512.5", "resolution"),
    ("samples_per_month: -5", "samples_per_month: expected an integer ≥ 0"),
    ("gpu_hourly_usd: -0.1", "gpu_hourly_usd"),
    ("gpu_hourly_usd: .nan", "gpu_hourly_usd: expected a number ≥ 0 and ≤ 10000, got nan"),
    ("latency_budget_ms: .inf", "latency_budget_ms: expected a number > 0, or null, got inf"),
    ("latency_budget_ms: 0", "latency_budget_ms"),
    ("pretrained_allowed: maybe", "pretrained_allowed: expected true or false"),
    ("training_risk_tolerance: extreme", "training_risk_tolerance: expected one of low, medium, high"),
    ("serving_hardware: a10O", "serving_hardware"),
    ("conditioning: []", "conditioning: expected a non-empty list"),
    ("conditioning: [txt]", "did you mean 'text'"),
    ("conditioning: text", "conditioning: expected a non-empty list"),
    ("conditioning: [none, text]", "'none' cannot be combined"),
    ("resoluton: 512", "unknown field 'resoluton' (did you mean 'resolution'?)"),
    ("binding_constraint: null", "binding_constraint: expected one of"),
    ("- a\n- b", "expected a YAML mapping of answers, got list"),
    ("", "expected a YAML mapping of answers, got empty"),
    ("resolution: [1", "not valid YAML at line"),
    ("dataset_images: true", "dataset_images: expected an integer"),
])
def test_bad_answers_name_the_field(text, needle):
    with pytest.raises(InputError) as err:
        answers.parse(text, source="a.yaml")
    message = str(err.value)
    assert needle in message and "\n" not in message


@pytest.mark.parametrize("content, needle", [
    (None, "no such file"),
    ("resolution: 1\n", "resolution"),
    (": : :\n", "not valid YAML"),
    ("x" * 1_000_001, "over the 1 MB limit"),
    (b"\xff\xfe\x00bad", "not a UTF-8 text file"),
])
def test_cli_bad_files_exit_2_with_one_line(tmp_path, capsys, content, needle):
    path = tmp_path / "answers.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    assert main(["recommend", str(path)]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_cli_directory_is_not_a_file(tmp_path, capsys):
    assert main(["recommend", str(tmp_path)]) == 2
    assert "not a file" in capsys.readouterr().err


def test_real_process_bad_input_has_no_traceback(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("latency_budget_ms: .nan\n")
    proc = subprocess.run([sys.executable, "-m", "app.cli", "recommend", str(path)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
    assert "latency_budget_ms" in proc.stderr and proc.stdout == ""


def test_unknown_option_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["recommend", "--format", "xml"])
    assert exc.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_questions_lists_every_field_with_unit_and_default(capsys):
    assert main(["questions"]) == 0
    out = capsys.readouterr().out
    for name, q in answers.questions().items():
        assert name in out
        if q.unit:
            assert f"[{q.unit}]" in out
    assert "default: null" in out and "one of a100" in out


def test_questions_yaml_is_a_valid_answers_file(capsys):
    assert main(["questions", "--yaml"]) == 0
    assert answers.parse(capsys.readouterr().out) == answers.defaults()


def test_nan_is_never_accepted_anywhere():
    for name, q in answers.questions().items():
        if q.type in ("int", "number"):
            with pytest.raises(InputError):
                answers.validate({name: math.nan})


def test_every_question_has_a_plain_label_and_help_without_yaml_words():
    for name, q in answers.questions().items():
        assert q.label and q.title() == q.label[0].upper() + q.label[1:], name
        assert not q.unit or q.unit.lower() not in q.label.lower(), name  # the unit is shown once, elsewhere
        assert "null" not in q.help.lower(), name  # the app's word is "no limit"
    assert answers.Question("training_gpus", "int", "", 8).title() == "Training gpus"  # no label: the name


def test_the_schema_loader_refuses_a_label_that_is_not_text(monkeypatch):
    real = answers._load_yaml

    def with_bad_label(path):
        data = real(path)
        if path.name == "questions.yaml":
            data["questions"]["resolution"]["label"] = ["a", "list"]
        return data

    monkeypatch.setattr(answers, "_load_yaml", with_bad_label)
    with pytest.raises(ValueError, match="questions.yaml: resolution: label and help must be text"):
        answers.questions.__wrapped__()
