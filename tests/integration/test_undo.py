"""``pipeline undo``: a revert commit, and a history that counts the undone change as never made.

Each kind of write (create, set, move, log, close, assign) is made, undone,
and the timelines and ``report --format json`` compared with what they were
before the write, exactly; ``git log`` still has both commits.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from pipeline_tui.core import clock
from pipeline_tui.core.timeline import Timeline
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.history import load_timelines, scan_timelines
from tests.conftest import RunCli
from tests.gitutil import deal_path, deal_rel
from tests.history_helpers import day, git, new_deal

pytestmark = pytest.mark.both_layouts

NOW = day(30)
Write = Callable[[Workspace], object]


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[datetime]:
    monkeypatch.setenv(clock.ENV, NOW.isoformat())
    with clock.frozen(NOW) as now:
        yield now


@pytest.fixture
def ws(repo: Path) -> Workspace:
    """Two deals with some history: ``a`` moved once, ``b`` left in the entry stage."""
    workspace = Workspace(repo)
    new_deal(workspace, "a", day(0))
    workspace.move("a", "qualified", at=day(1))
    new_deal(workspace, "b", day(0.5))
    return workspace


def stages(timelines: dict[str, Timeline]) -> dict[str, object]:
    """What the stage engine says: every stay and deletion (the audit trail left out)."""
    return {k: (t.stages, t.deleted_at) for k, t in sorted(timelines.items())}


def report(run_cli: RunCli) -> object:
    result = run_cli("report", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


WRITES: dict[str, Write] = {
    "create": lambda ws: ws.create("Fleet", "Initech", {"amount": 5}, opp_id="c", at=day(2)),
    "set": lambda ws: ws.set_fields("a", {"amount": 99_000}, at=day(2)),
    "move": lambda ws: ws.move("a", "proposal", at=day(2)),
    "log": lambda ws: ws.log("b", "call", "talked to Jane", at=day(2)),
    "close": lambda ws: ws.close("a", "lost", "price", at=day(2)),
    "assign": lambda ws: ws.assign("b", "Ann", at=day(2)),
}


@pytest.mark.parametrize("kind", sorted(WRITES))
def test_undo_of_each_write_leaves_timelines_and_report_as_before(
    kind: str, ws: Workspace, repo: Path, run_cli: RunCli
) -> None:
    load_timelines(repo)  # a warm cache, so the revert arrives incrementally
    before_timelines, before_report = stages(scan_timelines(repo)), report(run_cli)
    files_before = {p.name: p.read_text() for p in (repo / "opportunities").rglob("*.yaml")}
    WRITES[kind](ws)
    assert stages(load_timelines(repo)) != before_timelines or kind in ("set", "log", "assign")
    written = git(repo, "log", "-1", "--format=%H %s")

    result = run_cli("undo", "--yes")

    assert result.exit_code == 0, result.output
    assert result.output.startswith("undo ")
    assert "undone: " in result.output
    assert stages(load_timelines(repo)) == before_timelines  # the cache, updated incrementally
    assert stages(scan_timelines(repo)) == before_timelines  # from scratch
    assert report(run_cli) == before_report
    files_after = {p.name: p.read_text() for p in (repo / "opportunities").rglob("*.yaml")}
    assert files_after == files_before
    sha, subject = written.split(" ", 1)
    message = git(repo, "log", "-1", "--format=%B")
    assert message.strip() == f"undo: {subject}\n\nThis reverts commit {sha}."
    assert git(repo, "log", "-2", "--format=%H").splitlines()[1] == sha  # both commits stay
    assert git(repo, "status", "--porcelain") == ""


def test_undone_move_leaves_no_stay_and_history_shows_both_commits(
    ws: Workspace, repo: Path, run_cli: RunCli
) -> None:
    moved = ws.move("a", "proposal", at=day(2)).commit
    ws.set_fields("b", {"amount": 7}, at=day(3))  # another deal: does not block the undo

    result = run_cli("undo", "a", "--yes", "--json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["undone"] == moved
    assert data["id"] == "a"
    timeline = load_timelines(repo)["a"]
    assert [(s.stage, s.entered, s.left) for s in timeline.stages] == [
        ("lead", day(0), day(1)),
        ("qualified", day(1), None),
    ]
    shown = json.loads(run_cli("history", "a", "--json").output)
    assert [s["stage"] for s in shown["stages"]] == ["lead", "qualified"]
    assert git(repo, "log", "--format=%s", "-3").splitlines() == [
        "undo: a: stage qualified -> proposal",
        "b: amount 1000 -> 7",
        "a: stage qualified -> proposal",
    ]


def test_undo_refused_when_a_later_change_to_the_deal_would_be_lost(
    ws: Workspace, repo: Path, run_cli: RunCli
) -> None:
    ws.move("a", "proposal", at=day(2))
    git(repo, "config", "user.email", "other@example.com")  # a teammate, same clone
    Workspace(repo).set_fields("a", {"amount": 5}, at=day(3))
    git(repo, "config", "user.email", "test@example.com")
    head = git(repo, "rev-parse", "HEAD")

    result = run_cli("undo", "--yes")

    assert result.exit_code == 1
    assert f"a later change to {deal_rel(repo, 'a')}" in result.stderr
    assert "would be lost" in result.stderr
    assert git(repo, "rev-parse", "HEAD") == head


def test_undo_twice_undoes_the_change_before_and_never_redoes(
    ws: Workspace, repo: Path, run_cli: RunCli
) -> None:
    ws.set_fields("b", {"amount": 1}, at=day(2))
    ws.set_fields("b", {"amount": 2}, at=day(3))
    assert run_cli("undo", "--yes").exit_code == 0
    assert ws.store.read_mapping("b")["amount"] == 1
    assert run_cli("undo", "--yes").exit_code == 0
    assert ws.store.read_mapping("b")["amount"] == 1000


def test_undo_asks_first_and_needs_yes_without_a_terminal(
    ws: Workspace, repo: Path, run_cli: RunCli
) -> None:
    ws.assign("b", "Ann", at=day(2))
    head = git(repo, "rev-parse", "HEAD")

    result = run_cli("undo")

    assert result.exit_code == 2
    assert "b: owner" in result.output  # shown, not done
    assert "--yes" in result.stderr
    assert git(repo, "rev-parse", "HEAD") == head


def test_reverted_by_git_revert_counts_as_never_happened(ws: Workspace, repo: Path) -> None:
    ws.move("a", "proposal", at=day(2))
    load_timelines(repo)
    git(repo, "revert", "--no-edit", "HEAD", at=day(3))
    assert [s.stage for s in load_timelines(repo)["a"].stages] == ["lead", "qualified"]
    git(repo, "revert", "--no-edit", "HEAD", at=day(4))  # undo the undo: the move is back
    assert [s.stage for s in load_timelines(repo)["a"].stages] == ["lead", "qualified", "proposal"]
    assert [s.stage for s in scan_timelines(repo)["a"].stages] == ["lead", "qualified", "proposal"]


def test_nothing_to_undo(repo: Path, run_cli: RunCli) -> None:
    result = run_cli("undo", "--yes")
    assert result.exit_code == 2
    assert "nothing to undo" in result.stderr


FIRST_CALL = """
automations:
  - name: first call
    trigger: {created: {}}
    actions:
      - next_step: {action: First call, due: +24h}
"""
QUIET = """
automations:
  - name: silent
    trigger: {no_activity: {days: 3}}
    actions:
      - tag: quiet
"""


def add_rules(repo: Path, rules: str) -> None:
    config = repo / "pipeline.yaml"
    config.write_text(config.read_text("utf-8") + rules, "utf-8")
    git(repo, "commit", "-qam", "rules")


def test_undo_of_a_write_takes_the_event_rules_follow_up_with_it(
    repo: Path, run_cli: RunCli
) -> None:
    add_rules(repo, FIRST_CALL)
    assert run_cli("new", "Typo deal", "--account", "T", "--id", "typo").exit_code == 0
    created, follow_up = git(repo, "log", "-2", "--format=%H").splitlines()[::-1]
    assert "First call" in deal_path(repo, "typo").read_text("utf-8")

    result = run_cli("undo", "--yes")

    assert result.exit_code == 0, result.output
    assert "typo: created in lead" in result.output
    assert follow_up[:10] in result.output  # the confirmation says the follow-up goes too
    assert not list(repo.rglob("typo.yaml"))  # the deal is gone, not just its next step
    message = git(repo, "log", "-1", "--format=%B")
    assert message.strip() == (
        f"undo: typo: created in lead\n\nThis reverts commit {created}.\n"
        f"This reverts commit {follow_up}."
    )
    timeline = load_timelines(repo).get("typo")  # as if it never existed: no stay, no deletion
    assert timeline is None or (timeline.stages, timeline.deleted_at) == ((), None)
    assert git(repo, "status", "--porcelain") == ""


def test_undo_skips_automate_runs_commits_to_the_persons_own_change(
    ws: Workspace, repo: Path, run_cli: RunCli
) -> None:
    add_rules(repo, QUIET)
    ws.log("b", "call", "talked to Jane")  # b is not quiet now; a is
    said = run_cli("automate", "run", "--now", NOW.isoformat())
    assert said.exit_code == 0, said.output
    assert "tag 'quiet' (a)" in said.output

    result = run_cli("undo", "--yes")

    assert result.exit_code == 0, result.output
    assert "b: " in result.output.splitlines()[0]  # the call on b, not a's claim
    assert "talked to Jane" not in deal_path(repo, "b").read_text("utf-8")
    assert "fired" in deal_path(repo, "a").read_text("utf-8")  # the firing stays recorded
    again = run_cli("automate", "run", "--now", NOW.isoformat())
    assert again.exit_code == 0, again.output
    assert "(a)" not in again.output  # a's rule does not fire twice (b's does: quiet again)


def test_undo_refused_when_automate_run_changed_the_deal_since(
    ws: Workspace, repo: Path, run_cli: RunCli
) -> None:
    add_rules(repo, QUIET)
    ws.set_fields("a", {"amount": 5})
    claimed = run_cli("automate", "run", "--now", NOW.isoformat())  # a and b: both quiet
    assert claimed.exit_code == 0, claimed.output
    head = git(repo, "rev-parse", "HEAD")

    result = run_cli("undo", "--yes")

    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert "a: amount" in line and "by pipeline automation" in line
    assert "`pipeline undo a`" in line  # how to undo the automation's change on purpose
    assert git(repo, "rev-parse", "HEAD") == head
    # Named, the deal's last change is undone whoever made it: here the claim.
    assert run_cli("undo", "a", "--yes").exit_code == 0
    assert "fired" not in deal_path(repo, "a").read_text("utf-8")
