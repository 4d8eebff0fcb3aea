"""What every reader produces: a table of text cells, plus row-level problems.

CSV and JSON readers differ only in how they get to rows of ``column ->
text``; everything after (mapping, validation, writing) works on
:class:`Table`, so both formats get the same rules and the same messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pipeline_tui.core.model import severity_label
from pipeline_tui.i18n import _


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why one row (or the whole file, ``row=None``) cannot be imported.

    ``row`` is the number a person finds the row by: the spreadsheet row for
    CSV (the header is row 1), the 1-based record number for JSON.
    """

    source: str
    row: int | None
    message: str
    column: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = self.source
        if self.row is not None:
            where = _("{source}: row {row}").format(source=self.source, row=self.row)
        what = self.message
        if self.column:
            what = _("column {column!r}: {message}").format(column=self.column, message=what)
        return f"{where}: {severity_label(self.severity)}: {what}"

    def to_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "row": self.row,
            "column": self.column,
            "severity": self.severity,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    cells: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Table:
    """Columns in file order and every data row as text (blank cells are ``""``)."""

    source: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    problems: tuple[RowProblem, ...] = ()
