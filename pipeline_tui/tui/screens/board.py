"""The board: the home screen, one column per stage, keyboard first.

This screen owns the data (kept current by :class:`BoardData`: pipeline,
history, uncommitted files) plus the filter and the cursor.  It computes the
column values (:func:`build_columns`) and pushes them down into the columns;
the columns post :class:`CardChosen` back up.  Writes go through
:class:`Workspace` (see :meth:`BoardData.write`) and the board updates in
place from the returned record, so a moved card simply appears in its new
column.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Footer, Header

from pipeline_tui.core.model import Opportunity, get_dotted
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.i18n import N_, _
from pipeline_tui.tui.bindings import translate_bindings
from pipeline_tui.tui.cards import CardCache, ColumnData, build_columns
from pipeline_tui.tui.fields import (
    FieldSpec,
    changed_values,
    merged,
    preview_problems,
    record_specs,
    spec_for,
)
from pipeline_tui.tui.filtering import BoardFilter
from pipeline_tui.tui.messages import CardChosen, ColumnToggled
from pipeline_tui.tui.screens.board_data import BoardData
from pipeline_tui.tui.screens.close_form import CloseForm
from pipeline_tui.tui.screens.filter_form import FilterForm
from pipeline_tui.tui.screens.help import HelpScreen
from pipeline_tui.tui.screens.log_form import LogForm
from pipeline_tui.tui.screens.record_form import RecordForm
from pipeline_tui.tui.widgets.column import StageColumn
from pipeline_tui.tui.widgets.filter_bar import FilterBar
from pipeline_tui.tui.widgets.problems import ProblemsPanel

PAGE = 5


class BoardScreen(BoardData):
    """Stage columns with cards; the filter bar above, problems below."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "cursor_x(-1)", N_("Left"), show=False),
        Binding("right,l", "cursor_x(1)", N_("Right"), show=False),
        Binding("up,k", "cursor_y(-1)", N_("Up"), show=False),
        Binding("down,j", "cursor_y(1)", N_("Down"), show=False),
        Binding("pageup", f"cursor_y(-{PAGE})", N_("Page up"), show=False),
        Binding("pagedown", f"cursor_y({PAGE})", N_("Page down"), show=False),
        Binding("home,g", "cursor_y(-1000000)", N_("First card"), show=False),
        Binding("end,G", "cursor_y(1000000)", N_("Last card"), show=False),
        Binding("enter", "open", N_("Open")),
        Binding("shift+right,L", "move(1)", N_("Move →")),
        Binding("shift+left,H", "move(-1)", N_("Move ←")),
        Binding("n", "new", N_("New")),
        Binding("e", "edit", N_("Edit")),
        Binding("a", "log", N_("Log")),
        Binding("w", "close('won')", N_("Won")),
        Binding("x", "close('lost')", N_("Lost")),
        Binding("slash", "filter", N_("Filter")),
        Binding("escape", "clear_filter", N_("Clear filter"), show=False),
        Binding("c", "toggle_closed", N_("Closed")),
        Binding("m", "metrics", N_("Metrics")),
        Binding("s", "sync", N_("Sync")),
        Binding("r", "reload", N_("Reload"), show=False),
        Binding("question_mark", "help", N_("Help")),
        Binding("q", "app.quit", N_("Quit")),
    ]

    def __init__(
        self,
        workspace: Workspace,
        now: Callable[[], datetime],
        poll_interval: float = 1.0,
    ) -> None:
        super().__init__(workspace, now, poll_interval)
        translate_bindings(self)
        self.filter = BoardFilter()
        self.show_closed = False
        self.columns: tuple[ColumnData, ...] = ()
        self.card_cache = CardCache()
        self.active_stage = self.config.entry_stage.name
        self.active_id: str | None = None
        self.active_index = 0
        self.column_widgets: dict[str, StageColumn] = {}
        self.filter_bar = FilterBar(id="filter-bar")
        self.problems_panel = ProblemsPanel(id="problems")

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        yield self.filter_bar
        self.column_widgets = {
            stage.name: StageColumn(stage.name, id=f"column-{index}")
            for index, stage in enumerate(self.config.stages)
        }
        with Horizontal(id="board"):
            yield from self.column_widgets.values()
        yield self.problems_panel
        yield Footer()

    def on_mount(self) -> None:
        self.title = "pipeline"
        self.sub_title = f"{self.workspace.root.name} · " + _("loading…")
        self.filter_bar.display = False
        self.problems_panel.display = False
        self.start_watching()

    # ------------------------------------------------------------------ painting

    def paint(self, only: set[str] | None = None) -> None:
        """Recompute the columns (all, or just ``only``) and push them down."""
        fresh = build_columns(
            self.pipeline,
            self.timelines,
            self.uncommitted,
            self.filter,
            self.now(),
            self.card_cache,
            only,
        )
        if only is None or len(self.columns) != len(self.config.stages):
            self.columns = fresh
        else:
            by_stage = {c.stage: c for c in fresh}
            self.columns = tuple(by_stage.get(c.stage, c) for c in self.columns)
        self._fix_cursor()
        for column in self.columns:
            if only is None or column.stage in only or column.stage == self.active_stage:
                self._paint_column(column)
        shown = sum(len(c.cards) for c in self.columns)
        self.filter_bar.show(self.filter, shown, len(self.pipeline.opportunities))
        self.problems_panel.show([*self.pipeline.problems, *self.extra_problems])

    def _paint_column(self, column: ColumnData) -> None:
        widget = self.column_widgets[column.stage]
        cursor = self.active_index if column.stage == self.active_stage else None
        if cursor is not None and not column.cards:
            cursor = -1  # active but empty: highlight the column, no card
        collapsed = column.terminal and not self.show_closed
        widget.show(column, cursor, self.config.currency, collapsed)

    def _column(self, stage: str) -> ColumnData | None:
        for column in self.columns:
            if column.stage == stage:
                return column
        return None

    def _fix_cursor(self) -> None:
        """Keep the cursor on the same deal if it is still shown, else on the same row."""
        if self.active_stage not in self._navigable():
            self.active_stage = self._navigable()[0]
        column = self._column(self.active_stage)
        if column is None:
            return
        found = column.index_of(self.active_id) if self.active_id else None
        if found is None:
            found = max(0, min(self.active_index, len(column.cards) - 1))
        self.active_index = found
        self.active_id = column.cards[found].id if column.cards else None

    def _navigable(self) -> list[str]:
        return [s.name for s in self.config.stages if self.show_closed or not s.terminal]

    # ------------------------------------------------------------------ cursor

    def action_cursor_y(self, delta: int) -> None:
        column = self._column(self.active_stage)
        if column is None or not column.cards:
            return
        self.active_index = max(0, min(self.active_index + delta, len(column.cards) - 1))
        self.active_id = column.cards[self.active_index].id
        self._paint_column(column)

    def action_cursor_x(self, delta: int) -> None:
        stages = self._navigable()
        position = stages.index(self.active_stage) if self.active_stage in stages else 0
        target = stages[max(0, min(position + delta, len(stages) - 1))]
        if target == self.active_stage:
            return
        self._select(target, self.active_index)

    def _select(self, stage: str, index: int, opp_id: str | None = None) -> None:
        previous = self._column(self.active_stage)
        self.active_stage = stage
        self.active_index = index
        self.active_id = opp_id
        self._fix_cursor()
        if previous is not None:
            self._paint_column(previous)
        column = self._column(stage)
        if column is not None:
            self._paint_column(column)

    @on(CardChosen)
    def _card_chosen(self, message: CardChosen) -> None:
        column = self._column(message.stage)
        if column is None or message.index >= len(column.cards):
            return
        self._select(message.stage, message.index, column.cards[message.index].id)
        if message.open:
            self.action_open()

    @on(ColumnToggled)
    def _column_toggled(self, message: ColumnToggled) -> None:
        self.action_toggle_closed()

    def action_toggle_closed(self) -> None:
        self.show_closed = not self.show_closed
        self.paint()

    def selected(self) -> Opportunity | None:
        if self.active_id is None:
            return None
        for record in self.pipeline.opportunities:
            if record.id == self.active_id:
                return record
        return None

    def _selected_or_hint(self) -> Opportunity | None:
        record = self.selected()
        if record is None:
            self.notify(_("Select a card first"), severity="warning")
        return record

    # ------------------------------------------------------------------ screens

    def action_open(self) -> None:
        record = self.selected()
        if record is not None:
            self.open_detail(record.id)

    def open_detail(self, opp_id: str) -> None:
        from pipeline_tui.tui.screens.detail import DetailScreen

        record = self._record(opp_id)
        if record is None:
            return
        timeline = self.timelines.get(opp_id) if self.timelines else None
        self.app.push_screen(
            DetailScreen(self, record, self.config, timeline, self.history_loaded, self.now)
        )

    def action_metrics(self) -> None:
        from pipeline_tui.tui.screens.metrics import MetricsScreen

        self.app.push_screen(MetricsScreen(self, self.pipeline, self.timelines, self.now))

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.key_help()))

    def key_help(self) -> list[tuple[str, str]]:
        rows = [(_("arrows / h j k l"), _("Move the selection"))]
        rows.append((_("PgUp / PgDn / g / G"), _("Scroll a column")))
        for binding in [*self.BINDINGS, *self.app.BINDINGS]:
            assert isinstance(binding, Binding)
            if binding.show:
                keys = " / ".join(
                    self.app.get_key_display(Binding(k, "")) for k in binding.key.split(",")
                )
                rows.append((keys, _(binding.description)))
        rows.append((_("esc"), _("Clear the filter")))
        rows.append((_("ctrl+p"), _("Command palette (every action by name)")))
        return rows

    def _sync_detail(self) -> None:
        from pipeline_tui.tui.screens.detail import DetailScreen

        for screen in self.app.screen_stack:
            if isinstance(screen, DetailScreen):
                record = self._record(screen.record.id)
                timeline = self.timelines.get(screen.record.id) if self.timelines else None
                screen.update_record(record, timeline, self.history_loaded)

    def action_move(self, step: int) -> None:
        record = self._selected_or_hint()
        if record is None:
            return
        target = self.move_target(record, step)
        if target is None:
            self.notify(
                _("No open stage further this way; close with w (won) or x (lost)"),
                severity="warning",
            )
            return
        self.move_to(record, target)

    def move_target(self, record: Opportunity, step: int) -> str | None:
        if self.config.is_open(record.stage):
            return self.config.next_open_stage(record.stage, step)
        open_stages = self.config.open_stages
        return open_stages[-1].name if step < 0 and open_stages else None

    def move_to(self, record: Opportunity, target: str) -> None:
        """Move, or first ask for the fields the target stage requires."""
        missing = self.workspace.missing_for(record, target)
        if missing:
            self.ask_requirements(record, target, missing)
            return
        change = self.write(lambda: self.workspace.move(record.id, target))
        if change is not None and self._column(target) is not None:
            stage_now = change.record.stage
            if stage_now in self._navigable():
                self._select(stage_now, 0, record.id)

    def ask_requirements(self, record: Opportunity, target: str, missing: list[str]) -> None:
        specs = [spec_for(key, self.config) for key in missing]

        def check(values: dict[str, Any]) -> dict[str, str]:
            data = merged(record.data, values)
            return preview_problems(self.config, data, record.path, target)

        def done(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            filled = self.write(lambda: self.workspace.set_fields(record.id, values))
            if filled is not None:
                self.move_to(filled.record, target)

        heading = _("Stage {stage} requires: {fields}").format(
            stage=target, fields=", ".join(missing)
        )
        explanation = _("Fill them in to move the deal (saved as one commit, then the move).")
        self.app.push_screen(
            RecordForm(heading, specs, {}, check, _("Save and move"), explanation), done
        )

    def _owners(self) -> tuple[str, ...]:
        names = {r.owner for r in self.pipeline.opportunities if r.owner}
        names |= set(self.config.team)
        return tuple(sorted(names))

    def action_new(self) -> None:
        specs = record_specs(self.config, self._owners())
        entry = self.config.entry_stage.name
        preview_id = "new-deal"
        path = f"opportunities/{preview_id}.yaml"

        def base(values: dict[str, Any]) -> dict[str, Any]:
            start = {"id": preview_id, "stage": entry, "created": self.now()}
            return merged(start, {k: v for k, v in values.items() if v is not None})

        def check(values: dict[str, Any]) -> dict[str, str]:
            return preview_problems(self.config, base(values), path, entry)

        def done(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            fields = {k: v for k, v in values.items() if k not in ("title", "account")}
            fields = {k: v for k, v in fields.items() if v is not None}
            change = self.write(
                lambda: self.workspace.create(values["title"], values["account"], fields)
            )
            if change is not None:
                self._select(change.record.stage, 0, change.record.id)

        initial: dict[str, Any] = {"owner": self.filter.owner, "source": self.filter.source}
        heading = _("New opportunity in {stage}").format(stage=entry)
        self.app.push_screen(RecordForm(heading, specs, initial, check, _("Create")), done)

    def action_edit(self) -> None:
        record = self._selected_or_hint()
        if record is not None:
            self.edit(record)

    def edit(self, record: Opportunity) -> None:
        specs: list[FieldSpec] = record_specs(self.config, self._owners())
        initial = {spec.key: get_dotted(record.data, spec.key) for spec in specs}

        def check(values: dict[str, Any]) -> dict[str, str]:
            return preview_problems(self.config, merged(record.data, values), record.path)

        def done(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            changes = changed_values(specs, record.data, values)
            if not changes:
                self.notify(_("Nothing changed"))
                return
            self.write(lambda: self.workspace.set_fields(record.id, changes))

        heading = _("Edit {title}").format(title=record.title)
        self.app.push_screen(RecordForm(heading, specs, initial, check), done)

    def action_log(self) -> None:
        record = self._selected_or_hint()
        if record is not None:
            self.log_activity(record)

    def log_activity(self, record: Opportunity) -> None:
        def done(result: tuple[str, str] | None) -> None:
            if result is not None:
                kind, note = result
                self.write(lambda: self.workspace.log(record.id, kind, note))

        self.app.push_screen(LogForm(record.title), done)

    def action_close(self, outcome: str) -> None:
        record = self._selected_or_hint()
        if record is not None:
            self.close_deal(record, outcome)

    def close_deal(self, record: Opportunity, outcome: str) -> None:
        def done(reason: str | None) -> None:
            if reason is None:
                return
            self.write(lambda: self.workspace.close(record.id, outcome, reason or None))

        reasons = self.config.lost_reasons
        self.app.push_screen(CloseForm(record.title, outcome, reasons), done)

    def action_filter(self) -> None:
        tags = tuple(sorted({t for r in self.pipeline.opportunities for t in r.tags}))
        sources = tuple(
            sorted(
                set(self.config.sources)
                | {r.source for r in self.pipeline.opportunities if r.source}
            )
        )

        def done(result: BoardFilter | None) -> None:
            if result is not None:
                self.filter = result
                self.paint()

        self.app.push_screen(FilterForm(self.filter, self._owners(), sources, tags), done)

    def action_clear_filter(self) -> None:
        if self.filter.active:
            self.filter = BoardFilter()
            self.paint()
