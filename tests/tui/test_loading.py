"""Honest loading: names at once, cards before history, progress in the header, days after.

Each test holds one stage of the loading on a :class:`threading.Event`
(the file read or the history build, in their worker threads) and looks at
the board while it waits, so what a user sees in between is checked, with
no sleeps: the pilot is polled until a condition holds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from textual.pilot import Pilot

from pipeline_tui.core.model import Opportunity
from pipeline_tui.core.timeline import Timeline
from pipeline_tui.storage.store import LoadProgress
from pipeline_tui.tui.board import screen as board_screen
from pipeline_tui.tui.board.state import BoardState, Loaded, Progress
from pipeline_tui.tui.widgets.column import StageColumn

from .conftest import SIZE, board_of, make_app, settle

pytestmark = pytest.mark.asyncio

WAIT_STEPS = 1000  # pilot pauses of 10 ms: ten seconds at most for a worker to get there


async def until(pilot: Pilot[None], condition: Callable[[], bool]) -> None:
    """Let the app run until ``condition`` holds (a worker thread needs real time)."""
    for _ in range(WAIT_STEPS):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("the board never got there")


def line_text(column: StageColumn, y: int) -> str:
    return column.cards.render_line(y).text.strip()


@pytest.fixture
def history_gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The history build waits for this event (set at the end in any case)."""
    gate = threading.Event()
    original = BoardState.read_history

    def held(self: BoardState, progress: Progress) -> dict[str, Timeline]:
        progress(0, 10)  # what git's first lines would report
        assert gate.wait(10), "the test never let history through"
        return original(self, progress)

    monkeypatch.setattr(BoardState, "read_history", held)
    yield gate
    gate.set()


async def test_names_and_cards_come_before_history_then_days_fill_in(
    deals: Path, history_gate: threading.Event
) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        board = board_of(pilot)
        await until(pilot, lambda: board.state.loaded and str(board.sub_title).endswith("0/10"))
        await pilot.pause()
        # History is held: the cards are all there, from the work tree, without days.
        assert not board.state.history_loaded
        columns = {w.stage: w for w in app.screen.query(StageColumn)}
        assert columns["lead"].border_title == "lead"
        assert columns["lead"].border_subtitle == "2 · $160k"
        assert line_text(columns["lead"], 0).startswith("▎ACME rollout")
        lead = next(c for c in board.state.columns if c.stage == "lead")
        assert [c.days for c in lead.cards] == [None, None]
        assert board.sub_title == "deals · " + "loading history… 0/10"
        history_gate.set()
        await until(pilot, lambda: board.state.history_loaded)
        await pilot.pause()
        lead = next(c for c in board.state.columns if c.stage == "lead")
        assert all(c.days is not None and c.days > 0 for c in lead.cards)
        assert "d" in line_text(columns["lead"], 2)  # "$120k 53d ..." on the card's last line
        assert board.sub_title == "deals"


async def test_before_any_file_is_read_the_columns_have_names_and_say_reading(
    deals: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()
    original = BoardState.read_records

    def held(self: BoardState, progress: LoadProgress | None = None) -> Loaded:
        assert gate.wait(10), "the test never let the files be read"
        return original(self, progress)

    monkeypatch.setattr(BoardState, "read_records", held)
    app = make_app(deals)
    try:
        async with app.run_test(size=SIZE) as pilot:
            board = board_of(pilot)
            await pilot.pause()
            columns = {w.stage: w for w in app.screen.query(StageColumn)}
            assert [w.border_title for w in columns.values() if w.border_title] == [
                "lead",
                "qualified",
                "proposal",
                "negotiation",
            ]
            assert columns["lead"].border_subtitle == "0… · $0"
            assert line_text(columns["lead"], 0) == "reading…"
            assert board.sub_title == "deals · loading…"
            gate.set()
            await settle(pilot)
            assert columns["negotiation"].border_subtitle == "0 · $0"
            assert line_text(columns["negotiation"], 0) == "(empty)"
    finally:
        gate.set()


async def test_a_slow_first_read_shows_the_cards_so_far_and_counts_files(
    deals: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loader is held after its second file: the first one is already on the board."""
    monkeypatch.setattr(board_screen, "PARTIAL_FIRST_S", 0.0)  # cards after the first file
    monkeypatch.setattr(board_screen, "PARTIAL_EVERY_S", 1000.0)  # and not again
    monkeypatch.setattr(board_screen, "STATUS_EVERY_S", 0.0)  # the count after every file
    gate = threading.Event()
    original = BoardState.read_records

    def slow(self: BoardState, progress: LoadProgress | None = None) -> Loaded:
        assert progress is not None

        def held(records: Sequence[Opportunity], done: int, total: int) -> None:
            progress(records, done, total)
            if done == 2:
                assert gate.wait(10), "the test never let the rest be read"

        return original(self, held)

    monkeypatch.setattr(BoardState, "read_records", slow)
    app = make_app(deals)
    try:
        async with app.run_test(size=SIZE) as pilot:
            board = board_of(pilot)
            await until(pilot, lambda: board.state.reading is not None)
            await pilot.pause()
            assert not board.state.loaded
            assert board.sub_title == "deals · reading deals… 2/6"
            shown = [c.id for column in board.state.columns for c in column.cards]
            assert len(shown) == 1  # the first file read, before the other five
            counts = [w.border_subtitle for w in app.screen.query(StageColumn) if w.border_title]
            assert all(count and "…" in count for count in counts)
            gate.set()
            await settle(pilot)
            assert board.state.loaded and board.state.reading is None
            assert sum(len(c.cards) for c in board.state.columns) == 6
    finally:
        gate.set()
