"""Snapshots of the board, detail and metrics screens at 80x24 and 160x48, with Chinese content.

The clock is frozen (``NOW``) and every commit has a fixed author date, so
days in stage and badges are the same on every run.  Update after a deliberate
change with ``pytest tests/tui --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from .conftest import make_app, settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
SnapCompare = Callable[..., bool]


def after(*keys: str) -> Callable[[Pilot[None]], object]:
    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)
        if keys:
            await pilot.press(*keys)
            await settle(pilot)

    return run


@pytest.mark.parametrize("size", SIZES)
def test_board(snap_compare: SnapCompare, deals: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(deals), terminal_size=size, run_before=after())


@pytest.mark.parametrize("size", SIZES)
def test_detail_with_chinese_content(
    snap_compare: SnapCompare, deals: Path, size: tuple[int, int]
) -> None:
    assert snap_compare(make_app(deals), terminal_size=size, run_before=after("l", "enter"))


def test_detail_timeline_and_custom_field(snap_compare: SnapCompare, deals: Path) -> None:
    keys = ("l", "l", "enter", "end")
    assert snap_compare(make_app(deals), terminal_size=(160, 48), run_before=after(*keys))


@pytest.mark.parametrize("size", SIZES)
def test_metrics_summary(snap_compare: SnapCompare, deals: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(deals), terminal_size=size, run_before=after("m"))


def test_metrics_funnel_chart(snap_compare: SnapCompare, deals: Path) -> None:
    assert snap_compare(make_app(deals), terminal_size=(80, 24), run_before=after("m", "l"))
