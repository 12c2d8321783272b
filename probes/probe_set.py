"""Loaded probe-results files, as the decision and the views read them: torch-free.

    sets = unique_labels([ProbeSet.from_results(results, source="h100/probe-results.json"), ...])
    incomplete_sections(sets)   # controllability sections present but not a complete measurement

Several files (one per machine: `genarch probe` run on each GPU type) are compared side by side;
each keeps a label that says which machine it is. The results are probes/results.py's, already
validated by its reader; the lenient readers below (`finite`, `as_mapping`, `as_records`) are for
views that draw whatever a file holds and skip what they do not know.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_TEXT = 120

# The controllability sections, in the order the probes run (probes/RESULTS.md).
CONTROL_SECTIONS = ("conditioning", "steering", "hybrid")


def clean(text: object) -> str:
    """Text read from a results file, made safe to draw: no control characters (they break SVG
    and PDF), bounded length. Escaping for Markdown is the renderer's job."""
    s = _CONTROL.sub("", str(text))
    return s if len(s) <= MAX_TEXT else s[:MAX_TEXT - 3] + "..."


def finite(value: Any) -> bool:
    """A real number that is neither NaN nor infinite (booleans are not numbers here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def as_mapping(value: Any) -> dict:
    """`value` if it is an object, else an empty one."""
    return value if isinstance(value, dict) else {}


def as_records(value: Any) -> list:
    """The objects of a list (other items dropped), or an empty list."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


@dataclass(frozen=True)
class ProbeSet:
    """One probe-results file: a label naming the machine, where it came from, its contents."""
    label: str
    source: str
    results: dict

    @staticmethod
    def from_results(results: dict, source: str) -> ProbeSet:
        env = results.get("environment") or {}
        name = clean(env.get("device_name") or "unknown device")
        return ProbeSet(label=name, source=clean(source), results=results)


def unique_labels(sets: list[ProbeSet]) -> list[ProbeSet]:
    """Same device twice (two runs, two files): add the file name so the charts tell them apart."""
    counts: dict[str, int] = {}
    for s in sets:
        counts[s.label] = counts.get(s.label, 0) + 1
    out, seen = [], set()
    for s in sets:
        label = s.label if counts[s.label] == 1 else f"{s.label} ({PurePath(s.source).name})"
        base, n = label, 2
        while label in seen:
            label, n = f"{base} #{n}", n + 1
        seen.add(label)
        out.append(ProbeSet(label, s.source, s.results))
    return out


def incomplete_sections(sets: list[ProbeSet]) -> list[tuple[ProbeSet, str, str | None]]:
    """(file, section, why it was skipped, or None when it stopped before its end) for every
    controllability section present that is not a complete measurement."""
    out = []
    for s in sets:
        for name in CONTROL_SECTIONS:
            section = s.results.get(name)
            if isinstance(section, dict) and (section.get("skipped") or not section.get("complete")):
                out.append((s, name, clean(section["skipped"]) if section.get("skipped") else None))
    return out
