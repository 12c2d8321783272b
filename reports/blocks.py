"""The block types a report is made of (reports/document.py builds the list; reports/markdown.py
and reports/pdf.py draw each type). Text is raw: each renderer escapes it for its format."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    figure: Any  # a plotly Figure (reports/charts.py)


@dataclass(frozen=True)
class PageBreak:
    """What follows starts a new page (in Markdown, a thematic break)."""


@dataclass(frozen=True)
class Image:
    title: str
    png: bytes


@dataclass(frozen=True)
class Code:
    text: str
    language: str = ""
