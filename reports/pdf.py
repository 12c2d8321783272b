"""The PDF report: the Markdown report's content (reports/document.py), with the charts as images:
the executive summary on page 1, the details, and an appendix that makes it reproducible.

    data = render(answers, result, probe_sets)     # bytes of a PDF

fpdf2 writes the PDF; kaleido draws each plotly chart into a PNG on Chromium (reports/chart_images.py),
and a chart it cannot draw is a one-line note instead. Text is left-aligned and written as text,
never interpreted as markup; control characters are dropped. A table's columns are never narrower
than a word in them (table_layout: a smaller font, then a split). Unicode needs a TrueType font:
DejaVu Sans from Debian's fonts-dejavu-core (or GENARCH_PDF_FONT_DIR); without it the core
Helvetica is used and characters outside Latin-1 are replaced.
"""
from __future__ import annotations

import io
import os
import platform
import re
import struct
from datetime import datetime, timezone
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
    for name in ("genarch", "fpdf2", "plotly", "kaleido"):
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


CHART_WIDTH_PX = 640  # CSS px across the text width (174 mm): 12 px chart text prints at about 9 pt


def _chart_png(figure) -> bytes:
    """Raises chart_images.ChartImageUnavailable (one line) when no browser can draw it."""
    from reports import chart_images

    return chart_images.to_png(figure, width_px=CHART_WIDTH_PX, scale=CHART_SCALE)


CELL_PADDING_MM = 0.8
TABLE_FONT_PT = (7.5, 7.0, 6.5)  # the table size, then smaller until one word a column fits; 6.5 pt prints legibly
# Columns that name a row: a table too wide for the page is split into parts, each repeating them.
KEY_HEADERS = ("#", "candidate", "machine", "family", "role", "method", "metric", "input", "criterion", "figure")


def _least_widths(block: doc.Table, text_width, header_width) -> list[float]:
    """Each column's width in mm when its longest word (header words in the header's bold) just fits."""
    pad = 2 * CELL_PADDING_MM + 0.6
    least = []
    for heading, *cells in zip(block.header, *block.rows):
        words = [header_width(w) for w in str(heading).split()]
        words += [text_width(w) for c in cells for w in str(c).split()]
        least.append(max(words, default=0.0) + pad)
    return least


def _col_widths(block: doc.Table, text_width, total_mm: float, header_width=None) -> tuple[float, ...]:
    """Column widths in mm: every column at least as wide as its longest word (cells break
    between words only, never inside one), then the rest of the line shared in proportion to
    how much more each column would need to keep its longest cell on one line.
    `text_width(str) -> mm` measures in the table's font, `header_width` in its headings' (bold)."""
    header_width = header_width or text_width
    pad = 2 * CELL_PADDING_MM + 0.6
    least = _least_widths(block, text_width, header_width)
    wanted = []
    for column, (heading, *cells) in enumerate(zip(block.header, *block.rows)):
        whole = [header_width(str(heading))] + [text_width(str(c)) for c in cells]
        wanted.append(max(least[column], min(max(whole) + pad, total_mm / 2)))
    if sum(wanted) <= total_mm:
        return tuple(wanted)
    spare = total_mm - sum(least)
    if spare <= 0:  # table_layout splits such a table first; a single word wider than the page is all that is left
        return tuple(least)
    need = sum(w - m for w, m in zip(wanted, least)) or 1.0
    return tuple(m + spare * (w - m) / need for w, m in zip(wanted, least))


def _key_columns(header: tuple[str, ...]) -> int:
    n = 0
    while n < len(header) - 1 and header[n] in KEY_HEADERS:
        n += 1
    return max(n, 1)


def _columns(block: doc.Table, index: list[int]) -> doc.Table:
    return doc.Table(tuple(block.header[i] for i in index), tuple(tuple(row[i] for i in index) for row in block.rows))


def table_layout(block: doc.Table, measure, total_mm: float) -> list[tuple[float, doc.Table, tuple[float, ...]]]:
    """How a table is drawn: [(font size in pt, table, column widths in mm)], one entry per part.

    `measure(text, bold, size_pt) -> mm`. The largest of TABLE_FONT_PT at which every column holds
    its longest word; when none does, the columns are split into tables that fit, each repeating
    the key columns (machine, family, ...). So no column is ever narrower than a word in it: fpdf
    would otherwise scale the columns down to the page and break words ("guidanc e")."""
    for size in TABLE_FONT_PT:
        regular = lambda text, size=size: measure(text, False, size)  # noqa: E731
        bold = lambda text, size=size: measure(text, True, size)  # noqa: E731
        least = _least_widths(block, regular, bold)
        if sum(least) <= total_mm:
            return [(size, block, _col_widths(block, regular, total_mm, bold))]
    keys = _key_columns(block.header)
    parts, current = [], list(range(keys))
    for i in range(keys, len(block.header)):
        if sum(least[c] for c in current) + least[i] > total_mm and len(current) > keys:
            parts.append(current)
            current = list(range(keys))
        current.append(i)
    parts.append(current)
    out = []
    for index in parts:
        part = _columns(block, index)
        out.append((size, part, _col_widths(part, regular, total_mm, bold)))
    return out


def _measure(pdf: _Report, text: str, bold: bool, size: float) -> float:
    pdf.set_font(pdf.body, "B" if bold else "", size)
    return pdf.get_string_width(pdf.text_of(text))


def _caption(pdf: _Report, width: float, number: int, title: str) -> None:
    pdf.set_font(pdf.body, "", 8)
    pdf.multi_cell(width, 4, pdf.text_of(f"Figure {number}: {title}"), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


CAPTION_ROOM_MM = 8  # one caption line and the space after it


def _figure(pdf: _Report, png: bytes, width_mm: float, x: float, number: int, title: str) -> None:
    """An image and its caption on one page: a figure that would leave its caption alone at the
    top of the next page starts there itself."""
    pixels_wide, pixels_high = struct.unpack(">II", png[16:24])  # the PNG's IHDR chunk
    height_mm = width_mm * pixels_high / pixels_wide
    if pdf.get_y() + height_mm + CAPTION_ROOM_MM > pdf.page_break_trigger:
        pdf.add_page()
    pdf.image(io.BytesIO(png), w=width_mm, x=x, alt_text=pdf.text_of(title))
    _caption(pdf, pdf.epw, number, title)


def _draw(pdf: _Report, block, figure: list[int]) -> None:
    width = pdf.epw
    if isinstance(block, doc.Heading):
        size = {1: 18, 2: 14}.get(block.level, 12)
        if block.level <= 2 and pdf.get_y() > pdf.h - 60:
            pdf.add_page()  # a heading never sits alone at the bottom of a page
        pdf.ln(3 if block.level > 1 else 0)
        pdf.set_font(pdf.body, "B", size)
        pdf.multi_cell(width, size * 0.5, pdf.text_of(block.text), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    elif isinstance(block, doc.Paragraph):
        pdf.set_font(pdf.body, "", 10)
        pdf.multi_cell(width, 5, pdf.text_of(block.text), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    elif isinstance(block, doc.Bullets):
        pdf.set_font(pdf.body, "", 10)
        for item in block.items:
            pdf.set_x(pdf.l_margin + 3)
            pdf.multi_cell(width - 3, 5, pdf.text_of(("• " if pdf.unicode else "- ") + item),
                           align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    elif isinstance(block, doc.Table):
        for size, part, widths in table_layout(block, lambda text, bold, pt: _measure(pdf, text, bold, pt), width):
            pdf.set_font(pdf.body, "", size)
            with pdf.table(col_widths=widths, width=min(width, sum(widths)), align="LEFT", line_height=size * 0.5,
                           text_align="LEFT", headings_style=FontFace(emphasis="BOLD", fill_color=(235, 238, 242)),
                           padding=CELL_PADDING_MM) as table:
                for row in (part.header, *part.rows):
                    cells = table.row()
                    for cell in row:
                        cells.cell(pdf.text_of(cell))
            pdf.ln(3)
    elif isinstance(block, doc.PageBreak):
        pdf.add_page()
    elif isinstance(block, doc.Chart):
        figure[0] += 1
        from reports.chart_images import ChartImageUnavailable

        try:
            png = _chart_png(block.figure)
        except ChartImageUnavailable as e:
            pdf.set_font(pdf.body, "", 9)
            pdf.multi_cell(width, 5, pdf.text_of(f"chart not drawn: {e}"), align="L", new_x="LMARGIN", new_y="NEXT")
            _caption(pdf, width, figure[0], block.title)
        else:
            _figure(pdf, png, width, pdf.l_margin, figure[0], block.title)
    elif isinstance(block, doc.Image):
        figure[0] += 1
        _figure(pdf, block.png, min(width, 90), pdf.l_margin + (width - min(width, 90)) / 2, figure[0], block.title)
    elif isinstance(block, doc.Code):
        pdf.set_font(pdf.mono, "", 7.5)
        pdf.set_fill_color(246, 246, 246)
        pdf.multi_cell(width, 3.6, pdf.text_of(block.text.rstrip("\n")), fill=True, align="L",
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
    for block in blocks:
        _draw(pdf, block, figure)
    return bytes(pdf.output())


def render(answers: dict, result: dict, probe_sets: list[ProbeSet] | None = None,
           generated: str | None = None) -> bytes:
    """`generated`: the date on page 1; now (UTC, to the minute) when not given."""
    generated = generated or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return render_blocks(doc.build(answers, result, probe_sets, runtime_versions(), generated))
