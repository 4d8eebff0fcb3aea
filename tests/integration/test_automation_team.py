"""Two clones of one pipeline both run ``automate run``: one notification, and they agree.

The race is real: while Bob's run holds its claim, committed but not yet
pushed, Alice's whole run happens in another process (the test injects it
right after Bob's claim); Bob's push is then rejected, he drops his claim,
pulls, and finds nothing left to do.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline_tui.automation import publish
from pipeline_tui.automation.engine import RunPlan, claim, plan_run
from pipeline_tui.cli import cli
from pipeline_tui.core import clock
from pipeline_tui.edits.workspace import Workspace
from tests.automation_servers import Hook, http_server
from tests.teammates import DEAL, DEAL_CREATED, Mate, founder, git, join, make_remote, no_markers


@pytest.fixture
def hook() -> Iterator[Hook]:
    with http_server() as server:
        yield server


def automate(root: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(
        cli, ["--repo", str(root), "automate", "run", *args], catch_exceptions=False
    )
    assert result.exit_code == code, result.output
    return result.stdout


def team(tmp_path: Path, hook: Hook) -> tuple[Path, Mate, Mate]:
    """A bare remote, Alice (with a quiet deal and a rule that notifies) and Bob's clone."""
    remote = make_remote(tmp_path)
    alice = founder(tmp_path, str(remote))
    config = alice.root / "pipeline.yaml"
    config.write_text(
        config.read_text("utf-8")
        + f"""
automations:
  - name: overdue
    trigger: {{no_activity: {{days: 3}}}}
    actions:
      - notify: {{to: ["webhook:{hook.url("/crm")}"], message: "{{title}} is quiet"}}
""",
        "utf-8",
    )
    git(alice.root, "commit", "-qam", "rules")
    alice.sync()
    return remote, alice, join(tmp_path, str(remote), "Bob")


def test_two_clones_notify_once_and_agree(tmp_path: Path, hook: Hook) -> None:
    _remote, alice, bob = team(tmp_path, hook)

    said = automate(alice.root)
    assert f"did: automation 'overdue': notification to 1 target ({DEAL})" in said
    assert automate(bob.root).strip() == "Nothing to do: no time rule fires now."
    assert hook.bodies("/crm") == [
        {
            "title": "Deal update: CRM rollout",
            "message": "CRM rollout is quiet",
            "deal": DEAL,
            "rule": "overdue",
        }
    ]
    alice.sync()
    assert alice.text() == bob.text()
    assert "automation: {fired: {overdue:" in bob.text()
    assert git(alice.root, "rev-parse", "HEAD") == git(bob.root, "rev-parse", "HEAD")
    no_markers(alice, bob)
    # Neither clone fires again for the same quiet spell.
    assert "Nothing to do" in automate(alice.root)
    assert len(hook.requests) == 1


def run_in_process(root: Path) -> dict[str, Any]:
    """``pipeline automate run --json`` in a process of its own (another teammate's machine)."""
    env = {k: v for k, v in os.environ.items() if k != "PIPELINE_REPO"}
    done = subprocess.run(
        [sys.executable, "-m", "pipeline_tui", "automate", "run", "--json"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_both_clones_run_before_either_syncs_and_one_notifies(
    tmp_path: Path, hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    _remote, alice, bob = team(tmp_path, hook)
    alices: list[dict[str, Any]] = []

    def claim_then_alice_runs(
        ws: Workspace, plan: RunPlan, at: datetime | None = None
    ) -> list[str]:
        commits = claim(ws, plan, at)
        if ws.root == bob.root.resolve() and not alices:
            assert [p.opp_id for p in plan.planned] == [DEAL]  # Bob's rule fires too
            assert hook.requests == []
            alices.append(run_in_process(alice.root))  # Alice: pull, claim, push, send
        return commits

    monkeypatch.setattr(publish, "claim", claim_then_alice_runs)
    bobs = json.loads(automate(bob.root, "--json"))

    assert [item["deal"] for item in alices[0]["fired"]] == [DEAL]
    assert len(alices[0]["sent"]) == 1
    assert bobs["races_lost"] == 1
    assert bobs["fired"] == [] and bobs["sent"] == []  # replanned after the pull: nothing left
    assert len(hook.bodies("/crm")) == 1
    assert [line for line in bob.log("--format=%an|%s").splitlines() if "overdue" in line] == [
        f"pipeline automation|automation 'overdue': notification to 1 target ({DEAL})"
    ]  # Alice's claim only: Bob's was dropped, never published
    alice.sync()
    bob.sync()
    assert alice.text() == bob.text()
    assert git(alice.root, "rev-parse", "HEAD") == git(bob.root, "rev-parse", "HEAD")
    no_markers(alice, bob)
    assert "Nothing to do" in automate(alice.root) and "Nothing to do" in automate(bob.root)
    assert len(hook.requests) == 1


def test_a_push_that_fails_sends_nothing_and_marks_nothing_done(tmp_path: Path, hook: Hook) -> None:
    remote, _alice, bob = team(tmp_path, hook)
    hook_file = remote / "hooks" / "pre-receive"
    hook_file.write_text("#!/bin/sh\necho 'pushes are frozen' >&2\nexit 1\n", "utf-8")
    hook_file.chmod(0o755)
    head = git(bob.root, "rev-parse", "HEAD")
    result = CliRunner().invoke(
        cli, ["--repo", str(bob.root), "automate", "run"], catch_exceptions=False
    )
    assert result.exit_code != 0
    assert hook.requests == []  # not published, so not sent
    assert git(bob.root, "rev-parse", "HEAD") == head  # the claim was dropped
    assert "automation" not in bob.data()
    hook_file.unlink()
    assert f"did: automation 'overdue': notification to 1 target ({DEAL})" in automate(bob.root)
    assert len(hook.bodies("/crm")) == 1


def later(monkeypatch: pytest.MonkeyPatch, minutes: float) -> None:
    """Every clock of the process (runs, commits) ``minutes`` ahead of the real one."""
    ahead = datetime.now(UTC) + timedelta(minutes=minutes)
    monkeypatch.setenv(clock.ENV, ahead.isoformat())


def tries(mate: Mate) -> list[int]:
    return [int(entry["tries"]) for entry in mate.field("automation.retry")]


def test_a_failed_retry_is_taken_by_one_clone(
    tmp_path: Path, hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A queued retry travels with the deal; the clone that claims it is the one that sends."""
    _remote, alice, bob = team(tmp_path, hook)
    config = alice.root / "pipeline.yaml"
    config.write_text(
        config.read_text("utf-8").replace(hook.url("/crm"), hook.url("/fail/crm")), "utf-8"
    )
    git(alice.root, "commit", "-qam", "a target that fails")
    assert (
        "failed:"
        in CliRunner()
        .invoke(cli, ["--repo", str(alice.root), "automate", "run"], catch_exceptions=False)
        .output
    )
    assert tries(alice) == [1]
    assert alice.log("--format=%s", "-2").splitlines() == [  # what failed, said truthfully
        f"automation: notification to webhook: 127.0.0.1:{hook.port} failed, queued for retry "
        f"({DEAL})",
        f"automation 'overdue': notification to 1 target ({DEAL})",
    ]
    bob.sync()
    later(monkeypatch, minutes=16)  # the first wait is over
    automate(bob.root, code=1)  # Bob takes the retry (it fails again: queued, tries 2)
    alice.sync()
    assert tries(alice) == [2]
    later(monkeypatch, minutes=16 + 31)  # and the second, twice as long
    automate(alice.root, code=1)
    assert len(hook.bodies("/fail/crm")) == 3  # first try, Bob's retry, Alice's retry


def test_a_claim_that_cannot_be_recorded_is_not_sent(tmp_path: Path, hook: Hook) -> None:
    _remote, _alice, bob = team(tmp_path, hook)
    path = bob.root / "opportunities" / f"{DEAL}.yaml"
    path.write_text(path.read_text("utf-8") + "# Bob's note, not committed yet\n", "utf-8")
    result = CliRunner().invoke(
        cli, ["--repo", str(bob.root), "automate", "run", "--no-sync"], catch_exceptions=False
    )
    assert result.exit_code == 1
    assert "automation:" in result.stderr and DEAL in result.stderr  # why it was not claimed
    assert hook.requests == []  # not recorded, so not sent
    assert path.read_text("utf-8").endswith("# Bob's note, not committed yet\n")  # kept
    git(bob.root, "commit", "-qam", "Bob's note")
    assert f"did: automation 'overdue': notification to 1 target ({DEAL})" in automate(bob.root)
    assert len(hook.bodies("/crm")) == 1


def another_quiet_deal(alice: Mate, bob: Mate) -> None:
    """A second deal the rule fires for, whose claim a run would push with the conflict."""
    alice.ws.create("Pilot", "Globex", opp_id="globex-pilot", at=DEAL_CREATED)
    alice.sync()
    bob.sync()


def test_a_recorded_conflict_stops_the_run_and_stays_off_the_remote(
    tmp_path: Path, hook: Hook
) -> None:
    """``sync`` keeps a conflict off the remote; ``automate run`` must not push it either."""
    remote, alice, bob = team(tmp_path, hook)
    another_quiet_deal(alice, bob)
    alice.ws.set_fields(DEAL, {"amount": 120000})
    alice.sync()
    bob.ws.set_fields(DEAL, {"amount": 90000})
    assert [p.field for p in bob.sync().conflicts] == ["conflicts.amount"]
    published = git(remote, "rev-parse", "main")
    head = git(bob.root, "rev-parse", "HEAD")
    result = CliRunner().invoke(
        cli, ["--repo", str(bob.root), "automate", "run"], catch_exceptions=False
    )
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert "pipeline resolve" in line and DEAL in line
    assert git(remote, "rev-parse", "main") == published  # Bob's conflict not published
    assert git(bob.root, "rev-parse", "HEAD") == head  # nothing claimed
    assert hook.requests == []  # nothing sent
    assert bob.field("amount") == 90000 and "conflicts" in bob.data()
    # Settled, the run goes ahead and publishes the resolution with its claim.
    resolved = CliRunner().invoke(
        cli, ["--repo", str(bob.root), "resolve", DEAL, "--theirs"], catch_exceptions=False
    )
    assert resolved.exit_code == 0, resolved.output
    assert f"did: automation 'overdue': notification to 1 target ({DEAL})" in automate(bob.root)
    assert git(remote, "rev-parse", "main") == git(bob.root, "rev-parse", "HEAD")
    assert len(hook.bodies("/crm")) == 2  # both deals, once each


def test_a_conflict_synced_in_while_planning_is_not_published(
    tmp_path: Path, hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the run's read and its claim, a sync in another terminal records a conflict."""
    remote, alice, bob = team(tmp_path, hook)
    another_quiet_deal(alice, bob)
    planned: list[str] = []

    def plan_then_conflict(ws: Workspace, *args: Any, **kwargs: Any) -> RunPlan:
        plan = plan_run(ws, *args, **kwargs)
        if not planned:
            planned.append(ws.git.head() or "")
            alice.ws.set_fields(DEAL, {"amount": 120000})
            alice.sync()
            bob.ws.set_fields(DEAL, {"amount": 90000})
            assert bob.sync().conflicts
        return plan

    monkeypatch.setattr(publish, "plan_run", plan_then_conflict)
    result = CliRunner().invoke(
        cli, ["--repo", str(bob.root), "automate", "run"], catch_exceptions=False
    )
    assert result.exit_code == 1
    assert "pipeline resolve" in result.stderr
    assert git(remote, "rev-parse", "main") == git(alice.root, "rev-parse", "HEAD")  # Alice's only
    assert hook.requests == []
    assert "automation" not in bob.data()
