"""The metrics screen: report numbers from reports.build, filters, stale list to detail."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Select, TabbedContent

from pipeline_tui.tui.deal.detail import DetailScreen
from pipeline_tui.tui.metrics.screen import MetricsScreen
from pipeline_tui.tui.widgets.report_table import ReportTable

from .conftest import SIZE, make_app, settle

pytestmark = pytest.mark.asyncio


def summary_value(screen: MetricsScreen, key: str) -> object:
    return screen.report["summary"][key]


def table(screen: MetricsScreen, section: str) -> ReportTable:
    for widget in screen.query(ReportTable):
        if widget.table.section == section:
            return widget
    raise AssertionError(f"no table for {section}")


async def test_metrics_show_the_report_and_follow_the_owner_filter(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MetricsScreen)
        # Four open deals: ACME 120k, Globex 40k, Huawei 300k, Initech 80k.
        assert summary_value(screen, "open") == 4
        assert summary_value(screen, "open_amount") == 540000
        assert summary_value(screen, "won") == 1 and summary_value(screen, "lost") == 1
        assert table(screen, "summary").row_count > 0
        screen.query_one("#owner", Select).value = "alice"
        await settle(pilot)
        await pilot.pause(0.1)
        await settle(pilot)
        # alice: ACME (open), Initech (open), Hooli (lost).
        assert summary_value(screen, "open") == 2
        assert summary_value(screen, "open_amount") == 200000
        assert summary_value(screen, "lost") == 1 and summary_value(screen, "won") == 0


async def test_selecting_a_stale_deal_opens_its_detail(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MetricsScreen)
        stale_ids = {item["id"] for item in screen.report["stale"]}
        # Longer than max_days in their stage at NOW (2026-11-20): ACME in lead since
        # 10-01 (50 d > 14), Huawei in qualified since 09-20 (61 d > 21), Initech in
        # proposal since 09-01 (80 d > 21).  Globex (10 d in lead) is not.
        assert {"acme-rollout", "huawei-crm", "initech-renewal"} <= stale_ids
        assert "globex-pilot" not in stale_ids
        screen.query_one(TabbedContent).active = "pane-stale"
        await pilot.pause()
        stale = table(screen, "stale")
        stale.focus()
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, DetailScreen)
        assert detail.record.id in stale_ids
        await pilot.press("escape")
        assert app.screen is screen
