"""Full garbage collections wait while the board's first load runs, and always come back."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline_tui.tui import collector

from .conftest import SIZE, board_of, gated, make_app, settle, until


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    """The collector's thresholds before the test, put back after it whatever happened."""
    before = gc.get_threshold()
    yield before
    collector.bring_back_full_collections()
    gc.set_threshold(*before)


@pytest.fixture
def history_gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    with gated(monkeypatch, "read_history") as gate:
        yield gate


def test_put_off_twice_then_brought_back_restores_the_thresholds_it_found(
    thresholds: tuple[int, int, int],
) -> None:
    collector.put_off_full_collections()
    collector.put_off_full_collections()  # a second board changes nothing
    assert gc.get_threshold() == (*thresholds[:2], collector.PUT_OFF)
    collector.bring_back_full_collections()
    assert gc.get_threshold() == thresholds
    collector.bring_back_full_collections()  # and a second call neither
    assert gc.get_threshold() == thresholds


@pytest.mark.asyncio
async def test_full_collections_wait_until_the_first_load_has_its_history(
    deals: Path, history_gate: threading.Event, thresholds: tuple[int, int, int]
) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        board = board_of(pilot)
        await until(pilot, lambda: board.state.loaded)
        assert gc.get_threshold()[2] == collector.PUT_OFF  # every file read, history held
        history_gate.set()
        await settle(pilot)
        await until(pilot, lambda: gc.get_threshold() == thresholds)
        assert board.state.history_loaded


@pytest.mark.asyncio
async def test_a_board_closed_before_its_history_brings_full_collections_back(
    deals: Path, history_gate: threading.Event, thresholds: tuple[int, int, int]
) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        board = board_of(pilot)
        await until(pilot, lambda: board.state.loaded)
        assert gc.get_threshold()[2] == collector.PUT_OFF
    assert not board.state.history_loaded
    assert gc.get_threshold() == thresholds
    history_gate.set()
