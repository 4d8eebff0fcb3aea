"""End to end through a real git server on loopback: ``git daemon`` with pushes enabled."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline_tui.sync.exchange import sync
from tests.gitdaemon import git_daemon
from tests.teammates import DEAL, founder, git, join, make_remote, no_markers, problems_of


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[str]:
    """A git daemon serving ``tmp_path/served`` with receive-pack; its base URL."""
    with git_daemon(tmp_path / "served") as url:
        yield url


def test_two_teammates_sync_through_git_daemon(tmp_path: Path, daemon: str) -> None:
    make_remote(tmp_path / "served")
    url = f"{daemon}/remote.git"
    alice = founder(tmp_path, url)
    bob = join(tmp_path, url, "Bob")
    alice.ws.set_fields(DEAL, {"amount": 222000})
    bob.ws.set_fields(DEAL, {"owner": "bob"})
    bob.ws.log(DEAL, "call", "bob called Jane")
    assert alice.sync().pushed
    result = bob.sync()
    assert result.pushed and result.received == 1 and result.sent == 2
    assert [(c.id, c.kind, c.fields) for c in result.incoming] == [(DEAL, "updated", ("amount",))]
    assert f"1 updated: CRM rollout ({DEAL}): amount" in result.summary()
    assert sync(alice.root).received == 2
    for mate in (alice, bob):
        assert mate.field("amount") == 222000 and mate.field("owner") == "bob"
        assert [a["note"] for a in mate.field("activities")] == ["bob called Jane"]
        assert problems_of(mate) == []
    assert git(alice.root, "rev-parse", "HEAD") == git(bob.root, "rev-parse", "HEAD")
    no_markers(alice, bob)
