"""Text from files made safe to show on a terminal: control characters escaped.

Why: a deal title holding ``\\x1b[2J`` (clear screen), an OSC sequence (set
the window title, write the clipboard) or a bidi override (text that reads
differently from what it is) would act on the user's terminal when ``list``,
``show`` or the board print it.  Every front end passes file text through
:func:`printable` before it reaches a terminal.  The files themselves keep their
bytes.  Usable from any layer, like :mod:`pipeline_tui.i18n` and
:mod:`pipeline_tui.tabular`.
"""

from __future__ import annotations

import re
import unicodedata

#: C0 controls but tab and newline, DEL, C1 controls, and the Unicode
#: bidi embeddings, overrides and isolates (the "Trojan Source" characters).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every unsafe character shown as a ``\\uXXXX`` escape (``\\u001b``).

    The JSON spelling on purpose: applied to JSON text (where such characters
    can only sit inside strings) it keeps the JSON valid and the data the same,
    so one function serves tables, problem lines and ``--json`` alike.
    """
    if _UNSAFE.search(text) is None:  # the common case: one C-speed scan
        return text
    return _UNSAFE.sub(_escape, text)


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"
