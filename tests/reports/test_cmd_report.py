"""`genarch report`: Markdown and PDF from files, several machines merged, bad input in one line."""
import json
import re

import pytest

from app.cli import main

from tests.conftest import EXAMPLES
from tests.reports.conftest import PROBE_RESULTS


def _second_machine(tmp_path):
    results = json.loads(PROBE_RESULTS.read_text())
    results["environment"]["device_name"] = "Other CPU"
    path = tmp_path / "other" / "probe-results.json"
    path.parent.mkdir()
    path.write_text(json.dumps(results))
    return path


def test_markdown_with_two_machines(tmp_path, capsys):
    out = tmp_path / "report.md"
    rc = main(["report", "--answers", str(EXAMPLES / "latency-bound.yaml"), "--probe-results",
               str(PROBE_RESULTS), "--probe-results", str(_second_machine(tmp_path)), "--out", str(out)])
    assert rc == 0 and "wrote" in capsys.readouterr().out
    md = out.read_text()
    # the date it was made, then the verdict first
    assert re.match(r"# genarch decision report\n\nGenerated \d{4}-\d\d-\d\d \d\d:\d\d UTC\.\n\nGAN \(StyleGAN2-ADA", md)
    assert "| AMD EPYC | probe-results-cpu.json |" in md and "| Other CPU | probe-results.json |" in md
    # neither ran on the serving GPU: the first file with a cost model is the evidence, and said so
    assert "of 2 probe results the decision uses AMD EPYC (none was measured on the serving hardware)" in md


def test_pdf_by_suffix(tmp_path):
    out = tmp_path / "report.pdf"
    assert main(["report", "--answers", str(EXAMPLES / "data-bound.yaml"), "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("argv, message", [
    (["--answers", "missing.yaml", "--out", "{tmp}/r.md"], "missing.yaml: no such file"),
    (["--answers", str(EXAMPLES / "data-bound.yaml"), "--out", "{tmp}/r.txt"], "cannot tell the format"),
    (["--answers", str(EXAMPLES / "data-bound.yaml"), "--out", "{tmp}/nodir/r.md"], "does not exist"),
    (["--answers", str(EXAMPLES / "data-bound.yaml"), "--probe-results", "{tmp}/bad.json", "--out", "{tmp}/r.md"],
     "not valid JSON"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, argv, message):
    (tmp_path / "bad.json").write_text("{not json")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(["report", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not list(tmp_path.glob("r.*"))
