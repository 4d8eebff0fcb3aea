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
    ``refuses_file`` marks a problem found at a row that still leaves the
    whole file unreadable (a quote never closed: every row after it is one
    cell), so ``--skip-bad`` cannot import around it.
    """

    source: str
    row: int | None
    message: str
    column: str | None = None
    severity: str = "error"
    refuses_file: bool = False

    @property
    def file_level(self) -> bool:
        """About the whole file rather than one row: no row of it can be imported."""
        return self.row is None or self.refuses_file

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
    """Columns in file order and every data row as text (blank cells are ``""``).

    ``unread`` counts the data records the reader could not make rows of (a
    CSV line with the wrong number of cells, a JSON element that is not an
    object; each has its problem), so the summary's row count is every
    record of the file, not only the readable ones.
    """

    source: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    problems: tuple[RowProblem, ...] = ()
    unread: int = 0

    @property
    def records(self) -> int:
        """Every data record of the file: the rows, and those refused as they were read."""
        return len(self.rows) + self.unread
