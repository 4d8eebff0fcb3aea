"""``pipeline history`` and the history columns of ``pipeline list --json``, via the real CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline_tui.core.errors import ExitCode
from pipeline_tui.edits.workspace import Workspace
from tests.conftest import RunCli
from tests.gitutil import deal_path, deal_rel
from tests.history_helpers import day, git, new_deal

pytestmark = pytest.mark.both_layouts


STAGE_KEYS = ["stage", "entered", "left", "days", "commit", "author"]
CHANGE_KEYS = ["at", "author", "commit", "field", "old", "new", "undone"]


def test_history_json_has_the_documented_shape(repo: Path, run_cli: RunCli) -> None:
    ws = Workspace(repo)
    created = new_deal(ws, "acme", day(0))
    moved = ws.move("acme", "qualified", at=day(1.5)).commit
    changed = ws.set_fields("acme", {"amount": 2000}, at=day(2)).commit
    before = datetime.now(UTC).replace(microsecond=0)  # the clock counts whole seconds

    result = run_cli("history", "acme", "--json")
    after = datetime.now(UTC)

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == ["id", "stages", "changes"]
    assert data["id"] == "acme"
    assert [list(s) for s in data["stages"]] == [STAGE_KEYS, STAGE_KEYS]
    lead, qualified = data["stages"]
    assert lead == {
        "stage": "lead",
        "entered": day(0).isoformat(),
        "left": day(1.5).isoformat(),
        "days": 1.5,
        "commit": created,
        "author": "Test User",
    }
    assert qualified["left"] is None and qualified["commit"] == moved
    open_days = [(t - day(1.5)).total_seconds() / 86400 for t in (before, after)]
    assert open_days[0] <= qualified["days"] <= open_days[1]
    assert data["changes"] == [
        {
            "at": day(2).isoformat(),
            "author": "Test User",
            "commit": changed,
            "field": "amount",
            "old": 1000,
            "new": 2000,
            "undone": False,
        }
    ]
    assert list(data["changes"][0]) == CHANGE_KEYS


def test_history_of_a_deleted_deal_and_of_an_unknown_one(repo: Path, run_cli: RunCli) -> None:
    new_deal(Workspace(repo), "gone", day(0))
    git(repo, "rm", "-q", deal_rel(repo, "gone"))
    git(repo, "commit", "-qm", "remove", at=day(3))

    shown = run_cli("history", "gone")
    assert shown.exit_code == 0
    assert "deleted 2026-01-08" in shown.output
    data = json.loads(run_cli("history", "gone", "--json").output)
    assert data["stages"][0]["left"] == day(3).isoformat()
    assert data["stages"][0]["days"] == 3.0

    missing = run_cli("history", "nope")
    assert missing.exit_code == ExitCode.USAGE  # NotFound, like `show` of an unknown id
    assert "no opportunity 'nope'" in missing.output


def test_list_json_gains_stage_entered_and_days_in_stage(repo: Path, run_cli: RunCli) -> None:
    ws = Workspace(repo)
    new_deal(ws, "acme", day(0))
    ws.move("acme", "proposal", at=day(4))
    new_deal(ws, "beta", day(1))
    before = datetime.now(UTC).replace(microsecond=0)  # the clock counts whole seconds

    rows = {r["id"]: r for r in json.loads(run_cli("list", "--json").output)}

    assert rows["acme"]["stage_entered"] == day(4).isoformat()
    assert rows["beta"]["stage_entered"] == day(1).isoformat()
    expected = (before - day(4)).total_seconds() / 86400
    assert expected <= rows["acme"]["days_in_stage"] < expected + 1 / 24
    assert rows["acme"]["stage"] == "proposal"


def test_list_json_counts_an_uncommitted_move_from_now(repo: Path, run_cli: RunCli) -> None:
    new_deal(Workspace(repo), "acme", day(0))
    path = deal_path(repo, "acme")
    path.write_text(
        path.read_text(encoding="utf-8").replace("stage: lead", "stage: qualified"),
        encoding="utf-8",
    )
    before = datetime.now(UTC)

    row = json.loads(run_cli("list", "--json").output)[0]

    assert row["stage"] == "qualified"
    assert datetime.fromisoformat(row["stage_entered"]) >= before.replace(microsecond=0)
    assert row["days_in_stage"] < 1 / 24


def test_list_json_rows_hold_exactly_what_show_json_holds(repo: Path, run_cli: RunCli) -> None:
    ws = Workspace(repo)
    new_deal(ws, "acme", day(0), tags=["vip", "中文"])
    ws.log("acme", "call", "first call", at=day(1))
    new_deal(ws, "beta", day(2))

    rows = json.loads(run_cli("list", "--json").output)

    for row in rows:
        shown = json.loads(run_cli("show", row["id"], "--json").output)
        assert list(row) == [*shown, "stage_entered", "days_in_stage"]
        assert {k: row[k] for k in shown} == shown


def test_history_table_marks_an_uncommitted_stay_and_csv_lists_stays(
    repo: Path, run_cli: RunCli
) -> None:

    created = new_deal(Workspace(repo), "acme", day(0))
    path = deal_path(repo, "acme")
    path.write_text(
        path.read_text(encoding="utf-8").replace("stage: lead", "stage: qualified"),
        encoding="utf-8",
    )

    table = run_cli("history", "acme").output
    assert created[:10] in table and created not in table
    assert "qualified" in table and "uncommitted" in table

    lines = run_cli("history", "acme", "--csv").output.splitlines()
    assert lines[1] == ",".join(STAGE_KEYS)
    assert [line.split(",")[0] for line in lines[2:]] == ["lead", "qualified"]
