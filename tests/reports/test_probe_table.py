"""The plain-text tables `genarch probe` prints for the controllability probes."""
from __future__ import annotations

import copy
import json
from pathlib import Path

from reports.probe_table import control_tables

FIXTURE = Path(__file__).parent.parent / "fixtures" / "probe-results-control.json"


def _results() -> dict:
    return json.loads(FIXTURE.read_text())


def _row_line(table: str, start: str) -> list[str]:
    return next(line for line in table.splitlines() if line.startswith(start)).split()


def test_each_section_prints_its_measurements():
    results = _results()
    table = control_tables(results)
    gan = next(r for r in results["conditioning"]["rows"] if r["architecture"] == "gan")
    assert _row_line(table, "gan ")[1] == f"{gan['conditional_accuracy']:.3f}"
    guided = next(r for r in results["conditioning"]["rows"] if r.get("guidance_scale") == 3.0)
    line = _row_line(table, "diffusion, guidance 3")
    assert line[3] == f"{guided['conditional_accuracy']:.3f}" and line[-2] == str(guided["forwards_per_sample"])
    repaint = next(r for r in results["steering"]["rows"] if r["method"] == "repaint")
    assert _row_line(table, "repaint")[1:4] == [f"{repaint['hole_mse']:.4f}", f"{repaint['hole_psnr_db']:.2f}",
                                                f"{repaint['label_agreement']:.2f}"]
    student = next(r for r in results["hybrid"]["rows"] if r["role"] == "student" and r["nfe"] == 1)
    assert any(line.split()[:4] == ["student", "(hybrid)", "1", f"{student['quality']['fid']:.3f}"]
               for line in table.splitlines())
    share = results["hybrid"]["distillation"]["share_of_teacher_train_s"]
    assert f"= {share:.2f}× the teacher's" in table


def test_missing_partial_and_skipped_sections():
    assert control_tables({}) == ""
    results = _results()
    del results["steering"], results["hybrid"]
    results["conditioning"]["complete"] = False
    assert "[PARTIAL]" in control_tables(results) and "steering" not in control_tables(results)
    skipped = copy.deepcopy(results)
    skipped["conditioning"] = {"complete": True, "skipped": "no class labels in DIR", "rows": [],
                               "classifier": {}}
    assert "skipped: no class labels in DIR" in control_tables(skipped)
