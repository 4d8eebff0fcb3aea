"""``pipeline migrate``: a flat pipeline moves to the sharded layout in one commit of renames.

Asserted on real repositories: the numbers and timelines are unchanged, the
user's comments in ``pipeline.yaml`` survive, nothing uncommitted is swept in,
a failed commit leaves everything as it was, and a teammate who edited a deal
before pulling the move keeps the edit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline_tui.cli import cli
from pipeline_tui.core.errors import ExitCode
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.history import load_timelines
from pipeline_tui.storage.layout import relative_path
from pipeline_tui.sync import doctor
from pipeline_tui.sync.exchange import sync
from tests.conftest import RunCli
from tests.gitutil import git, log
from tests.history_helpers import day, new_deal
from tests.teammates import DEAL, founder, join, make_remote, no_markers, problems_of

NOW = day(40)


def story(repo: Path) -> None:
    """Three deals with moves, a close and an activity: a history worth keeping."""
    ws = Workspace(repo)
    for number, opp_id in enumerate(("acme", "globex", "initech")):
        new_deal(ws, opp_id, day(number))
    ws.move("acme", "qualified", at=day(3))
    ws.move("acme", "proposal", at=day(5))
    ws.close("globex", "won", "fastest rollout", at=day(6))
    ws.log("initech", "call", "Intro call", at=day(7))


def reports(run_cli: RunCli) -> tuple[list[dict[str, Any]], str]:
    listed = run_cli("list", "--json")
    report = run_cli("report", "--format", "json", "--as-of", NOW.isoformat())
    assert listed.exit_code == 0 and report.exit_code == 0, listed.stderr + report.stderr
    return json.loads(listed.stdout), report.stdout


def test_migrate_moves_every_file_in_one_commit_and_changes_no_number(
    repo: Path, run_cli: RunCli
) -> None:
    story(repo)
    (repo / "pipeline.yaml").write_text(
        (repo / "pipeline.yaml").read_text("utf-8") + "# our own note, kept\n", "utf-8"
    )
    git(repo, "commit", "-qam", "a note in the config")
    before_list, before_report = reports(run_cli)
    before_timelines = load_timelines(repo, now=NOW)
    commits_before = len(log(repo))

    result = run_cli("migrate")

    assert result.exit_code == 0, result.stderr
    assert len(log(repo)) == commits_before + 1
    assert log(repo)[0] == (
        "pipeline.yaml: move 3 deals to the sharded layout (opportunities/<xx>/<id>.yaml)"
    )
    renames = git(repo, "show", "-M", "--name-status", "--format=", "HEAD").splitlines()
    moved = sorted(line.split("\t")[1:] for line in renames if line.startswith("R100"))
    assert moved == sorted(
        [f"opportunities/{i}.yaml", relative_path(i, "sharded")]
        for i in ("acme", "globex", "initech")
    )
    config = (repo / "pipeline.yaml").read_text("utf-8")
    assert "# our own note, kept\n" in config
    assert "\nlayout: sharded " in config and "layout: flat" not in config
    assert "opportunities/**/*.yaml merge=pipeline" in (repo / ".gitattributes").read_text()
    assert git(repo, "status", "--porcelain") == ""
    after_list, after_report = reports(run_cli)
    assert after_report == before_report
    unmoved = ("path", "days_in_stage")  # days_in_stage counts from the clock, not from git
    assert [{k: v for k, v in r.items() if k not in unmoved} for r in after_list] == [
        {k: v for k, v in r.items() if k not in unmoved} for r in before_list
    ]
    assert [r["path"] for r in after_list] == [
        relative_path(r["id"], "sharded") for r in before_list
    ]
    after = load_timelines(repo, now=NOW)
    assert {k: v.stages for k, v in after.items()} == {
        k: v.stages for k, v in before_timelines.items()
    }
    assert {k: v.changes for k, v in after.items()} == {
        k: v.changes for k, v in before_timelines.items()
    }
    new = run_cli("new", "Next deal", "--account", "Hooli", "--id", "hooli-1")
    assert new.exit_code == 0, new.stderr
    assert (repo / relative_path("hooli-1", "sharded")).is_file()


def test_dry_run_changes_nothing_and_json_lists_the_moves(repo: Path, run_cli: RunCli) -> None:
    story(repo)
    head = git(repo, "rev-parse", "HEAD")
    result = run_cli("migrate", "--dry-run", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["dry_run"] is True and data["commit"] is None
    assert sorted(m["to"] for m in data["moves"]) == sorted(
        relative_path(i, "sharded") for i in ("acme", "globex", "initech")
    )
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain") == ""


def test_uncommitted_edits_stop_it_and_untracked_files_stay(repo: Path, run_cli: RunCli) -> None:
    story(repo)
    acme = repo / "opportunities" / "acme.yaml"
    acme.write_text(acme.read_text("utf-8") + "# my edit\n", "utf-8")
    head = git(repo, "rev-parse", "HEAD")
    refused = run_cli("migrate")
    assert refused.exit_code == ExitCode.REPO
    assert "opportunities/acme.yaml" in refused.stderr
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain").rstrip() == " M opportunities/acme.yaml"

    git(repo, "checkout", "--", "opportunities/acme.yaml")
    (repo / "opportunities" / "hand-made.yaml").write_text(
        "id: hand-made\ntitle: T\naccount: A\nstage: lead\ncreated: 2026-01-01\n", "utf-8"
    )
    done = run_cli("migrate")
    assert done.exit_code == ExitCode.PROBLEMS, done.stderr  # the move is done, not all of it
    assert "left: opportunities/hand-made.yaml: not committed yet" in done.stdout
    assert "1 deal files are not in the sharded layout" in done.stderr
    assert git(repo, "status", "--porcelain").rstrip() == "?? opportunities/hand-made.yaml"
    listed = json.loads(run_cli("list", "--json").stdout)
    assert "hand-made" in {r["id"] for r in listed}


def test_a_failed_commit_puts_every_file_back(repo: Path, run_cli: RunCli) -> None:
    story(repo)
    git(repo, "config", "commit.gpgsign", "true")
    git(repo, "config", "gpg.program", "false")  # every commit now fails
    before = sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*.yaml"))
    config = (repo / "pipeline.yaml").read_bytes()
    result = run_cli("migrate")
    assert result.exit_code == ExitCode.REPO
    assert sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*.yaml")) == before
    assert (repo / "pipeline.yaml").read_bytes() == config
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "diff", "--cached", "--name-only") == ""


def test_a_second_migrate_says_there_is_nothing_to_do(repo: Path, run_cli: RunCli) -> None:
    story(repo)
    assert run_cli("migrate").exit_code == 0
    again = run_cli("migrate")
    assert again.exit_code == ExitCode.USAGE
    assert "already uses the sharded layout" in again.stderr


def test_a_teammate_edit_made_before_pulling_the_move_follows_the_file(tmp_path: Path) -> None:
    remote = make_remote(tmp_path)
    alice = founder(tmp_path, str(remote), layout="flat")
    bob = join(tmp_path, str(remote), "Bob")
    bob.ws.set_fields(DEAL, {"amount": 125000})  # committed on the old path, not pushed
    runner = CliRunner()
    moved = runner.invoke(cli, ["--repo", str(alice.root), "migrate"], catch_exceptions=False)
    assert moved.exit_code == 0, moved.stderr
    sync(alice.root)

    sync(bob.root)

    assert (bob.root / relative_path(DEAL, "sharded")).is_file()
    assert not (bob.root / "opportunities" / f"{DEAL}.yaml").exists()
    assert bob.field("amount") == 125000
    sync(alice.root)
    assert alice.field("amount") == 125000
    no_markers(alice, bob)
    assert problems_of(alice) == problems_of(bob) == []


def test_doctor_suggests_migrating_a_large_flat_pipeline(
    repo: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    story(repo)
    monkeypatch.setattr(doctor, "MIGRATE_HINT_FILES", 2)
    result = run_cli("doctor", "--json")
    layout = next(c for c in json.loads(result.stdout) if c["check"] == "layout")
    assert layout["status"] == "warning" and "pipeline migrate" in layout["message"]
    assert run_cli("migrate").exit_code == 0
    result = run_cli("doctor", "--json")
    layout = next(c for c in json.loads(result.stdout) if c["check"] == "layout")
    assert layout["status"] == "ok"


def test_a_deal_filed_by_hand_in_another_folder_is_edited_in_place(
    repo: Path, run_cli: RunCli
) -> None:
    folder = repo / "opportunities" / "archive" / "2025"
    folder.mkdir(parents=True)
    (folder / "old-deal.yaml").write_text(
        "id: old-deal\ntitle: Old deal\naccount: ACME\nstage: lead\n"
        "created: 2025-03-01T09:00:00+00:00\n",
        "utf-8",
    )
    git(repo, "add", "opportunities")
    git(repo, "commit", "-qm", "file an old deal by hand")
    logged = run_cli("log", "old-deal", "--kind", "note", "--note", "still alive")
    assert logged.exit_code == 0, logged.stderr
    assert "still alive" in (folder / "old-deal.yaml").read_text("utf-8")
    again = run_cli("new", "Old deal", "--account", "ACME", "--id", "old-deal")
    assert again.exit_code == ExitCode.USAGE
    assert "opportunities/archive/2025/old-deal.yaml" in again.stderr


def test_two_files_with_one_id_stop_the_migration_and_nothing_is_lost(
    repo: Path, run_cli: RunCli
) -> None:
    # Both files were planned onto opportunities/29/acme.yaml: the second rename deleted a deal.
    deal = (
        "id: acme\ntitle: {title}\naccount: A\nstage: lead\namount: {amount}\ncreated: 2026-11-01\n"
    )
    (repo / "opportunities" / "2025").mkdir()
    top, filed = repo / "opportunities" / "acme.yaml", repo / "opportunities" / "2025" / "acme.yaml"
    top.write_text(deal.format(title="Acme-top", amount=100), "utf-8")
    filed.write_text(deal.format(title="Acme-2025", amount=999), "utf-8")
    git(repo, "add", "opportunities")
    git(repo, "commit", "-qm", "two files claim acme")
    head = git(repo, "rev-parse", "HEAD")

    for args in (("migrate", "--dry-run"), ("migrate",)):
        refused = run_cli(*args)
        assert refused.exit_code == ExitCode.PROBLEMS
        assert "nothing moved" in refused.stderr and "`pipeline validate`" in refused.stderr
        assert (
            "opportunities/acme.yaml:1: error: id: duplicate id 'acme', "
            "also in opportunities/2025/acme.yaml"
        ) in refused.stderr
        assert refused.stdout == ""
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain") == ""
    assert "Acme-top" in top.read_text("utf-8") and "Acme-2025" in filed.read_text("utf-8")


def test_a_file_left_unmoved_is_said_and_the_exit_code_is_not_zero(
    repo: Path, run_cli: RunCli
) -> None:
    story(repo)
    (repo / "opportunities" / "misc").mkdir()
    (repo / "opportunities" / "misc" / "Bad Name.yaml").write_text("id: x\n", "utf-8")
    git(repo, "add", "opportunities")
    git(repo, "commit", "-qm", "a file whose name is not an id")
    for args in (("migrate", "--json"), ("migrate", "--layout", "flat")):
        result = run_cli(*args)
        assert result.exit_code == ExitCode.PROBLEMS, result.stderr
        assert "1 deal files are not in the" in result.stderr
    assert (repo / "opportunities" / "misc" / "Bad Name.yaml").is_file()
    assert (repo / relative_path("acme", "flat")).is_file()  # moved, then moved back
