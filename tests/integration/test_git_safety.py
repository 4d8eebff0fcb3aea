"""Writes never sweep in unrelated work, refuse unsafe repo states, and survive races."""

from __future__ import annotations

import fcntl
import gc
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from pipeline_tui.core.errors import RepoError
from pipeline_tui.git import commits
from pipeline_tui.git import repo as repo_module
from tests.conftest import RunCli
from tests.gitutil import commit_count, files_in, git, log


def test_unrelated_dirty_and_staged_files_stay_out(repo: Path, run_cli: RunCli) -> None:
    (repo / "README.txt").write_text("draft\n", encoding="utf-8")
    (repo / "plan.txt").write_text("staged plan\n", encoding="utf-8")
    git(repo, "add", "plan.txt")
    opp = run_cli("new", "T", "--account", "A").stdout.strip()
    run_cli("set", opp, "amount=10")
    assert files_in(repo) == [f"opportunities/{opp}.yaml"]
    assert files_in(repo, "HEAD~1") == [f"opportunities/{opp}.yaml"]
    status = git(repo, "status", "--porcelain").splitlines()
    assert sorted(status) == ["?? README.txt", "A  plan.txt"]


def test_missing_git_identity_is_a_clear_repo_error(
    repo: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    result = run_cli("new", "T", "--account", "A")
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [  # one line, the one wording (git/repo.NO_IDENTITY)
        "pipeline: git does not know who you are: run "
        '`git config --global user.name "Your Name"` and '
        '`git config --global user.email "you@example.com"`'
    ]
    assert list((repo / "opportunities").iterdir()) == []


def test_refuses_to_write_mid_merge(repo: Path, run_cli: RunCli) -> None:
    opp = run_cli("new", "T", "--account", "A").stdout.strip()
    (Path(git(repo, "rev-parse", "--absolute-git-dir").strip()) / "MERGE_HEAD").write_text(
        git(repo, "rev-parse", "HEAD"), encoding="utf-8"
    )
    before = (repo / "opportunities" / f"{opp}.yaml").read_bytes()
    result = run_cli("set", opp, "amount=5")
    assert result.exit_code == 3
    assert "a merge is in progress" in result.stderr
    assert (repo / "opportunities" / f"{opp}.yaml").read_bytes() == before


def test_stale_index_lock_fails_cleanly_and_restores_the_file(
    repo: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Half a second of patience instead of the default: the outcome is the same, sooner.
    monkeypatch.setattr(repo_module, "INDEX_LOCK_WAIT_S", 0.5)
    opp = run_cli("new", "T", "--account", "A").stdout.strip()
    path = repo / "opportunities" / f"{opp}.yaml"
    before, commits = path.read_bytes(), commit_count(repo)
    lock = repo / ".git" / "index.lock"
    lock.write_text("", encoding="utf-8")
    result = run_cli("set", opp, "amount=5")
    lock.unlink()
    assert result.exit_code == 3
    assert "index is locked" in result.stderr
    assert path.read_bytes() == before
    assert commit_count(repo) == commits


def test_concurrent_writers_both_land(repo: Path, run_cli: RunCli) -> None:
    ids = [run_cli("new", f"Deal {n}", "--account", "A").stdout.strip() for n in range(2)]
    env = {**os.environ, "PIPELINE_REPO": str(repo)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "pipeline_tui", "log", opp, "--note", f"note {n}"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(3)
        for opp in ids
    ]
    results = [(p.wait(timeout=60), p.stderr.read() if p.stderr else b"") for p in procs]
    assert all(code == 0 for code, _ in results), results
    assert commit_count(repo) == 1 + 2 + 6
    assert sum(line.startswith(tuple(ids)) for line in log(repo)) == 8


def _git_children() -> list[str]:
    """The command lines of this process's git children still running (Linux ``/proc``)."""
    mine = str(os.getpid())
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="utf-8").rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:  # the process ended while we looked
            continue
        if fields[1] == mine and cmdline.startswith(b"git"):
            found.append(cmdline.replace(b"\0", b" ").decode().strip())
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_commits_leave_no_git_process_behind(repo: Path, run_cli: RunCli) -> None:
    # Reading HEAD through GitPython's object database used to start a
    # `git cat-file --batch-check` that outlived every command run in-process
    # (the TUI, the test suite) until the cycle collector happened to free it,
    # and the commands pause the collector.
    gc.disable()
    try:
        before = Counter(_git_children())  # other tests' leftovers in this worker
        opp = run_cli("new", "T", "--account", "A").stdout.strip()
        assert run_cli("set", opp, "contact.email=jane@acme.example").exit_code == 0
        assert run_cli("move", opp, "qualified").exit_code == 0
        assert Counter(_git_children()) - before == Counter()
    finally:
        gc.enable()


def test_a_writer_waits_for_the_lock_then_fails_with_a_message(repo: Path) -> None:
    git_repo = repo_module.GitRepo(repo)
    with (git_repo.git_dir / commits.LOCK_NAME).open("a") as other:  # another writer
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)
        held = pytest.raises(RepoError, match="another pipeline command has held")
        with held, commits.write_lock(git_repo, timeout_s=0.2):
            pytest.fail("the lock was taken twice")
        fcntl.flock(other.fileno(), fcntl.LOCK_UN)
    with commits.write_lock(git_repo, timeout_s=0.2):  # free again: taken at once
        pass
