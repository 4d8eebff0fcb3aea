"""``pipeline agenda`` (grouping with a frozen clock, whose agenda, .ics parsed back) and
follow-ups that chain (``pipeline log --next --due --done``: one commit, comments kept)."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

from pipeline_tui.edits.workspace import Workspace
from tests.conftest import RunCli

NOW = "2026-11-20T12:00:00+00:00"  # a Friday


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00")


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def dated(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Five open deals (alice's and bob's) and a won one, the clock frozen at NOW."""
    ws = Workspace(repo)
    step = {"due": date(2026, 11, 18), "action": "Send quote"}
    ws.create(
        "Overdue",
        "ACME",
        {"owner": "alice", "amount": 900, "next_step": step},
        opp_id="overdue",
        at=at("2026-11-10"),
    )
    ws.log("overdue", "call", "Intro", at=at("2026-11-10", 11))
    step = {"due": date(2026, 11, 20), "action": "Call back"}
    ws.create(
        "Due today",
        "Globex",
        {"owner": "bob", "amount": 500, "next_step": step},
        opp_id="due-today",
        at=at("2026-11-12"),
    )
    ws.log("due-today", "email", "Sent deck", at=at("2026-11-12", 11))
    step = {"due": date(2026, 11, 24), "action": "Demo"}
    ws.create(
        "Next week",
        "Initech",
        {"owner": "alice", "next_step": step},
        opp_id="next-week",
        at=at("2026-11-15"),
    )
    ws.log("next-week", "meeting", "Kick-off", at=at("2026-11-15", 11))
    step = {"due": date(2026, 12, 15), "action": "Renewal talk"}
    ws.create(
        "Far away",
        "Hooli",
        {"owner": "alice", "next_step": step},
        opp_id="far-away",
        at=at("2026-11-16"),
    )
    ws.log("far-away", "call", "Hello", at=at("2026-11-16", 11))
    ws.create(
        "New lead",
        "Umbrella",
        {"owner": "alice", "amount": 300},
        opp_id="new-lead",
        at=at("2026-11-20", 3),
    )
    ws.create("Forgotten", "Soylent", {"owner": "bob"}, opp_id="forgotten", at=at("2026-10-01"))
    ws.log("forgotten", "call", "Once", at=at("2026-10-01", 11))
    ws.create(
        "Won one",
        "Stark",
        {"owner": "alice", "next_step": {"due": date(2026, 11, 1)}},
        opp_id="won-one",
        at=at("2026-10-01"),
    )
    ws.close("won-one", "won", "fit", at=at("2026-10-05"))
    monkeypatch.setenv("PIPELINE_NOW", NOW)
    return repo


def agenda_json(run_cli: RunCli, *args: str) -> Any:
    result = run_cli("agenda", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def shape(data: Any) -> list[tuple[str, str | None, list[tuple[str, str]]]]:
    return [
        (g["group"], g["day"], [(i["kind"], i["id"]) for i in g["items"]]) for g in data["groups"]
    ]


def test_everyones_agenda_grouped_by_day(dated: Path, run_cli: RunCli) -> None:
    data = agenda_json(run_cli, "--all")
    assert data["today"] == "2026-11-20" and data["owner"] is None and data["days"] == 7
    assert shape(data) == [
        ("overdue", None, [("next_step", "overdue")]),
        (
            "today",
            "2026-11-20",
            [
                ("next_step", "due-today"),
                ("stale", "forgotten"),  # in lead for 50 days (max 14)
                ("no_next_step", "forgotten"),
            ],
        ),
        ("upcoming", "2026-11-21", [("first_contact", "new-lead")]),  # SLA: created + 24 h
        ("upcoming", "2026-11-24", [("next_step", "next-week")]),
    ]  # far-away is beyond the 7 days; the won deal's step is not work any more
    overdue = data["groups"][0]["items"][0]
    assert overdue == {
        "kind": "next_step",
        "day": "2026-11-18",
        "overdue": True,
        "id": "overdue",
        "title": "Overdue",
        "account": "ACME",
        "stage": "lead",
        "amount": 900.0,
        "currency": "USD",
        "owner": "alice",
        "detail": "Send quote",
        "amount_of_time": 2.0,
    }
    lead = data["groups"][2]["items"][0]
    assert (lead["overdue"], lead["amount_of_time"]) == (False, 15.0)  # hours left


def test_days_widens_and_the_table_shows_headings(dated: Path, run_cli: RunCli) -> None:
    data = agenda_json(run_cli, "--all", "--days", "30")
    assert ("upcoming", "2026-12-15", [("next_step", "far-away")]) in shape(data)
    table = run_cli("agenda", "--all").stdout
    assert table.index("Overdue (1)") < table.index("Today · Fri 2026-11-20 (3)")
    assert "Send quote (2 days overdue)" in table
    assert "First contact: SLA ends in 15 h" in table
    assert "Stale: over the stage's day limit, 50 days" in table
    assert "Tomorrow · Sat 2026-11-21 (1)" in table


def test_the_default_is_the_person_at_the_keyboard(
    dated: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Alice Martin")  # team: alice
    data = agenda_json(run_cli)
    assert data["owner"] == "alice"
    assert {i["owner"] for g in data["groups"] for i in g["items"]} == {"alice"}
    assert agenda_json(run_cli, "--owner", "bob")["owner"] == "bob"
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Somebody Else")
    result = run_cli("agenda", "--json")
    assert json.loads(result.stdout)["owner"] is None
    assert "not in pipeline.yaml's team" in result.stderr


def test_an_unknown_owner_is_refused_with_the_team(dated: Path, run_cli: RunCli) -> None:
    result = run_cli("agenda", "--owner", "alcie")
    assert result.exit_code == 2
    assert "unknown owner 'alcie'; the team is: alice" in result.stderr
    assert "did you mean alice?" in result.stderr
    assert run_cli("agenda", "--owner", "bob", "--all").exit_code == 2


def test_csv_has_one_row_per_item(dated: Path, run_cli: RunCli) -> None:
    lines = run_cli("agenda", "--all", "--csv").stdout.splitlines()
    assert lines[0] == "day,what,title,account,amount,owner,id"
    assert lines[1] == "2026-11-18,Send quote (2 days overdue),Overdue,ACME,900,alice,overdue"
    assert len(lines) == 1 + 6


def events(path: Path) -> list[Any]:
    calendar = Calendar.from_ical(path.read_bytes())
    assert str(calendar["prodid"]) == "-//pipeline-tui//next steps//EN"
    assert str(calendar["version"]) == "2.0"
    return list(calendar.walk("VEVENT"))


def test_agenda_ics_parses_back_field_by_field(
    dated: Path, run_cli: RunCli, tmp_path: Path
) -> None:
    ics = tmp_path / "mine.ics"
    result = run_cli("agenda", "--owner", "alice", "--ics", str(ics))
    assert result.exit_code == 0
    assert f"wrote 2 next steps to {ics}" in result.stderr
    found = events(ics)
    assert [str(e["uid"]) for e in found] == [
        "overdue-20261118@pipeline-tui",
        "next-week-20261124@pipeline-tui",
    ]
    first = found[0]
    assert first.decoded("dtstart") == date(2026, 11, 18)  # all day: a DATE value
    assert first.decoded("dtend") == date(2026, 11, 19)
    assert first.decoded("dtstamp") == datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert str(first["summary"]) == "Send quote — Overdue"
    assert str(first["description"]) == (
        "Account: ACME\nAmount: 900 USD\nOwner: alice\nStage: lead\nDeal: overdue"
    )


def test_export_ics_has_every_open_next_step_and_stable_uids(
    dated: Path, run_cli: RunCli, tmp_path: Path
) -> None:
    ics = tmp_path / "all.ics"
    assert run_cli("export", "--ics", str(ics)).exit_code == 0
    uids = sorted(str(e["uid"]) for e in events(ics))
    assert uids == [
        "due-today-20261120@pipeline-tui",
        "far-away-20261215@pipeline-tui",
        "next-week-20261124@pipeline-tui",
        "overdue-20261118@pipeline-tui",
    ]  # the won deal's step is not exported; the same deal and day keep their UID
    again = tmp_path / "again.ics"
    run_cli("export", "--ics", str(again))
    assert sorted(str(e["uid"]) for e in events(again)) == uids


# --------------------------------------------------------------------------- follow-ups

COMMENTED = """\
# Our biggest deal this quarter
id: big-deal
title: Big deal
account: ACME
stage: lead
created: 2026-11-01T09:00:00+00:00
next_step: {due: 2026-11-18, action: Send quote}  # promised on the call
owner: alice  # the account lead
"""


@pytest.fixture
def commented(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = repo / "opportunities" / "big-deal.yaml"
    path.write_text(COMMENTED, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "big deal by hand")
    monkeypatch.setenv("PIPELINE_NOW", NOW)
    return path


def test_log_with_next_and_due_is_one_commit_and_keeps_comments(
    repo: Path, commented: Path, run_cli: RunCli
) -> None:
    before = int(git(repo, "rev-list", "--count", "HEAD"))
    result = run_cli(
        "log", "big-deal", "--kind", "call", "--note", "Went through pricing",
        "--at", "today 10:30", "--next", "Send revised quote", "--due", "+3d", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert int(git(repo, "rev-list", "--count", "HEAD")) == before + 1
    assert git(repo, "log", "-1", "--format=%s|%aI").strip() == (
        "big-deal: logged call: Went through pricing; next: Send revised quote (due 2026-11-23)"
        "|2026-11-20T10:30:00+00:00"
    )
    assert git(repo, "status", "--porcelain") == ""
    text = commented.read_text(encoding="utf-8")
    assert text.splitlines()[:8] == [
        "# Our biggest deal this quarter",
        "id: big-deal",
        "title: Big deal",
        "account: ACME",
        "stage: lead",
        "created: 2026-11-01T09:00:00+00:00",
        "next_step: {due: 2026-11-23, action: Send revised quote} # promised on the call",
        "owner: alice  # the account lead",
    ]
    record = json.loads(result.stdout)["record"]
    assert record["activities"] == [
        {
            "at": "2026-11-20T10:30:00+00:00",
            "kind": "call",
            "by": "Test User",
            "note": "Went through pricing",
        }
    ]


def test_done_clears_the_next_step_and_says_so(
    repo: Path, commented: Path, run_cli: RunCli
) -> None:
    assert run_cli("log", "big-deal", "--done").exit_code == 0
    assert git(repo, "log", "-1", "--format=%s").strip() == (
        "big-deal: logged note: Done: Send quote"
    )
    text = commented.read_text(encoding="utf-8")
    assert "next_step" not in text
    assert "owner: alice  # the account lead" in text
    again = run_cli("log", "big-deal", "--done")  # nothing is due any more
    assert again.exit_code == 2
    assert "a note is needed" in again.stderr


def test_due_alone_reschedules_and_keeps_the_action(
    repo: Path, commented: Path, run_cli: RunCli
) -> None:
    result = run_cli("log", "big-deal", "--kind", "email", "--note", "Asked for a week",
                     "--due", "下周一")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert git(repo, "log", "-1", "--format=%s").strip() == (
        "big-deal: logged email: Asked for a week; next: Send quote (due 2026-11-23)"
    )
    assert "next_step: {due: 2026-11-23, action: Send quote}" in commented.read_text("utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--kind", "call"), "give --note"),
        (("--note", "x", "--due", "someday"), "'someday' is not a date such as"),
        (("--note", "x", "--at", "the day before"), "not an ISO date or datetime"),
    ],
)
def test_bad_follow_up_input_is_a_usage_error(
    repo: Path, commented: Path, run_cli: RunCli, args: tuple[str, ...], message: str
) -> None:
    before = commented.read_text(encoding="utf-8")
    result = run_cli("log", "big-deal", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert commented.read_text(encoding="utf-8") == before
