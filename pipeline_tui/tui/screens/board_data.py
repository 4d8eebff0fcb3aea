"""The board's data and how it stays current: loading, history, live reload, writes, sync.

:class:`BoardData` holds what the board shows (the :class:`Pipeline`, history
timelines, the uncommitted files) and keeps it in step with the disk and git:
records load in a worker so the board paints first, history and ``git
status`` follow, a timer polls for outside changes, and every write goes
through :class:`Workspace` exactly as the CLI does.  How it is shown (columns,
cursor, forms) is :class:`~pipeline_tui.tui.screens.board.BoardScreen`'s job.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from textual import work
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import get_current_worker

from pipeline_tui.core.errors import PipelineError
from pipeline_tui.core.model import Opportunity, Pipeline, Problem
from pipeline_tui.core.timeline import Timeline
from pipeline_tui.edits.workspace import Change, Workspace
from pipeline_tui.git.shallow import boundaries
from pipeline_tui.i18n import _
from pipeline_tui.tui.live import Snapshot, apply_file_changes, compare, take_snapshot

#: Seconds between the board's first paint and starting git status and history.
HISTORY_DELAY_S = 0.3


class BoardData(Screen[None]):
    """The data half of the board screen (no layout, no keys of its own)."""

    def __init__(
        self,
        workspace: Workspace,
        now: Callable[[], datetime],
        poll_interval: float = 1.0,
    ) -> None:
        super().__init__(classes="board-screen")
        self.workspace = workspace
        self.now = now
        self.poll_interval = poll_interval
        self.config = workspace.config
        self.pipeline = Pipeline(self.config, ())
        self.timelines: dict[str, Timeline] | None = None
        self.uncommitted: set[str] = set()
        self.snapshot: Snapshot | None = None
        self.loaded = False
        self.syncing = False
        self.history_loaded = False
        self.extra_problems: list[Problem] = []

    def paint(self, only: set[str] | None = None) -> None:
        """Show the data (all columns, or just ``only``); the board screen implements it."""
        raise NotImplementedError

    def _sync_detail(self) -> None:
        """Pass fresh data to an open detail screen; the board screen implements it."""
        raise NotImplementedError

    def start_watching(self) -> None:
        self.load_everything()
        if self.poll_interval > 0:
            self.set_interval(self.poll_interval, self.check_for_changes)

    # ------------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="load")
    def load_everything(self) -> None:
        """Records first: the board paints before git status and history start."""
        snapshot = take_snapshot(self.workspace.store, self._git_dir())
        pipeline = self.workspace.load()
        if not _superseded():
            self.app.call_from_thread(self._loaded, pipeline, snapshot)

    def _loaded(self, pipeline: Pipeline, snapshot: Snapshot) -> None:
        self.pipeline = pipeline
        self.snapshot = snapshot
        self.loaded = True
        self.paint()
        # Start the slower work once this frame is on screen, so it cannot delay it
        # (a worker thread competes with the painting for Python's interpreter lock).
        self.set_timer(HISTORY_DELAY_S, self.load_history)

    def _status_loaded(self, uncommitted: set[str]) -> None:
        if uncommitted != self.uncommitted:
            self.uncommitted = uncommitted
            self.paint()

    @work(thread=True, exclusive=True, group="history")
    def load_history(self) -> None:
        """Uncommitted files, then timelines from git (cached in .git/pipeline-tui)."""
        from pipeline_tui.history import load_timelines  # imported after the first paint

        self.app.call_from_thread(self._set_status, _("loading history…"))
        self.app.call_from_thread(self._status_loaded, self._read_uncommitted())

        shown = [0.0]

        def progress(done: int, total: int) -> None:
            moment = time.monotonic()
            if total and moment - shown[0] > 0.25:  # a few updates a second, not thousands
                shown[0] = moment
                status = _("loading history… {done}/{total}").format(done=done, total=total)
                self.app.call_from_thread(self._set_status, status)

        try:
            timelines = load_timelines(
                self.workspace.root, progress=progress, now=self.now(), pipeline=self.pipeline
            )
        except Exception as exc:  # history is a nicety; the board keeps working
            self.app.call_from_thread(self._history_failed, str(exc))
            return
        if not _superseded():
            self.app.call_from_thread(self._history_loaded, timelines)

    def _history_loaded(self, timelines: dict[str, Timeline]) -> None:
        self.timelines = timelines
        self.history_loaded = True
        shallow = boundaries(self.workspace.root)
        self._set_status(
            _("shallow history: stage days unknown (git fetch --unshallow)") if shallow else ""
        )
        self.paint()
        self._sync_detail()

    def _history_failed(self, message: str) -> None:
        self.history_loaded = True
        self._set_status(_("history unavailable"))
        self.notify(message, title=_("History"), severity="warning")

    def _set_status(self, status: str) -> None:
        name = self.workspace.root.name
        self.sub_title = f"{name} · {status}" if status else name

    def _git_dir(self) -> Any:
        try:
            return self.workspace.git.git_dir
        except PipelineError:
            return None

    def _read_uncommitted(self) -> set[str]:
        store = self.workspace.store
        try:
            paths = self.workspace.git.uncommitted_paths(store.opportunities_dir)
        except Exception:  # no git, or git unhappy: no badges rather than no board
            return set()
        return {store.relpath(p) for p in paths if p.is_relative_to(store.root)}

    # ------------------------------------------------------------------ live reload

    def check_for_changes(self) -> None:
        if self.loaded:
            self.poll_disk()

    @work(thread=True, exclusive=True, group="poll")
    def poll_disk(self) -> None:
        """Compare stamps; parse only changed files; refresh git-derived state."""
        old = self.snapshot
        if old is None:
            return
        new = take_snapshot(self.workspace.store, self._git_dir())
        changes = compare(old, new)
        if not changes.any:
            return
        base = self.pipeline
        if changes.config:
            self.app.call_from_thread(self._config_changed, new)
            return
        updated = apply_file_changes(base, self.workspace.store, changes.files)
        uncommitted = self._read_uncommitted()
        if _superseded():
            return
        self.app.call_from_thread(
            self._reloaded, base, updated, uncommitted, new, changes.files, changes.git
        )

    def _reloaded(
        self,
        base: Pipeline,
        updated: Pipeline,
        uncommitted: set[str],
        snapshot: Snapshot,
        files: frozenset[str],
        git_changed: bool,
    ) -> None:
        if self.pipeline is not base:  # a write landed meanwhile: redo on top of it
            updated = apply_file_changes(self.pipeline, self.workspace.store, files)
        self.pipeline = updated
        self.uncommitted = uncommitted
        self.snapshot = snapshot
        self.paint()
        self._sync_detail()
        if git_changed:
            self.load_history()

    def _config_changed(self, snapshot: Snapshot) -> None:
        try:
            workspace = Workspace(self.workspace.root, self.workspace.author_name)
            config = workspace.config
        except PipelineError as exc:
            self.snapshot = snapshot
            self.extra_problems = [Problem("pipeline.yaml", str(exc))]
            self.paint()
            return
        self.extra_problems = []
        if config.stage_names != self.config.stage_names:
            self.app.notify(_("Stages changed in pipeline.yaml; reopening the board"))
            self.app.call_later(self.app.run_action, "restart_board")
            return
        self.workspace = workspace
        self.config = config
        self.load_everything()

    def action_reload(self) -> None:
        self.load_everything()

    def _record(self, opp_id: str) -> Opportunity | None:
        for record in self.pipeline.opportunities:
            if record.id == opp_id:
                return record
        return None

    # ------------------------------------------------------------------ writes

    def write(self, do: Callable[[], Change]) -> Change | None:
        """Run one Workspace write; show its commit or the reason it was refused."""
        try:
            change = do()
        except PipelineError as exc:
            self.notify(str(exc), title=_("Not saved"), severity="error", timeout=8)
            return None
        self._apply_change(change)
        self.notify(change.message.splitlines()[0], title=_("Committed"), timeout=3)
        return change

    def _apply_change(self, change: Change) -> None:
        """Put the written record in place and repaint only the columns it touched."""
        record = change.record
        touched = {record.stage}
        kept = []
        for other in self.pipeline.opportunities:
            if other.path == record.path:
                touched.add(other.stage)
            else:
                kept.append(other)
        problems = tuple(p for p in self.pipeline.problems if p.path != record.path)
        self.pipeline = Pipeline(self.config, (*kept, record), problems)
        self.uncommitted.discard(record.path)
        self.paint(only=touched)
        self._sync_detail()

    # ------------------------------------------------------------------ sync

    def action_sync(self) -> None:
        if self.syncing:
            self.notify(_("A sync is already running"))
            return
        self.syncing = True
        self._set_status(_("syncing…"))
        self.run_sync()

    @work(thread=True, exclusive=True, group="sync")
    def run_sync(self) -> None:
        """``pipeline sync`` (fetch, rebase, push) without freezing the board."""
        from pipeline_tui.sync.exchange import sync

        try:
            result = sync(self.workspace.root)
        except PipelineError as exc:
            self.app.call_from_thread(self._sync_done, str(exc), "error")
            return
        severity = "warning" if result.conflicts else "information"
        self.app.call_from_thread(self._sync_done, result.summary(), severity)

    def _sync_done(self, summary: str, severity: SeverityLevel) -> None:
        self.syncing = False
        self._set_status("")
        self.notify(summary, title=_("Sync"), severity=severity, timeout=10)
        self.check_for_changes()  # show what came in right away


def _superseded() -> bool:
    """Whether a newer run of this worker replaced the current one.

    Exclusive thread workers cannot be stopped, only flagged: a slow history
    load overtaken by a newer one must not deliver its older answer last.
    """
    return get_current_worker().is_cancelled
