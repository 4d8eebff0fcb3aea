"""Twenty teammates syncing at the same moment: every one lands in a single ``pipeline sync``.

Real processes (not threads) race for one bare remote, then for a ``git
daemon`` on loopback: each push that loses the race waits a jittered,
growing moment and tries again, so nobody has to run sync twice.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline_tui.cli import cli
from tests.gitdaemon import git_daemon
from tests.teammates import Landed, Mate, make_remote, storm, storm_landed, storm_team

#: Generous bounds for a loaded 2-core CI machine; a healthy storm takes far less.
SYNC_TIMEOUT_S = 120.0
STORM_DEADLINE_S = 240.0
#: Every connection is a real TCP session through the daemon; fewer clones keep CI quick.
DAEMON_CLONES = 10


def run_storm(base: Path, url: str, size: int) -> list[Landed]:
    alice, mates = storm_team(base, url, size)
    landed = storm(mates, SYNC_TIMEOUT_S, STORM_DEADLINE_S)
    failed = [(r.mate.name, r.code, r.stderr.strip()) for r in landed if r.code != 0]
    assert failed == []
    assert all(r.report["pushed"] and r.report["sent"] == 3 for r in landed)
    storm_landed(base, url, alice, mates)
    for mate in (alice, *mates):
        assert validate(mate) == 0
    return landed


def validate(mate: Mate) -> int:
    result = CliRunner().invoke(cli, ["--repo", str(mate.root), "validate"], catch_exceptions=False)
    return result.exit_code


@pytest.mark.long
def test_twenty_clones_all_land_in_one_sync(tmp_path: Path) -> None:
    landed = run_storm(tmp_path, str(make_remote(tmp_path)), 20)
    attempts = [r.report["attempts"] for r in landed]
    assert max(attempts) > 1  # they really raced: someone lost a push and waited
    assert all(r.report["waited_seconds"] > 0 for r in landed if r.report["attempts"] > 1)


@pytest.mark.long
def test_clones_all_land_in_one_sync_through_git_daemon(tmp_path: Path) -> None:
    with git_daemon(tmp_path / "served") as daemon:
        make_remote(tmp_path / "served")
        run_storm(tmp_path, f"{daemon}/remote.git", DAEMON_CLONES)
