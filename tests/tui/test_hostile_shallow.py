"""The board's header says a shallow clone's stage days are unknown; its cards show none."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .conftest import SIZE, board_of, make_app, settle

pytestmark = pytest.mark.asyncio


async def test_header_names_shallow_history_and_cards_have_no_days(
    deals: Path, tmp_path: Path
) -> None:
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{deals}", str(clone)], check=True
    )
    app = make_app(clone)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = board_of(pilot)
        assert "git fetch --unshallow" in str(board.sub_title)
        days = [card.days for column in board.state.columns for card in column.cards]
        assert days and all(day is None for day in days)
