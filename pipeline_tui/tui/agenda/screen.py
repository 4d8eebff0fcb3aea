"""The agenda: what to do today and in the next days, one row per item, grouped by day.

The items come from :func:`pipeline_tui.reports.metrics.agenda.agenda` (the
same as ``pipeline agenda``) over the pipeline and timelines the board holds,
handed down when the screen opens and again whenever the board's data
changes, so a call logged from here (``a``) moves its deal to the day of
its new next step at once.  ``enter`` posts :class:`OpenDeal`; the deal keys
post their messages like on the board; the app routes both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Label, Select
from textual.widgets.data_table import CellDoesNotExist

from pipeline_tui.core.model import Pipeline
from pipeline_tui.core.timeline import Timeline
from pipeline_tui.i18n import N_, _
from pipeline_tui.reports.agenda import group_title, item_text
from pipeline_tui.reports.metrics.agenda import DEFAULT_DAYS, AgendaDay, AgendaItem, agenda
from pipeline_tui.terminal_text import cell_text
from pipeline_tui.tui.bindings import translate_bindings
from pipeline_tui.tui.deal.keys import DEAL_BINDINGS, DealScreen
from pipeline_tui.tui.formatting import compact_amount
from pipeline_tui.tui.messages import OpenDeal

if TYPE_CHECKING:
    from pipeline_tui.tui.board.state import BoardState

#: Days ahead the screen can show, the first is the default.
DAY_CHOICES = (DEFAULT_DAYS, 1, 14, 30)
#: Rows a day shows until its "… more" row is chosen.  A whole team's agenda at
#: 10,000 deals holds some 20,000 items; a table of them all takes seconds to
#: build, and nobody reads past the first screenful of a day before acting.
GROUP_ROWS = 50
MORE = "more-"


class AgendaScreen(DealScreen):
    """A table of agenda items under day headings, filtered by owner."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,d", "app.pop_screen", N_("Board")),
        Binding("enter", "open", N_("Open")),
        *DEAL_BINDINGS,
        Binding("q", "app.quit", N_("Quit")),
    ]

    def __init__(
        self,
        pipeline: Pipeline,
        timelines: Mapping[str, Timeline] | None,
        now: Callable[[], datetime],
        owner: str | None,
        loading: bool = False,
    ) -> None:
        super().__init__(classes="agenda-screen")
        translate_bindings(self)
        self.pipeline = pipeline
        self.timelines = timelines
        self.now = now
        self.owner = owner
        self.loading = loading
        self.groups: tuple[AgendaDay, ...] = ()
        self.rows: dict[str, AgendaItem] = {}
        self.expanded: set[str] = set()  # groups showing every item
        self.total = 0
        self._painted_for: tuple[str | None, int] | None = None  # (owner, days) shown

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Horizontal(id="agenda-filters"):
            yield Label(_("Owner"), classes="filter-label")
            yield Select(
                self._owner_options(),
                value=self.owner if self.owner in self._owner_names() else Select.NULL,
                prompt=_("everyone"),
                id="agenda-owner",
                compact=True,
            )
            yield Label(_("Days"), classes="filter-label")
            yield Select(
                [(str(days), days) for days in DAY_CHOICES],
                value=DAY_CHOICES[0],
                allow_blank=False,
                id="agenda-days",
                compact=True,
            )
        yield Label("", id="agenda-empty", classes="empty-note")
        yield DataTable(id="agenda-table", cursor_type="row", zebra_stripes=False)
        yield Footer()

    def on_mount(self) -> None:
        self.title = _("Agenda")
        table = self.query_one(DataTable)
        table.add_columns(_("What"), _("Deal"), _("Account"), _("Amount"), _("Owner"))
        self.paint()
        table.focus()

    # ------------------------------------------------------------------ data

    def follow_board(self, state: BoardState) -> None:
        self.show_data(state.pipeline, state.timelines, not state.settled)

    def show_data(
        self, pipeline: Pipeline, timelines: Mapping[str, Timeline] | None, loading: bool
    ) -> None:
        """Fresh data from the board (a write, a reload, history arriving)."""
        self.pipeline, self.timelines, self.loading = pipeline, timelines, loading
        if self.is_mounted:
            self.paint()

    def _owner_names(self) -> list[str]:
        names = set(self.pipeline.config.team) | {
            r.owner for r in self.pipeline.opportunities if r.owner
        }
        if self.owner:
            names.add(self.owner)
        return sorted(names)

    def _owner_options(self) -> list[tuple[str, str]]:
        return [(name, name) for name in self._owner_names()]

    def _days(self) -> int:
        value = self.query_one("#agenda-days", Select).value
        return value if isinstance(value, int) else DEFAULT_DAYS

    @on(Select.Changed)
    def _filters_changed(self, event: Select.Changed) -> None:
        if event.select.id == "agenda-owner":
            self.owner = None if event.select.is_blank() else str(event.value)
        if self.is_mounted and (self.owner, self._days()) != self._painted_for:
            self.paint()  # each Select posts Changed once on mount too: nothing to redo then

    # ------------------------------------------------------------------ painting

    def paint(self) -> None:
        """Compute the agenda and fill the table, keeping the cursor on the same deal."""
        now = self.now()
        self._painted_for = (self.owner, self._days())
        self.groups = agenda(self.pipeline, self.timelines or {}, now, self._days(), self.owner)
        table = self.query_one(DataTable)
        kept = self.chosen_item()
        table.clear()
        self.rows = {}
        currency = self.pipeline.config.currency
        cursor = 0
        for group in self.groups:
            name = group.day.isoformat() if group.day else group.group
            title = f"{group_title(group, now.date())} ({len(group.items)})"
            style = "bold red" if group.group == "overdue" else "bold"
            table.add_row(Text(title, style=style), "", "", "", "", key=f"group-{name}")
            shown = group.items if name in self.expanded else group.items[:GROUP_ROWS]
            for item in shown:
                key = f"item-{len(self.rows)}"
                self.rows[key] = item
                if kept is not None and (item.id, item.kind) == (kept.id, kept.kind):
                    cursor = table.row_count
                table.add_row(
                    "  " + item_text(item),
                    cell_text(item.title),
                    cell_text(item.account),
                    compact_amount(item.amount, item.currency or currency),
                    cell_text(item.owner or "—"),
                    key=key,
                )
            hidden = len(group.items) - len(shown)
            if hidden:
                more = _("… {count} more (enter shows them)").format(count=hidden)
                table.add_row(Text("  " + more, style="italic"), "", "", "", "", key=MORE + name)
        self.total = sum(len(group.items) for group in self.groups)
        if self.rows and cursor == 0:
            cursor = 1  # the first item, under the first heading
        table.move_cursor(row=cursor)
        self._say_empty()
        self.sub_title = self._subtitle()

    def _say_empty(self) -> None:
        note = self.query_one("#agenda-empty", Label)
        if self.loading:
            text = _("loading…")
        elif not self.rows:
            text = _("Nothing due: no overdue or upcoming next steps, no stale deals.")
        else:
            text = ""
        note.update(text)
        note.display = bool(text)

    def _subtitle(self) -> str:
        whose = self.owner or _("everyone")
        return _("{owner} · {count} items").format(owner=whose, count=self.total)

    # ------------------------------------------------------------------ choosing

    def chosen_item(self) -> AgendaItem | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except CellDoesNotExist:  # the cursor is past the rows (the table was just cleared)
            return None
        return self.rows.get(key or "")

    def chosen_deal(self) -> str | None:
        item = self.chosen_item()
        if item is None:
            self.notify(_("Select a deal first"), severity="warning")
            return None
        return item.id

    def action_open(self) -> None:
        if opp_id := self.chosen_deal():
            self.post_message(OpenDeal(opp_id))

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value or ""
        if key.startswith(MORE):  # the rest of that day
            self.expanded.add(key.removeprefix(MORE))
            row = event.cursor_row
            self.paint()
            self.query_one(DataTable).move_cursor(row=row)
            return
        item = self.rows.get(key)
        if item is not None:
            self.post_message(OpenDeal(item.id))
