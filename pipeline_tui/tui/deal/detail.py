"""One opportunity in full: every field (custom ones too), completeness, next step,
activities, notes, and what git history says (stage timeline and field audit).

The screen only paints a :class:`DealView` handed down to it (and handed down
again when the file or the history changes).  Its deal keys post messages
(:class:`DealScreen`); the board, which owns the data, does the writing, so
there is one write path and this screen holds no reference to the board.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from pipeline_tui.core.fields import field_label
from pipeline_tui.core.model import KNOWN_FIELDS, Opportunity, jsonable
from pipeline_tui.i18n import N_, _, pgettext
from pipeline_tui.terminal_text import printable
from pipeline_tui.tui.bindings import translate_bindings
from pipeline_tui.tui.board.state import DealView
from pipeline_tui.tui.deal.keys import DEAL_BINDINGS, DealScreen
from pipeline_tui.tui.deal.profile import completeness
from pipeline_tui.tui.formatting import full_amount, long_date, short_date

if TYPE_CHECKING:
    from pipeline_tui.tui.board.state import BoardState

_SKIP = {"title", "activities", "notes", "next_step"}


class DetailScreen(DealScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "app.pop_screen", N_("Back")),
        *DEAL_BINDINGS,
        Binding("q", "app.quit", N_("Quit")),
    ]

    def __init__(self, view: DealView, now: Callable[[], datetime]) -> None:
        super().__init__(classes="detail-screen")
        translate_bindings(self)
        self.view = view
        self.now = now

    @property
    def opp_id(self) -> str:
        return self.view.record.id

    @property
    def record(self) -> Opportunity:
        return self.view.record

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with VerticalScroll(id="detail"):
            yield Static(id="summary", classes="section")
            yield Static(id="warnings", classes="section warnings")
            yield Static(id="fields", classes="section")
            yield Static(id="activities", classes="section")
            yield Static(id="notes", classes="section")
            yield Static(id="timeline", classes="section")
            yield Static(id="audit", classes="section")
        yield Footer()

    def on_mount(self) -> None:
        self.paint()

    def follow_board(self, state: BoardState) -> None:
        view = state.deal_view(self.opp_id, self.view)
        if view is not None:
            self.show(view)

    def show(self, view: DealView) -> None:
        """New data from the owner (a write, an external edit, fresh history)."""
        self.view = view
        if self.is_mounted:
            self.paint()

    def paint(self) -> None:
        record = self.record
        self.title = printable(record.title)
        self.sub_title = record.id + (f" · {_('deleted or unreadable')}" if self.view.gone else "")
        self._set("summary", _("Summary"), self._summary())
        self._set("warnings", _("Problems"), self._warnings())
        self._set("fields", _("Fields"), self._fields())
        self._set("activities", _("Activities"), self._activities())
        self._set(
            "notes", _("Notes"), Text(printable(record.notes.rstrip())) if record.notes else None
        )
        self._set("timeline", _("Stage timeline"), self._timeline())
        self._set("audit", _("Field changes"), self._audit())

    def _set(self, widget_id: str, heading: str, body: RenderableType | None) -> None:
        widget = self.query_one(f"#{widget_id}", Static)
        widget.border_title = heading
        widget.display = body is not None
        if body is not None:
            widget.update(body)

    # ------------------------------------------------------------------ sections

    def _summary(self) -> RenderableType:
        record = self.record
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        table.add_row(_("Account"), printable(record.account))
        table.add_row(_("Stage"), self._stage_line())
        table.add_row(
            _("Amount"), full_amount(record.amount, record.currency or self.view.config.currency)
        )
        table.add_row(_("Owner"), printable(record.owner or "—"))
        table.add_row(_("Next step"), self._next_step())
        share, missing = completeness(record, self.view.config)
        if share is not None:
            line = Text(f"{share:.0%}")
            if missing:
                line.append("  " + _("missing") + ": " + ", ".join(missing), style="dim")
            table.add_row(_("Profile completeness"), line)
        return table

    def _warnings(self) -> RenderableType | None:
        """Warnings ``validate`` has for this file (say, an owner not in the team)."""
        found = self.view.problems
        if not found:
            return None
        text = Text()
        for index, problem in enumerate(found):
            if index:
                text.append("\n")
            where = f"{_('line')} {problem.line}: " if problem.line else ""
            what = f"{problem.field}: {problem.message}" if problem.field else problem.message
            text.append(f"{where}{printable(what)}", style="yellow")
        return text

    def _stage_line(self) -> Text:
        record = self.record
        text = Text(record.stage, style="bold")
        probability = self.view.probability
        text.append(f"  {probability:.0%}", style="dim")
        current = self.view.timeline.current if self.view.timeline else None
        if current is not None and current.stage == record.stage:
            days = current.days(self.now())
            text.append("  " + _("{days} days in stage").format(days=int(days)))
            if self.view.config.has_stage(record.stage):
                limit = self.view.config.stage(record.stage).max_days
                if limit is not None and days > limit:
                    text.append("  " + _("stale"), style="bold yellow")
        return text

    def _next_step(self) -> Text:
        step = self.record.next_step
        if step is None or (step.action is None and step.due is None):
            return Text("—", style="dim")
        text = Text(printable(step.action or ""))
        if step.due is not None:
            overdue = step.due < self.now().date() and self.view.config.is_open(self.record.stage)
            text.append(
                f"  {_('due')} {long_date(step.due)}", style="bold red" if overdue else "dim"
            )
            if overdue:
                text.append("  " + _("overdue"), style="bold red")
        return text

    def _fields(self) -> RenderableType:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for key, value in self.record.data.items():
            if key in _SKIP:
                continue
            label = Text(printable(field_label(str(key))))
            if key not in KNOWN_FIELDS:
                label.append(" (" + _("custom") + ")", style="dim italic")
            if key in ("source", "lost_reason") and isinstance(value, str):
                value = self.view.config.value_display(key, value)
            table.add_row(label, _plain(value))
        return table

    def _activities(self) -> RenderableType | None:
        if not self.record.activities:
            return Text(_("No activities yet (press a to log one)"), style="dim")
        table = Table(box=None, padding=(0, 1), show_edge=False, expand=True)
        table.add_column(_("When"), no_wrap=True)
        table.add_column(_("Kind"), no_wrap=True)
        table.add_column(_("By"), no_wrap=True)
        table.add_column(_("Note"), ratio=1)
        for activity in sorted(self.record.activities, key=lambda a: a.at, reverse=True):
            table.add_row(
                short_date(activity.at),
                _(activity.kind),
                printable(activity.by or ""),
                printable(activity.note or ""),
            )
        return table

    def _timeline(self) -> RenderableType:
        if self.view.timeline is None:
            loading = not self.view.history_loaded
            message = _("loading history…") if loading else _("no history yet")
            return Text(message, style="dim")
        now = self.now()
        table = Table(box=None, padding=(0, 1), show_edge=False, expand=True)
        table.add_column(_("Stage"), no_wrap=True)
        table.add_column(pgettext("timeline", "Entered"), no_wrap=True, min_width=10)
        table.add_column(pgettext("timeline", "Left"), no_wrap=True, min_width=10)
        table.add_column(_("Days"), no_wrap=True, justify="right", min_width=5)
        table.add_column(_("By"), no_wrap=True, ratio=1, overflow="ellipsis")
        for interval in self.view.timeline.stages:
            left = interval.left.date().isoformat() if interval.left else _("now")
            table.add_row(
                interval.stage,
                interval.entered.date().isoformat(),
                left,
                f"{interval.days(now):.1f}",
                printable(interval.author or "") + (" *" if interval.uncommitted else ""),
            )
        return table

    def _audit(self) -> RenderableType | None:
        if self.view.timeline is None or not self.view.timeline.changes:
            return None
        table = Table(box=None, padding=(0, 1), show_edge=False, expand=True)
        table.add_column(_("When"), no_wrap=True, min_width=10)
        table.add_column(_("By"), no_wrap=True, max_width=16, overflow="ellipsis")
        table.add_column(_("Field"), no_wrap=True)
        table.add_column(_("Change"), ratio=1)
        for change in reversed(self.view.timeline.changes):
            table.add_row(
                change.at.date().isoformat(),
                printable(change.author),
                printable(change.field),
                Group(
                    Text.assemble((_short(change.old), "red"), " → ", (_short(change.new), "green"))
                ),
            )
        return table

    # ------------------------------------------------------------------ deal keys

    def chosen_deal(self) -> str | None:
        """This deal; the owner says so if it is no longer readable."""
        return self.opp_id

    def undo_scope(self) -> str | None:
        """In a deal's detail, ``u`` undoes the last change to that deal."""
        return self.opp_id


def _plain(value: Any) -> str:
    """A field value as one line of text, control characters escaped."""
    return printable(_text(value))


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return short_date(value)
    value = jsonable(value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "—" if value is None else str(value)


def _short(value: Any, limit: int = 60) -> str:
    text = _plain(value) if value is not None else "∅"
    return text if len(text) <= limit else text[: limit - 1] + "…"
