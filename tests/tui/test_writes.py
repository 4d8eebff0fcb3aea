"""Writes run in a worker: a stale index.lock leaves the board answering keys; detail writes.

The detail screen never touches the board: its keys post messages the app
routes to the board's one write path, and the fresh record comes back down.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import Worker

from pipeline_tui.tui.deal.detail import DetailScreen
from pipeline_tui.tui.deal.forms import RecordForm
from pipeline_tui.tui.messages import EditDeal
from pipeline_tui.yaml.read import parse_fast

from .conftest import SIZE, board_of, card_ids, commit_count, make_app, settle

pytestmark = pytest.mark.asyncio


def stage_on_disk(root: Path, opp_id: str) -> object:
    data = parse_fast((root / "opportunities" / f"{opp_id}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data["stage"]


async def running_write(pilot: Pilot[None]) -> Worker[object]:
    """The write worker, once it has started (waits on the condition, bounded)."""
    for _ in range(500):
        found = [w for w in pilot.app.workers if w.name == "write" and w.is_running]
        if found:
            return found[0]
        await pilot.pause(0.01)
    raise AssertionError("no write worker started")


async def test_a_stale_index_lock_leaves_the_board_responsive_then_reports(deals: Path) -> None:
    notes: list[tuple[str, str]] = []

    def hook(message: Message) -> None:
        if isinstance(message, Notify):
            notes.append((message.notification.title, message.notification.message))

    app = make_app(deals)
    app.workspace.git.index_lock_wait = 3.0  # git's budget while index.lock is held
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(pilot)
        board = board_of(pilot)
        before = commit_count(deals)
        lock = deals / ".git" / "index.lock"
        lock.write_text("", encoding="utf-8")  # a git that crashed and left its lock
        await pilot.press("l", "shift+right")  # huawei-crm: qualified -> proposal
        write = await running_write(pilot)
        # While git waits on the lock, the board still moves its cursor ...
        await pilot.press("h", "j")
        assert (board.state.active_stage, board.state.active_id) == ("lead", "globex-pilot")
        # ... and refuses a second write instead of queueing it behind the first.
        await pilot.press("l", "shift+right")
        assert board.state.active_id == "huawei-crm"
        assert write.is_running, "the keys above must have been handled during the write"
        assert ("", "Still saving the previous change") in notes
        await write.wait()
        await pilot.pause()
        refused = [message for title, message in notes if title == "Not saved"]
        assert len(refused) == 1 and "index.lock" in refused[0]
        assert not board.deals.saving
        assert commit_count(deals) == before
        assert stage_on_disk(deals, "huawei-crm") == "qualified"  # the file was put back
        assert "huawei-crm" in card_ids(board, "qualified")
        # With the lock gone the same key works.
        lock.unlink()
        await pilot.press("shift+right")
        await settle(pilot)
        assert commit_count(deals) == before + 1
        assert card_ids(board, "proposal") == ["huawei-crm", "initech-renewal"]


async def test_detail_keys_post_messages_and_the_detail_shows_the_written_record(
    deals: Path,
) -> None:
    posted: list[EditDeal] = []

    def hook(message: Message) -> None:
        if isinstance(message, EditDeal) and all(m is not message for m in posted):
            posted.append(message)

    app = make_app(deals)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(pilot)
        await pilot.press("l", "enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, DetailScreen)
        assert not hasattr(detail, "board")
        await pilot.press("e")
        assert [m.opp_id for m in posted] == ["huawei-crm"]
        form = app.screen
        assert isinstance(form, RecordForm)
        form.query_one(form.field_id("amount"), Input).value = "310000"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen_stack.index(detail) == len(app.screen_stack) - 1  # form closed
        assert detail.record.amount == 310000  # handed down again after the write
        assert detail.sub_title == "huawei-crm"  # not marked gone
        await pilot.press("shift+right")  # the move key works here too, one commit
        await settle(pilot)
        assert detail.record.stage == "proposal"
        assert stage_on_disk(deals, "huawei-crm") == "proposal"


async def test_deal_keys_are_in_the_detail_footer_and_command_palette(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        names = {command.title for command in app.get_system_commands(app.screen)}
        shown = {
            active.binding.description
            for active in app.screen.active_bindings.values()
            if active.binding.show
        }
        assert isinstance(app.screen, DetailScreen)
        deal_keys = {"Edit", "Log", "Move →", "Move ←", "Won", "Lost"}
        assert deal_keys <= shown and deal_keys <= names
