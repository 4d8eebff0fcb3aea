"""Teammates editing one pipeline concurrently and syncing through a real bare remote.

After every scenario: no conflict markers anywhere, every edit made is
present or reported as a conflict, and validation is clean or names it.
"""

from __future__ import annotations

import json
import stat
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline_tui.cli import cli
from pipeline_tui.history import load_timelines, scan_timelines
from pipeline_tui.storage.layout import Layout
from pipeline_tui.sync.migrate import migrate
from pipeline_tui.sync.resolve import resolve
from tests.gitutil import deal_rel
from tests.teammates import (
    DEAL,
    DEAL_CREATED,
    Mate,
    founder,
    git,
    join,
    make_remote,
    no_markers,
    problems_of,
)

pytestmark = pytest.mark.both_layouts


@pytest.fixture
def team(tmp_path: Path, layout: Layout) -> tuple[Mate, Mate, Mate]:
    remote = make_remote(tmp_path)
    alice = founder(tmp_path, str(remote), layout=layout)
    return alice, join(tmp_path, str(remote), "Bob"), join(tmp_path, str(remote), "Carol")


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


def later(day: int, hour: int = 10) -> datetime:
    """Days after the fixture created the deal, for history checks."""
    start = DEAL_CREATED.replace(hour=0, minute=0)
    return start + timedelta(days=day, hours=hour)


def cli_run(mate: Mate, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--repo", str(mate.root), *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_different_fields_merge_cleanly_and_keep_comments(team: tuple[Mate, Mate, Mate]) -> None:
    alice, bob, carol = team
    alice.ws.set_fields(DEAL, {"amount": 150000})
    bob.ws.set_fields(DEAL, {"owner": "bob", "next_step.action": "send the proposal"})
    carol.ws.set_fields(DEAL, {"contact.name": "Jane Roe", "tags": ["crm"]})
    alice.sync()
    bob.sync()
    result = carol.sync()
    assert result.received == 2 and result.sent == 1 and result.conflicts == ()
    alice.sync()
    bob.sync()
    edits = {
        "amount": 150000,
        "owner": "bob",
        "next_step.action": "send the proposal",
        "contact.name": "Jane Roe",
        "contact.email": "jane@acme.example",
        "tags": ["crm"],
    }
    for mate in (alice, bob, carol):
        for key, value in edits.items():
            assert mate.field(key) == value, (mate.name, key)
        assert mate.text().startswith("# Key account: handle with care\n")
        assert problems_of(mate) == []
    assert alice.text() == bob.text() == carol.text()
    no_markers(alice, bob, carol)


def test_same_field_is_a_conflict_until_resolved(
    team: tuple[Mate, Mate, Mate], capfd: pytest.CaptureFixture[str]
) -> None:
    alice, bob, _ = team
    alice.ws.set_fields(DEAL, {"amount": 120000, "source": "referral"})
    bob.ws.set_fields(DEAL, {"amount": 90000})
    alice.sync()
    capfd.readouterr()
    result = bob.sync()
    assert capfd.readouterr() == ("", "")  # the TUI calls sync(): nothing may hit the terminal
    # Alice's other edit arrived; the amount is a conflict, Bob's value kept in place.
    assert bob.field("source") == "referral"
    assert bob.field("amount") == 90000
    assert bob.field("conflicts") == {"amount": {"ours": 90000, "theirs": 120000, "base": 100000}}
    assert result.status == "conflicts" and not result.pushed and result.sent == 0
    assert result.unsent == 1 and "1 local commit not sent yet" in result.summary()
    [problem] = result.conflicts
    assert problem.path == deal_rel(alice.root, DEAL) and problem.field == "conflicts.amount"
    lines = bob.text().splitlines()
    assert problem.line is not None and lines[problem.line - 1].strip().startswith("amount:")
    no_markers(bob)
    code, output = cli_run(bob, "validate")
    assert code == 1 and "conflicts.amount" in output and "pipeline resolve" in output
    code, output = cli_run(bob, "sync")  # still held back
    assert code == 1 and "conflict" in output
    # Resolve with the teammate's value, then everything is sent.
    code, output = cli_run(bob, "resolve", DEAL, "--ours", "--theirs")
    assert code == 2 and "choose one of" in output
    code, output = cli_run(bob, "resolve", DEAL, "--theirs")
    assert code == 0, output
    assert bob.field("amount") == 120000 and "conflicts" not in bob.data()
    assert bob.sync().pushed
    alice.sync()
    for mate in (alice, bob):
        assert mate.field("amount") == 120000 and mate.field("source") == "referral"
        assert problems_of(mate) == []
    assert alice.text() == bob.text()


def test_both_move_the_same_deal(team: tuple[Mate, Mate, Mate]) -> None:
    alice, bob, carol = team
    alice.ws.set_fields(DEAL, {"expected_close": "2026-12-20"})
    alice.sync()
    bob.sync()
    carol.sync()
    alice.ws.move(DEAL, "qualified", at=at(3), note="alice qualified it")
    bob.ws.move(DEAL, "proposal", at=at(4), note="bob sent a proposal")
    carol.ws.move(DEAL, "proposal", at=at(5), note="carol agrees")
    alice.sync()
    bob_result = bob.sync()
    assert [c.field for c in bob_result.conflicts] == ["conflicts.stage"]
    assert bob.field("conflicts.stage") == {
        "ours": "proposal",
        "theirs": "qualified",
        "base": "lead",
    }
    assert [a["note"] for a in bob.field("activities")] == [
        "alice qualified it",
        "bob sent a proposal",
    ]
    no_markers(bob)
    resolve(bob.ws, DEAL, values={"stage": "proposal"})
    bob.sync()
    carol_result = carol.sync()  # carol made the same move as bob: no conflict
    assert carol_result.conflicts == ()
    assert [(c.kind, c.stage_from, c.stage_to) for c in carol_result.incoming] == [
        ("moved", "lead", "proposal")
    ]
    alice.sync()
    bob.sync()
    notes = ["alice qualified it", "bob sent a proposal", "carol agrees"]
    for mate in (alice, bob, carol):
        assert mate.field("stage") == "proposal"
        assert [a["note"] for a in mate.field("activities")] == notes
        assert problems_of(mate) == []
    no_markers(alice, bob, carol)


def test_both_log_activities_in_time_order_without_duplicates(
    team: tuple[Mate, Mate, Mate],
) -> None:
    alice, bob, _ = team
    alice.ws.log(DEAL, "call", "alice: first call", at=at(2))
    alice.ws.log(DEAL, "email", "alice: follow-up", at=at(6))
    bob.ws.log(DEAL, "meeting", "bob: demo", at=at(4))
    bob.ws.log(DEAL, "note", "bob: pricing question", at=at(7))
    for _ in range(2):  # repeated syncs must not duplicate anything
        alice.sync()
        bob.sync()
    alice.sync()
    expected = [
        (at(2), "alice: first call", "Alice"),
        (at(4), "bob: demo", "Bob"),
        (at(6), "alice: follow-up", "Alice"),
        (at(7), "bob: pricing question", "Bob"),
    ]
    for mate in (alice, bob):
        got = [(a["at"], a["note"], a["by"]) for a in mate.field("activities")]
        assert got == expected
        assert problems_of(mate) == []
    assert alice.text() == bob.text()
    no_markers(alice, bob)


@pytest.mark.parametrize("deleter_first", [True, False])
def test_delete_versus_edit_keeps_the_edit_and_asks(
    team: tuple[Mate, Mate, Mate], deleter_first: bool
) -> None:
    alice, bob, _ = team
    path = deal_rel(alice.root, DEAL)
    git(bob.root, "rm", "--quiet", path)
    git(bob.root, "commit", "--quiet", "-m", f"{DEAL}: duplicate, removed")
    alice.ws.set_fields(DEAL, {"amount": 175000})
    first, second = (bob, alice) if deleter_first else (alice, bob)
    first.sync()
    result = second.sync()
    # The later syncer holds the edited file, marked as deleted on one side.
    assert second.has(DEAL) and second.field("amount") == 175000
    expected_side = {"ours": "edited", "theirs": "deleted"}
    if not deleter_first:
        expected_side = {"ours": "deleted", "theirs": "edited"}
    assert second.field("conflicts") == {"(file)": expected_side}
    assert [p.field for p in result.conflicts] == ["conflicts.(file)"]
    no_markers(alice, bob)
    # Whoever resolves decides; here the deletion wins, on both sides.
    resolve(second.ws, DEAL, "theirs" if deleter_first else "ours")
    assert not second.has(DEAL)
    second.sync()
    first.sync()
    assert not alice.has(DEAL) and not bob.has(DEAL)
    assert problems_of(alice) == problems_of(bob) == []


def test_push_race_is_retried(team: tuple[Mate, Mate, Mate]) -> None:
    """Bob pushes between Alice's fetch and her push (a real pre-push hook does it)."""
    alice, bob, _ = team
    bob.ws.set_fields(DEAL, {"owner": "bob"})
    alice.ws.set_fields(DEAL, {"amount": 130000})
    marker = alice.root.parent / "raced"
    hook = alice.root / ".git" / "hooks" / "pre-push"
    hook.write_text(
        "#!/bin/sh\n"
        "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_PREFIX\n"
        f"if [ ! -e '{marker}' ]; then touch '{marker}'; "
        f"git -C '{bob.root}' push --quiet origin main; fi\n",
        "utf-8",
    )
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    result = alice.sync()
    assert marker.exists()
    assert result.attempts == 2 and result.pushed and result.received == 1
    bob.sync()
    for mate in (alice, bob):
        assert mate.field("owner") == "bob" and mate.field("amount") == 130000
        assert problems_of(mate) == []
    no_markers(alice, bob)


def test_offline_creations_never_collide_and_summary_names_them(
    team: tuple[Mate, Mate, Mate],
) -> None:
    alice, bob, _ = team
    mine = alice.ws.create("Pilot", "Globex").record.id
    theirs = bob.ws.create("Pilot", "Globex").record.id
    bob.ws.close(DEAL, "won", None)
    assert mine != theirs
    bob.sync()
    result = alice.sync()
    assert {(c.id, c.kind) for c in result.incoming} == {(theirs, "new"), (DEAL, "closed")}
    summary = result.summary()
    assert "1 new" in summary and "1 closed" in summary and "lead -> won" in summary
    bob.sync()
    for mate in (alice, bob):
        assert mate.has(mine) and mate.has(theirs) and mate.field("stage") == "won"
    no_markers(alice, bob)


def test_author_dates_survive_the_rebase_so_timelines_agree(
    team: tuple[Mate, Mate, Mate],
) -> None:
    alice, bob, _ = team
    bob.ws.set_fields(DEAL, {"owner": "bob"}, at=at(1, 9))
    alice.ws.move(DEAL, "qualified", at=at(2, 15))
    bob.sync()
    alice.sync()  # rebases alice's move onto bob's commit
    bob.sync()
    fmt = "--format=%H %an %aI %s"
    assert alice.log(fmt) == bob.log(fmt)
    subjects = {line.split(" ", 3)[3]: line.split(" ")[2] for line in alice.log(fmt).splitlines()}
    assert subjects[f"{DEAL}: stage lead -> qualified"] == "2026-11-02T15:00:00+00:00"
    assert subjects[f"{DEAL}: owner (none) -> bob"] == "2026-11-01T09:00:00+00:00"
    assert alice.log("-1", "--format=%an") == "Alice"


def test_unrelated_dirty_work_is_never_committed(team: tuple[Mate, Mate, Mate]) -> None:
    alice, bob, _ = team
    readme = alice.root / "README.md"
    readme.write_text("team notes\n", "utf-8")
    git(alice.root, "add", "README.md")
    git(alice.root, "commit", "--quiet", "-m", "readme")
    alice.sync()
    bob.sync()
    readme.write_text("team notes\nmy draft, not ready\n", "utf-8")
    (alice.root / "scratch.txt").write_text("private\n", "utf-8")
    alice.ws.set_fields(DEAL, {"amount": 1})
    bob.ws.set_fields(DEAL, {"owner": "bob"})
    bob.sync()
    result = alice.sync()
    assert result.pushed and result.received == 1
    assert readme.read_text("utf-8") == "team notes\nmy draft, not ready\n"
    assert git(alice.root, "diff", "--name-only") == "README.md"  # still uncommitted
    assert git(alice.root, "diff", "--cached", "--name-only") == ""
    assert "?? scratch.txt" in git(alice.root, "status", "--porcelain")
    bob.sync()
    assert (bob.root / "README.md").read_text("utf-8") == "team notes\n"
    assert not (bob.root / "scratch.txt").exists()
    assert bob.field("amount") == 1


def test_cli_sync_json_reports_what_came_in(team: tuple[Mate, Mate, Mate]) -> None:
    alice, bob, _ = team
    bob.ws.move(DEAL, "qualified")
    bob.sync()
    code, output = cli_run(alice, "sync", "--json")
    assert code == 0
    data = json.loads(output)
    assert data["status"] == "synced" and data["received"] == 1 and data["sent"] == 0
    assert data["counts"]["moved"] == 1
    assert data["incoming"] == [
        {
            "id": DEAL,
            "title": "CRM rollout",
            "kind": "moved",
            "from": "lead",
            "to": "qualified",
            "fields": [],
        }
    ]
    code, output = cli_run(alice, "sync")
    assert code == 0 and output.strip() == "Already up to date with origin."


def test_fresh_clone_needs_no_path_for_the_driver(team: tuple[Mate, Mate, Mate]) -> None:
    """Sync passes the driver itself, so a clone without `doctor --fix` merges too."""
    alice, bob, _ = team
    unset = subprocess.run(
        ["git", "config", "--get-regexp", r"^merge\."], cwd=bob.root, capture_output=True
    )
    assert unset.returncode == 1  # nothing registered in this clone
    alice.ws.set_fields(DEAL, {"amount": 5})
    bob.ws.set_fields(DEAL, {"owner": "bob"})
    alice.sync()
    bob.sync()
    assert bob.field("amount") == 5 and bob.field("owner") == "bob"
    no_markers(bob)


def test_history_engine_gives_the_same_timelines_on_every_clone(
    team: tuple[Mate, Mate, Mate],
) -> None:
    alice, bob, _ = team
    bob.ws.move(DEAL, "qualified", at=later(1))
    pilot = alice.ws.create("Pilot", "Globex", at=later(2)).record.id
    alice.ws.set_fields(pilot, {"contact.email": "ann@globex.example"}, at=later(2, 11))
    alice.ws.move(pilot, "qualified", at=later(3))
    now = later(20)
    load_timelines(alice.root, now=now)  # warm alice's cache before her commits are rebased
    bob.sync()
    alice.sync()
    bob.sync()
    timelines = load_timelines(alice.root, now=now)
    assert timelines == load_timelines(bob.root, now=now) == scan_timelines(bob.root, now=now)
    assert [(s.stage, s.entered, s.author) for s in timelines[DEAL].stages][1:] == [
        ("qualified", later(1), "Bob")
    ]
    assert [(s.stage, s.entered, s.left) for s in timelines[pilot].stages] == [
        ("lead", later(2), later(3)),
        ("qualified", later(3), None),
    ]


def test_a_teammates_migration_moves_no_deal_in_the_summary(
    team: tuple[Mate, Mate, Mate], layout: Layout
) -> None:
    alice, bob, _ = team
    other: Layout = "sharded" if layout == "flat" else "flat"
    migrate(alice.ws, other)
    bob.ws.set_fields(DEAL, {"amount": 90000})  # edited before the move reaches bob
    bob.sync()  # bob's edit rebases onto the moved file
    result = alice.sync()
    assert [(c.id, c.kind, c.fields) for c in result.incoming] == [(DEAL, "updated", ("amount",))]
    carol = team[2]
    result = carol.sync()
    assert [(c.id, c.kind) for c in result.incoming] == [(DEAL, "updated")]  # moved and edited
    assert "new" not in result.summary() and "removed" not in result.summary()
