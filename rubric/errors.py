"""The one error type that reaches the user as a single line and exit code 2, and the helpers
that keep what a message or an output quotes from a file short and free of control characters."""
from __future__ import annotations

import math
import re
from typing import Any

EXCERPT_CHARS = 40  # the most of a bad value an error message quotes
# C0 and C1 controls (newlines and escape sequences too), line and paragraph separators,
# bidirectional overrides and isolates (they reorder what a terminal or a page shows), and lone
# surrogates (no output can encode them).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


class InputError(ValueError):
    """Bad input from the user (answers, files, options). The message is one line that names
    the field or file and says what is expected; the CLI prints it and exits with code 2."""


class OutputError(InputError):
    """A figure that would reach an output as NaN, infinity or a negative time or amount of
    money. It names its source (family and field); it comes from input that passed the readers
    (a measured rate, say), so the CLI reports it like bad input: one line, exit code 2."""


def clean_text(text: str, replacement: str = "") -> str:
    """Text safe to print or draw: each unsafe character (above) replaced by `replacement`; with
    none given, removed, and a lone surrogate shown as U+FFFD."""
    if text.isprintable():  # the common case, fast; printable excludes every unsafe character
        return text
    return _UNSAFE.sub(lambda m: replacement or ("\ufffd" if "\ud800" <= m.group() <= "\udfff" else ""), text)


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """A bad value as an error message may quote it: bounded, one line, no control characters;
    never the repr() of a huge value, nor str() of a huge int (which raises past 4,300 digits)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if -10 ** 15 < value < 10 ** 15:
            return str(value)
        digits = int(value.bit_length() * math.log10(2)) + 1
        return f"{'a negative' if value < 0 else 'an'} integer of about {digits:,} digits"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        text = clean_text(value[:limit])
        return repr(text + ("…" if len(value) > limit else ""))
    if isinstance(value, (list, tuple, set, frozenset)):
        return f"a list of {len(value):,} value{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return f"a mapping of {len(value):,} key{'s' if len(value) != 1 else ''}"
    if isinstance(value, (bytes, bytearray)):
        return f"binary data ({len(value):,} bytes)"
    return f"a {type(value).__name__}"  # a date, a timestamp: YAML reads `2024-01-01` as one
