"""Finding a deal from the TUI: "Go to deal" in the palette, and ``/`` by a few letters."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.message import Message
from textual.widgets import OptionList

from pipeline_tui.tui.board.filter_form import FilterForm
from pipeline_tui.tui.deal.detail import DetailScreen
from pipeline_tui.tui.messages import OpenDeal

from .conftest import SIZE, board_of, card_ids, make_app, settle

pytestmark = pytest.mark.asyncio


async def test_palette_goes_to_a_deal_by_its_account(deals: Path) -> None:
    opened: list[OpenDeal] = []

    def hook(message: Message) -> None:
        if isinstance(message, OpenDeal) and all(m is not message for m in opened):
            opened.append(message)

    app = make_app(deals)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Initech")
        palette = app.screen
        for _ in range(200):  # the search runs in the background: wait for its hits
            await pilot.pause(0.01)
            if "Go to deal: Initech renewal" in str(palette.query_one("CommandList").render()):
                break
        await pilot.press("down", "enter")
        await settle(pilot)
        assert [m.opp_id for m in opened] == ["initech-renewal"]
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.opp_id == "initech-renewal"


async def test_slash_filter_finds_by_two_letters_of_the_account(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = board_of(pilot)
        await pilot.press("slash")
        assert isinstance(app.screen, FilterForm)
        await pilot.press(*"gl", "enter")  # Globex, by the start of a word
        await settle(pilot)
        assert card_ids(board, "lead") == ["globex-pilot"]


async def test_palette_puts_the_deal_two_letters_of_its_account_name_first(deals: Path) -> None:
    """``gl``: every "Go to deal: ..." line fuzzy-matches (G... deal), Globex must lead."""
    opened: list[OpenDeal] = []

    def hook(message: Message) -> None:
        if isinstance(message, OpenDeal) and all(m is not message for m in opened):
            opened.append(message)

    app = make_app(deals)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"gl")
        palette = app.screen
        hits = palette.query_one(OptionList)
        for _ in range(200):  # the search runs in the background: wait for its hits
            await pilot.pause(0.01)
            shown = [str(hits.get_option_at_index(n).prompt) for n in range(hits.option_count)]
            if sum("Go to deal" in line for line in shown) >= 2:
                break
        assert "Globex" in shown[0] and any("ACME" in line for line in shown[1:]), shown
        await pilot.press("enter")  # the first hit is the highlighted one
        await settle(pilot)
        assert [m.opp_id for m in opened] == ["globex-pilot"]
