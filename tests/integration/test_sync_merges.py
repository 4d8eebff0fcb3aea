"""What a sync's field-wise merge keeps: a file's own line ends, edited activities, the team.

Each scenario is two teammates with real clones of one bare remote, as in
``test_sync_team.py``; these are the cases a reviewer found the merge got wrong.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline_tui.cli import cli
from pipeline_tui.core.config import CONFIG_FILE
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.sync.merge import merge_fields
from pipeline_tui.sync.resolve import resolve
from pipeline_tui.sync.setup import init_pipeline
from pipeline_tui.yaml.read import parse_fast
from tests.gitutil import deal_path, deal_rel
from tests.teammates import DEAL, Mate, founder, git, join, make_remote, no_markers, problems_of

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Mate, Mate]:
    remote = make_remote(tmp_path)
    alice = founder(tmp_path, str(remote))
    return alice, join(tmp_path, str(remote), "Bob")


def _windows_style(mate: Mate) -> None:
    """Rewrite the shared deal with a BOM and CRLF line ends, as a Windows editor saves it."""
    path = deal_path(mate.root, DEAL)
    text = path.read_bytes().decode("utf-8")
    path.write_bytes(("\ufeff" + text.replace("\n", "\r\n")).encode("utf-8"))
    git(mate.root, "commit", "--quiet", "-am", f"{DEAL}: saved on Windows")
    mate.sync()


def test_a_merge_keeps_crlf_line_ends_and_the_bom(pair: tuple[Mate, Mate]) -> None:
    alice, bob = pair
    _windows_style(alice)
    bob.sync()
    alice.ws.set_fields(DEAL, {"amount": 160000})
    alice.sync()
    bob.ws.set_fields(DEAL, {"owner": "bob"})
    bob.ws.log(DEAL, "call", "bob: called Jane")
    result = bob.sync()
    assert result.pushed and result.conflicts == ()
    raw = deal_path(bob.root, DEAL).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\n") == raw.count(b"\r\n") > 5 and b"\r\r" not in raw
    assert bob.field("amount") == 160000 and bob.field("owner") == "bob"
    assert problems_of(bob) == []
    # Only the changed lines differ from Alice's version: no whole-file diff.
    before = git(alice.root, "rev-parse", "HEAD")
    alice.sync()
    changed = git(alice.root, "diff", "--numstat", before, "--", deal_rel(alice.root, DEAL))
    added, removed = (int(n) for n in changed.split()[:2])
    assert removed == 0 and added <= 5, changed
    no_markers(alice, bob)


# --------------------------------------------------------------------------- edited activities


def _act(hour: int, note: str, by: str = "Alice", kind: str = "call") -> dict[str, Any]:
    return {"at": T0 + timedelta(hours=hour), "kind": kind, "by": by, "note": note}


def test_both_edit_different_fields_of_one_activity() -> None:
    base = [_act(1, "orig")]
    ours = [_act(1, "fixed"), _act(1, "bob's call at the same time", by="Bob")]
    theirs = [_act(1, "orig", kind="meeting")]
    result = merge_fields({"activities": base}, {"activities": ours}, {"activities": theirs})
    merged = [_act(1, "fixed", kind="meeting"), ours[1]]
    assert result.merged == {"activities": merged}
    assert not result.conflicts


def test_both_edit_one_note_differently_is_one_conflict() -> None:
    base = [_act(1, "orig"), _act(2, "other")]
    ours = [_act(1, "ours fix"), _act(2, "other"), _act(4, "ours new")]
    theirs = [_act(1, "theirs fix"), _act(2, "other"), _act(3, "theirs new")]
    result = merge_fields({"activities": base}, {"activities": ours}, {"activities": theirs})
    shared = [_act(2, "other"), _act(3, "theirs new"), _act(4, "ours new")]
    assert result.merged == {"activities": [_act(1, "ours fix"), *shared]}
    [conflict] = result.conflicts
    assert conflict.field == "activities" and conflict.base == base
    assert conflict.ours == [_act(1, "ours fix"), *shared]
    assert conflict.theirs == [_act(1, "theirs fix"), *shared]


def test_deleted_against_edited_activity_is_a_conflict() -> None:
    base = [_act(1, "orig")]
    result = merge_fields({"activities": base}, {"activities": []}, {"activities": [_act(1, "x")]})
    [conflict] = result.conflicts
    assert (conflict.ours, conflict.theirs) == ([], [_act(1, "x")])


def _correct_note(mate: Mate, note: str) -> None:
    path = deal_path(mate.root, DEAL)
    text = path.read_text("utf-8")
    assert "note: first call" in text
    path.write_text(text.replace("note: first call", f"note: {note}"), "utf-8")
    git(mate.root, "commit", "--quiet", "-am", f"{DEAL}: {note}")


def test_a_call_both_corrected_stays_one_call_and_asks(pair: tuple[Mate, Mate]) -> None:
    alice, bob = pair
    alice.ws.log(DEAL, "call", "first call", at=T0)
    alice.sync()
    bob.sync()
    _correct_note(alice, "first call Jane said yes")
    alice.sync()
    _correct_note(bob, "first call Jane said maybe")
    result = bob.sync()
    assert [p.field for p in result.conflicts] == ["conflicts.activities"]
    assert [a["note"] for a in bob.field("activities")] == ["first call Jane said maybe"]
    resolve(bob.ws, DEAL, "theirs")
    assert [a["note"] for a in bob.field("activities")] == ["first call Jane said yes"]
    assert "conflicts" not in bob.data() and problems_of(bob) == []
    no_markers(alice, bob)


# --------------------------------------------------------------------------- pipeline.yaml's team


def _team(mate: Mate) -> list[str]:
    loaded = parse_fast((mate.root / CONFIG_FILE).read_text("utf-8"))
    assert isinstance(loaded, dict)
    return list(loaded["team"])


def test_two_new_owners_both_join_the_team(pair: tuple[Mate, Mate]) -> None:
    alice, bob = pair
    before = _team(alice)
    alice.ws.create("Second", "Beta Ltd", opp_id="second")
    alice.sync()
    bob.sync()
    alice.ws.assign(DEAL, "dave", new_owner=True)
    alice.sync()
    bob.ws.assign("second", "erin", new_owner=True)
    result = bob.sync()
    assert result.pushed and result.conflicts == ()
    alice.sync()
    for mate in (alice, bob):
        assert _team(mate) == [*before, "dave", "erin"]
        assert mate.field("owner") == "dave" and mate.field("owner", "second") == "erin"
        assert problems_of(mate) == []
    assert git(bob.root, "status", "--porcelain") == ""
    # Only the two member lines were added: the rest of the file is as it was.
    diff = git(bob.root, "diff", "--numstat", "HEAD~2", "--", CONFIG_FILE)
    assert diff.split()[:2] == ["2", "0"], diff


def _set_currency(mate: Mate, currency: str) -> None:
    path = mate.root / CONFIG_FILE
    text = path.read_text("utf-8")
    assert "currency: USD" in text
    path.write_text(text.replace("currency: USD", f"currency: {currency}"), "utf-8")
    git(mate.root, "commit", "--quiet", "-am", f"currency {currency}")


def test_other_settings_changed_on_both_sides_still_stop(pair: tuple[Mate, Mate]) -> None:
    alice, bob = pair
    alice.ws.assign(DEAL, "dave", new_owner=True)
    _set_currency(alice, "EUR")
    alice.sync()
    bob.ws.set_fields(DEAL, {"amount": 5})
    bob.ws.assign(DEAL, "erin", new_owner=True)
    _set_currency(bob, "GBP")
    head = git(bob.root, "rev-parse", "HEAD")
    result = CliRunner().invoke(cli, ["--repo", str(bob.root), "sync"], catch_exceptions=False)
    assert result.exit_code == 3
    assert f"both change currency in {CONFIG_FILE}" in result.output
    assert git(bob.root, "rev-parse", "HEAD") == head
    assert git(bob.root, "status", "--porcelain") == ""
    no_markers(bob)


# --------------------------------------------------------------------------- the summary


def test_a_deal_deleted_there_and_edited_here_is_kept_not_removed(pair: tuple[Mate, Mate]) -> None:
    alice, bob = pair
    alice.ws.create("Gone", "Gone Ltd", opp_id="gone")
    alice.sync()
    bob.sync()
    for opp_id in (DEAL, "gone"):
        git(alice.root, "rm", "--quiet", deal_rel(alice.root, opp_id))
    git(alice.root, "commit", "--quiet", "-m", "two duplicates removed")
    alice.sync()
    bob.ws.set_fields(DEAL, {"amount": 175000})
    result = bob.sync()
    assert bob.has(DEAL) and not bob.has("gone")
    kinds = {change.id: change.kind for change in result.incoming}
    assert kinds == {DEAL: "kept", "gone": "removed"}
    counts = result.to_json()["counts"]
    assert (counts["kept"], counts["removed"]) == (1, 1)
    summary = result.summary()
    assert "1 removed: Gone (gone)" in summary
    assert f"1 removed by a teammate but kept (you edited it): CRM rollout ({DEAL})" in summary


# --------------------------------------------------------------------------- plain git init --bare


@pytest.fixture
def plain_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A git config with no ``init.defaultBranch``: plain ``git init --bare`` names ``master``."""
    config = tmp_path / "plain.gitconfig"
    config.write_text("[user]\n\tname = Test User\n\temail = test@example.com\n", "utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))


def _plain_bare(base: Path) -> Path:
    remote = base / "server" / "deals.git"
    remote.parent.mkdir()
    git(remote.parent, "init", "--quiet", "--bare", remote.name)
    assert git(remote, "symbolic-ref", "HEAD") == "refs/heads/master"  # the premise
    return remote


@pytest.mark.usefixtures("plain_git")
def test_a_plain_bare_remote_gets_the_pipelines_branch_so_clones_work(tmp_path: Path) -> None:
    remote = _plain_bare(tmp_path)
    alice = founder(tmp_path, str(remote))
    assert git(remote, "symbolic-ref", "HEAD") == "refs/heads/main"
    bob = join(tmp_path, str(remote), "Bob")
    assert (bob.root / CONFIG_FILE).is_file() and bob.has(DEAL)
    assert git(bob.root, "branch", "--show-current") == "main"
    bob.ws.set_fields(DEAL, {"amount": 5})
    assert bob.sync().pushed
    alice.sync()
    assert alice.field("amount") == 5


@pytest.mark.usefixtures("plain_git")
def test_a_remote_pipeline_cannot_fix_says_what_to_run(tmp_path: Path) -> None:
    remote = _plain_bare(tmp_path)
    # The team's server as an scp-like address (git rewrites it to the folder):
    # pipeline cannot change a remote's settings there, only say how.
    git(tmp_path, "config", "--global", f"url.{remote.parent}/.insteadOf", "teamserver:")
    root = init_pipeline(tmp_path / "alice")
    git(root, "remote", "add", "origin", "teamserver:deals.git")
    Workspace(root).create("CRM rollout", "ACME Corp", opp_id=DEAL)
    result = CliRunner().invoke(cli, ["--repo", str(root), "sync"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "origin's default branch does not exist" in result.output
    assert "git symbolic-ref HEAD refs/heads/main" in result.output
    assert git(remote, "symbolic-ref", "HEAD") == "refs/heads/master"
    # Doing what it says makes the next clone whole.
    git(remote, "symbolic-ref", "HEAD", "refs/heads/main")
    bob = join(tmp_path, str(remote), "Bob")
    assert bob.has(DEAL)
