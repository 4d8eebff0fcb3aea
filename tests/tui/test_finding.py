"""Finding a deal from the TUI: "Go to deal" in the palette, and ``/`` by a few letters."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import OptionList

from pipeline_tui.tui.board.filter_form import FilterForm
from pipeline_tui.tui.deal.detail import DetailScreen
from pipeline_tui.tui.messages import OpenDeal

from .conftest import SIZE, board_of, card_ids, make_app, settle

pytestmark = pytest.mark.asyncio


class Opened:
    """A ``message_hook`` keeping each ``OpenDeal`` once (a message bubbles past several nodes)."""

    def __init__(self) -> None:
        self.messages: list[OpenDeal] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, OpenDeal) and all(m is not message for m in self.messages):
            self.messages.append(message)

    @property
    def ids(self) -> list[str]:
        return [m.opp_id for m in self.messages]


async def palette_hits(pilot: Pilot[None], text: str, enough: int) -> list[str]:
    """Type ``text`` into ctrl+p and wait for ``enough`` "Go to deal" hits (searched in the
    background); the lines shown, best first."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    await pilot.press(*text)
    hits = palette.query_one(OptionList)
    shown: list[str] = []
    for _ in range(200):
        await pilot.pause(0.01)
        shown = [str(hits.get_option_at_index(n).prompt) for n in range(hits.option_count)]
        if sum("Go to deal" in line for line in shown) >= enough:
            break
    return shown


async def test_palette_goes_to_a_deal_by_its_account(deals: Path) -> None:
    opened = Opened()
    app = make_app(deals)
    async with app.run_test(size=SIZE, message_hook=opened) as pilot:
        await settle(pilot)
        shown = await palette_hits(pilot, "Initech", 1)
        assert any("Go to deal: Initech renewal" in line for line in shown), shown
        await pilot.press("down", "enter")
        await settle(pilot)
        assert opened.ids == ["initech-renewal"]
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
    opened = Opened()
    app = make_app(deals)
    async with app.run_test(size=SIZE, message_hook=opened) as pilot:
        await settle(pilot)
        shown = await palette_hits(pilot, "gl", 2)
        assert "Globex" in shown[0] and any("ACME" in line for line in shown[1:]), shown
        await pilot.press("enter")  # the first hit is the highlighted one
        await settle(pilot)
        assert opened.ids == ["globex-pilot"]
