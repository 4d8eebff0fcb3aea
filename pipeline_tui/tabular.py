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
from pipeline_tui.terminal_text import cell_text, printable

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
        text = indented_json(data)
    except ValueError:  # NaN or infinity somewhere: write them as null
        text = indented_json(finite(data))
    return printable(text)


def indented_json(data: Any) -> str:
    """Exactly ``json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False, default=...)``.

    Written out because the standard library has no C encoder for indented
    output: its pure-Python one yields every token through nested
    generators, which for a 100,000-deal report (17 MB) costs about a
    second.  This one appends whole lines to one list; a test checks it
    against ``json.dumps`` on generated values.
    """
    out: list[str] = []
    _dump(data, 0, out)
    return "".join(out)


_encode_str = json.encoder.encode_basestring  # what json.dumps uses with ensure_ascii=False
_INDENT = "  "


def _scalar(value: Any) -> str | None:
    """JSON text of a string, None, bool, int or float (as ``json.dumps`` spells it), else None."""
    kind = type(value)  # exact types first: almost every value in a report is one of these
    if kind is str:
        return _encode_str(value)
    if kind is float:
        return _float(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):  # subclasses (a StrEnum) as json.dumps treats them
        return _encode_str(value)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    return None


class _NotFinite(ValueError):
    """A NaN or infinite float, as ``json.dumps(allow_nan=False)`` refuses it.

    Never shown to a person: :func:`to_json` catches it and writes ``null``.
    """


def _float(value: float) -> str:
    if value != value or value in (math.inf, -math.inf):
        raise _NotFinite(f"Out of range float values are not JSON compliant: {value!r}")
    return float.__repr__(value)


def _dump(value: Any, level: int, out: list[str]) -> None:
    if type(value) is dict:
        _dump_dict(value, level, out)
    elif type(value) is list:
        _dump_list(value, level, out)
    elif (text := _scalar(value)) is not None:
        out.append(text)
    elif isinstance(value, list | tuple):
        _dump_list(value, level, out)
    elif isinstance(value, dict):
        _dump_dict(value, level, out)
    else:
        _dump(_json_default(value), level, out)


def _dump_list(items: list[Any] | tuple[Any, ...], level: int, out: list[str]) -> None:
    if not items:
        out.append("[]")
        return
    inner = "\n" + _INDENT * (level + 1)
    separator = "[" + inner
    for item in items:
        _item(separator, item, level, out)
        separator = "," + inner
    out.append("\n" + _INDENT * level + "]")


def _dump_dict(mapping: dict[Any, Any], level: int, out: list[str]) -> None:
    if not mapping:
        out.append("{}")
        return
    inner = "\n" + _INDENT * (level + 1)
    separator = "{" + inner
    for key, item in mapping.items():
        name = key if type(key) is str or isinstance(key, str) else _key(key)
        _item(separator + _encode_str(name) + ": ", item, level, out)
        separator = "," + inner
    out.append("\n" + _INDENT * level + "}")


def _item(start: str, item: Any, level: int, out: list[str]) -> None:
    """One list item or dict entry: ``start`` (separator, indent, key) then the value."""
    kind = type(item)
    if kind is str:
        out.append(start + _encode_str(item))
    elif kind is dict or kind is list or (text := _scalar(item)) is None:
        out.append(start)
        _dump(item, level + 1, out)
    else:
        out.append(start + text)


def _key(key: Any) -> str:
    """A non-string key as ``json.dumps`` turns it into a string."""
    if isinstance(key, float):
        return _float(key)
    if key is True or key is False or key is None:
        return {True: "true", False: "false", None: "null"}[key]
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


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
    body = [[cell_text(_cell(row.get(c))) for c in columns] for row in rows]
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
