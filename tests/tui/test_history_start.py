"""The board's history on a cold cache: built in the second interpreter, started first.

At 10,000 deals the history build is seconds of Python; in a thread of the
app it would take turns with the event loop and the file read for one
interpreter lock.  The app starts :func:`pipeline_tui.history.prefetch`
before it reads a single file, and the board's history worker only collects
the cache that second process saved.  The threshold is lowered so this
six-deal pipeline counts as large; the second process is real.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline_tui.cli import cli
from pipeline_tui.core import clock
from pipeline_tui.core.model import Opportunity
from pipeline_tui.history import cache, prefetch_worker
from pipeline_tui.tui.board.state import BoardState

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
