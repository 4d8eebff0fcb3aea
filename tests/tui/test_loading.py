"""Honest loading: names at once, cards before history, progress in the header, days after.

Each test holds one stage of the loading on a :class:`threading.Event`
(the file read or the history build, in their worker threads) and looks at
the board while it waits, so what a user sees in between is checked, with
no sleeps: the pilot is polled until a condition holds.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from rich.console import RenderableType
from textual.app import App
from textual.screen import Screen

from pipeline_tui.core.model import Opportunity
from pipeline_tui.storage.store import LoadProgress
from pipeline_tui.tui.board import glance as glance_module
from pipeline_tui.tui.board import screen as board_screen
from pipeline_tui.tui.board.state import BoardState, Loaded
from pipeline_tui.tui.widgets.column import StageColumn

from .conftest import SIZE, board_of, gated, make_app, settle, until

pytestmark = pytest.mark.asyncio


def line_text(column: StageColumn, y: int) -> str:
    return column.cards.render_line(y).text.strip()


@pytest.fixture
def history_gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The history read (its first part: each deal's stay) waits for this event (set at the end)."""
    with gated(monkeypatch, "read_stays", lambda progress: progress(0, 10)) as gate:
        yield gate


@pytest.fixture
def timelines_gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Reading the full timelines (after the stays) waits for this event (set at the end)."""
    with gated(monkeypatch, "read_history") as gate:
        yield gate


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


async def test_days_come_from_the_stays_before_the_timelines_are_read(
    deals: Path, timelines_gate: threading.Event
) -> None:
    """The cards need only each deal's current stay; the detail's timeline comes after."""
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        board = board_of(pilot)
        await until(pilot, lambda: board.state.loaded and board.state.days_known)
        await pilot.pause()
        assert not board.state.history_loaded and board.state.timelines is None
        lead = next(c for c in board.state.columns if c.stage == "lead")
        early = [c.days for c in lead.cards]
        assert all(days is not None and days > 0 for days in early)
        columns = {w.stage: w for w in app.screen.query(StageColumn)}
        assert "d" in line_text(columns["lead"], 2)  # days painted on the card
        assert str(board.sub_title).startswith("deals · " + "loading history…")  # still
        timelines_gate.set()
        await until(pilot, lambda: board.state.history_loaded)
        await pilot.pause()
        lead = next(c for c in board.state.columns if c.stage == "lead")
        assert [c.days for c in lead.cards] == early  # the timelines say the same
        assert board.sub_title == "deals"


async def test_before_any_file_is_read_the_columns_have_names_and_say_reading(
    deals: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()
    original = BoardState.read_glance

    def held(self: BoardState, rows: int) -> tuple[Opportunity, ...]:
        assert gate.wait(10), "the test never let the files be read"
        return original(self, rows)

    monkeypatch.setattr(BoardState, "read_glance", held)  # the first file read
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
    """The loader is held after its second file: the first one is already on the board.

    No glance here (as on a folder whose first files are all broken): the full load's
    own progress is what shows.
    """
    monkeypatch.setattr(BoardState, "read_glance", lambda self, rows: ())
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


async def test_a_first_load_paints_a_glance_then_reads_the_rest_once_it_is_on_screen(
    deals: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cards from the first files, in a rendered frame, before the full read even starts."""
    monkeypatch.setattr(glance_module, "GLANCE_FILES", 3)  # acme, globex, hooli
    frames: list[list[str]] = []  # the first line of lead and qualified in each frame
    started: list[int] = []  # how many frames had been rendered when the full read began
    gate = threading.Event()
    original = BoardState.read_records

    def held(self: BoardState, progress: LoadProgress | None = None) -> Loaded:
        started.append(len(frames))
        assert gate.wait(10), "the test never let the rest be read"
        return original(self, progress)

    monkeypatch.setattr(BoardState, "read_records", held)
    app = make_app(deals)
    display = app._display

    def rendered(screen: Screen[object], renderable: RenderableType | None) -> None:
        display(screen, renderable)
        if renderable is not None and isinstance(screen, board_screen.BoardScreen):
            columns = {w.stage: w for w in screen.query(StageColumn)}
            frames.append([line_text(columns[s], 0) for s in ("lead", "qualified")])

    monkeypatch.setattr(app, "_display", rendered)
    try:
        async with app.run_test(size=SIZE) as pilot:
            board = board_of(pilot)
            await until(pilot, lambda: bool(started))
            glance_frame = ["▎ACME rollout", "reading…"]  # qualified's deal is not read yet
            assert any(f[0].startswith(glance_frame[0]) and f[1] == "reading…" for f in frames)
            assert any(f[0].startswith("▎ACME") for f in frames[: started[0]])  # painted first
            await pilot.pause()
            assert not board.state.loaded
            assert [c.id for c in board.state.columns[0].cards] == ["acme-rollout", "globex-pilot"]
            counts = {w.stage: w.border_subtitle for w in app.screen.query(StageColumn)}
            assert counts["lead"] == "2… · $160k"  # so far, not the column's count
            assert board.sub_title == "deals · loading…"
            gate.set()
            await settle(pilot)
            assert board.state.loaded
            assert counts_of(app)["qualified"] == "1 · $300k"
    finally:
        gate.set()


async def test_the_full_read_never_shows_fewer_cards_than_the_glance_did(
    deals: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(glance_module, "GLANCE_FILES", 3)
    monkeypatch.setattr(board_screen, "PARTIAL_EVERY_S", 0.0)  # cards after every file
    reached = {2: threading.Event(), 4: threading.Event()}
    gates = {2: threading.Event(), 4: threading.Event()}
    original = BoardState.read_records

    def slow(self: BoardState, progress: LoadProgress | None = None) -> Loaded:
        assert progress is not None

        def held(records: Sequence[Opportunity], done: int, total: int) -> None:
            progress(records, done, total)
            if done in gates:
                reached[done].set()
                assert gates[done].wait(10), "the test never let the rest be read"

        return original(self, held)

    monkeypatch.setattr(BoardState, "read_records", slow)
    app = make_app(deals)
    try:
        async with app.run_test(size=SIZE) as pilot:
            board = board_of(pilot)
            await until(pilot, reached[2].is_set)
            await pilot.pause()
            assert shown_ids(board) == {"acme-rollout", "globex-pilot", "hooli-trial"}  # not 2
            gates[2].set()
            await until(pilot, reached[4].is_set)  # the first file past the glance: shown
            await until(pilot, lambda: len(shown_ids(board)) == 4)
            assert board.sub_title == "deals · reading deals… 4/6"
            gates[4].set()
            await settle(pilot)
            assert len(shown_ids(board)) == 6
    finally:
        for gate in gates.values():
            gate.set()


def shown_ids(board: board_screen.BoardScreen) -> set[str]:
    return {c.id for column in board.state.columns for c in column.cards}


def counts_of(app: App[None]) -> dict[str, str]:
    return {w.stage: str(w.border_subtitle) for w in app.screen.query(StageColumn)}


async def test_a_glance_that_fails_still_leaves_the_full_load_to_show_everything(
    deals: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: BoardState, rows: int) -> tuple[Opportunity, ...]:
        raise OSError("the disk hiccuped")

    monkeypatch.setattr(BoardState, "read_glance", broken)
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        board = board_of(pilot)
        await settle(pilot)
        assert board.state.loaded
        assert len(shown_ids(board)) == 6
        assert counts_of(app)["lead"] == "2 · $160k"
