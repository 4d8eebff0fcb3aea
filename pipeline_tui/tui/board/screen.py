"""The board: the home screen, one column per stage, keyboard first.

The data, filter and cursor live in a plain :class:`BoardState`; this screen
decides when things happen (workers, the poll timer) and paints: it pushes
column values down into the columns, which post :class:`CardChosen` back up.
Deal keys post messages (:mod:`pipeline_tui.tui.deal.keys`) that the app
routes to :attr:`BoardScreen.deals`, the one write path; the board updates in
place from each written record, so a moved card simply appears in its new
column, and announces the change (:class:`BoardChanged`) so open detail
screens refresh.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.notifications import SeverityLevel
from textual.reactive import Reactive
from textual.widgets import Footer, Header
from textual.worker import get_current_worker

from pipeline_tui.core.errors import PipelineError
from pipeline_tui.core.model import Opportunity
from pipeline_tui.core.timeline import StageInterval, Timeline
from pipeline_tui.edits.change import Change
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.i18n import N_, _
from pipeline_tui.sync.retry import Waiting
from pipeline_tui.tui.bindings import translate_bindings
from pipeline_tui.tui.board.filter_form import FilterForm
from pipeline_tui.tui.board.filtering import BoardFilter
from pipeline_tui.tui.board.live import Snapshot
from pipeline_tui.tui.board.state import BoardState, Loaded, Reload
from pipeline_tui.tui.collector import bring_back_full_collections, put_off_full_collections
from pipeline_tui.tui.deal.actions import DealActions
from pipeline_tui.tui.deal.keys import DEAL_BINDINGS, DealScreen
from pipeline_tui.tui.help import HelpScreen
from pipeline_tui.tui.messages import (
    BoardChanged,
    CardChosen,
    ColumnToggled,
    OpenAgenda,
    OpenDeal,
    OpenMetrics,
    RestartBoard,
)
from pipeline_tui.tui.widgets.card import CARD_HEIGHT
from pipeline_tui.tui.widgets.column import StageColumn
from pipeline_tui.tui.widgets.filter_bar import FilterBar
from pipeline_tui.tui.widgets.problems import ProblemsPanel

PAGE = 5

#: While a first load reads files, the cards read so far are shown this soon, then again
#: after at least PARTIAL_EVERY_S and half the time spent so far (a repaint of thousands
#: of cards is not free, so ever more rarely); the header's count moves STATUS_EVERY_S.
PARTIAL_FIRST_S = 0.1
PARTIAL_EVERY_S = 0.5
STATUS_EVERY_S = 0.25
#: How long the loader waits for the glance to be painted before it reads on regardless.
GLANCE_PAINT_WAIT_S = 1.0


class BoardScreen(DealScreen):
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
        Binding("n", "new", N_("New")),
        *DEAL_BINDINGS,
        Binding("slash", "filter", N_("Filter")),
        Binding("escape", "clear_filter", N_("Clear filter"), show=False),
        Binding("c", "toggle_closed", N_("Closed")),
        Binding("d", "agenda", N_("Agenda")),
        Binding("m", "metrics", N_("Metrics")),
        Binding("s", "sync", N_("Sync")),
        Binding("r", "reload", N_("Reload"), show=False),
        Binding("question_mark", "help", N_("Help")),
        Binding("q", "app.quit", N_("Quit")),
    ]

    #: Screen's own, without its repaint: the header watches it and repaints its one line,
    #: while Screen's would repaint the whole board (tens of ms at 10,000 deals) each
    #: time the header counts files or history commits, several times a second.
    sub_title: Reactive[str | None] = Reactive(None, compute=False, repaint=False)

    def __init__(
        self,
        workspace: Workspace,
        now: Callable[[], datetime],
        poll_interval: float = 1.0,
    ) -> None:
        super().__init__(classes="board-screen")
        translate_bindings(self)
        self.state = BoardState(workspace, now)
        self.deals = DealActions(self, self.state, self._written, self.action_reload)
        self.poll_interval = poll_interval
        self.column_widgets: dict[str, StageColumn] = {}
        self.filter_bar = FilterBar(id="filter-bar")
        self.problems_panel = ProblemsPanel(id="problems")

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        yield self.filter_bar
        self.column_widgets = {
            stage.name: StageColumn(stage.name, id=f"column-{index}")
            for index, stage in enumerate(self.state.config.stages)
        }
        with Horizontal(id="board"):
            yield from self.column_widgets.values()
        yield self.problems_panel
        yield Footer()

    def on_mount(self) -> None:
        self.title = "pipeline"
        self.sub_title = f"{self.state.workspace.root.name} · " + _("loading…")
        self.filter_bar.display = False
        self.problems_panel.display = False
        put_off_full_collections()  # until the first load is complete (see .collector)
        self.show()  # the stage names at once, "reading…" inside
        self.load_everything()
        if self.poll_interval > 0:
            self.set_interval(self.poll_interval, self.check_for_changes)

    # ------------------------------------------------------------------ painting

    def paint(self, only: set[str] | None = None) -> None:
        """Recompute the columns (all, or just ``only``) and show them."""
        self.state.build(only)
        self.show(only)

    def show(self, only: set[str] | None = None) -> None:
        """Push the current column values down (all, or ``only`` plus the active one)."""
        state = self.state
        for column in state.columns:
            if only is None or column.stage in only or column.stage == state.active_stage:
                widget = self.column_widgets[column.stage]
                cursor = state.active_index if column.stage == state.active_stage else None
                if cursor is not None and not column.cards:
                    cursor = -1  # active but empty: highlight the column, no card
                collapsed = column.terminal and not state.show_closed
                widget.show(column, cursor, state.config.currency, collapsed, state.loaded)
        self.filter_bar.show(state.filter, state.shown, len(state.pipeline.opportunities))
        self.problems_panel.show(state.problems)

    def _changed(self, only: set[str] | None = None) -> None:
        """The data changed: show it here and tell open detail screens (via the app)."""
        self.show(only)
        self.post_message(BoardChanged())

    def _set_status(self, status: str) -> None:
        name = self.state.workspace.root.name
        self.sub_title = f"{name} · {status}" if status else name

    # ------------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="load")
    def load_everything(self) -> None:
        """A glance first, then every record: the board paints before git status and history.

        A first read of thousands of files (no parse cache yet) takes seconds,
        so a first load paints a screenful read from the first files
        (:mod:`.glance`), then hands up the cards read so far a few times a
        second while the header counts the files.
        """
        first = not self.state.loaded
        glanced = self._glance() if first else 0
        started = time.monotonic()
        first_due = started + (PARTIAL_EVERY_S if glanced else PARTIAL_FIRST_S)
        due = [first_due, started]  # next cards shown, next count shown

        def progress(records: Sequence[Opportunity], done: int, total: int) -> None:
            moment = time.monotonic()
            if not first or done >= total:
                return
            if moment >= due[0] and len(records) > glanced:  # never fewer cards than shown
                # cards: soon, then ever more rarely (each repaint costs)
                due[0] = moment + max(PARTIAL_EVERY_S, 0.5 * (moment - started))
                due[1] = moment + STATUS_EVERY_S
                part = tuple(records)  # copied here: the loader goes on appending
                self.app.call_from_thread(self._partial, part, done, total)
            elif moment >= due[1]:  # the count in the header: cheap, a few times a second
                due[1] = moment + STATUS_EVERY_S
                self.app.call_from_thread(self._reading, done, total)

        loaded = self.state.read_records(progress)
        if not _superseded():
            self.app.call_from_thread(self._loaded, loaded)

    def _glance(self) -> int:
        """Read and paint the first screenful, and wait until it is on screen; cards shown.

        The wait matters: the loader going on at once would share Python's
        interpreter lock with that first paint and delay it.
        """
        rows = self.app.size.height // CARD_HEIGHT + 1
        try:
            records = self.state.read_glance(rows)
        except Exception:  # a nicety: the full load reads every file and reports its problems
            return 0
        if not records or _superseded():
            return 0
        painted = threading.Event()
        self.app.call_from_thread(self._glanced, records, painted)
        painted.wait(GLANCE_PAINT_WAIT_S)
        return len(records)

    def _glanced(self, records: Sequence[Opportunity], painted: threading.Event) -> None:
        self.state.apply_partial(records)
        self.show()
        self.call_after_refresh(painted.set)

    def _partial(self, records: Sequence[Opportunity], done: int, total: int) -> None:
        self.state.apply_partial(records, done, total)
        self._reading(done, total)
        self.show()

    def _reading(self, done: int, total: int) -> None:
        self._set_status(_("reading deals… {done}/{total}").format(done=done, total=total))

    def _loaded(self, loaded: Loaded) -> None:
        self.state.apply_records(loaded)
        self._set_status(_("loading history…"))
        self._changed()
        # Start the slower work once this frame is on screen, so it cannot delay it
        # (a worker thread competes with the painting for Python's interpreter lock).
        self.call_after_refresh(self.load_git_state)

    def load_git_state(self) -> None:
        """Uncommitted files and the history, read side by side.

        Why apart: ``git status`` over 10,000 files takes a third of a second
        of git's own time, and days in stage need not wait for it.
        """
        self.load_status()
        self.load_history()

    @work(thread=True, exclusive=True, group="status")
    def load_status(self) -> None:
        """Which record files differ from HEAD (their cards get a badge)."""
        self.app.call_from_thread(self._status_loaded, self.state.read_uncommitted())

    @work(thread=True, exclusive=True, group="history")
    def load_history(self) -> None:
        """Timelines from git (cached in .git/pipeline-tui)."""
        self.app.call_from_thread(self._set_status, _("loading history…"))
        shown = [0.0]

        def progress(done: int, total: int) -> None:
            moment = time.monotonic()
            if total and moment - shown[0] > 0.25:  # a few updates a second, not thousands
                shown[0] = moment
                status = _("loading history… {done}/{total}").format(done=done, total=total)
                self.app.call_from_thread(self._set_status, status)

        try:
            if not self.state.days_known:  # a first load: days on the cards before the rest
                stays = self.state.read_stays(progress)
                if not _superseded():
                    self.app.call_from_thread(self._stays_loaded, stays)
            timelines = self.state.read_history(progress)
        except Exception as exc:  # history is a nicety; the board keeps working
            self.app.call_from_thread(self._history_failed, str(exc))
            return
        if not _superseded():
            self.app.call_from_thread(self._history_loaded, timelines)

    def _stays_loaded(self, stays: dict[str, StageInterval | None]) -> None:
        if self.state.apply_stays(stays):
            self.show()

    def _status_loaded(self, uncommitted: set[str]) -> None:
        if self.state.apply_uncommitted(uncommitted):
            self._changed()

    def _history_loaded(self, timelines: dict[str, Timeline]) -> None:
        self.state.apply_history(timelines)
        shallow = _("shallow history: stage days unknown (git fetch --unshallow)")
        self._set_status(shallow if self.state.shallow_history else "")
        self._changed()
        self.call_after_refresh(bring_back_full_collections)  # the put-off one after the paint

    def _history_failed(self, message: str) -> None:
        self.state.history_failed()
        self._set_status(_("history unavailable"))
        self.notify(message, title=_("History"), severity="warning")
        self.call_after_refresh(bring_back_full_collections)

    def on_unmount(self) -> None:
        bring_back_full_collections()  # a board closed before its first load was complete

    # ------------------------------------------------------------------ live reload

    def check_for_changes(self) -> None:
        if self.state.loaded:
            self.poll_disk()

    @work(thread=True, exclusive=True, group="poll")
    def poll_disk(self) -> None:
        """Compare stamps; parse only changed files; refresh git-derived state."""
        reload = self.state.read_changes()
        if reload is not None and not _superseded():
            self.app.call_from_thread(self._reloaded, reload)

    def _reloaded(self, reload: Reload) -> None:
        if not reload.changed:  # the same files: only the walk's time is kept
            self.state.apply_reload(reload)
            return
        if reload.config:
            self._config_changed(reload.snapshot)
            return
        self.state.apply_reload(reload)
        self._changed()
        if reload.git:
            self.load_git_state()

    def _config_changed(self, snapshot: Snapshot) -> None:
        outcome = self.state.apply_config(snapshot)
        if outcome == "broken":
            self.show()
        elif outcome == "restart":
            self.app.notify(_("Stages changed in pipeline.yaml; reopening the board"))
            self.post_message(RestartBoard())
        else:
            self.load_everything()

    def action_reload(self) -> None:
        self.load_everything()

    # ------------------------------------------------------------------ writes and sync

    def _written(self, change: Change, follow: bool) -> None:
        """A write committed: take its record, follow the card if asked, repaint what moved."""
        touched = self.state.apply_change(change)
        if follow:
            touched |= self.state.follow(change.record)
        self._changed(touched)

    def action_sync(self) -> None:
        if self.state.syncing:
            self.notify(_("A sync is already running"))
            return
        self.state.syncing = True
        self._set_status(_("syncing…"))
        self.run_sync()

    @work(thread=True, exclusive=True, group="sync")
    def run_sync(self) -> None:
        """``pipeline sync`` (fetch, rebase, push) without freezing the board.

        While teammates are pushing, sync waits and retries; the header says so.
        """
        from pipeline_tui.sync.exchange import sync  # heavy, and only needed on `s`

        def waiting(wait: Waiting) -> None:
            status = _("syncing… teammates are pushing, attempt {n} in {s:.1f} s")
            self.app.call_from_thread(
                self._set_status, status.format(n=wait.attempt + 1, s=wait.seconds)
            )

        try:
            result = sync(self.state.workspace.root, on_wait=waiting)
        except PipelineError as exc:
            self.app.call_from_thread(self._sync_done, str(exc), "error")
            return
        severity = "warning" if result.conflicts else "information"
        self.app.call_from_thread(self._sync_done, result.summary(), severity)

    def _sync_done(self, summary: str, severity: SeverityLevel) -> None:
        self.state.syncing = False
        self._set_status("")
        self.notify(summary, title=_("Sync"), severity=severity, timeout=10)
        self.check_for_changes()  # show what came in right away

    # ------------------------------------------------------------------ cursor

    def action_cursor_y(self, delta: int) -> None:
        if self.state.cursor_y(delta):
            self.show({self.state.active_stage})

    def action_cursor_x(self, delta: int) -> None:
        touched = self.state.cursor_x(delta)
        if touched:
            self.show(touched)

    @on(CardChosen)
    def _card_chosen(self, message: CardChosen) -> None:
        column = self.state.column(message.stage)
        if column is None or message.index >= len(column.cards):
            return
        self.show(self.state.select(message.stage, message.index, column.cards[message.index].id))
        if message.open:
            self.action_open()

    @on(ColumnToggled)
    def _column_toggled(self, message: ColumnToggled) -> None:
        self.action_toggle_closed()

    def action_toggle_closed(self) -> None:
        self.state.toggle_closed()
        self.show()

    def chosen_deal(self) -> str | None:
        record = self.state.selected()
        if record is None:
            self.notify(_("Select a card first"), severity="warning")
            return None
        return record.id

    # ------------------------------------------------------------------ other screens

    def action_open(self) -> None:
        record = self.state.selected()
        if record is not None:
            self.post_message(OpenDeal(record.id))

    def action_agenda(self) -> None:
        self.post_message(OpenAgenda())

    def action_metrics(self) -> None:
        self.post_message(OpenMetrics())

    def action_new(self) -> None:
        self.deals.new()

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

    def action_filter(self) -> None:
        state = self.state

        def done(result: BoardFilter | None) -> None:
            if result is not None and state.set_filter(result):
                self.show()

        form = FilterForm(
            state.filter,
            state.owners(),
            state.sources(),
            state.tags(),
            state.config.value_display,
        )
        self.app.push_screen(form, done)

    def action_clear_filter(self) -> None:
        if self.state.set_filter(BoardFilter()):
            self.show()


def _superseded() -> bool:
    """Whether a newer run of this worker replaced the current one.

    Exclusive thread workers cannot be stopped, only flagged: a slow history
    load overtaken by a newer one must not deliver its older answer last.
    """
    return get_current_worker().is_cancelled
