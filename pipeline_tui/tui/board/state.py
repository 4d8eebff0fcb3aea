"""The board's state as a plain object: the data, how it stays current, the filter, the cursor.

:class:`BoardState` holds what the board shows (the :class:`Pipeline`, history
timelines, the uncommitted files), the filter and the selection, and keeps
them in step with the disk and git.  It knows nothing of Textual, so loading,
polling, filtering and applying a write are tested with plain calls
(``tests/tui/test_state.py``).

Slow jobs come in halves so the screen can run the first in a worker thread:
``read_*`` only reads (files, git) and changes no attribute; ``apply_*`` takes
the answer on the UI thread.  The screen decides *when* (timers, workers);
this object decides *what*.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Literal

from pipeline_tui.automation import wire
from pipeline_tui.core.config import CONFIG_FILE, PipelineConfig
from pipeline_tui.core.errors import InvalidData, PipelineError
from pipeline_tui.core.model import Opportunity, Pipeline, Problem
from pipeline_tui.core.timeline import StageInterval, Timeline
from pipeline_tui.edits.change import Change
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.git.shallow import boundaries
from pipeline_tui.storage.cachefile import git_dir
from pipeline_tui.storage.store import LoadProgress
from pipeline_tui.tui.board.cards import CardCache, ColumnData, build_columns
from pipeline_tui.tui.board.filtering import BoardFilter
from pipeline_tui.tui.board.glance import glance
from pipeline_tui.tui.board.live import (
    Snapshot,
    apply_file_changes,
    changed_snapshot,
    compare,
    take_snapshot,
)

#: What a changed pipeline.yaml means for the board (see :meth:`BoardState.apply_config`).
ConfigOutcome = Literal["restart", "reload", "broken"]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Loaded:
    """Every record, and what the files looked like when they were read."""

    pipeline: Pipeline
    snapshot: Snapshot


@dataclass(frozen=True)
class Reload:
    """What one poll found: files parsed again on top of ``base`` (or a changed config)."""

    base: Pipeline
    snapshot: Snapshot
    files: frozenset[str]
    git: bool
    config: bool
    updated: Pipeline
    uncommitted: frozenset[str]

    @property
    def changed(self) -> bool:
        """False for a walk that found every file as it was (only its snapshot is news)."""
        return bool(self.files) or self.git or self.config


@dataclass(frozen=True)
class DealView:
    """What the detail screen shows of one deal; handed down again on every change."""

    record: Opportunity
    config: PipelineConfig
    timeline: Timeline | None
    history_loaded: bool
    problems: tuple[Problem, ...]
    probability: float
    gone: bool = False


def config_problems_of(exc: PipelineError) -> list[Problem]:
    """What the problems panel shows for a pipeline.yaml that stopped loading.

    Its own problems, each with its line (as ``validate`` prints them), not the
    one heading ``pipeline.yaml is invalid, fix it first:`` that introduces them.
    """
    found = (
        [p for p in exc.problems if isinstance(p, Problem)] if isinstance(exc, InvalidData) else []
    )
    return found or [Problem(CONFIG_FILE, str(exc))]


class BoardState:
    """The board's data, filter and cursor; no Textual, no threads of its own."""

    def __init__(self, workspace: Workspace, now: Callable[[], datetime]) -> None:
        self.workspace = workspace
        self.now = now
        self.config = workspace.config
        self.pipeline = Pipeline(self.config, ())
        self.timelines: dict[str, Timeline] | None = None
        # each deal's current stay, in before the timelines on a first load (days on the cards)
        self.stays: dict[str, StageInterval | None] | None = None
        self.uncommitted: set[str] = set()
        self.snapshot: Snapshot | None = None
        self.loaded = False
        self.reading: tuple[int, int] | None = None  # (files read, files in all) while loading
        self.history_loaded = False
        self.shallow_history = False  # a shallow clone: stage days before it are unknown
        self.syncing = False
        self.extra_problems: list[Problem] = []
        self.filter = BoardFilter()
        self.show_closed = False
        self.columns: tuple[ColumnData, ...] = ()
        self.card_cache = CardCache()
        self.active_stage = self.config.entry_stage.name
        self.active_id: str | None = None
        self.active_index = 0
        self.build()  # every column with its name before a single file is read

    # ------------------------------------------------------------------ loading

    @property
    def settled(self) -> bool:
        """Every file read and history in: what the board shows is complete."""
        return self.loaded and self.history_loaded

    def read_glance(self, rows: int) -> tuple[Opportunity, ...]:
        """The first files' records, enough for ``rows`` cards a column (see :mod:`.glance`)."""
        return glance(self.workspace.store, self.config, rows)

    def read_records(self, progress: LoadProgress | None = None) -> Loaded:
        """Snapshot first, then parse: a file changed in between is seen by the next poll.

        ``progress`` hears after each file (see :data:`LoadProgress`), so the
        screen can show the cards read so far while a cold load goes on.
        """
        snapshot = take_snapshot(self.workspace.store, self._git_dir())
        return Loaded(self.workspace.load(progress), snapshot)

    def apply_partial(
        self, records: Sequence[Opportunity], done: int | None = None, total: int | None = None
    ) -> None:
        """Show the records read so far (a first load still going on); nothing is final yet.

        ``done`` and ``total`` count the files of the full load; a glance has neither.
        """
        if self.loaded:  # a reload: the board keeps its complete data until the new one is in
            return
        self.pipeline = Pipeline(self.config, tuple(records))
        if done is not None and total is not None:
            self.reading = (done, total)
        self.build()
        # rows are still arriving (in file order): the cursor keeps its row, not a deal,
        # so the loaded board starts on the column's first card however the read went
        self.active_id = None

    def apply_records(self, loaded: Loaded) -> None:
        self.pipeline = loaded.pipeline
        self.snapshot = loaded.snapshot
        self.loaded = True
        self.reading = None
        self.build()

    def read_uncommitted(self) -> set[str]:
        """Record paths that differ from HEAD (``opportunities/x.yaml``)."""
        store = self.workspace.store
        try:
            paths = self.workspace.git.uncommitted_paths(store.opportunities_dir)
        except Exception:  # no git, or git unhappy: no badges rather than no board
            return set()
        return {store.relpath(p) for p in paths if p.is_relative_to(store.root)}

    def apply_uncommitted(self, paths: set[str]) -> bool:
        """Take the uncommitted set; True when it changed (the board repaints)."""
        if paths == self.uncommitted:
            return False
        self.uncommitted = set(paths)
        self.build()
        return True

    def read_stays(self, progress: Progress) -> dict[str, StageInterval | None]:
        """Each deal's current stay: all the cards show of the history, in before the rest.

        On a cold start the history's second process hands them over before
        it saves its cache, and they are a small part of a warm cache, so days
        in stage appear without waiting for every timeline to be read.
        """
        from pipeline_tui.history import current_stays  # heavy: imported after the first paint

        return current_stays(self.workspace.root, self.pipeline, progress=progress, now=self.now())

    def apply_stays(self, stays: dict[str, StageInterval | None]) -> bool:
        """Take the stays for the cards; False (and ignored) once the timelines are in."""
        if self.timelines is not None:
            return False
        self.stays = stays
        self.build()
        return True

    @property
    def days_known(self) -> bool:
        """Whether the cards show days in stage (from the stays or the timelines)."""
        return self.stays is not None or self.timelines is not None

    def read_history(self, progress: Progress) -> dict[str, Timeline]:
        """Timelines from git (cached in .git/pipeline-tui); raises when git cannot say."""
        from pipeline_tui.history import load_timelines  # heavy: imported after the first paint

        return load_timelines(
            self.workspace.root, progress=progress, now=self.now(), pipeline=self.pipeline
        )

    def apply_history(self, timelines: dict[str, Timeline]) -> None:
        self.timelines = timelines
        self.history_loaded = True
        self.shallow_history = bool(boundaries(self.workspace.root))
        self.build()

    def history_failed(self) -> None:
        """History is a nicety: the board works without days in stage."""
        self.history_loaded = True

    def _git_dir(self) -> Path | None:
        """The repository's ``.git`` folder, without GitPython until a write or status needs it.

        Opening the workspace's :class:`~pipeline_tui.git.repo.GitRepo` imports GitPython,
        0.13 s of CPU that the first load, which asks for this, would wait for.
        """
        return git_dir(self.workspace.root)

    # ------------------------------------------------------------------ live reload

    def read_changes(self) -> Reload | None:
        """Compare stamps and parse only changed files.

        None when the cheap look (:func:`.live.changed_snapshot`) saw nothing
        move; a reload that has not :attr:`~Reload.changed` when a full walk
        found every file as it was (its snapshot dates the next walk).
        """
        old = self.snapshot
        if old is None:
            return None
        new = changed_snapshot(self.workspace.store, self._git_dir(), old)
        if new is None:
            return None
        changes = compare(old, new)
        base = self.pipeline
        if not changes.any:  # the next full walk is counted from this one
            return Reload(base, new, frozenset(), False, False, base, frozenset())
        if changes.config:  # the config decides how files parse: the screen reloads everything
            return Reload(base, new, changes.files, changes.git, True, base, frozenset())
        updated = apply_file_changes(base, self.workspace.store, changes.files)
        uncommitted = frozenset(self.read_uncommitted())
        return Reload(base, new, changes.files, changes.git, False, updated, uncommitted)

    def apply_reload(self, reload: Reload) -> None:
        """Take a poll's answer; a write that landed meanwhile is kept (redone on top)."""
        if not reload.changed:  # only the walk's time is news
            if self.pipeline is reload.base:  # else a load or write landed meanwhile: keep its
                self.snapshot = reload.snapshot
            return
        updated = reload.updated
        if self.pipeline is not reload.base:
            updated = apply_file_changes(self.pipeline, self.workspace.store, reload.files)
        self.pipeline = updated
        self.uncommitted = set(reload.uncommitted)
        self.snapshot = reload.snapshot
        self.build()

    def apply_config(self, snapshot: Snapshot) -> ConfigOutcome:
        """pipeline.yaml changed: "restart" (new stages), "reload" (same stages) or "broken"."""
        try:
            workspace = Workspace(self.workspace.root, self.workspace.author_name)
            config = workspace.config
            wire(workspace)  # the rules in the new pipeline.yaml
        except PipelineError as exc:
            self.snapshot = snapshot
            self.extra_problems = config_problems_of(exc)
            self.build()
            return "broken"
        self.extra_problems = []
        if config.stage_names != self.config.stage_names:
            return "restart"
        self.workspace = workspace
        self.config = config
        return "reload"

    # ------------------------------------------------------------------ writes

    def apply_change(self, change: Change) -> set[str]:
        """Put a written record in place; returns the stages it touched (rebuilt)."""
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
        self.build(only=touched)
        return touched

    def follow(self, record: Opportunity) -> set[str]:
        """Select a just moved or created deal where it is now, if that column is reachable."""
        if record.stage not in self.navigable():
            return set()
        return self.select(record.stage, 0, record.id)

    # ------------------------------------------------------------------ columns and filter

    def build(self, only: set[str] | None = None) -> None:
        """Recompute the column values (all, or just ``only``) and keep the cursor valid."""
        fresh = build_columns(
            self.pipeline,
            self.timelines,
            self.uncommitted,
            self.filter,
            self.now(),
            self.card_cache,
            only,
            self.stays,
        )
        if only is None or len(self.columns) != len(self.config.stages):
            self.columns = fresh
        else:
            by_stage = {c.stage: c for c in fresh}
            self.columns = tuple(by_stage.get(c.stage, c) for c in self.columns)
        self.fix_cursor()

    @property
    def problems(self) -> list[Problem]:
        return [*self.pipeline.problems, *self.extra_problems]

    @property
    def shown(self) -> int:
        """How many cards pass the filter (the filter bar says "shown/total")."""
        return sum(len(c.cards) for c in self.columns)

    def set_filter(self, board_filter: BoardFilter) -> bool:
        """Take a new filter; True when it differs (the board repaints)."""
        if board_filter == self.filter:
            return False
        self.filter = board_filter
        self.build()
        return True

    def toggle_closed(self) -> None:
        self.show_closed = not self.show_closed
        self.build()

    def owners(self) -> tuple[str, ...]:
        names = {r.owner for r in self.pipeline.opportunities if r.owner}
        return tuple(sorted(names | set(self.config.team)))

    def sources(self) -> tuple[str, ...]:
        found = {r.source for r in self.pipeline.opportunities if r.source}
        return tuple(sorted(set(self.config.sources) | found))

    def tags(self) -> tuple[str, ...]:
        return tuple(sorted({t for r in self.pipeline.opportunities for t in r.tags}))

    # ------------------------------------------------------------------ cursor

    def column(self, stage: str) -> ColumnData | None:
        for column in self.columns:
            if column.stage == stage:
                return column
        return None

    def navigable(self) -> list[str]:
        """Stages the cursor can reach (won and lost only while they are shown)."""
        return [s.name for s in self.config.stages if self.show_closed or not s.terminal]

    def fix_cursor(self) -> None:
        """Keep the cursor on the same deal if it is still shown, else on the same row."""
        if self.active_stage not in self.navigable():
            self.active_stage = self.navigable()[0]
        column = self.column(self.active_stage)
        if column is None:
            return
        found = column.index_of(self.active_id) if self.active_id else None
        if found is None:
            found = max(0, min(self.active_index, len(column.cards) - 1))
        self.active_index = found
        self.active_id = column.cards[found].id if column.cards else None

    def cursor_y(self, delta: int) -> bool:
        """Move within the column (clamped); True when there was a card to move to."""
        column = self.column(self.active_stage)
        if column is None or not column.cards:
            return False
        self.active_index = max(0, min(self.active_index + delta, len(column.cards) - 1))
        self.active_id = column.cards[self.active_index].id
        return True

    def cursor_x(self, delta: int) -> set[str]:
        """Move across reachable columns, keeping the row; returns the columns to repaint."""
        stages = self.navigable()
        position = stages.index(self.active_stage) if self.active_stage in stages else 0
        target = stages[max(0, min(position + delta, len(stages) - 1))]
        if target == self.active_stage:
            return set()
        return self.select(target, self.active_index)

    def select(self, stage: str, index: int, opp_id: str | None = None) -> set[str]:
        """Put the cursor on ``stage`` (row ``index`` or deal ``opp_id``); returns both columns."""
        previous = self.active_stage
        self.active_stage = stage
        self.active_index = index
        self.active_id = opp_id
        self.fix_cursor()
        return {previous, self.active_stage}

    def selected(self) -> Opportunity | None:
        return self.record(self.active_id) if self.active_id else None

    # ------------------------------------------------------------------ one deal

    def record(self, opp_id: str) -> Opportunity | None:
        for record in self.pipeline.opportunities:
            if record.id == opp_id:
                return record
        return None

    def move_target(self, record: Opportunity, step: int) -> str | None:
        """The open stage ``step`` away; a closed deal steps back into the last open stage."""
        if self.config.is_open(record.stage):
            return self.config.next_open_stage(record.stage, step)
        open_stages = self.config.open_stages
        return open_stages[-1].name if step < 0 and open_stages else None

    def deal_view(self, opp_id: str, last: DealView | None = None) -> DealView | None:
        """What the detail screen needs of one deal.

        When the deal is gone or its file unreadable, ``last`` (what the screen
        showed) comes back marked gone, with the file's current problems, so
        the screen can say what is wrong; without ``last`` that is None.
        """
        record = self.record(opp_id)
        if record is None:
            if last is None:
                return None
            path = last.record.path
            problems = tuple(p for p in self.problems if p.path == path)
            return replace(last, problems=problems, gone=True)
        timelines: Mapping[str, Timeline] = self.timelines or {}
        return DealView(
            record,
            self.config,
            timelines.get(opp_id),
            self.history_loaded,
            tuple(p for p in self.pipeline.problems if p.path == record.path),
            self.pipeline.probability(record),
        )
