"""One regression test per problem of the "onboarding from a CRM" issue (#12)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeline_tui.dataio.importing.columns import header_key, plan_columns
from pipeline_tui.dataio.importing.values import (
    detect_dates,
    parse_datetime,
    parse_money,
    parse_probability,
    probability_scale,
)
from tests.conftest import RunCli


@pytest.fixture(autouse=True)
def utc_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")


def write(tmp_path: Path, name: str, text: str, bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_text(("\ufeff" if bom else "") + text, encoding="utf-8")
    return path


def outcome(run_cli: RunCli, path: Path, *args: str) -> dict[str, Any]:
    result = run_cli("import", str(path), "--json", *args)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_salesforce_api_headers_match_in_any_spelling() -> None:
    """`StageName`, `CloseDate`, `CreatedDate`, `LeadSource`, `OwnerId` used to match nothing."""
    for header in (
        ["Name", "AccountId", "StageName", "CloseDate", "CreatedDate", "LeadSource", "OwnerId"],
        ["NAME", "ACCOUNTID", "STAGENAME", "CLOSEDATE", "CREATEDDATE", "LEADSOURCE", "OWNERID"],
        ["name", "account_id", "stage_name", "close_date", "created_date", "lead_source",
         "owner_id"],
    ):  # fmt: skip
        plan = plan_columns(header, {})
        assert {f: plan.fields[f] for f in ("stage", "closed", "created", "source", "owner")} == {
            "stage": header[2], "closed": header[3], "created": header[4], "source": header[5],
            "owner": header[6],
        }  # fmt: skip
    assert header_key("\ufeffDeal - Title") == "title"
    assert header_key("ForecastCategoryName") == "forecast_category_name"


def test_unused_columns_are_named(run_cli: RunCli, tmp_path: Path) -> None:
    text = "Name,AccountId,StageName,CloseDate,Region Code\nA,B,Prospecting,2025-01-02,EU\n"
    result = run_cli("import", str(write(tmp_path, "o.csv", text)), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "columns matching no field, kept as custom fields: 'Region Code'" in result.stdout
    assert "preset: Salesforce (header has 'StageName', 'CloseDate')" in result.stdout


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("5/20/2024 7:42", "mdy", datetime(2024, 5, 20, 7, 42, tzinfo=UTC)),
        ("02/23/26 08:55 PM", "mdy", datetime(2026, 2, 23, 20, 55, tzinfo=UTC)),
        ("23/02/2026 20:55", "dmy", datetime(2026, 2, 23, 20, 55, tzinfo=UTC)),
        ("20.05.2024", "dmy", datetime(2024, 5, 20, tzinfo=UTC)),
        ("May 20, 2024", "mdy", datetime(2024, 5, 20, tzinfo=UTC)),
        ("Oct 7, 2025 6:55 PM", "mdy", datetime(2025, 10, 7, 18, 55, tzinfo=UTC)),
        ("2024-05-20T07:42:00.000Z", "mdy", datetime(2024, 5, 20, 7, 42, tzinfo=UTC)),
        ("2024-05-20T07:42:00+0000", "mdy", datetime(2024, 5, 20, 7, 42, tzinfo=UTC)),
        ("45432.5", "mdy", datetime(2024, 5, 20, 12, 0, tzinfo=UTC)),
    ],
)
def test_dates_as_spreadsheets_write_them(text: str, order: str, expected: datetime) -> None:
    assert parse_datetime(text, "dmy" if order == "dmy" else "mdy") == expected


def test_a_day_above_twelve_settles_the_column_and_the_dry_run_says_so() -> None:
    column = detect_dates(["3/1/2024 10:00", "3/28/2024 9:00 AM"])
    assert (column.order, column.ambiguous) == ("mdy", False)
    assert "m/d/y" in column.describe() and "3/28/2024 9:00 AM" in column.describe()
    assert detect_dates(["13/1/2024"]).order == "dmy"
    assert detect_dates(["3/1/2024", "4/2/2024"]).ambiguous


def test_us_date_times_import_instead_of_refusing_every_row(
    run_cli: RunCli, tmp_path: Path
) -> None:
    rows = "".join(
        f"Deal {i},Acme,Qualify,Open,In Progress,{i % 12 + 1}/20/2024 7:42,Ann\n" for i in range(40)
    )
    text = "Topic,Potential Customer,Sales Stage,Status,Status Reason,Created On,Owner\n" + rows
    data = outcome(run_cli, write(tmp_path, "dyn.csv", text))
    assert len(data["created"]) == 40
    assert data["date_formats"] == {
        "Created On": "m/d/y ('1/20/2024 7:42' has a day above 12 second)"
    }


def test_an_ambiguous_date_column_is_one_question(run_cli: RunCli, tmp_path: Path) -> None:
    rows = "".join(
        f"D{i},Acme,lead,{i % 12 + 1}/{i % 12 + 1 if i else 2}/2024\n" for i in range(500)
    )
    path = write(tmp_path, "amb.csv", "title,account,stage,created\n" + rows)
    result = run_cli("import", str(path))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1
    assert "is '1/2/2024' month/day or day/month?" in errors[0]
    assert "--date-format mdy" in errors[0]
    data = outcome(run_cli, path, "--date-format", "dmy", "--dry-run")
    assert data["refused"] == []


def test_close_before_created_is_kept_and_counted(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    text = (
        "Name,StageName,IsWon,IsClosed,CloseDate,CreatedDate,AccountId\n"
        "Backfilled,Closed Won,true,true,2024-03-01,2024-05-01T10:00:00.000Z,Acme\n"
        "Normal,Closed Won,true,true,2024-06-01,2024-05-01T10:00:00.000Z,Acme\n"
    )
    data = outcome(run_cli, write(tmp_path, "o.csv", text))
    assert data["refused"] == []
    assert data["adjusted"] == {"created moved to the close date": [2]}
    found = subprocess.run(
        ["git", "log", "--format=%aI %s"], cwd=repo, check=True, capture_output=True, text=True
    ).stdout
    assert "2024-03-01T00:00:00+00:00 backfilled" in found


def test_probability_scale_is_decided_per_column() -> None:
    column = ["1", "50", "90"]
    scale = probability_scale(column)
    assert scale == "percent"
    assert [parse_probability(v, scale) for v in column] == [0.01, 0.5, 0.9]
    assert probability_scale(["0.2", "1", "0"]) == "fraction"


def test_history_by_default_dates_the_commits(run_cli: RunCli, repo: Path, tmp_path: Path) -> None:
    text = "title,account,stage,created,close_date\nA,B,won,2024-01-10,2024-02-01\n"
    data = outcome(run_cli, write(tmp_path, "d.csv", text))
    assert data["history"] is True
    dates = subprocess.run(
        ["git", "log", "--format=%as"], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.split()
    assert "2024-01-10" in dates and "2024-02-01" in dates


def test_no_commit_is_dated_in_the_future(run_cli: RunCli, repo: Path, tmp_path: Path) -> None:
    text = "title,account,stage,created\nA,B,lead,2999-01-01T10:00:00\n"
    data = outcome(run_cli, write(tmp_path, "f.csv", text))
    assert data["adjusted"] == {"steps after now dated at the import": [2]}
    newest = subprocess.run(
        ["git", "log", "-1", "--format=%aI"], cwd=repo, check=True, capture_output=True,
        text=True,
    ).stdout.strip()  # fmt: skip
    assert datetime.fromisoformat(newest) <= datetime.now(UTC)


def test_closed_won_and_slash_stage_names_map_without_options(
    run_cli: RunCli, tmp_path: Path
) -> None:
    text = (
        "Name,AccountId,StageName,CloseDate\n"
        "A,X,Closed Won,2024-01-02\nB,X,Proposal/Price Quote,2024-01-02\n"
        "C,X,Negotiation/Review,2024-01-02\nD,X,Closed Lost,2024-01-02\n"
    )
    data = outcome(run_cli, write(tmp_path, "o.csv", text), "--dry-run")
    assert [c["stage"] for c in data["created"]] == ["won", "proposal", "negotiation", "lost"]
    assert data["stage_map"] == {
        "Proposal/Price Quote": "proposal", "Negotiation/Review": "negotiation",
    }  # fmt: skip


def test_dynamics_status_and_sales_stage_combine_and_lost_reason_only_on_lost_rows(
    run_cli: RunCli, tmp_path: Path
) -> None:
    text = (
        "Topic,Potential Customer,Status,Status Reason,Sales Stage,Est. Revenue,Currency\n"
        'A,X,Won,Won,Close,"$1,000.00",US Dollar\n'
        'B,X,Lost,Out-Sold,Develop,"€500.00",Euro\n'
        'C,X,Open,In Progress,Propose,"£2,500.00",Pound Sterling\n'
    )
    result = run_cli("import", str(write(tmp_path, "dyn.csv", text, bom=True)), "--json")
    assert result.exit_code == 0, result.output
    export = json.loads(run_cli("export", "--format", "json").stdout)["opportunities"]
    by_title = {d["title"]: d for d in export}
    assert (by_title["A"]["stage"], by_title["A"].get("lost_reason")) == ("won", None)
    assert (by_title["B"]["stage"], by_title["B"]["lost_reason"]) == ("lost", "Out-Sold")
    assert (by_title["C"]["stage"], by_title["C"].get("lost_reason")) == ("proposal", None)
    assert [(d["amount"], d["currency"]) for d in (by_title[t] for t in "ABC")] == [
        (1000, "USD"), (500, "EUR"), (2500, "GBP"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [("€500", (500, "EUR")), ("US Dollar 1,250", (1250, "USD")), ("¥300", (300, "JPY")),
     ("CNY 8,000.50", (8000.5, "CNY")), ("£42,000.00", (42000, "GBP")),
     ("1.250,00 €", (1250, "EUR"))],
)  # fmt: skip
def test_currencies_in_amounts_are_kept(text: str, expected: tuple[float, str]) -> None:
    assert parse_money(text) == expected


def test_an_amount_and_a_currency_that_disagree_refuse_the_row(
    run_cli: RunCli, tmp_path: Path
) -> None:
    text = "title,account,amount,currency\nA,B,€500,USD\n"
    result = run_cli("import", str(write(tmp_path, "c.csv", text)), "--json")
    assert result.exit_code == 1
    (refused,) = json.loads(result.stdout)["refused"]
    assert refused["message"] == "the amount is in EUR but the currency says USD"


def test_identical_problems_are_grouped_and_errors_file_has_every_one(
    run_cli: RunCli, tmp_path: Path
) -> None:
    rows = "".join(f"D{i},Acme,-{i + 1}\n" for i in range(300))
    path = write(tmp_path, "bad.csv", "title,account,amount\n" + rows)
    errors = tmp_path / "errors.csv"
    result = run_cli("import", str(path), "--errors", str(errors))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) < 5
    assert "(300 rows like this: 2, 3, 4, 5, 6, ...)" in lines[0]
    written = list(csv.DictReader(io.StringIO(errors.read_text(encoding="utf-8"))))
    assert len(written) == 300 and written[0]["row"] == "2"


def test_lookups_resolve_hubspot_owner_ids(run_cli: RunCli, tmp_path: Path) -> None:
    deals = write(
        tmp_path, "deals.csv",
        "Record ID,Deal Name,Deal Stage,Deal owner,Associated Company,Create Date\n"
        "1,A,appointmentscheduled,501,X,2024-01-02 10:00\n"
        "2,B,closedwon,502,X,2024-01-02 10:00\n",
    )  # fmt: skip
    users = write(tmp_path, "owners.csv", "Owner ID,First Name,Last Name\n501,Ann,Lee\n502,Bo,Ng\n")
    data = outcome(run_cli, deals, "--users", str(users), "--dry-run")
    assert data["outcomes"] == {"won": 1, "lost": 0, "open": 1}
    assert data["config_added"]["team"] == ["Ann Lee", "Bo Ng"]


def test_report_footer_is_not_a_row(run_cli: RunCli, tmp_path: Path) -> None:
    text = (
        '"Opportunity Owner","Account Name","Opportunity Name","Stage","Close Date"\n'
        '"Ann","X","A","Closed Won","03/28/25"\n\n"Total"\n\n'
        '"Confidential Information - Do Not Distribute"\n'
    )
    data = outcome(run_cli, write(tmp_path, "report.csv", text), "--dry-run")
    assert data["outcomes"] == {"won": 1, "lost": 0, "open": 0}
    (warning,) = data["warnings"]
    assert "report footer" in warning["message"] and warning["row"] == 3  # the blank line
    assert data["refused"] == []
