"""Live with the files and with git: external commits, hand edits and broken files."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.tui.widgets.problems import ProblemsPanel
from tests.gitutil import git

from .conftest import SIZE, at, board_of, card_ids, make_app, settle

pytestmark = pytest.mark.asyncio


async def test_an_external_commit_shows_up_without_a_restart(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = board_of(pilot)
        # Another terminal runs `pipeline move` and `pipeline new`.
        other = Workspace(deals)
        other.move("huawei-crm", "proposal", at=at("2026-11-18"))
        other.create("Stark deal", "Stark", {"amount": 1000}, opp_id="stark-deal")
        board.check_for_changes()
        await settle(pilot)
        assert card_ids(board, "proposal") == ["huawei-crm", "initech-renewal"]
        assert card_ids(board, "qualified") == []
        assert card_ids(board, "lead") == ["acme-rollout", "globex-pilot", "stark-deal"]


async def test_the_poll_timer_picks_up_changes_by_itself(deals: Path) -> None:
    app = make_app(deals, poll_interval=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = board_of(pilot)
        Workspace(deals).move("huawei-crm", "proposal")
        for _ in range(400):  # up to 20 s on a busy machine; usually a tenth of that
            await pilot.pause(0.05)
            if "huawei-crm" in card_ids(board, "proposal"):
                break
        assert "huawei-crm" in card_ids(board, "proposal")


async def test_a_broken_file_goes_to_the_problems_panel_and_the_board_keeps_working(
    deals: Path,
) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = board_of(pilot)
        panel = app.screen.query_one(ProblemsPanel)
        assert not panel.display
        broken = deals / "opportunities" / "globex-pilot.yaml"
        broken.write_text("id: globex-pilot\ntitle: [unclosed\n", encoding="utf-8")
        board.check_for_changes()
        await settle(pilot)
        assert panel.display
        text = str(panel.render())
        assert "opportunities/globex-pilot.yaml:" in text and "YAML syntax error" in text
        assert card_ids(board, "lead") == ["acme-rollout"]  # the rest still shows
        await pilot.press("shift+right", "escape")  # and still works
        # Fixing the file clears the problem.
        broken.write_text(
            "id: globex-pilot\ntitle: Globex pilot\naccount: Globex\nstage: lead\n"
            "created: 2026-11-10T09:00:00+00:00\n",
            encoding="utf-8",
        )
        board.check_for_changes()
        await settle(pilot)
        assert not panel.display
        assert "globex-pilot" in card_ids(board, "lead")


async def test_an_uncommitted_edit_gets_a_badge_until_committed(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = board_of(pilot)
        path = deals / "opportunities" / "globex-pilot.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "priority: high\n", encoding="utf-8")
        board.check_for_changes()
        await settle(pilot)
        lead = next(c for c in board.state.columns if c.stage == "lead")
        globex = next(card for card in lead.cards if card.id == "globex-pilot")
        assert globex.uncommitted
        assert board.state.pipeline.get("globex-pilot").data["priority"] == "high"
        # The app never commits someone's hand edit under its own message: logging an
        # activity is refused and the file keeps the edit.
        before = git(deals, "rev-parse", "HEAD")
        await pilot.press("j", "a", *"note", "enter")
        await settle(pilot)
        assert git(deals, "rev-parse", "HEAD") == before
        assert path.read_text(encoding="utf-8").endswith("priority: high\n")
        git(deals, "commit", "-qam", "priority by hand")  # the user commits it themselves
        board.check_for_changes()
        await settle(pilot)
        lead = next(c for c in board.state.columns if c.stage == "lead")
        assert not any(card.uncommitted for card in lead.cards)


async def test_a_new_stage_in_pipeline_yaml_reopens_the_board_with_its_column(
    deals: Path,
) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        config = deals / "pipeline.yaml"
        text = config.read_text(encoding="utf-8")
        config.write_text(
            text.replace(
                "  - {name: won,",
                "  - {name: contract, probability: 0.9, max_days: 10}\n  - {name: won,",
            ),
            encoding="utf-8",
        )
        board_of(pilot).check_for_changes()
        await settle(pilot)
        await settle(pilot)
        board = board_of(pilot)
        assert [c.stage for c in board.state.columns] == [
            "lead",
            "qualified",
            "proposal",
            "negotiation",
            "contract",
            "won",
            "lost",
        ]
        assert card_ids(board, "lead") == ["acme-rollout", "globex-pilot"]


async def test_a_broken_pipeline_yaml_shows_its_problems_with_their_lines(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = board_of(pilot)
        config = deals / "pipeline.yaml"
        lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
        marker_line = len(lines) + 1
        config.write_text(
            "".join(lines) + "<<<<<<< ours\nteam: {}\n=======\nteam: {a: {}}\n>>>>>>> theirs\n",
            encoding="utf-8",
        )
        board.check_for_changes()
        await settle(pilot)
        panel = app.screen.query_one(ProblemsPanel)
        assert panel.display
        text = str(panel.render())
        assert f"pipeline.yaml:{marker_line} error unresolved merge conflict markers" in text
        assert "fix it first" not in text
        assert "pipeline resolve" not in text  # it settles deals, not pipeline.yaml
        assert "then commit pipeline.yaml" in text
