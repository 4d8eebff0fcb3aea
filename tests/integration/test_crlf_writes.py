"""Writes to files saved by a Windows editor (CRLF) keep CRLF, every line, byte for byte.

ruamel keeps a comment's ``\\r`` inside the comment token, so an edit used to
end each commented line in ``\\r\\r\\n``, and ``pipeline.yaml``'s ``team:`` edit
gave up keeping the hand-aligned lines of a CRLF file.  Each write is run on
the same file with CRLF and with LF line ends: the bytes must be the expected
text in the file's own style (a LF file stays LF).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunCli
from tests.gitutil import git

WIN = """\
# from Windows
id: win
title: Win  # the title
account: W
stage: lead  # where it is
created: 2026-11-01T10:00:00+00:00
"""
AT = "2026-11-02T10:00:00+00:00"
ACTIVITY = "activities:\n  - {at: 2026-11-02T10:00:00+00:00, kind: %s, by: Test User, note: %s}\n"
WRITES = {
    "set": (
        ("set", "win", "amount=5"),
        WIN.replace("where it is\n", "where it is\namount: 5\n"),
    ),
    "move": (
        ("move", "win", "negotiation", "--note", "Went well", "--at", AT),
        # ruamel puts a comment after a longer value one space after it (so in LF too)
        WIN.replace("stage: lead  #", "stage: negotiation #") + ACTIVITY % ("note", "Went well"),
    ),
    "log": (
        ("log", "win", "--kind", "call", "--note", "Hi", "--at", AT),
        WIN + ACTIVITY % ("call", "Hi"),
    ),
    "assign --new-owner": (
        ("assign", "win", "newguy", "--new-owner"),
        WIN.replace("where it is\n", "where it is\nowner: newguy\n"),
    ),
}


@pytest.mark.parametrize("end", ["\r\n", "\n"], ids=["crlf", "lf"])
@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_write_keeps_the_files_line_ends_and_every_other_byte(
    repo: Path, run_cli: RunCli, write: str, end: str
) -> None:
    args, expected = WRITES[write]
    deal, config = repo / "opportunities" / "win.yaml", repo / "pipeline.yaml"
    deal.write_bytes(WIN.replace("\n", end).encode())
    config_lf = config.read_text("utf-8")
    config.write_bytes(config_lf.replace("\n", end).encode())
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "saved on Windows" if end == "\r\n" else "saved")

    result = run_cli(*args)

    assert result.exit_code == 0, result.stderr
    assert deal.read_bytes() == expected.replace("\n", end).encode()
    config_expected = config_lf
    if "--new-owner" in args:  # the team grows by one line; the aligned stages stay
        team = "  alice: {manager: dana}\n"
        assert team in config_lf
        config_expected = config_lf.replace(team, team + "  newguy: {}\n")
    assert config.read_bytes() == config_expected.replace("\n", end).encode()
    assert git(repo, "status", "--porcelain") == ""
