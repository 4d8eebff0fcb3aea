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


def cell_text(text: str) -> str:
    """:func:`printable` for a table cell or a board card: a tab shown as one space.

    Why: a tab is safe on a terminal but jumps to the next tab stop, so a
    title holding one pushes every later column of its row out of line (and
    a card past its edge).  CSV, JSON and the files keep the tab.
    """
    text = printable(text)
    return text.replace("\t", " ") if "\t" in text else text


def without_unsafe(text: str) -> str:
    """``text`` with every unsafe character dropped: the last guard of a screen already laid out.

    Why dropped, not escaped: it runs on text already cut to the screen's cells,
    where these characters take no column; an escape would widen the line.
    """
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub("", text)


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


#: Characters a line may not start with (closing punctuation): they stay on
#: the line of the character before them, as Chinese typesetting does.
_NO_LINE_START = frozenset("，。、；：？！）】」』》〉…％,.;:?!)]}")
#: Characters a line may not end with (opening brackets).
_NO_LINE_END = frozenset("（【「『《〈")


def is_wide(char: str) -> bool:
    """Whether ``char`` takes two terminal columns (CJK ideographs, full-width forms)."""
    return unicodedata.east_asian_width(char) in "WF"


def has_wide(text: str) -> bool:
    """Whether any character of ``text`` is wide (only then is :func:`wrap_columns` needed)."""
    return not text.isascii() and any(is_wide(c) for c in text)


def _starts_chunk(previous: str, char: str) -> bool:
    """Whether a line may break before ``char``: at a space's edge, or beside a wide character."""
    if not previous or is_wide(char) or is_wide(previous[-1]):
        return True
    return previous.isspace() != char.isspace()


def _chunks(text: str) -> list[str]:
    """``text`` cut where a line may break: at spaces, and around every wide character."""
    chunks: list[str] = []
    for char in text:
        previous = chunks[-1] if chunks else ""
        glued = char in _NO_LINE_START or previous[-1:] in _NO_LINE_END
        if previous and not previous.isspace() and not char.isspace() and glued:
            chunks[-1] += char
        elif _starts_chunk(previous, char):
            chunks.append(char)
        else:
            chunks[-1] += char
    return chunks


def _joined(words: list[str]) -> str:
    """``words`` joined by spaces, but not between two wide characters (a line break in Chinese)."""
    text = ""
    for word in words:
        if text and not (is_wide(text[-1]) and is_wide(word[0])):
            text += " "
        text += word
    return text


def wrap_columns(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` terminal columns (a longer word stays whole).

    Why not :mod:`textwrap`: it counts characters and breaks only at spaces,
    so Chinese text (two columns a character, no spaces) runs far past the
    edge.  Here a line may also break between two wide characters, widths
    are display columns, and closing punctuation never starts a line.
    """
    lines: list[str] = []
    line, used, space = "", 0, ""
    for chunk in _chunks(_joined(text.split())):
        if chunk.isspace():
            space = chunk
            continue
        gap = space if line else ""
        cost = display_width(gap) + display_width(chunk)
        if line and used + cost > width:
            lines.append(line)
            line, used = chunk, display_width(chunk)
        else:
            line, used = line + gap + chunk, used + cost
        space = ""
    if line:
        lines.append(line)
    return lines
