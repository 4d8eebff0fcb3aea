"""The board and the detail screen never paint raw control characters from a deal file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pipeline_tui.tui.deal.detail import DetailScreen
from pipeline_tui.tui.messages import CardChosen
from tests.integration.test_hostile_terminal import DEAL, RAW

from .conftest import SIZE, board_of, card_ids, make_app, settle

pytestmark = pytest.mark.asyncio


async def test_cards_and_detail_escape_control_characters(deals: Path) -> None:
    (deals / "opportunities" / "ctl.yaml").write_text(DEAL, encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=deals, check=True)
    subprocess.run(["git", "commit", "-qm", "ctl"], cwd=deals, check=True)
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = board_of(pilot)
        index = card_ids(board, "lead").index("ctl")
        board.post_message(CardChosen("lead", index))
        await pilot.pause()
        assert board.state.active_id == "ctl"
        screen_text = app.export_screenshot()
        for char in RAW:
            assert char not in screen_text
        assert "\\u001b" in screen_text
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert "\\u001b" in str(app.screen.title)
        detail_text = app.export_screenshot()
        for char in RAW:
            assert char not in detail_text
