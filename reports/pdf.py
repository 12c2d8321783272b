"""The PDF report: the Markdown report's content (reports/document.py), with the charts as images
and an appendix that makes it reproducible (answers, versions, devices, seeds, probe configs).

    data = render(answers, result, probe_sets)     # bytes of a PDF

fpdf2 writes the PDF and vl-convert turns each Vega-Lite spec into a PNG: neither needs a browser.
Text is written as text, never interpreted as markup; control characters are dropped. Unicode
needs a TrueType font: DejaVu Sans from Debian's fonts-dejavu-core (or GENARCH_PDF_FONT_DIR);
without it the core Helvetica is used and characters outside Latin-1 are replaced.
"""
from __future__ import annotations

import io
import os
import platform
import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from reports import document as doc
from reports.probe_view import ProbeSet

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
CHART_SCALE = 2  # PNG pixels per CSS pixel: sharp when printed


def runtime_versions() -> dict[str, str]:
    """Versions of what produced this PDF, for the appendix."""
    out = {"python": platform.python_version(), "platform": platform.platform(terse=True)}
    for name in ("genarch", "fpdf2", "vl-convert-python"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def _font_dir() -> Path | None:
    for d in filter(None, (os.environ.get("GENARCH_PDF_FONT_DIR"), *FONT_DIRS)):
        if (Path(d) / "DejaVuSans.ttf").is_file():
            return Path(d)
    return None


class _Report(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=16)
        fonts = _font_dir()
        self.unicode = fonts is not None
        if fonts is not None:
            self.add_font("body", "", str(fonts / "DejaVuSans.ttf"))
            bold = fonts / "DejaVuSans-Bold.ttf"
            self.add_font("body", "B", str(bold if bold.is_file() else fonts / "DejaVuSans.ttf"))
            mono = fonts / "DejaVuSansMono.ttf"
            self.add_font("mono", "", str(mono if mono.is_file() else fonts / "DejaVuSans.ttf"))
            self.body, self.mono = "body", "mono"
        else:
            self.body, self.mono = "helvetica", "courier"

    def text_of(self, value: object) -> str:
        s = _CONTROL.sub("", str(value))
        return s if self.unicode else s.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.body, "", 8)
        self.set_text_color(120)
        self.cell(0, 6, f"genarch decision report · page {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0)


def _chart_png(spec: dict) -> bytes:
    import vl_convert as vlc

    return vlc.vegalite_to_png(spec, scale=CHART_SCALE)


CELL_PADDING_MM = 0.8
HEADER_BOLD_FACTOR = 1.1  # bold headings are about 10% wider than the regular text measured


def _col_widths(block: doc.Table, text_width, total_mm: float) -> tuple[float, ...]:
    """Column widths in mm: every column at least as wide as its longest word (cells break
    between words only, never inside one), then the rest of the line shared in proportion to
    how much more each column would need to keep its longest cell on one line.
    `text_width(str) -> mm` measures in the table's font."""
    pad = 2 * CELL_PADDING_MM + 0.6
    least, wanted = [], []
    for heading, *cells in zip(block.header, *block.rows):
        words = [(w, HEADER_BOLD_FACTOR) for w in str(heading).split()]
        words += [(w, 1.0) for c in cells for w in str(c).split()]
        least.append(max((text_width(w) * k for w, k in words), default=0.0) + pad)
        whole = [text_width(str(heading)) * HEADER_BOLD_FACTOR] + [text_width(str(c)) for c in cells]
        wanted.append(max(least[-1], min(max(whole) + pad, total_mm / 2)))
    if sum(wanted) <= total_mm:
        return tuple(wanted)
    spare = total_mm - sum(least)
    if spare <= 0:  # even one word a column does not fit: fpdf scales the minimums down
        return tuple(least)
    need = sum(w - m for w, m in zip(wanted, least)) or 1.0
    return tuple(m + spare * (w - m) / need for w, m in zip(wanted, least))


def _caption(pdf: _Report, width: float, number: int, title: str) -> None:
    pdf.set_font(pdf.body, "", 8)
    pdf.multi_cell(width, 4, pdf.text_of(f"Figure {number}: {title}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _draw(pdf: _Report, block, figure: list[int]) -> None:
    width = pdf.epw
    if isinstance(block, doc.Heading):
        size = {1: 18, 2: 14}.get(block.level, 12)
        if block.level <= 2 and pdf.get_y() > pdf.h - 60:
            pdf.add_page()  # a heading never sits alone at the bottom of a page
        pdf.ln(3 if block.level > 1 else 0)
        pdf.set_font(pdf.body, "B", size)
        pdf.multi_cell(width, size * 0.5, pdf.text_of(block.text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    elif isinstance(block, doc.Paragraph):
        pdf.set_font(pdf.body, "", 10)
        pdf.multi_cell(width, 5, pdf.text_of(block.text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    elif isinstance(block, doc.Bullets):
        pdf.set_font(pdf.body, "", 10)
        for item in block.items:
            pdf.set_x(pdf.l_margin + 3)
            pdf.multi_cell(width - 3, 5, pdf.text_of(("• " if pdf.unicode else "- ") + item),
                           new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    elif isinstance(block, doc.Table):
        pdf.set_font(pdf.body, "", 7.5)
        widths = _col_widths(block, lambda text: pdf.get_string_width(pdf.text_of(text)), width)
        with pdf.table(col_widths=widths, width=min(width, sum(widths)), align="LEFT", line_height=3.8,
                       text_align="LEFT", headings_style=FontFace(emphasis="BOLD", fill_color=(235, 238, 242)),
                       padding=CELL_PADDING_MM) as table:
            for row in (block.header, *block.rows):
                cells = table.row()
                for cell in row:
                    cells.cell(pdf.text_of(cell))
        pdf.ln(3)
    elif isinstance(block, doc.Chart):
        figure[0] += 1
        png = _chart_png(block.spec)
        pdf.image(io.BytesIO(png), w=width, alt_text=pdf.text_of(block.title))
        _caption(pdf, width, figure[0], block.title)
    elif isinstance(block, doc.Image):
        figure[0] += 1
        pdf.image(io.BytesIO(block.png), w=min(width, 90), x=pdf.l_margin + (width - min(width, 90)) / 2,
                  alt_text=pdf.text_of(block.title))
        _caption(pdf, width, figure[0], block.title)
    elif isinstance(block, doc.Code):
        pdf.set_font(pdf.mono, "", 7.5)
        pdf.set_fill_color(246, 246, 246)
        pdf.multi_cell(width, 3.6, pdf.text_of(block.text.rstrip("\n")), fill=True,
                       new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    else:  # pragma: no cover - a new block type must get a renderer
        raise TypeError(f"no PDF renderer for {type(block).__name__}")


def render_blocks(blocks: list) -> bytes:
    pdf = _Report()
    pdf.set_title("genarch decision report")
    pdf.set_creator("genarch")
    pdf.add_page()
    figure = [0]
    appendix = False
    for block in blocks:
        if isinstance(block, doc.Heading) and block.text.startswith("Appendix") and not appendix:
            appendix = True
            pdf.add_page()  # the appendix starts on its own page
        _draw(pdf, block, figure)
    return bytes(pdf.output())


def render(answers: dict, result: dict, probe_sets: list[ProbeSet] | None = None) -> bytes:
    return render_blocks(doc.build(answers, result, probe_sets, runtime_versions()))
