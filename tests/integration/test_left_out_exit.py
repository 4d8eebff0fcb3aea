"""Commands that compute over the whole pipeline exit 1 when they left broken files out.

``report --format json`` in cron prints numbers without the deals whose files
have errors; the stderr note is for a person, the exit code for the script.
Each command here prints exactly what it prints without the broken file (it
is left out either way) and only its exit code and that note tell them apart.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline_tui.cli import report as report_cli
from pipeline_tui.cli.base import Context
from pipeline_tui.core.errors import ExitCode
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.storage import snapshot
from tests.conftest import RunCli
from tests.history_helpers import day, git, new_deal
from tests.hostile_files import put

#: After every event of the pipeline below: the overdue next step makes one deal stale.
NOW = "2026-04-01T12:00:00+00:00"
BROKEN = "id: bad\ntitle: Bad\naccount: X\nstage: dreaming\ncreated: 2026-01-05\n"
NOTE = "1 file(s) with errors left out of the numbers (see `pipeline validate`)"


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The clock past the story, files settled at once (a report may be kept)."""
    monkeypatch.setenv("PIPELINE_NOW", NOW)
    monkeypatch.setattr(snapshot, "SETTLE_NS", 0)
    yield


@pytest.fixture
def pipeline(repo: Path) -> Path:
    """Two good deals (one stale: its next step is overdue) and one file with an error."""
    ws = Workspace(repo)
    new_deal(ws, "acme", day(0), owner="alice", amount=1000)
    ws.move("acme", "qualified", at=day(2))
    new_deal(ws, "gamma", day(3), next_step={"action": "send quote", "due": "2026-02-10"})
    put(repo, "bad", BROKEN, commit=False)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a broken file", at=day(5))  # before the clock, like the rest
    return repo


#: (arguments, its exit code without the broken file); ``stale`` finds the overdue deal.
COMMANDS: list[tuple[tuple[str, ...], int]] = [
    (("report", "--format", "json"), 0),
    (("report", "--json", "summary", "stages"), 0),
    (("report",), 0),
    (("report", "summary", "--format", "csv"), 0),
    (("forecast", "--json"), 0),
    (("forecast", "--by", "owner"), 0),
    (("stale", "--json"), ExitCode.STALE),
    (("stale",), ExitCode.STALE),
    (("agenda", "--all", "--json"), 0),
    (("agenda", "--all"), 0),
]


@pytest.mark.parametrize(("args", "clean_exit"), COMMANDS, ids=[" ".join(a) for a, _ in COMMANDS])
def test_a_broken_file_left_out_makes_the_command_exit_1_after_the_same_output(
    pipeline: Path, run_cli: RunCli, args: tuple[str, ...], clean_exit: int
) -> None:
    broken = run_cli(*args)
    assert broken.exit_code == ExitCode.PROBLEMS, broken.stderr
    assert NOTE in broken.stderr
    if "--json" in args or "json" in args:
        json.loads(broken.stdout)  # one whole document: the exit comes after it
    (pipeline / "opportunities" / "bad.yaml").unlink()
    clean = run_cli(*args)
    assert clean.exit_code == clean_exit, clean.stderr
    assert NOTE not in clean.stderr
    assert broken.stdout == clean.stdout


def test_a_report_as_of_a_past_day_exits_1(pipeline: Path, run_cli: RunCli) -> None:
    """The broken file is in history (``--as-of`` reads git, not the work tree): left out too."""
    result = run_cli("report", "--format", "json", "--as-of", "2026-03-01")
    assert result.exit_code == ExitCode.PROBLEMS
    assert NOTE in result.stderr
    assert json.loads(result.stdout)["summary"]["open"] == 2


def test_broken_files_outrank_stale_deals(pipeline: Path, run_cli: RunCli) -> None:
    """Both apply: exit 1 (data is missing), the stale list still printed in full."""
    result = run_cli("stale", "--json")
    assert result.exit_code == ExitCode.PROBLEMS
    assert "gamma" in [item["id"] for item in json.loads(result.stdout)]


def test_a_kept_report_exits_1_too(
    pipeline: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warm report, served from the kept one without loading, still knows the broken file."""
    first = run_cli("report", "--format", "json")

    def not_loaded(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the kept report was not served")

    monkeypatch.setattr(report_cli, "load_scope", not_loaded)
    served = run_cli("report", "--format", "json")
    assert first.exit_code == served.exit_code == ExitCode.PROBLEMS
    assert served.stdout == first.stdout
    assert NOTE in served.stderr


def test_digest_exits_1_after_the_whole_digest(pipeline: Path, run_cli: RunCli) -> None:
    result = run_cli("digest", "--format", "json")
    assert result.exit_code == ExitCode.PROBLEMS
    assert NOTE in result.stderr
    digest = json.loads(result.stdout)
    (pipeline / "opportunities" / "bad.yaml").unlink()
    clean = run_cli("digest", "--format", "json")
    assert clean.exit_code == 0 and NOTE not in clean.stderr
    times = ("since", "until")  # the digest's window ends at the wall clock's second
    without = {key: value for key, value in json.loads(clean.stdout).items() if key not in times}
    assert {key: value for key, value in digest.items() if key not in times} == without


@pytest.mark.parametrize("command", [("export",), ("agenda", "--all")])
def test_a_calendar_written_without_the_broken_files_exits_1(
    pipeline: Path, run_cli: RunCli, tmp_path: Path, command: tuple[str, ...]
) -> None:
    calendar = tmp_path / "steps.ics"
    result = run_cli(*command, "--ics", str(calendar))
    assert result.exit_code == ExitCode.PROBLEMS
    assert "send quote" in calendar.read_text(encoding="utf-8")
    assert "bad.yaml" in result.stderr or NOTE in result.stderr


def test_a_report_process_ending_without_teardown_exits_1(pipeline: Path) -> None:
    """The real process (it skips the interpreter's teardown): every byte out, then exit 1."""
    args = [sys.executable, "-m", "pipeline_tui", "--repo", str(pipeline), "report", "--json"]
    done = subprocess.run(args, capture_output=True, env=dict(os.environ), check=False)
    assert done.returncode == ExitCode.PROBLEMS, done.stderr
    assert json.loads(done.stdout)["summary"]["open"] == 2
    assert NOTE in done.stderr.decode("utf-8")


def test_the_finding_that_says_data_is_missing_wins() -> None:
    for order in ((ExitCode.STALE, ExitCode.PROBLEMS), (ExitCode.PROBLEMS, ExitCode.STALE)):
        context = Context(None, None)
        for code in order:
            context.conclude(code)
        assert context.finding is ExitCode.PROBLEMS
    context = Context(None, None)
    context.conclude(ExitCode.STALE)
    context.conclude(ExitCode.OK)
    assert context.finding is ExitCode.STALE


def test_exit_without_teardown_exits_with_the_code_it_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import atexit

    from pipeline_tui.cli.teardown import exit_without_teardown

    exits: list[int] = []
    monkeypatch.setattr(os, "_exit", exits.append)
    monkeypatch.setattr(atexit, "_run_exitfuncs", lambda: None)
    monkeypatch.setattr(sys, "stdout", sys.__stdout__)
    monkeypatch.setattr(sys, "stderr", sys.__stderr__)
    exit_without_teardown(ExitCode.PROBLEMS)
    assert exits == [1]
