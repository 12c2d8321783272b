"""The PDF report, checked with poppler-utils: pages, embedded chart images, the text it holds."""
import copy
import subprocess

import pytest

from reports import pdf
from reports.probe_view import ProbeSet

from tests.app.conftest import require_tool


def _poppler(tool: str, path, *args: str) -> str:
    return subprocess.run([require_tool(tool), *args, str(path)] + (["-"] if tool == "pdftotext" else []),
                          capture_output=True, text=True, check=True).stdout


def _images(path) -> list[list[str]]:
    lines = _poppler("pdfimages", path, "-list").splitlines()[2:]  # two header lines
    return [line.split() for line in lines]


@pytest.fixture(scope="module")
def flipping_pdf(tmp_path_factory):
    """The decision with flips (2 decision charts) and the stored probe result (3 probe charts)."""
    from tests.reports.conftest import PROBE_RESULTS, decision
    import json

    answers, result = decision({"serving_hardware": "a100", "latency_budget_ms": 100, "dataset_images": 2000})
    results = json.loads(PROBE_RESULTS.read_text())
    results["environment"]["device_name"] = "<b>CPU</b> **x** \x07bell"
    sets = [ProbeSet.from_results(results, "runs/cpu/probe-results.json")]
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    path.write_bytes(pdf.render(answers, result, sets))
    return path, result


def test_pages_and_one_image_per_chart(flipping_pdf):
    path, _ = flipping_pdf
    info = _poppler("pdfinfo", path)
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert 4 <= pages <= 12
    assert "genarch decision report" in info  # the title in the metadata
    images = _images(path)
    assert len(images) == 5  # contributions, flips, latency/NFE, USD/1k, throughput/batch
    for row in images:  # page num type width height ...: charts at 2x scale, wider than tall
        width, height = int(row[3]), int(row[4])
        assert row[2] == "image" and width >= 800 and 100 <= height < width


def test_text_holds_the_decision_and_the_appendix(flipping_pdf):
    path, result = flipping_pdf
    text = _poppler("pdftotext", path, "-layout")
    flat = " ".join(text.split())  # lines wrap wherever the page width says
    assert f"Recommendation: {result['recommendation'].upper()}" in flat
    assert "What would change this decision" in flat and "would make diffusion the recommendation" in flat
    appendix = flat[flat.index("Appendix: reproducing this report"):]
    import json

    from tests.reports.conftest import PROBE_RESULTS

    torch_version = json.loads(PROBE_RESULTS.read_text())["environment"]["torch_version"]  # the probe's, not ours
    for expected in ("latency_budget_ms: 100", "seed 20261126", "fpdf2", "vl-convert-python",
                     f"torch {torch_version}", "profile: quick", "Probe config of"):
        assert expected in appendix, expected
    # the appendix starts a page: the text before it ends with a form feed
    assert text[:text.index("Appendix: reproducing")].rstrip(" ").endswith("\f")


def test_user_text_is_written_as_text(flipping_pdf):
    path, _ = flipping_pdf
    text = " ".join(_poppler("pdftotext", path).split())
    assert "<b>CPU</b> **x** bell" in text  # as typed, minus the control character


def test_without_dejavu_the_core_font_still_renders(monkeypatch, latency_bound):
    monkeypatch.setattr(pdf, "FONT_DIRS", ())
    monkeypatch.delenv("GENARCH_PDF_FONT_DIR", raising=False)
    answers, result = latency_bound
    result = copy.deepcopy(result)
    result["notes"] = ["≥ 30 ms → non-Latin-1 text is replaced, not fatal"]
    data = pdf.render(answers, result)
    assert data.startswith(b"%PDF") and len(data) > 10_000


def test_training_charts_and_sample_grids_are_embedded(tmp_path, latency_bound, probe_sets):
    from tests.reports.conftest import with_training

    answers, result = latency_bound  # no weight flips: one decision chart
    sets = [ProbeSet.from_results(with_training(probe_sets[0].results), "t.json")]
    path = tmp_path / "training.pdf"
    path.write_bytes(pdf.render(answers, result, sets))
    images = _images(path)
    # 1 decision + 3 inference + 3 training charts (learning, data needs, modes) + 2 sample grids
    assert len(images) == 9
    assert sorted((int(r[3]), int(r[4])) for r in images)[:2] == [(16, 16), (16, 16)]
    text = " ".join(_poppler("pdftotext", path).split())
    assert "Training probe: stability and data needs" in text and "measured-range" in text


def test_table_columns_never_break_inside_a_word():
    from reports import document as doc
    from reports.pdf import _col_widths

    measure = lambda text: 2.0 * len(text)  # noqa: E731  (mm per character, for the test)
    table = doc.Table(("machine", "sampler", "n"),
                      (("AMD EPYC", "ddim (trailing, clipped, v_prediction)", "1"), ("x", "y", "22")))
    narrow = _col_widths(table, measure, total_mm=45.0)  # not even one word a column fits: the minimums
    assert narrow[0] >= 2.0 * 7 * 1.1 and narrow[1] >= 2.0 * 13 and narrow[2] >= 4.0
    prose = doc.Table(("a", "b", "c"), (("word " * 10,) * 3,))
    shared = _col_widths(prose, measure, total_mm=60.0)  # words fit, whole cells do not: share the line
    assert sum(shared) == pytest.approx(60.0) and min(shared) >= 2.0 * 4
    roomy = _col_widths(table, measure, total_mm=1000.0)  # room for every cell on one line
    assert roomy[1] > 2.0 * len("ddim (trailing, clipped, v_prediction)") and sum(roomy) < 1000.0
