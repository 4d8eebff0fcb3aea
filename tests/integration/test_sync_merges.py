"""What a sync's field-wise merge keeps: a file's own line ends, edited activities, the team.

Each scenario is two teammates with real clones of one bare remote, as in
``test_sync_team.py``; these are the cases a reviewer found the merge got wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gitutil import deal_path, deal_rel
from tests.teammates import DEAL, Mate, founder, git, join, make_remote, no_markers, problems_of


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
