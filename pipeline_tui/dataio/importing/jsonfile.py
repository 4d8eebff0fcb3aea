"""Reading a JSON export (a list of objects) into a :class:`Table`.

Accepts ``[{...}, ...]`` or ``{"opportunities": [...]}`` (what ``pipeline
export --format json`` writes).  Nested objects flatten to dotted columns
(``contact.email``), lists of scalars to comma-separated text, so the same
column rules apply as for CSV.  An element that is not an object, or an
object naming a key twice (``json.loads`` would keep the last value without
a word), is a refused row, counted with the others.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline_tui.dataio.importing.table import Row, RowProblem, Table
from pipeline_tui.i18n import _


def read_json(path: Path, encoding: str = "utf-8-sig") -> Table:
    source = path.name
    try:
        text = path.read_bytes().decode(encoding)
    except OSError as exc:
        return _failed(source, _("cannot read the file: {strerror}").format(strerror=exc.strerror))
    except UnicodeDecodeError as exc:
        return _failed(
            source,
            _("not valid UTF-8 (byte at offset {start}); re-save as UTF-8").format(start=exc.start),
        )
    if not text.strip():
        return _failed(source, _("the file is empty: expected a JSON list of objects"))
    try:
        data = json.loads(text, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        return _failed(
            source,
            _("not valid JSON: {msg} (line {lineno})").format(msg=exc.msg, lineno=exc.lineno),
        )
    except ValueError as exc:  # a number too long to read (Python's 4,300-digit limit)
        return _failed(source, _("not readable JSON: {exc}").format(exc=exc))
    return table_from_records(data, source)


def table_from_records(data: Any, source: str) -> Table:
    if isinstance(data, Mapping) and isinstance(data.get("opportunities"), list):
        data = data["opportunities"]
    if not isinstance(data, list):
        return _failed(source, _("expected a JSON list of objects (one per opportunity)"))
    columns: dict[str, None] = {}
    rows: list[Row] = []
    problems: list[RowProblem] = []
    unread = 0
    for number, item in enumerate(data, start=1):
        if not isinstance(item, Mapping):
            problems.append(RowProblem(source, number, _("is not an object ({...})")))
            unread += 1
            continue
        twice = [
            RowProblem(
                source,
                number,
                _("this key is in the object {count} times ({values}): keep one").format(
                    count=len(values), values=", ".join(json.dumps(v) for v in values)
                ),
                key,
            )
            for key, values in _duplicates(item)
        ]
        if twice:
            problems += twice
            unread += 1
            continue
        cells = _flatten(item)
        columns.update(dict.fromkeys(cells))
        rows.append(Row(number, cells))
    if not rows and not problems:
        problems.append(RowProblem(source, None, _("the list is empty: nothing to import")))
    header = tuple(columns)
    full = tuple(Row(r.number, {c: r.cells.get(c, "") for c in header}) for r in rows)
    return Table(source, header, full, tuple(problems), unread)


class _Twice(dict[str, Any]):
    """A JSON object that names a key more than once, with every value each such key had.

    ``json.loads`` keeps the last value without a word; the reader refuses
    the record instead of guessing which one the export meant.
    """

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        values: dict[str, list[Any]] = {}
        for key, value in pairs:
            values.setdefault(key, []).append(value)
        self.repeated = {k: v for k, v in values.items() if len(v) > 1}


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``json.loads``'s object hook: a plain dict, or :class:`_Twice` if a key repeats."""
    found = dict(pairs)
    return found if len(found) == len(pairs) else _Twice(pairs)


def _duplicates(item: Mapping[str, Any], prefix: str = "") -> list[tuple[str, list[Any]]]:
    """(dotted key, its values) for every key an object of ``item`` names more than once."""
    found: list[tuple[str, list[Any]]] = []
    if isinstance(item, _Twice):
        found += [(f"{prefix}{k}", v) for k, v in item.repeated.items()]
    for key, value in item.items():
        if isinstance(value, Mapping):
            found += _duplicates(value, f"{prefix}{key}.")
    return found


def _flatten(item: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    cells: dict[str, str] = {}
    for key, value in item.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            cells.update(_flatten(value, f"{name}."))
        elif isinstance(value, list):
            cells[name] = ", ".join(_text(v) for v in value if not isinstance(v, Mapping | list))
        else:
            cells[name] = _text(value)
    return cells


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _failed(source: str, message: str) -> Table:
    return Table(source, (), (), (RowProblem(source, None, message),))
