"""How `pipeline import` reads a file's records: nothing in the file goes unaccounted for."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunCli


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_quote_never_closed_refuses_the_file_naming_the_rows_it_swallowed(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    source = write(
        tmp_path, "quote.csv",
        'title,account,amount\nA,Acme,1\nC,"Gamma,3\nD,Delta,4\nE,Eps,5\n',
    )  # fmt: skip
    result = run_cli("import", str(source), "--skip-bad")
    assert result.exit_code == 1, result.output
    assert (
        "quote.csv: row 3: error: column 'account': a quote opened here is never closed: "
        "the rest of the file (rows 3-5) would be one cell"
    ) in result.stderr
    assert "the file refused: nothing was written" in result.stderr
    assert "quote.csv: 4 rows: 0 would be created" in result.stdout
    assert not list((repo / "opportunities").rglob("*.yaml"))
    closed = write(
        tmp_path, "notes.csv",
        'title,account,notes\nA,Acme,"two\nlines"\nB,"Beta ""B""",x\nC,Gamma,"last\n"',
    )  # fmt: skip
    result = run_cli("import", str(closed), "--dry-run", "--json")
    assert result.exit_code == 0, result.output  # quotes closed, over several lines too
    assert [c["row"] for c in json.loads(result.stdout)["created"]] == [2, 3, 4]


def test_a_quote_never_closed_in_a_large_file_is_the_same_problem(
    run_cli: RunCli, tmp_path: Path
) -> None:
    rows = "".join(f"D{i},Delta,4\n" for i in range(15_000))  # over the csv module's cell limit
    source = write(tmp_path, "big.csv", f'title,account,amount\nA,Acme,1\nC,"Gamma,3\n{rows}')
    result = run_cli("import", str(source), "--dry-run")
    assert result.exit_code == 1
    assert "row 3: error: column 'account': a quote opened here is never closed: " in result.stderr
    assert "(rows 3-15003)" in result.stderr


def test_rows_refused_for_their_shape_count_in_the_total(run_cli: RunCli, tmp_path: Path) -> None:
    source = write(tmp_path, "short.csv", "title,account,amount\nA,Acme,1\nB,Beta\nC,Gamma,3,4\n")
    result = run_cli("import", str(source), "--skip-bad", "--dry-run")
    assert "short.csv: 3 rows: 1 would be created, 0 would be updated, 0 unchanged, 2 refused" in (
        result.stdout
    )


def test_empty_cells_ending_the_header_are_left_out_warning_of_data_under_them(
    run_cli: RunCli, tmp_path: Path
) -> None:
    source = write(
        tmp_path, "excel.csv",
        "title,account,amount,,\nA,Acme,1,,\nB,Beta,2\nC,Gamma,3,,x\nD,Delta,4,,,\n",
    )  # fmt: skip
    result = run_cli("import", str(source), "--dry-run", "--json")
    outcome = json.loads(result.stdout)
    assert [c["row"] for c in outcome["created"]] == [2, 3, 4]
    assert [(w["row"], w["message"]) for w in outcome["warnings"]] == [
        (4, "cell 5 has 'x' but its header cell is empty: left out (name the column in the "
            "header to import it)"),
    ]  # fmt: skip
    assert [(p["row"], p["message"][:35]) for p in outcome["refused"]] == [
        (5, "has 6 cells but the header has 5 (r")
    ]
    assert outcome["rows"] == 4


def test_json_keys_named_twice_and_elements_that_are_not_objects_are_row_problems(
    run_cli: RunCli, tmp_path: Path
) -> None:
    source = write(
        tmp_path, "deals.json",
        '[{"title": "A", "account": "Acme", "amount": 1},'
        ' {"title": "B", "account": "Beta", "amount": 1, "amount": 2},'
        ' 3,'
        ' {"title": "C", "account": "X", "contact": {"name": "a", "name": "b"}}]',
    )  # fmt: skip
    result = run_cli("import", str(source), "--dry-run", "--skip-bad", "--json")
    outcome = json.loads(result.stdout)
    assert [c["row"] for c in outcome["created"]] == [1]
    assert [(p["row"], p["column"], p["message"]) for p in outcome["refused"]] == [
        (2, "amount", "this key is in the object 2 times (1, 2): keep one"),
        (3, None, "is not an object ({...})"),
        (4, "contact.name", 'this key is in the object 2 times ("a", "b"): keep one'),
    ]
    assert outcome["rows"] == 4
