"""The Markdown report: a pure function of (answers, decision contract, probe results).

    text = render(answers, result, probe_sets)      # result = rubric.contract.to_dict(...)

Every piece of text is escaped (`escape`), so a device name, a file name or anything else read
from an uploaded file prints as itself and never as Markdown or HTML. Charts appear as a titled
placeholder: they are drawn in the app and embedded in the PDF (same figures, reports/charts.py).
"""
from __future__ import annotations

import re

from reports import document as doc
from reports.probe_view import ProbeSet

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that can start
# markup inline (emphasis, links, images, HTML, code, tables, math in Streamlit's renderer).
_SPECIAL = re.compile(r"([\\`*_\[\]<>#!|$~&])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def escape(text: object, line_start: bool = True) -> str:
    """Plain text → Markdown that renders as exactly that text, on one line. With `line_start`
    (paragraphs, list items) a leading '-', '+', '=' or '1.' is escaped too; table cells need not."""
    s = _CONTROL.sub("", str(text)).replace("\r", " ").replace("\n", " ")
    s = _SPECIAL.sub(r"\\\1", s)
    # A line may not start as a list item, heading or quote; inline, '-' '.' '=' are inert.
    if not line_start:
        return s
    s = re.sub(r"^(\s*)([-+=])", r"\1\\\2", s)
    return re.sub(r"^(\s*\d+)\.", r"\1\\.", s)


def _fence(text: str) -> str:
    """A code fence longer than any backtick run in `text`, so the text cannot close it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _cell(text: str) -> str:
    return escape(text, line_start=False) or " "


def render_blocks(blocks: list) -> str:
    out: list[str] = []
    figure = 0
    for block in blocks:
        if isinstance(block, doc.Heading):
            out.append(f"{'#' * block.level} {escape(block.text)}")
        elif isinstance(block, doc.Paragraph):
            out.append(escape(block.text))
        elif isinstance(block, doc.Bullets):
            out.append("\n".join(f"- {escape(item)}" for item in block.items))
        elif isinstance(block, doc.Table):
            lines = ["| " + " | ".join(_cell(h) for h in block.header) + " |",
                     "|" + "|".join("---" for _ in block.header) + "|"]
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in block.rows]
            out.append("\n".join(lines))
        elif isinstance(block, doc.Chart):
            figure += 1
            out.append(f"*Figure {figure}: {escape(block.title)}* "
                       f"(chart in the app and the PDF)")
        elif isinstance(block, doc.Image):
            figure += 1
            out.append(f"*Figure {figure}: {escape(block.title)}* (image in the app and the PDF)")
        elif isinstance(block, doc.Code):
            text = _CONTROL.sub("", block.text).rstrip("\n")
            fence = _fence(text)
            out.append(f"{fence}{block.language}\n{text}\n{fence}")
        elif isinstance(block, doc.PageBreak):
            out.append("---")
        else:  # pragma: no cover - a new block type must get a renderer
            raise TypeError(f"no Markdown renderer for {type(block).__name__}")
    return "\n\n".join(out) + "\n"


def render(answers: dict, result: dict, probe_sets: list[ProbeSet] | None = None,
           generated: str | None = None) -> str:
    """`generated`: the date line of the summary ('2026-12-03 01:50 UTC'); none when not given."""
    return render_blocks(doc.build(answers, result, probe_sets, generated=generated))
