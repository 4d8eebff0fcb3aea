"""Rendering rows for the terminal and for scripts: table, CSV or JSON.

One place decides how every read command prints, so ``--json`` and ``--csv``
mean the same thing everywhere.  Tables use tabulate (wide CJK text aligned
through wcwidth); CSV escapes spreadsheet formulas.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pipeline_tui.core.fields import field_label
from pipeline_tui.i18n import _
from pipeline_tui.terminal_text import printable

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def to_json(data: Any) -> str:
    """Stable, strict JSON: ISO dates, unicode kept readable, keys in insertion order.

    A number that is not finite (a ratio over nothing, a sum that overflowed)
    is written as ``null``: ``Infinity`` and ``NaN`` are not JSON, and a
    script's strict parser must always read what we print.  Control and
    bidi characters are ``\\uXXXX`` escapes, so the output is safe on a terminal.
    """
    try:  # almost always every number is finite: no need to copy the data first
        text = json.dumps(
            data, ensure_ascii=False, indent=2, default=_json_default, allow_nan=False
        )
    except ValueError:  # NaN or infinity somewhere: write them as null
        text = json.dumps(
            finite(data), ensure_ascii=False, indent=2, default=_json_default, allow_nan=False
        )
    return printable(text)


def finite(data: Any) -> Any:
    """``data`` with every infinite or NaN float replaced by None (containers copied)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, Mapping):
        return {key: finite(value) for key, value in data.items()}
    if isinstance(data, list | tuple | set | frozenset):
        return [finite(value) for value in data]
    return data


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """A table for people: headers in their words (CSV and JSON keep the keys for scripts)."""
    if not rows:
        return _("(none)")
    import tabulate as _tabulate  # ~60 ms to import: only when a table is printed

    _tabulate.WIDE_CHARS_MODE = True  # align Chinese titles and owners by display width
    body = [[printable(_cell(row.get(c))) for c in columns] for row in rows]
    return _tabulate.tabulate(
        body,
        headers=[field_label(c) for c in columns],
        tablefmt="simple",
        disable_numparse=_text_columns(body),
    )


def _text_columns(body: Sequence[Sequence[str]]) -> list[int]:
    """The columns holding a cell that no number parser accepts.

    tabulate types such a column as text anyway; telling it so up front spares
    it trying every cell as an int, a float and a number with thousands
    separators (most of a 10,000-row table's time), with the same output.  A
    cell is surely text when even ``float`` refuses it with the commas taken
    out (every form tabulate reads as a number passes that).
    """
    return [
        index
        for index in range(len(body[0]))
        if any(cell and cell not in _BOOLS and not _numeric(cell) for cell in _col(body, index))
    ]


_BOOLS = ("True", "False")  # tabulate types these as booleans, not text


def _col(body: Sequence[Sequence[str]], index: int) -> Iterator[str]:
    return (row[index] for row in body)


def _numeric(cell: str) -> bool:
    try:
        float(cell.replace(",", ""))
    except ValueError:
        return False
    return True


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """CSV with a header row; cells that a spreadsheet would run as formulas are escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(c)) for c in columns])
    return buffer.getvalue()


def render_rows(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], fmt: Format) -> str:
    if fmt is Format.JSON:
        return to_json([{c: row.get(c) for c in columns} for row in rows])
    if fmt is Format.CSV:
        return to_csv(rows, columns).rstrip("\n")
    return table(rows, columns)


def csv_cell(value: Any) -> str:
    text = _cell(value)
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}" if not value.is_integer() else f"{value:.0f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, Mapping):  # a mapping that is not a dict (a view, a ChainMap)
        return dict(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")
