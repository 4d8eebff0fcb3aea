"""Metrics: the indicators of docs/metrics.md in panes, with charts where a picture reads faster.

Numbers come from :func:`pipeline_tui.reports.build.build_report` (the same code as
``pipeline report``), computed in a worker from the pipeline and timelines
the board already holds (handed down when the screen opens), cut by owner,
source and time window.  Selecting a row of the stale list posts
:class:`OpenDeal`; the app opens that deal.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Header, Label, Select, TabbedContent, TabPane

from pipeline_tui.core.model import Pipeline
from pipeline_tui.core.timeline import Timeline
from pipeline_tui.i18n import N_, _
from pipeline_tui.reports.build import build_report, scoped
from pipeline_tui.reports.charts import chart_series
from pipeline_tui.reports.metrics.window import Window
from pipeline_tui.reports.sections import PANES, Pane, pane_sections
from pipeline_tui.reports.tables import section_tables
from pipeline_tui.tui.bindings import translate_bindings
from pipeline_tui.tui.messages import OpenDeal
from pipeline_tui.tui.widgets.report_table import BarChart, ReportTable, empty_note

#: What the filters ask for: (owner, source, window).
Asked = tuple[str | None, str | None, Window]

#: Window choices: label -> days back from now (None: all time).
WINDOWS: tuple[tuple[str, int | None], ...] = (
    ("All time", None),
    ("Last 30 days", 30),
    ("Last 90 days", 90),
    ("Last 365 days", 365),
)


class MetricsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,m", "app.pop_screen", N_("Back")),
        # priority: the focused table must not swallow the pane keys
        Binding("left,h", "tab(-1)", N_("Previous pane"), show=False, priority=True),
        Binding("right,l", "tab(1)", N_("Next pane"), priority=True),
        Binding("q", "app.quit", N_("Quit")),
    ]

    def __init__(
        self,
        pipeline: Pipeline,
        timelines: Mapping[str, Timeline] | None,
        now: Callable[[], datetime],
    ) -> None:
        super().__init__(classes="metrics-screen")
        translate_bindings(self)
        self.pipeline = pipeline
        self.timelines = timelines
        self.now = now
        self.report: dict[str, Any] = {}
        self._asked: Asked | None = None
        self._painting = asyncio.Lock()

    def compose(self) -> ComposeResult:
        owners = sorted({r.owner for r in self.pipeline.opportunities if r.owner})
        sources = sorted({r.source for r in self.pipeline.opportunities if r.source})
        yield Header(icon="◆")
        with Horizontal(id="metric-filters"):
            yield Label(_("Owner"), classes="filter-label")
            yield Select([(o, o) for o in owners], prompt=_("any"), id="owner", compact=True)
            yield Label(_("Source"), classes="filter-label")
            yield Select([(s, s) for s in sources], prompt=_("any"), id="source", compact=True)
            yield Label(_("Window"), classes="filter-label")
            yield Select(
                [(_(label), index) for index, (label, _days) in enumerate(WINDOWS)],
                value=0,
                allow_blank=False,
                id="window",
                compact=True,
            )
        with TabbedContent(id="panes"):
            for pane in PANES:
                with TabPane(_(pane.title), id=f"pane-{pane.id}"):
                    yield VerticalScroll(
                        Label(_("computing…"), classes="empty-note"),
                        id=f"body-{pane.id}",
                        classes="pane-body",
                    )
        yield Footer()

    def on_mount(self) -> None:
        self.title = _("Metrics")
        if self.timelines is None:
            self.sub_title = _("history still loading: time-based figures are partial")
        self.compute()

    # ------------------------------------------------------------------ computing

    def _choice(self, name: str) -> str | None:
        select = self.query_one(f"#{name}", Select)
        return None if select.is_blank() else str(select.value)

    def _window(self) -> Window:
        value = self.query_one("#window", Select).value
        days = WINDOWS[value][1] if isinstance(value, int) else None
        if days is None:
            return Window()
        return Window(since=self.now() - timedelta(days=days))

    @on(Select.Changed)
    def _filters_changed(self) -> None:
        if self.is_mounted:
            self.compute()

    def compute(self) -> None:
        asked = (self._choice("owner"), self._choice("source"), self._window())
        if asked != self._asked:  # Select posts Changed on mount too: compute once
            self._asked = asked
            self.run_report(*asked)

    @work(thread=True, exclusive=True, group="metrics")
    def run_report(self, owner: str | None, source: str | None, window: Window) -> None:
        pipeline = scoped(self.pipeline, owner, source)
        report = build_report(pipeline, self.timelines or {}, window, self.now())
        self.app.call_from_thread(self._deliver, (owner, source, window), report)

    def _deliver(self, asked: Asked, report: dict[str, Any]) -> None:
        self.call_later(self.show_report, asked, report)

    async def show_report(self, asked: Asked, report: dict[str, Any]) -> None:
        """Replace every pane's content; an answer to an older question is dropped."""
        async with self._painting:
            if asked != self._asked:
                return
            self.report = report
            currency = self.pipeline.config.currency
            for pane in PANES:
                body = self.query_one(f"#body-{pane.id}", VerticalScroll)
                await body.remove_children()
                await body.mount_all(self._pane_widgets(pane, report, currency))

    def _pane_widgets(self, pane: Pane, report: Mapping[str, Any], currency: str) -> list[Widget]:
        sections = pane_sections(pane)
        part = {s.key: report[s.key] for s in sections if s.key in report}
        widgets: list[Widget] = []
        for title, labels, values, horizontal in chart_series(part):
            if labels:
                widgets.append(BarChart(title, labels, values, horizontal))
        for table in section_tables(part):
            if table.rows:
                widgets.append(ReportTable(table, currency))
        if not widgets:
            titles = ", ".join(_(s.title) for s in sections)
            widgets.append(empty_note(_("Nothing to show yet for {what}").format(what=titles)))
        return widgets

    # ------------------------------------------------------------------ actions

    def action_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        ids = [f"pane-{pane.id}" for pane in PANES]
        current = ids.index(tabs.active) if tabs.active in ids else 0
        # Let go of the old pane's table first: a focused widget inside a hidden pane
        # makes TabbedContent switch back to that pane, so a pane with no table of its
        # own (Data hygiene when the data is clean) could never be reached.
        self.set_focus(None)
        tabs.active = ids[(current + step) % len(ids)]

    @on(TabbedContent.TabActivated)
    def _pane_shown(self, event: TabbedContent.TabActivated) -> None:
        """Put the keyboard in the pane's first table, so enter and arrows act on it."""
        pane_id = event.pane.id or ""
        body = self.query(f"#{pane_id.replace('pane-', 'body-', 1)} ReportTable")
        if body:
            table = body.first()
            table.focus()
            # focus() scrolls at once, maybe before the newly shown pane is laid out
            # (on a busy machine): scroll again once it has been, so it always shows.
            self.call_after_refresh(table.scroll_visible, animate=False)

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        table = event.data_table
        if isinstance(table, ReportTable) and table.table.section == "stale" and key:
            self.post_message(OpenDeal(key))
