"""A TUI write that triggers an event rule says what the automation did, and what failed."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.message import Message
from textual.notifications import Notify

from pipeline_tui.automation import wire
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.tui.app import PipelineApp
from pipeline_tui.yaml.read import parse_fast
from tests.automation_servers import http_server

from .conftest import SIZE, board_of, fixed_now, git, settle

pytestmark = pytest.mark.asyncio


def add_rules(root: Path, target: str) -> None:
    config = root / "pipeline.yaml"
    config.write_text(
        config.read_text("utf-8")
        + f"""
automations:
  - name: proposal work
    trigger: {{entered: proposal}}
    actions:
      - next_step: {{action: Send proposal, due: +2d}}
      - notify: {{to: ["webhook:{target}"]}}
""",
        "utf-8",
    )
    git(root, "commit", "-qam", "automation rules")


async def test_a_move_shows_the_rule_it_fired_and_the_failed_notification(deals: Path) -> None:
    notes: list[tuple[str, str, str]] = []

    def hook(message: Message) -> None:
        if isinstance(message, Notify):
            note = message.notification
            notes.append((note.title, note.message, note.severity))

    with http_server() as server:
        add_rules(deals, server.url("/fail/crm"))
        workspace = Workspace(deals)
        wire(workspace)  # as `pipeline tui` does
        app = PipelineApp(workspace, clock=fixed_now, poll_interval=0)
        async with app.run_test(size=SIZE, message_hook=hook) as pilot:
            await settle(pilot)
            await pilot.press("l", "shift+right")  # huawei-crm: qualified -> proposal
            await settle(pilot)
            assert server.bodies("/fail/crm") != []  # the notification was tried
            said = [(message, severity) for title, message, severity in notes]
            fired = [m for title, m, _s in notes if title == "Automation"]
            assert any(
                m.startswith("automation 'proposal work': next step 'Send proposal' due ")
                and m.endswith("(huawei-crm)")
                for m in fired
            ), said
            failed = [(m, s) for title, m, s in notes if title == "Automation problem"]
            assert len(failed) == 1, said
            assert "answered HTTP 500" in failed[0][0] and failed[0][1] == "error"
            assert "will retry on the next `automate run`" in failed[0][0]
            # The board shows the deal as the automation left it, not as the move did.
            record = board_of(pilot).state.record("huawei-crm")
            assert record is not None and record.next_step is not None
            assert record.next_step.action == "Send proposal"
    data = parse_fast((deals / "opportunities" / "huawei-crm.yaml").read_text("utf-8"))
    assert isinstance(data, dict)
    assert data["stage"] == "proposal"  # the failed notification never blocked the write
    assert data["automation"]["retry"][0]["error"].endswith(
        "answered HTTP 500 Internal Server Error"
    )
