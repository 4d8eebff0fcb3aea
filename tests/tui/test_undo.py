"""``u`` on the board and in the detail: a confirm dialog, then one revert commit."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.message import Message
from textual.notifications import Notify

from pipeline_tui.history import load_timelines
from pipeline_tui.tui.deal.detail import DetailScreen
from pipeline_tui.tui.deal.forms import ConfirmForm
from pipeline_tui.tui.messages import UndoChange

from .conftest import SIZE, board_of, card_ids, commit_count, git, make_app, settle

pytestmark = pytest.mark.asyncio


async def test_u_on_the_board_undoes_a_move_after_confirming(deals: Path) -> None:
    posted: list[UndoChange] = []
    notes: list[tuple[str, str]] = []

    def hook(message: Message) -> None:
        if isinstance(message, UndoChange) and all(m is not message for m in posted):
            posted.append(message)
        if isinstance(message, Notify):
            notes.append((message.notification.title, message.notification.message))

    stays_before = [s.stage for s in load_timelines(deals)["huawei-crm"].stages]
    app = make_app(deals)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(pilot)
        board = board_of(pilot)
        before = commit_count(deals)
        await pilot.press("l", "shift+right")  # huawei-crm: qualified -> proposal
        await settle(pilot)
        assert "huawei-crm" in card_ids(board, "proposal")

        await pilot.press("u")
        await pilot.pause()
        assert [m.opp_id for m in posted] == [None]  # the board: the last change from here
        dialog = app.screen
        assert isinstance(dialog, ConfirmForm)
        assert "huawei-crm: stage qualified -> proposal" in dialog.text
        await pilot.press("escape")  # cancelled: nothing happens
        await settle(pilot)
        assert commit_count(deals) == before + 1

        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmForm)
        await pilot.click("#submit")
        await settle(pilot)

        assert commit_count(deals) == before + 2
        assert "huawei-crm" in card_ids(board, "qualified")
        subject = git(deals, "log", "-1", "--format=%s").strip()
        assert subject == "undo: huawei-crm: stage qualified -> proposal"
        assert ("Committed", "undo: huawei-crm: stage qualified -> proposal") in notes
    assert [s.stage for s in load_timelines(deals)["huawei-crm"].stages] == stays_before


async def test_u_in_the_detail_undoes_the_last_change_to_that_deal(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l", "shift+right")  # huawei-crm -> proposal
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, DetailScreen)
        assert detail.record.stage == "proposal"
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmForm)
        await pilot.click("#submit")
        await settle(pilot)
        assert app.screen_stack.index(detail) == len(app.screen_stack) - 1
        assert detail.record.stage == "qualified"


async def test_nothing_to_undo_says_so(deals: Path) -> None:
    notes: list[tuple[str, str]] = []

    def hook(message: Message) -> None:
        if isinstance(message, Notify):
            notes.append((message.notification.title, message.notification.message))

    git(deals, "config", "user.email", "newcomer@example.com")  # made no change here yet
    app = make_app(deals)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(pilot)
        before = commit_count(deals)
        await pilot.press("u")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmForm)
        assert any(title == "Nothing undone" for title, _ in notes)
        assert commit_count(deals) == before
