"""The PDF report, checked with poppler-utils: page 1 is the summary, tables never break a word,
no local path, left-aligned text, the appendix short.

Chart images come from reports/chart_images.py (Chromium through kaleido); these tests put a
fixed PNG in their place, so they check where the charts go, not how they are drawn."""
import copy
import json
import re
import subprocess

import pytest

from reports import document as doc
from reports import pdf
from reports.probe_view import ProbeSet

from tests.app.conftest import require_tool
from tests.reports.conftest import GENERATED, PROBE_RESULTS, decision, png_bytes


def _poppler(tool: str, path, *args: str) -> str:
    return subprocess.run([require_tool(tool), *args, str(path)] + (["-"] if tool == "pdftotext" else []),
                          capture_output=True, text=True, check=True).stdout


def _images(path) -> list[list[str]]:
    lines = _poppler("pdfimages", path, "-list").splitlines()[2:]  # two header lines
    return [line.split() for line in lines]


def _flat(text: str) -> str:
    return " ".join(text.split())  # lines wrap wherever the page width says


CHART_PNG = png_bytes(64)


@pytest.fixture(scope="module")
def fixed_charts():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf, "_chart_png", lambda figure: CHART_PNG)
        yield


@pytest.fixture(scope="module")
def hybrid_pdf(fixed_charts, hybrid_with_probes, tmp_path_factory):
    """The hybrid example with the stored probe fixtures, the file read from a local path."""
    answers, result, sets = hybrid_with_probes
    path = tmp_path_factory.mktemp("pdf") / "hybrid.pdf"
    path.write_bytes(pdf.render(answers, result, sets, generated=GENERATED))
    return path, answers, result, sets


def test_page_one_holds_the_summary_and_nothing_else(hybrid_pdf):
    from reports import verdict

    path, answers, result, _ = hybrid_pdf
    first = _flat(_poppler("pdftotext", path, "-f", "1", "-l", "1"))
    assert result["recommendation"] == "hybrid"
    assert f"Generated {GENERATED}" in first
    assert _flat(verdict.verdict_sentence(result)) in first
    for card in verdict.metric_cards(result):  # the cards, each with its delta to the runner-up
        assert card.label in first and card.value in first and card.delta in first
    for label, value in (("latency budget (p95)", "250 ms"), ("volume", "30,000,000 samples/month"),
                         ("inference budget", "no limit"), ("team can maintain a custom pipeline", "yes")):
        assert f"{label} {value}" in first
    assert verdict.what_if_lines(result)[0] in first
    assert _flat(verdict.robustness_words(result)) in first
    # the details start on page 2
    assert "Ranking" not in first and "Appendix" not in first
    second = _flat(_poppler("pdftotext", path, "-f", "2", "-l", "2"))
    assert second.startswith("What the decision rests on")


def test_no_local_path_appears(hybrid_pdf):
    path, *_ = hybrid_pdf
    text = _flat(_poppler("pdftotext", path))
    assert "/home/" not in text and "runs/cpu-box" not in text
    assert "(probe-results.json)" in text and "from probe-results.json" in text


def _measure(report):
    return lambda text, bold, size: pdf._measure(report, text, bold, size)


def test_no_table_header_word_is_wider_than_its_column(hybrid_pdf):
    """Every table of the report as pdf.py lays it out: each header word, in the bold the
    headings are drawn in, fits its column inside the cell padding."""
    _, answers, result, sets = hybrid_pdf
    report = pdf._Report()
    report.add_page()
    tables = [b for b in doc.build(answers, result, sets) if isinstance(b, doc.Table)]
    assert len(tables) >= 8 and any(len(t.header) >= 13 for t in tables)  # the conditioning table is wide
    for table in tables:
        parts = pdf.table_layout(table, _measure(report), report.epw)
        assert set(table.header) <= {h for _, part, _ in parts for h in part.header}  # no column lost
        for size, part, widths in parts:
            assert sum(widths) <= report.epw + 1e-6  # fpdf draws them as given, never scaled down
            for heading, width in zip(part.header, widths):
                for word in heading.split():
                    assert pdf._measure(report, word, True, size) + 2 * pdf.CELL_PADDING_MM <= width, (heading, word)


def test_table_headers_read_unbroken_in_the_text(hybrid_pdf):
    path, *_ = hybrid_pdf
    text = _poppler("pdftotext", path, "-layout")
    for word in ("guidance", "conditional", "classifier", "precision", "agreement", "forwards"):
        assert word in text
    assert not re.search(r"\b(guidanc|conditiona|classifie|precisio|sampl) ?\n", text)


def test_paragraphs_are_left_aligned(hybrid_pdf):
    """Justified text stretches the spaces of a wrapped line; left-aligned text keeps one space."""
    path, *_ = hybrid_pdf
    text = _poppler("pdftotext", path, "-layout", "-f", "2", "-l", "2")
    bullets = [line.strip() for line in text.splitlines() if "measured by the" in line or "published figures" in line]
    assert bullets and not any("   " in line for line in bullets)


def test_appendix_is_short_with_answers_seeds_versions_and_probe_settings(hybrid_pdf):
    path, *_ = hybrid_pdf
    text = _poppler("pdftotext", path, "-layout")
    pages = text.split("\f")
    start = next(i for i, page in enumerate(pages) if "Appendix: reproducing this report" in page)
    assert pages[start].lstrip().startswith("Appendix")  # on a page of its own
    assert len([p for p in pages[start:] if p.strip()]) == 1  # one page, not pages of YAML
    appendix = _flat(pages[start])
    torch_version = json.loads(PROBE_RESULTS.read_text())["environment"]["torch_version"]  # the probe's
    for expected in ("latency_budget_ms: 250", "seed 20261126", "fpdf2", f"torch {torch_version}",
                     "profile quick", "hybrid: teacher nfes 1, 2, 4, 8; student nfes 4, 2, 1"):
        assert expected in appendix, expected
    assert "diffusion_lr" not in appendix  # a step size: in the results file, not the report


def test_charts_are_placed_one_image_each(hybrid_pdf):
    path, answers, result, sets = hybrid_pdf
    charts = [b for b in doc.build(answers, result, sets) if isinstance(b, doc.Chart)]
    assert charts and len(_images(path)) == len(charts)
    text = _flat(_poppler("pdftotext", path))
    for number, chart in enumerate(charts, 1):
        assert f"Figure {number}: {chart.title}" in text


def test_user_text_is_written_as_text(fixed_charts, tmp_path):
    answers, result = decision({"serving_hardware": "a100", "latency_budget_ms": 100, "dataset_images": 2000})
    results = json.loads(PROBE_RESULTS.read_text())
    results["environment"]["device_name"] = "<b>CPU</b> **x** \x07bell"
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.render(answers, result, [ProbeSet.from_results(results, "runs/cpu/probe-results.json")]))
    assert "genarch decision report" in _poppler("pdfinfo", path)  # the title in the metadata
    assert "<b>CPU</b> **x** bell" in _flat(_poppler("pdftotext", path))  # as typed, minus the control character


def test_without_dejavu_the_core_font_still_renders(monkeypatch, fixed_charts, latency_bound):
    monkeypatch.setattr(pdf, "FONT_DIRS", ())
    monkeypatch.delenv("GENARCH_PDF_FONT_DIR", raising=False)
    answers, result = latency_bound
    result = copy.deepcopy(result)
    result["notes"] = ["≥ 30 ms → non-Latin-1 text is replaced, not fatal"]
    data = pdf.render(answers, result)
    assert data.startswith(b"%PDF") and len(data) > 10_000


def test_training_charts_and_sample_grids_are_embedded(fixed_charts, tmp_path, latency_bound, probe_sets):
    from tests.reports.conftest import with_training

    answers, result = latency_bound
    sets = [ProbeSet.from_results(with_training(probe_sets[0].results), "t.json")]
    path = tmp_path / "training.pdf"
    path.write_bytes(pdf.render(answers, result, sets))
    charts = [b for b in doc.build(answers, result, sets) if isinstance(b, doc.Chart)]
    images = _images(path)
    assert len(images) == len(charts) + 2  # + the two sample grids, 16 px each
    assert sorted((int(r[3]), int(r[4])) for r in images)[:2] == [(16, 16), (16, 16)]
    text = _flat(_poppler("pdftotext", path))
    assert "Training probe: stability and data needs" in text and "measured-range" in text


MM_PER_CHARACTER = 2.0


def _by_length(text: str, bold: bool = False, size: float = 7.5) -> float:
    """A test font: 2 mm a character at 7.5 pt, bold 20% wider, scaling with the size."""
    return MM_PER_CHARACTER * len(text) * (1.2 if bold else 1.0) * size / 7.5


def test_column_widths_hold_the_longest_word():
    table = doc.Table(("machine", "sampler", "n"),
                      (("AMD EPYC", "ddim (trailing, clipped, v_prediction)", "1"), ("x", "y", "22")))
    bold = lambda text: _by_length(text, True)  # noqa: E731
    narrow = pdf._col_widths(table, _by_length, total_mm=45.0, header_width=bold)  # the minimums
    assert narrow[0] >= 2.0 * 7 * 1.2 and narrow[1] >= 2.0 * 13 and narrow[2] >= 4.0
    prose = doc.Table(("a", "b", "c"), (("word " * 10,) * 3,))
    shared = pdf._col_widths(prose, _by_length, total_mm=60.0)  # words fit, whole cells do not: share the line
    assert sum(shared) == pytest.approx(60.0) and min(shared) >= 2.0 * 4
    roomy = pdf._col_widths(table, _by_length, total_mm=1000.0)  # room for every cell on one line
    assert roomy[1] > 2.0 * len("ddim (trailing, clipped, v_prediction)") and sum(roomy) < 1000.0


def test_a_wide_table_gets_a_smaller_font_before_it_is_split():
    header = ("machine", "family") + tuple(f"column{i}" for i in range(6))
    table = doc.Table(header, (("AMD EPYC", "diffusion") + ("0.5",) * 6,))
    # longest words at 7.5 pt: 7 columns of 16.8 mm (bold headers) and 'diffusion' 18 mm, plus
    # 2.2 mm padding each: 153.4 mm; at 7 pt 144.2 mm fits in 150
    (size, part, widths), = pdf.table_layout(table, _by_length, 150.0)
    assert size == 7.0 and part == table and sum(widths) <= 150.0


def test_a_table_too_wide_for_any_size_is_split_repeating_its_key_columns():
    header = ("machine", "family") + tuple(f"measurement{i}" for i in range(12))
    rows = (("AMD EPYC", "gan") + tuple(str(i) for i in range(12)), ("AMD EPYC", "diffusion") + ("x",) * 12)
    parts = pdf.table_layout(doc.Table(header, rows), _by_length, 174.0)
    assert len(parts) >= 2
    seen = []
    for size, part, widths in parts:
        assert size == pdf.TABLE_FONT_PT[-1] and part.header[:2] == ("machine", "family")
        assert sum(widths) <= 174.0 and len(part.rows) == 2
        seen += part.header[2:]
    assert tuple(seen) == header[2:]  # every column once, in order
    assert parts[0][1].rows[1][:3] == ("AMD EPYC", "diffusion", "x")


@pytest.mark.parametrize("example", ["budget-bound.yaml", "conditioning-bound.yaml", "free-tier-off-the-shelf.yaml",
                                     "latent-editing-gan.yaml", "licence-clean-from-scratch.yaml",
                                     "super-resolution.yaml"])
def test_the_summary_fits_page_one_for_every_kind_of_decision(fixed_charts, tmp_path, example):
    from reports import verdict

    from tests.conftest import EXAMPLES

    answers, result = decision(EXAMPLES / example)
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.render(answers, result, generated=GENERATED))
    first = _flat(_poppler("pdftotext", path, "-f", "1", "-l", "1"))
    assert first.startswith("genarch decision report") and _flat(verdict.robustness_words(result)) in first
    assert _flat(_poppler("pdftotext", path, "-f", "2", "-l", "2")).startswith("What the decision rests on")
