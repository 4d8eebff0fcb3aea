"""Huge numbers: refused at import and on the command line; one bad file is one problem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline_tui.tabular import to_json
from tests.conftest import RunCli
from tests.hostile_files import GOOD, put

HUGE_INT = "9" * 400


def strict_json(text: str) -> Any:
    """``json.loads`` refusing ``Infinity`` and ``NaN``, as a strict parser in a script would."""

    def refuse(name: str) -> Any:
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def deal(opp_id: str, amount: str) -> str:
    return GOOD.replace("good-one", opp_id).replace("amount: 1000", f"amount: {amount}")


@pytest.mark.parametrize("amount", ["1e309", HUGE_INT, "1e16"])
def test_import_refuses_a_huge_amount(
    run_cli: RunCli, repo: Path, tmp_path: Path, amount: str
) -> None:
    source = tmp_path / "deals.csv"
    source.write_text(f"Deal Name,Company,Amount,Stage\nBig,ACME,{amount},lead\n", encoding="utf-8")
    result = run_cli("import", str(source))
    assert result.exit_code == 1
    assert "row 2: error: column 'Amount'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not list((repo / "opportunities").glob("*.yaml"))


def test_json_import_of_a_5000_digit_number_is_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    source = tmp_path / "deals.json"
    source.write_text(f'[{{"title": "x", "account": "A", "amount": {"9" * 5000}}}]')
    result = run_cli("import", str(source))
    assert result.exit_code != 0
    assert "deals.json" in result.stderr and "not readable JSON" in result.stderr


@pytest.mark.parametrize("amount", ["1e309", HUGE_INT])
def test_new_and_set_refuse_a_huge_amount(run_cli: RunCli, repo: Path, amount: str) -> None:
    result = run_cli("new", "Big", "--account", "ACME", "--amount", amount)
    assert result.exit_code == 1
    assert "amount: " in result.stderr and "Traceback" not in result.stderr
    assert not list((repo / "opportunities").glob("*.yaml"))
    assert run_cli("new", "Fine", "--account", "ACME", "--id", "fine").exit_code == 0
    before = (repo / "opportunities" / "fine.yaml").read_bytes()
    result = run_cli("set", "fine", f"amount={amount}")
    assert result.exit_code in (1, 2)
    assert "Traceback" not in result.stderr and "amount" in result.stderr
    assert (repo / "opportunities" / "fine.yaml").read_bytes() == before


@pytest.mark.parametrize("amount", ["1e309", HUGE_INT, ".nan"])
@pytest.mark.parametrize(
    "command",
    [
        ("validate",),
        ("list",),
        ("list", "--json"),
        ("report",),
        ("report", "--format", "json"),
        ("export", "--format", "json"),
        ("history", "good-one"),
        ("show", "good-one"),
    ],
)
def test_a_file_holding_a_huge_number_is_one_problem(
    run_cli: RunCli, repo: Path, amount: str, command: tuple[str, ...]
) -> None:
    put(repo, "good-one", GOOD)
    put(repo, "huge", deal("huge", amount))
    result = run_cli(*command)
    assert "Traceback" not in result.output + result.stderr
    if command[0] == "validate":
        assert result.exit_code == 1
        assert "opportunities/huge.yaml:5: error: amount:" in result.stderr
    else:  # export, list, report serve the rest and say so with exit 1, as for any broken file
        left_out = command[0] in ("export", "list", "report")
        assert result.exit_code == (1 if left_out else 0), result.stderr
    if "json" in command:
        strict_json(result.stdout)
    if command[0] in ("list", "export", "show", "history"):
        assert "good-one" in result.stdout or "Good deal" in result.stdout


def test_two_deals_at_the_limit_sum_to_a_finite_report(run_cli: RunCli, repo: Path) -> None:
    put(repo, "big-a", deal("big-a", str(10**15)))
    put(repo, "big-b", deal("big-b", str(10**15)))
    result = run_cli("report", "--format", "json")
    assert result.exit_code == 0, result.stderr
    strict_json(result.stdout)
    assert "inf" not in run_cli("report").stdout.lower()


def test_a_1e308_deal_is_refused_so_sums_never_overflow(run_cli: RunCli, repo: Path) -> None:
    put(repo, "big-a", deal("big-a", "1e308"))
    put(repo, "big-b", deal("big-b", "1e308"))
    result = run_cli("validate")
    assert "opportunities/big-a.yaml:5: error: amount: is too large" in result.stderr
    assert "inf" not in run_cli("report").stdout.lower()


def test_json_output_writes_non_finite_numbers_as_null() -> None:
    data = {"ratio": float("nan"), "sum": [float("inf"), 1.5], "when": (1, -float("inf"))}
    assert strict_json(to_json(data)) == {"ratio": None, "sum": [None, 1.5], "when": [1, None]}
