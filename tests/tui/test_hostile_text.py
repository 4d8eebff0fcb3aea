"""The board and the detail screen never paint raw control characters from a deal file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.command import CommandPalette
from textual.widgets import DataTable, Label, OptionList

from pipeline_tui.tui.agenda.screen import AgendaScreen
from pipeline_tui.tui.app import PipelineApp
from pipeline_tui.tui.deal.detail import DetailScreen
from pipeline_tui.tui.deal.forms import CloseForm, LogForm, RecordForm
from pipeline_tui.tui.messages import CardChosen
from pipeline_tui.tui.screen_guard import ControlGuard
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


def _committed_ctl(deals: Path) -> None:
    (deals / "opportunities" / "ctl.yaml").write_text(DEAL, encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=deals, check=True)
    subprocess.run(["git", "commit", "-qm", "ctl"], cwd=deals, check=True)


def _shown(app: PipelineApp) -> str:
    """What the terminal gets: the screenshot, every widget's lines through the app's filters."""
    text = app.export_screenshot()
    for char in RAW:
        assert char not in text, f"raw {char!r} painted"
    return text


async def test_agenda_palette_and_forms_escape_control_characters(deals: Path) -> None:
    _committed_ctl(deals)
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, AgendaScreen)
        cells = [
            str(cell)
            for row in range(app.screen.query_one(DataTable).row_count)
            for cell in app.screen.query_one(DataTable).get_row_at(row)
        ]
        assert "Acme \\u001b[2J" in cells  # the account, escaped where the row is built
        assert not any(char in cell for cell in cells for char in RAW)
        _shown(app)
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("ctrl+p")
        await pilot.pause()
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        await pilot.press(*"Acme")
        hits = palette.query_one(OptionList)
        prompts: list[str] = []
        for _ in range(200):
            await pilot.pause(0.01)
            prompts = [str(hits.get_option_at_index(n).prompt) for n in range(hits.option_count)]
            if any("\\u001b[2J" in line for line in prompts):
                break
        assert any("Go to deal:" in p and "\\u001b[2J" in p for p in prompts), prompts
        assert not any(char in p for p in prompts for char in RAW)
        _shown(app)
        await pilot.press("escape")
        await settle(pilot)

        board = board_of(pilot)
        board.post_message(CardChosen("lead", card_ids(board, "lead").index("ctl")))
        await pilot.pause()
        for key in ("e", "a", "w", "x"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, RecordForm | LogForm | CloseForm), key
            heading = str(app.screen.query_one(".heading", Label).render())
            assert "\\u001b" in heading, (key, heading)
            assert not any(char in heading for char in RAW), key
            _shown(app)
            await pilot.press("escape")
            await settle(pilot)


async def test_notifications_escape_control_characters(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.notify("moved Evil \x1b]0;PWNED\x07", title="\x1b[2J")
        await pilot.pause()
        toast = next(iter(app._notifications))
        assert toast.message == "moved Evil \\u001b]0;PWNED\\u0007"
        assert toast.title == "\\u001b[2J"
        _shown(app)


async def test_the_line_guard_drops_what_a_screen_forgot() -> None:
    guard = ControlGuard()
    line = [Segment("Evil \x1b]0;PWNED\x07", Style(bold=True)), Segment(" ok")]
    cleaned = guard.apply(line, Color(0, 0, 0))
    assert [s.text for s in cleaned] == ["Evil ]0;PWNED", " ok"]
    assert cleaned[0].style == Style(bold=True)
    assert sum(s.cell_length for s in cleaned) == sum(s.cell_length for s in line)
    plain = [Segment("plain")]
    assert guard.apply(plain, Color(0, 0, 0)) is plain


async def test_a_tab_in_a_title_is_a_space_on_its_card(deals: Path) -> None:
    (deals / "opportunities" / "tabbed.yaml").write_text(
        'id: tabbed\ntitle: "Big\\tdeal"\naccount: "Acme\\tInc"\nstage: lead\n'
        "created: 2026-09-01T10:00:00+00:00\n",
        encoding="utf-8",
    )
    subprocess.run(["git", "add", "-A"], cwd=deals, check=True)
    subprocess.run(["git", "commit", "-qm", "tabbed"], cwd=deals, check=True)
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        lead = next(c for c in board_of(pilot).state.columns if c.stage == "lead")
        card = next(card for card in lead.cards if card.id == "tabbed")
        assert (card.title, card.account) == ("Big deal", "Acme Inc")
        assert "\t" not in app.export_screenshot()
