"""Report tables as text: exactly what ``tabulate`` prints for them, at a fraction of the cost.

Why: a report at 100,000 deals prints a stale list of some 90,000 rows and
tens of thousands of likely duplicates; ``tabulate`` spent more on those
(a type guess, an ANSI scan and a width call per cell, through several
generic layers) than the whole JSON report costs.  The report's tables are
already strings with known alignments, in two formats (``simple`` for the
terminal, ``github`` for Markdown), so this module lays them out directly.

The output is byte-for-byte ``tabulate(body, headers, tablefmt,
colalign=aligns, disable_numparse=True)`` with ``WIDE_CHARS_MODE`` on (a
property test checks it against ``tabulate`` itself).  Cells ``tabulate``
treats specially (ANSI escapes, line breaks, characters without a display
width such as a tab) are handed to ``tabulate``, so they print as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from wcwidth import wcswidth

Align = Literal["left", "right"]
Format = Literal["simple", "github"]

#: Cell padding ``tabulate`` adds around each cell in the format (``TableFormat.padding``).
_PADDING = {"simple": 0, "github": 1}
#: ``tabulate.MIN_PADDING``: a column is at least this much wider than its heading.
_MIN_PADDING = 2


class _Special(Exception):
    """A cell this module does not lay out itself (``tabulate`` does)."""


def grid(
    columns: Sequence[Sequence[str]],
    headers: Sequence[str],
    aligns: Sequence[Align],
    fmt: Format = "simple",
) -> str:
    """A table given by ``columns`` of cell text (at least one row) under ``headers``.

    As ``tabulate`` prints it (see the module's docstring); by column, the
    way both lay it out.
    """
    try:
        laid = [
            _column(list(cells), header, align)
            for cells, header, align in zip(columns, headers, aligns, strict=True)
        ]
    except _Special:
        return _tabulated(columns, headers, aligns, fmt)
    return _lines(laid, fmt)


def _tabulated(
    columns: Sequence[Sequence[str]], headers: Sequence[str], aligns: Sequence[Align], fmt: Format
) -> str:
    """``tabulate`` itself, for the cells it has rules of its own for (imported only then)."""
    import tabulate as _tabulate

    _tabulate.WIDE_CHARS_MODE = True  # Chinese owners and titles line up by display width
    return _tabulate.tabulate(
        [list(row) for row in zip(*columns, strict=True)],
        headers=list(headers),
        tablefmt=fmt,
        colalign=list(aligns),
        disable_numparse=True,
    )


def _column(cells: list[str], header: str, align: Align) -> tuple[int, str, list[str]]:
    """(width, padded header, padded cells) of one column, as ``tabulate._align_column`` pads."""
    raw = "".join(cells)
    if not _plain(raw) and ("\x1b" in raw or "\n" in raw or "\r" in raw):
        raise _Special  # tabulate looks for these before it trims the cells
    cells = [cell.strip() for cell in cells]
    header_width = _width(header)
    if _plain("".join(cells)):
        widths = [len(cell) for cell in cells]
    else:
        widths = [_width(cell) for cell in cells]
    width = max(max(widths), header_width + _MIN_PADDING)
    if align == "left":
        padded = [cell + " " * (width - w) for cell, w in zip(cells, widths, strict=True)]
        head = header + " " * (width - header_width)
    else:
        padded = [" " * (width - w) + cell for cell, w in zip(cells, widths, strict=True)]
        head = " " * (width - header_width) + header
    return width, head, padded


def _lines(columns: list[tuple[int, str, list[str]]], fmt: Format) -> str:
    """The header row, the rule below it and the rows, each with trailing blanks cut."""
    pad = " " * _PADDING[fmt]
    begin, sep, end = ("|", "|", "|") if fmt == "github" else ("", "  ", "")
    rule = begin + sep.join("-" * (w + 2 * len(pad)) for w, _h, _c in columns) + end
    head = begin + sep.join(pad + h + pad for _w, h, _c in columns) + end
    if pad:
        rows = [
            (begin + sep.join(pad + cell + pad for cell in row) + end).rstrip()
            for row in zip(*(c for _w, _h, c in columns), strict=True)
        ]
    else:
        rows = [
            (begin + sep.join(row) + end).rstrip()
            for row in zip(*(c for _w, _h, c in columns), strict=True)
        ]
    return "\n".join([head.rstrip(), rule.rstrip(), *rows])


def _plain(text: str) -> bool:
    """Printable ASCII only: every character one column wide, nothing ``tabulate`` treats apart."""
    return text.isascii() and text.isprintable()


def _width(text: str) -> int:
    """Display columns of ``text``, as ``tabulate`` measures them (``wcswidth``)."""
    if _plain(text):
        return len(text)
    if "\x1b" in text or "\n" in text or "\r" in text:
        raise _Special  # colour codes or several lines: tabulate's own rules apply
    width = wcswidth(text)
    if width < 0:
        raise _Special  # a character without a width: tabulate's arithmetic, not ours
    return int(width)
