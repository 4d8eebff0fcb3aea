"""``migrate`` and ``import --extend-config`` change only the lines of pipeline.yaml they must.

``pipeline init`` writes hand-aligned stage lines (``- {name: lead,
probability: 0.1,  max_days: 14}``); a round-trip edit re-renders every
flow mapping it loads, so both commands used to rewrite all of them along
with the one value they changed.  Compared byte for byte, line by line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline_tui.core.errors import ExitCode
from tests.conftest import RunCli
from tests.gitutil import git

LAYOUT_LINE = (
    "layout: flat              # deal files: sharded = opportunities/<xx>/<id>.yaml, or flat"
)


def config_lines(repo: Path) -> list[bytes]:
    return (repo / "pipeline.yaml").read_bytes().splitlines(keepends=True)


def changed(before: list[bytes], after: list[bytes]) -> list[tuple[bytes, bytes]]:
    assert len(before) == len(after)
    return [(old, new) for old, new in zip(before, after, strict=True) if old != new]


@pytest.mark.parametrize("end", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_migrate_changes_only_the_layout_line(repo: Path, run_cli: RunCli, end: str) -> None:
    config = repo / "pipeline.yaml"
    text = config.read_text("utf-8")
    assert "  - {name: lead,        probability: 0.1,  max_days: 14}\n" in text
    assert LAYOUT_LINE + "\n" in text
    config.write_bytes(text.replace("\n", end).encode())
    assert run_cli("new", "Acme deal", "--account", "A", "--id", "acme").exit_code == 0
    git(repo, "commit", "-qam", "saved", "--allow-empty")
    before = config_lines(repo)

    assert run_cli("migrate").exit_code == 0

    sharded = LAYOUT_LINE.replace("flat        ", "sharded     ", 1)
    assert changed(before, config_lines(repo)) == [
        ((LAYOUT_LINE + end).encode(), (sharded + end).encode())
    ]


def test_migrate_adds_a_missing_layout_line_and_changes_nothing_else(
    repo: Path, run_cli: RunCli
) -> None:
    config = repo / "pipeline.yaml"
    config.write_text(config.read_text("utf-8").replace(LAYOUT_LINE + "\n", ""), "utf-8")
    assert run_cli("new", "Acme deal", "--account", "A", "--id", "acme").exit_code == 0
    git(repo, "commit", "-qam", "no layout line (flat, as before layouts existed)")
    before = config.read_bytes()

    assert run_cli("migrate").exit_code == 0

    assert config.read_bytes() == before + b"layout: sharded\n"


def test_an_import_that_adds_a_source_changes_only_the_sources_line(
    repo: Path, run_cli: RunCli, tmp_path: Path
) -> None:
    source = tmp_path / "deals.csv"
    source.write_text("title,account,source\nA deal,B,Trade show\n", "utf-8")
    before = config_lines(repo)

    result = run_cli("import", str(source), "--extend-config")

    assert result.exit_code == 0, result.stderr
    assert changed(before, config_lines(repo)) == [
        (
            b"sources: [website, referral, event, outbound, partner]\n",
            b"sources: [website, referral, event, outbound, partner, Trade show]\n",
        )
    ]


def test_a_failed_migration_puts_a_crlf_config_back_byte_for_byte(
    repo: Path, run_cli: RunCli
) -> None:
    config = repo / "pipeline.yaml"
    config.write_bytes(config.read_bytes().replace(b"\n", b"\r\n"))
    assert run_cli("new", "Acme deal", "--account", "A", "--id", "acme").exit_code == 0
    git(repo, "commit", "-qam", "saved on Windows")
    before = config.read_bytes()
    git(repo, "config", "commit.gpgsign", "true")
    git(repo, "config", "gpg.program", "false")  # the migration's commit fails

    assert run_cli("migrate").exit_code == ExitCode.REPO

    assert config.read_bytes() == before
    assert git(repo, "status", "--porcelain") == ""
