"""Importing spreadsheets and CRM exports: readers, row mapping, and the write plan.

One module per input format (``csvfile``, ``jsonfile``) produces a
:class:`~pipeline_tui.importing.table.Table`; ``columns``, ``values`` and
``mapping`` turn it into opportunities (pure); ``plan`` compares them with the
pipeline on disk and writes them through git.
"""

from __future__ import annotations

from pathlib import Path

from pipeline_tui.importing.csvfile import read_csv
from pipeline_tui.importing.jsonfile import read_json
from pipeline_tui.importing.table import Table


def read_table(path: Path, encoding: str = "utf-8-sig", delimiter: str | None = None) -> Table:
    """Read ``path`` by its extension: ``.json`` as JSON, anything else as CSV."""
    if path.suffix.lower() == ".json":
        return read_json(path, encoding)
    return read_csv(path, encoding, delimiter)
