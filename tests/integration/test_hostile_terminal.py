"""Control characters in deal files never reach a terminal raw; the files keep their bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline_tui.terminal_text import printable
from tests.conftest import RunCli
from tests.hostile_files import put

#: Clear screen, an OSC window title, blink, a C1 CSI, a bidi override and a BEL.
HOSTILE = "\x1b[2J\x1b]0;pwned\x07\x1b[5mblink\x9b31m\u202eevil"

DEAL = f"""\
id: ctl
title: "{HOSTILE.encode("unicode_escape").decode()}"
account: "Acme \\x1b[2J"
stage: lead
owner: "bob\\u202e"
created: 2026-09-01T10:00:00+00:00
notes: "call \\x1b]52;c;cm0gLXJmIH4=\\x07 now"
"""

RAW = ("\x1b", "\x07", "\x9b", "\u202e")


def assert_safe(text: str) -> None:
    for char in RAW:
        assert char not in text, f"raw {char!r} written to the terminal"


def test_printable_escapes_controls_keeps_newlines_and_plain_text() -> None:
    assert printable("plain 中文 text\nline\ttab") == "plain 中文 text\nline\ttab"
    assert printable("\x1b[2J") == "\\u001b[2J"
    assert printable("\x9b\u202e\x7f") == "\\u009b\\u202e\\u007f"


@pytest.mark.parametrize(
    "command",
    [("list",), ("show", "ctl"), ("list", "--csv"), ("validate",), ("report",), ("stale",)],
)
def test_cli_output_escapes_control_characters(
    run_cli: RunCli, repo: Path, command: tuple[str, ...]
) -> None:
    path = put(repo, "ctl", DEAL)
    before = path.read_bytes()
    result = run_cli(*command)
    assert "Traceback" not in result.output
    assert_safe(result.stdout)
    assert_safe(result.stderr)
    assert path.read_bytes() == before
    if command[0] in ("list", "show"):
        assert "\\u001b[2J" in result.stdout


@pytest.mark.parametrize("command", [("list", "--json"), ("show", "ctl", "--json")])
def test_json_output_escapes_them_and_still_holds_the_same_text(
    run_cli: RunCli, repo: Path, command: tuple[str, ...]
) -> None:
    put(repo, "ctl", DEAL)
    result = run_cli(*command)
    assert_safe(result.stdout)
    data = json.loads(result.stdout)
    record = data[0] if isinstance(data, list) else data
    assert record["title"] == HOSTILE


def test_problem_lines_on_stderr_are_escaped(run_cli: RunCli, repo: Path) -> None:
    put(repo, "ctl", DEAL.replace("stage: lead", 'stage: "x\\x1b[2J"'))
    result = run_cli("validate")
    assert result.exit_code == 1
    assert "opportunities/ctl.yaml:4: error: stage: unknown stage" in result.stderr
    assert_safe(result.stderr)


def test_a_tab_in_a_title_is_a_space_in_tables_and_kept_in_the_data(
    repo: Path, run_cli: RunCli
) -> None:
    assert run_cli("new", "Big\tdeal", "--account", "Acme\tInc", "--id", "tabbed").exit_code == 0
    assert run_cli("new", "Plain", "--account", "Other", "--id", "plain").exit_code == 0
    table = run_cli("list")
    assert "\t" not in table.stdout
    rows = table.stdout.splitlines()
    tabbed = next(line for line in rows if line.startswith("tabbed"))
    plain = next(line for line in rows if line.startswith("plain"))
    assert "Big deal" in tabbed and "Acme Inc" in tabbed
    assert tabbed.index("lead") == plain.index("lead")  # the columns still line up
    agenda = run_cli("agenda", "--days", "30")
    assert "\t" not in agenda.stdout and "Big deal" in agenda.stdout, agenda.stdout
    data = json.loads(run_cli("list", "--json").stdout)
    assert {row["id"]: row["title"] for row in data}["tabbed"] == "Big\tdeal"
    assert "Big\tdeal" in run_cli("list", "--csv").stdout


def test_assign_from_no_owner_says_none_as_set_does(repo: Path, run_cli: RunCli) -> None:
    assert run_cli("new", "Deal", "--account", "A", "--id", "free").exit_code == 0
    result = run_cli("assign", "free", "dave", "--new-owner")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("free: owner (none) -> dave")
    assert "None" not in result.stdout
