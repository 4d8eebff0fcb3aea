"""The warm ``pipeline report``: served from a kept report, the bytes a run with no cache prints.

Each test compares a run that may be served from the kept report with a run
on the same repository after every cache was removed (``.git/pipeline-tui``),
byte for byte, on stdout and stderr.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline_tui.cli import report as report_cli
from pipeline_tui.cli.base import cli
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.i18n import set_language
from pipeline_tui.storage import snapshot
from tests.gitutil import deal_path, git
from tests.history_helpers import day, new_deal, set_stage_by_hand

#: Later than everything the story holds: a report at this clock (or later) may be kept.
AFTER = "2026-04-01T12:00:00+00:00"
LATER = "2026-04-09T17:45:31+00:00"


@pytest.fixture(autouse=True)
def settled_at_once(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Files count as settled as soon as written; English; the clock past the story."""
    monkeypatch.setattr(snapshot, "SETTLE_NS", 0)
    monkeypatch.setenv("PIPELINE_NOW", AFTER)
    set_language("en")
    yield
    set_language(None)


@pytest.fixture
def story(repo: Path) -> Path:
    """Deals that are stale for each reason, one never contacted, one won, with activity."""
    ws = Workspace(repo)
    new_deal(ws, "acme", day(0), owner="alice", amount=1000)
    ws.move("acme", "qualified", at=day(2))
    ws.log("acme", "call", "intro", at=day(3))
    new_deal(ws, "beta", day(1), owner="bob", amount=500)
    ws.move("beta", "qualified", at=day(4))
    ws.move("beta", "won", at=day(20))
    new_deal(ws, "gamma", day(30), next_step={"action": "send quote", "due": "2026-02-10"})
    new_deal(ws, "eps", day(40), owner="alice")
    ws.log("eps", "call", "called back at once", at=day(40.5))
    new_deal(ws, "delta", day(50))  # nobody contacted it yet
    return repo


class Runs:
    """``pipeline report`` in this process, counting the runs that computed the report."""

    def __init__(self, repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.repo = repo
        self.computed = 0
        load_scope = report_cli.load_scope

        def counting(*args: Any, **kwargs: Any) -> Any:
            self.computed += 1
            return load_scope(*args, **kwargs)

        monkeypatch.setattr(report_cli, "load_scope", counting)

    def __call__(self, *args: str) -> tuple[str, str]:
        result = CliRunner().invoke(
            cli, ["--repo", str(self.repo), "report", *args], catch_exceptions=False
        )
        assert result.exit_code == 0, result.output
        return result.stdout, result.stderr

    def fresh(self, *args: str) -> tuple[str, str]:
        """The same command with no cache at all."""
        shutil.rmtree(self.repo / ".git" / "pipeline-tui", ignore_errors=True)
        return self(*args)


@pytest.fixture
def runs(story: Path, monkeypatch: pytest.MonkeyPatch) -> Runs:
    return Runs(story, monkeypatch)


ARGS: tuple[tuple[str, ...], ...] = (
    ("--format", "json"),
    (),
    ("--format", "csv"),
    ("--format", "markdown"),
    ("--format", "json", "--since", "2026-01-06", "--until", "2026-02-01"),
    ("--format", "json", "--owner", "alice"),
    ("stale", "summary", "--format", "json"),
    ("first-contact", "--format", "json"),
)


@pytest.mark.parametrize("args", ARGS)
def test_a_kept_report_prints_what_a_run_without_caches_prints(
    runs: Runs, args: tuple[str, ...]
) -> None:
    runs(*args)  # computes and keeps
    before = runs.computed

    served = runs(*args)

    assert runs.computed == before  # served: nothing loaded
    assert served == runs.fresh(*args)


def test_a_later_clock_counts_the_stale_days_again(
    runs: Runs, monkeypatch: pytest.MonkeyPatch
) -> None:
    earlier = runs("--format", "json")
    monkeypatch.setenv("PIPELINE_NOW", LATER)
    before = runs.computed

    served = runs("--format", "json")

    assert runs.computed == before
    assert served == runs.fresh("--format", "json")
    assert served != earlier  # the stale days went on


def test_a_clock_before_the_last_event_is_never_kept(
    runs: Runs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPELINE_NOW", "2026-02-10T00:00:00+00:00")  # before delta exists
    runs("--format", "json")
    runs("--format", "json")
    assert runs.computed == 2


def test_a_first_contact_deadline_still_running_is_never_kept(
    runs: Runs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPELINE_NOW", "2026-02-24T20:00:00+00:00")  # delta 11 hours old
    waiting = runs("first-contact", "--format", "json")
    assert runs("first-contact", "--format", "json") == waiting
    assert runs.computed == 2
    monkeypatch.setenv("PIPELINE_NOW", "2026-02-25T12:00:00+00:00")  # its 24 hours ran out

    late = runs("first-contact", "--format", "json")

    assert late != waiting
    assert late == runs.fresh("first-contact", "--format", "json")


def test_a_kept_report_is_for_its_own_options(runs: Runs) -> None:
    runs("--format", "json")
    before = runs.computed

    owned = runs("--format", "json", "--owner", "bob")
    windowed = runs("--format", "json", "--since", "2026-01-20")

    assert runs.computed == before + 2
    assert owned == runs.fresh("--format", "json", "--owner", "bob")
    assert windowed == runs.fresh("--format", "json", "--since", "2026-01-20")


def test_a_commit_a_hand_edit_and_a_config_change_each_miss(runs: Runs, story: Path) -> None:
    runs("--format", "json")
    ws = Workspace(story)
    ws.move("gamma", "qualified", at=day(60))
    assert runs("--format", "json") == runs.fresh("--format", "json")

    unedited = runs("--format", "json")
    path = deal_path(story, "acme")
    path.write_text(path.read_text(encoding="utf-8").replace("1000", "1500"), encoding="utf-8")
    edited = runs("--format", "json")
    assert edited != unedited
    assert edited == runs.fresh("--format", "json")

    runs("--format", "json")
    config = story / "pipeline.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("max_days: 14", "max_days: 400"), encoding="utf-8")
    changed = runs("--format", "json")
    assert changed == runs.fresh("--format", "json")
    assert changed != edited


def test_a_move_not_committed_is_never_kept(runs: Runs, story: Path) -> None:
    set_stage_by_hand(story, "delta", "qualified")  # counted from now: every run differs
    runs("--format", "json")
    runs("--format", "json")
    assert runs.computed == 2
    assert runs("--format", "json") == runs.fresh("--format", "json")


def test_a_damaged_kept_report_is_only_a_miss(runs: Runs, story: Path) -> None:
    expected = runs("--format", "json")
    kept = story / ".git" / "pipeline-tui" / "snapshot-report.pickle"
    assert kept.exists()
    kept.write_bytes(kept.read_bytes()[:100])

    assert runs("--format", "json") == expected
    assert runs.computed == 2


def test_a_report_after_a_pull_is_computed_again(runs: Runs, story: Path) -> None:
    """HEAD moving to a commit made elsewhere (here: reset back) changes the fingerprint."""
    runs("--format", "json")
    git(story, "reset", "--quiet", "--hard", "HEAD~1")  # delta's creation undone
    after = runs("--format", "json")
    assert after == runs.fresh("--format", "json")
    assert "delta" not in after[0]
