"""Reading a test repository's git state with plain git (what a user would see)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    return result.stdout


def log(repo: Path, fmt: str = "%s") -> list[str]:
    """Commit lines, newest first."""
    return git(repo, "log", f"--format={fmt}").splitlines()


def commit_count(repo: Path) -> int:
    return int(git(repo, "rev-list", "--count", "HEAD").strip())


def files_in(repo: Path, rev: str = "HEAD") -> list[str]:
    """Files changed by one commit."""
    return git(repo, "show", "--name-only", "--format=", rev).split()


def deal_path(root: Path, opp_id: str) -> Path:
    """Where ``opp_id``'s file is in ``root``, whichever layout the pipeline uses."""
    from pipeline_tui.storage.store import Store

    return Store(root).existing_path(opp_id)


def deal_rel(root: Path, opp_id: str) -> str:
    """:func:`deal_path` relative to the pipeline root, as problems and git name it."""
    return deal_path(root, opp_id).relative_to(root).as_posix()
