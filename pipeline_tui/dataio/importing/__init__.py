"""Importing spreadsheets and CRM exports: readers, row mapping, and the write plan.

One module per input format (``csvfile``, ``jsonfile``) produces a
:class:`~pipeline_tui.dataio.importing.table.Table`; ``columns``, ``values`` and
``mapping`` turn it into opportunities (pure); ``plan`` compares them with the
pipeline on disk and writes them through git.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pipeline_tui.dataio.importing.csvfile import read_csv
from pipeline_tui.dataio.importing.jsonfile import read_json
from pipeline_tui.dataio.importing.table import RowProblem, Table
from pipeline_tui.i18n import _

_SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods", ".numbers")


def read_table(
    path: Path,
    encoding: str | None = "utf-8-sig",
    delimiter: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Table:
    """Read ``path`` by its extension: ``.json`` as JSON, anything else as CSV.

    ``encoding`` None: UTF-8 for JSON, and for CSV whatever the bytes say
    (UTF-8, UTF-16 with its mark, GBK): see :func:`csvfile.decode_auto`.

    ``progress(done, total)`` follows a CSV file's lines (a JSON file is read at once).
    """
    suffix = path.suffix.lower()
    if suffix in _SPREADSHEETS:
        message = _(
            "{suffix} is a spreadsheet workbook: save the sheet as CSV (UTF-8) and import that"
        ).format(suffix=suffix)
        return Table(path.name, (), (), (RowProblem(path.name, None, message),))
    if suffix == ".json":
        return read_json(path, encoding or "utf-8-sig")
    return read_csv(path, encoding, delimiter, progress)
