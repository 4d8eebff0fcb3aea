"""A cold ``pipeline list`` shows a bar on the terminal from its first file, not at the end.

The terminal is a text buffer that says it is one (``isatty``), put where
the CLI's progress bar looks; the run is the real CLI on a real repository.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipeline_tui.cli import history as cli_history
from pipeline_tui.history import Progress
from tests.conftest import RunCli


class Terminal(io.StringIO):
    """What the bar is drawn on: a buffer that answers like a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    screen = Terminal()
    monkeypatch.setattr(cli_history, "sys", SimpleNamespace(stderr=screen))
    return screen


def test_cold_list_draws_reading_deals_from_the_first_file(
    repo: Path, run_cli: RunCli, terminal: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    for title in ("ACME rollout", "Globex pilot", "Initech renewal"):
        run_cli("new", title, "--account", title.split()[0])
    shutil.rmtree(repo / ".git" / "pipeline-tui", ignore_errors=True)  # as after a clone
    reports: list[tuple[int, int]] = []
    bar = cli_history.progress_bar

    @contextmanager
    def recording(label: str = "Reading git history") -> Iterator[Progress | None]:
        with bar(label) as update:
            if update is None or label != "Reading deals":
                yield update
                return
            drawn = update

            def record(done: int, total: int) -> None:
                reports.append((done, total))
                drawn(done, total)

            yield record

    monkeypatch.setattr("pipeline_tui.cli.records.progress_bar", recording)
    result = run_cli("list", "--json")
    assert result.exit_code == 0
    assert reports[0] == (1, 3)  # the first file read is reported
    assert reports[-1] == (3, 3)
    assert "Reading deals" in terminal.getvalue()


def test_warm_list_draws_no_bar(repo: Path, run_cli: RunCli, terminal: Terminal) -> None:
    run_cli("new", "ACME rollout", "--account", "ACME")
    run_cli("list", "--json")  # warms the parse and history caches
    terminal.truncate(0)
    terminal.seek(0)
    result = run_cli("list", "--json")
    assert result.exit_code == 0
    assert terminal.getvalue() == ""
