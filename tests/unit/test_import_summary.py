"""The import summary's grouped problems."""

from __future__ import annotations

from pipeline_tui.dataio.importing.summary import group_problems
from pipeline_tui.dataio.importing.table import RowProblem


def test_problems_about_the_whole_file_are_never_grouped() -> None:
    problems = [
        RowProblem("deals.csv", None, "--map names column 'Foo', not in: title, account"),
        RowProblem("deals.csv", None, "--map names column 'Bar', not in: title, account"),
        RowProblem("deals.csv", 2, "'-5' is negative", "Amount"),
        RowProblem("deals.csv", 4, "'-7' is negative", "Amount"),
    ]
    groups = group_problems(problems)
    assert [g.describe() for g in groups] == [
        "deals.csv: error: --map names column 'Foo', not in: title, account",
        "deals.csv: error: --map names column 'Bar', not in: title, account",
        "deals.csv: error: column 'Amount': '-5' is negative (2 rows like this: 2, 4)",
    ]
    assert [g.rows for g in groups] == [(), (), (2, 4)]
