"""The one commit path: failed commits leave no trace, index.lock waits are bounded, dates."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline_tui.core.errors import RepoError
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.git.commits import PlannedCommit, commit_paths, fast_import, run_git
from pipeline_tui.git.repo import Author, GitRepo
from tests.gitutil import commit_count, git

AUTHOR = Author("Test User", "test@example.com")


def snapshot(repo: Path) -> tuple[str, str, str]:
    """What a user would see of the index and work tree."""
    return (
        git(repo, "status", "--porcelain", "--untracked-files=all"),
        git(repo, "diff", "--cached"),
        git(repo, "diff"),
    )


@pytest.fixture
def busy(repo: Path) -> Path:
    """The repo with unrelated work in progress: a staged file and an untracked one."""
    (repo / "plan.txt").write_text("staged plan\n", encoding="utf-8")
    git(repo, "add", "plan.txt")
    (repo / "notes.txt").write_text("draft\n", encoding="utf-8")
    return repo


def refuse_to_sign(repo: Path) -> None:
    """Make every ``git commit`` fail after staging, the way a broken signing setup does."""
    git(repo, "config", "commit.gpgSign", "true")
    git(repo, "config", "gpg.program", "false")


def test_failed_create_leaves_index_and_work_tree_as_before(busy: Path) -> None:
    before, commits = snapshot(busy), commit_count(busy)
    with pytest.raises(RepoError, match="invalid date"):
        Workspace(busy).create("T", "A", opp_id="deal-1", at=datetime(1900, 1, 1, tzinfo=UTC))
    assert snapshot(busy) == before
    assert not (busy / "opportunities" / "deal-1.yaml").exists()
    assert commit_count(busy) == commits


def test_failed_edit_leaves_index_and_work_tree_as_before(busy: Path) -> None:
    Workspace(busy).create("T", "A", opp_id="deal-1")
    path = busy / "opportunities" / "deal-1.yaml"
    text, before, commits = path.read_bytes(), snapshot(busy), commit_count(busy)
    refuse_to_sign(busy)
    with pytest.raises(RepoError, match="gpg"):
        Workspace(busy).set_fields("deal-1", {"amount": 5})
    assert snapshot(busy) == before
    assert path.read_bytes() == text
    assert commit_count(busy) == commits


def test_failed_commit_of_a_deletion_keeps_the_file_tracked(busy: Path) -> None:
    Workspace(busy).create("T", "A", opp_id="deal-1")
    path = busy / "opportunities" / "deal-1.yaml"
    text, before = path.read_bytes(), snapshot(busy)
    refuse_to_sign(busy)
    path.unlink()
    with pytest.raises(RepoError):
        commit_paths(GitRepo(busy), [path], "deal-1: deleted", AUTHOR)
    path.write_bytes(text)  # the committer's half of the undo
    assert snapshot(busy) == before


def test_index_lock_wait_honours_its_budget(repo: Path) -> None:
    path = repo / "opportunities" / "x.yaml"
    path.write_text("id: x\n", encoding="utf-8")
    lock = repo / ".git" / "index.lock"
    lock.write_text("", encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(RepoError, match="index is locked"):
        commit_paths(GitRepo(repo, index_lock_wait=0.3), [path], "x", AUTHOR)
    assert time.monotonic() - started < 2.0
    lock.unlink()
    assert git(repo, "status", "--porcelain", "-uall") == "?? opportunities/x.yaml\n"


def test_index_lock_released_while_waiting_lets_the_command_through(repo: Path) -> None:
    lock = repo / ".git" / "index.lock"
    lock.write_text("", encoding="utf-8")
    pauses: list[float] = []

    def release(seconds: float) -> None:  # another git process finishing, without a sleep
        pauses.append(seconds)
        if len(pauses) == 2:
            lock.unlink()

    (repo / "plan.txt").write_text("plan\n", encoding="utf-8")
    run_git(GitRepo(repo, index_lock_wait=60.0), "add", "plan.txt", sleep=release)
    assert len(pauses) == 2
    assert git(repo, "diff", "--cached", "--name-only") == "plan.txt\n"


def test_naive_dates_are_utc_in_both_writers(repo: Path) -> None:
    naive = datetime(2026, 3, 4, 5, 6, 7)
    expected = "2026-03-04T05:06:07+00:00"
    gitrepo = GitRepo(repo)
    path = repo / "opportunities" / "a.yaml"
    path.write_text("id: a\n", encoding="utf-8")
    commit_paths(gitrepo, [path], "a", AUTHOR, naive)
    assert git(repo, "log", "-1", "--format=%aI").strip() == expected
    planned = PlannedCommit("b", AUTHOR, naive, {Path("opportunities/b.yaml"): "id: b\n"})
    fast_import(gitrepo, [planned], committed_by_author=True)
    assert git(repo, "log", "-1", "--format=%aI %cI").split() == [expected, expected]
    assert (repo / "opportunities" / "b.yaml").read_text(encoding="utf-8") == "id: b\n"
    assert git(repo, "status", "--porcelain") == ""
