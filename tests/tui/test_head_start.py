"""The board's head start on a cold cache: the history's second interpreter, then a reader.

The history:
At 10,000 deals the history build is seconds of Python; in a thread of the
app it would take turns with the event loop and the file read for one
interpreter lock.  The app starts :func:`pipeline_tui.history.prefetch`
before it reads a single file, and the board's history worker only collects
the cache that second process saved.  The threshold is lowered so this
six-deal pipeline counts as large; the second process is real.

The reader: :meth:`Store.read_ahead` forks, before the app's threads start,
the child that reads part of a cold load; the board's load (in a worker
thread, where forking is not allowed) takes its results over.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline_tui.cli import cli
from pipeline_tui.core import clock
from pipeline_tui.core.model import Opportunity
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.history import cache, prefetch_worker
from pipeline_tui.storage import readers, store
from pipeline_tui.tui.board.state import BoardState
from pipeline_tui.tui.head_start import READ_AHEAD_SHARE

from .conftest import NOW, SIZE, board_of, make_app, settle

pytestmark = pytest.mark.asyncio


@pytest.fixture
def cold(deals: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample pipeline as after a ``git clone`` (no caches), counted as a large one."""
    shutil.rmtree(deals / ".git" / "pipeline-tui", ignore_errors=True)
    monkeypatch.setattr(prefetch_worker, "SPAWN_FROM", 0)
    return deals


async def test_a_cold_board_starts_the_history_process_first_and_only_collects_it(
    cold: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    order: list[str] = []
    start, read_glance = prefetch_worker.start, BoardState.read_glance

    def starting(root: Path, *, watched: bool = True) -> None:
        order.append("history started")
        assert watched  # the board shows the history's progress
        start(root, watched=watched)

    def glancing(self: BoardState, rows: int) -> tuple[Opportunity, ...]:
        order.append("first file read")
        return read_glance(self, rows)

    def in_this_process(*args: object, **kwargs: object) -> object:
        raise AssertionError("the history was read in the app's own process")

    monkeypatch.setattr(prefetch_worker, "start", starting)
    monkeypatch.setattr(BoardState, "read_glance", glancing)
    monkeypatch.setattr(cache, "read_history", in_this_process)
    app = make_app(cold)
    async with app.run_test(size=SIZE) as pilot:
        board = board_of(pilot)
        await settle(pilot)
        assert order[:2] == ["history started", "first file read"]
        assert board.state.timelines is not None  # not "history unavailable"
        lead = next(c for c in board.state.columns if c.stage == "lead")
        assert all(card.days is not None and card.days > 0 for card in lead.cards)
        assert board.sub_title == "deals"


async def test_days_from_the_second_process_are_the_days_list_json_prints(cold: Path) -> None:
    app = make_app(cold)
    async with app.run_test(size=SIZE) as pilot:
        board = board_of(pilot)
        await settle(pilot)
        shown = {card.id: card.days for column in board.state.columns for card in column.cards}
    with clock.frozen(NOW):
        result = CliRunner().invoke(
            cli, ["--repo", str(cold), "list", "--json"], catch_exceptions=False
        )
    listed = {row["id"]: row["days_in_stage"] for row in json.loads(result.stdout)}
    assert len(shown) == 6 and None not in shown.values()
    assert shown == listed


async def test_the_boards_load_takes_over_the_reader_forked_before_the_app_started(
    cold: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = {r.id: r for r in Workspace(cold).load().opportunities}
    shutil.rmtree(cold / ".git" / "pipeline-tui", ignore_errors=True)  # cold again
    monkeypatch.setattr(store, "FORK_FROM", 2)
    monkeypatch.setattr(store, "may_fork", lambda files: files >= 2)  # in this one-thread moment
    app = make_app(cold)  # PipelineApp() makes the head start, as `pipeline tui` does first
    assert cold in readers.AHEAD
    monkeypatch.setattr(store, "may_fork", lambda _files: False)  # the board's worker: threads
    reads: list[str] = []  # the files the load reads itself (the glance reads its own)
    real = store.Store._read_and_keep

    def counted(self: store.Store, entry: os.DirEntry[str], name: str, *rest: Any) -> Any:
        reads.append(name)
        return real(self, entry, name, *rest)

    monkeypatch.setattr(store.Store, "_read_and_keep", counted)
    async with app.run_test(size=SIZE) as pilot:
        board = board_of(pilot)
        await settle(pilot)
        shown = {r.id: r for r in board.state.pipeline.opportunities}
    assert shown == expected
    assert cold not in readers.AHEAD  # taken over by the load
    files = len(list((cold / "opportunities").rglob("*.yaml")))
    assert len(reads) == files - int(files * READ_AHEAD_SHARE)  # the child read the rest
