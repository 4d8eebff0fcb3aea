"""A shallow clone: every front end says so, and durations it cannot know are unknown."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pipeline_tui.cli import cli
from pipeline_tui.git.shallow import SHALLOW_NOTE
from tests.conftest import RunCli


@pytest.fixture
def shallow(repo: Path, run_cli: RunCli, tmp_path: Path) -> Path:
    """A depth-2 clone: ``old`` entered its stage before the clone's history, ``new`` inside it."""
    assert (
        run_cli("new", "Old", "--account", "A", "--id", "old", "--at", "2026-01-05").exit_code == 0
    )
    assert run_cli("move", "old", "negotiation", "--at", "2026-02-01").exit_code == 0
    assert run_cli("log", "old", "--note", "call", "--at", "2026-03-01").exit_code == 0
    assert (
        run_cli("new", "New", "--account", "B", "--id", "new", "--at", "2026-03-02").exit_code == 0
    )
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{repo}", str(clone)], check=True)
    assert (clone / ".git" / "shallow").is_file()
    return clone


def run_in(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--repo", str(root), *args], catch_exceptions=False)


def test_list_json_marks_days_before_the_clone_unknown(shallow: Path) -> None:
    result = run_in(shallow, "list", "--json")
    assert result.exit_code == 0, result.stderr
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    assert rows["old"]["days_in_stage"] is None and rows["old"]["stage_entered"] is None
    assert rows["new"]["stage_entered"].startswith("2026-03-02")
    assert "git fetch --unshallow" in result.stderr


@pytest.mark.parametrize("command", [("list",), ("report",), ("doctor",)])
def test_every_front_end_says_history_is_shallow(shallow: Path, command: tuple[str, ...]) -> None:
    result = run_in(shallow, *command)
    assert "Traceback" not in result.output
    assert "history is shallow" in result.output + result.stderr
    assert "git fetch --unshallow" in result.output + result.stderr


def test_a_full_clone_says_nothing(repo: Path, run_cli: RunCli) -> None:
    assert run_cli("new", "X", "--account", "A").exit_code == 0
    result = run_cli("list")
    assert SHALLOW_NOTE not in result.stderr


def test_history_after_unshallow_knows_the_dates(shallow: Path) -> None:
    subprocess.run(["git", "fetch", "-q", "--unshallow"], cwd=shallow, check=True)
    rows = {row["id"]: row for row in json.loads(run_in(shallow, "list", "--json").stdout)}
    assert rows["old"]["stage_entered"].startswith("2026-02-01")


def test_history_of_a_deal_older_than_the_clone_shows_what_is_known(shallow: Path) -> None:
    result = run_in(shallow, "history", "old", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["id"] == "old"
    assert data["stages"] == [
        {
            "stage": "negotiation",
            "entered": None,
            "left": None,
            "days": None,
            "commit": None,
            "author": None,
        }
    ]
    assert "git fetch --unshallow" in result.stderr
    assert "did you mean" not in result.stderr
    table = run_in(shallow, "history", "old")
    assert table.exit_code == 0, table.stderr
    assert table.stdout.startswith("old  (opportunities/old.yaml)\n")
    assert "negotiation  unknown (before this clone)" in table.stdout
    assert "history is shallow" in table.stderr


def test_history_of_a_deal_in_no_file_and_no_history_is_still_not_found(shallow: Path) -> None:
    result = run_in(shallow, "history", "missing")
    assert result.exit_code == 2
    assert "no opportunity 'missing'" in result.stderr
