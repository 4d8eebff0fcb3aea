"""Every metrics pane is reachable with → / l and ← / h, including those with no table.

On clean data the Data hygiene pane (and Lost reasons, with nothing lost) shows
only a note; the keys used to stop before it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import TabbedContent

from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.reports.sections import PANES
from pipeline_tui.sync.setup import init_pipeline
from pipeline_tui.tui.metrics.screen import MetricsScreen

from .conftest import SIZE, make_app, settle

pytestmark = pytest.mark.asyncio

IDS = [f"pane-{pane.id}" for pane in PANES]


@pytest.mark.parametrize(("forward", "back"), [("right", "left"), ("l", "h")])
async def test_the_keys_walk_every_pane_on_clean_data(
    tmp_path: Path, forward: str, back: str
) -> None:
    root = init_pipeline(tmp_path / "clean", layout="flat")
    fields = {"owner": "alice", "source": "website", "amount": 5000}
    Workspace(root).create("Clean deal", "Acme", fields, opp_id="clean-deal")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MetricsScreen)
        assert screen.report["hygiene"] == {
            "duplicates": [],
            "missing_required": [],
            "unknown_values": [],
        }
        tabs = screen.query_one(TabbedContent)
        seen = [tabs.active]
        for _ in IDS:
            await pilot.press(forward)
            await pilot.pause()
            seen.append(tabs.active)
        assert seen == [*IDS, IDS[0]]
        await pilot.press(back)
        await pilot.pause()
        assert tabs.active == "pane-hygiene"
