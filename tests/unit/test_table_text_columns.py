"""Tables skip number parsing for columns that are surely text, printing the same bytes."""

from __future__ import annotations

from typing import Any

import pytest
import tabulate

from pipeline_tui.tabular import _cell, table
from pipeline_tui.terminal_text import printable

COLUMNS = ("id", "title", "amount", "flag")
CELLS: tuple[Any, ...] = (
    "1,000",
    "1e5",
    "inf",
    "nan",
    "-3.5",
    "007",
    "True",
    "False",
    "",
    None,
    12,
    3.25,
    "十二",
    "١٢",
    "1_000",
    " 42 ",
    "acme",
    "2026-01-08",
    "1,00",
)


def reference(rows: list[dict[str, Any]]) -> str:
    """What tabulate prints when it parses every column itself."""
    tabulate.WIDE_CHARS_MODE = True
    cells = [[printable(_cell(row.get(c))) for c in COLUMNS] for row in rows]
    return tabulate.tabulate(cells, headers=list(COLUMNS), tablefmt="simple")


@pytest.mark.parametrize("first", CELLS)
@pytest.mark.parametrize("second", CELLS)
def test_every_mix_of_cells_prints_what_tabulate_alone_prints(first: Any, second: Any) -> None:
    rows = [
        {"id": first, "title": second, "amount": 100, "flag": first},
        {"id": second, "title": "Deal", "amount": second, "flag": second},
        {"id": first, "title": first, "amount": first, "flag": "True"},
    ]
    assert table(rows, COLUMNS) == reference(rows)
