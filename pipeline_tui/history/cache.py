"""The history engine's persistent cache, in ``.git/pipeline-tui/`` (never committed).

Reading 37,000 commits takes as long as git needs to list them (tens of
seconds at 10,000 deals); reading the cache takes a fraction of a second.
The cache holds, up to a ``head`` commit, each opportunity's events and the
timeline derived from them.  On each use:

* HEAD unchanged: the cached answer is used as it is;
* HEAD moved forward (the cached head is an ancestor): only the new commits
  are read, and only the opportunities they touched are re-derived;
* anything else (rebase, reset, amend, another branch): history was
  rewritten, so it is read again from scratch.

Each opportunity's events and timeline are pickled separately and only
unpickled when asked for, so a warm ``pipeline list`` (which needs only each
deal's current stay) and an update after one commit touch a few entries, not
100,000 objects.  The file is written atomically; a cache that cannot be read
(other version, damaged, other folder) is rebuilt.  It lives inside ``.git/``
so it is as trusted as the repository's own hooks and config.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline_tui.core.timeline import FieldChange, StageInterval, Timeline
from pipeline_tui.git import log
from pipeline_tui.history import (
    ConfigVersion,
    Event,
    History,
    Progress,
    derive,
    read_history,
)
from pipeline_tui.storage import fastpickle

CACHE_DIR = "pipeline-tui"
CACHE_FILE = "history.pickle"
PACKED_FILE = "history-entries.pickle"
_VERSION = 4
_CLASSES = (Timeline, StageInterval, FieldChange, Event, ConfigVersion)
_LAYOUT = fastpickle.layout(_CLASSES)


@dataclass
class CacheState:
    """The cache: per-opportunity pickles plus what every reader needs at once."""

    version: int
    prefix: str
    head: str | None
    next_seq: int
    config: list[ConfigVersion]
    stays: dict[str, StageInterval]
    _packed: tuple[dict[str, bytes], dict[str, bytes]] | None = field(default=None, repr=False)
    _packed_path: Path | None = field(default=None, repr=False)
    _timelines: dict[str, Timeline] | None = field(default=None, repr=False)

    @property
    def packed_events(self) -> dict[str, bytes]:
        return self._load_packed()[0]

    @property
    def packed_timelines(self) -> dict[str, bytes]:
        return self._load_packed()[1]

    def _load_packed(self) -> tuple[dict[str, bytes], dict[str, bytes]]:
        """Per-opportunity pickles, from their own file (a warm ``list`` never reads it)."""
        if self._packed is None:
            self._packed = _read_packed(self._packed_path, self.head)
        if self._packed is None:
            raise _Stale
        return self._packed

    @property
    def timelines(self) -> dict[str, Timeline]:
        """Every timeline (unpickled on first use)."""
        if self._timelines is None:
            self._timelines = {k: pickle.loads(v) for k, v in self.packed_timelines.items()}
        return self._timelines

    @property
    def history(self) -> History:
        """All events (unpickled on each call: only ``as_of`` needs them all)."""
        events = {k: pickle.loads(v) for k, v in self.packed_events.items()}
        return History(self.head, events, list(self.config), self.next_seq)

    def absorb(self, newer: History) -> None:
        """Add a newer slice of history, re-deriving only the opportunities it touched."""
        for opp_id, added in newer.events.items():
            known = self.packed_events.get(opp_id)
            events: list[Event] = [*(pickle.loads(known) if known else ()), *added]
            events.sort(key=lambda e: (e.at, e.seq))
            self._put(opp_id, events)
        self.config = sorted([*self.config, *newer.config], key=lambda v: (v.at, v.seq))
        self.head, self.next_seq = newer.head, newer.next_seq

    def _put(self, opp_id: str, events: list[Event]) -> None:
        timeline = derive(opp_id, events)
        self.packed_events[opp_id] = _pack(events)
        self.packed_timelines[opp_id] = _pack(timeline)
        if self._timelines is not None:
            self._timelines[opp_id] = timeline
        if timeline.current is not None and not timeline.deleted:
            self.stays[opp_id] = timeline.current
        else:
            self.stays.pop(opp_id, None)

    @classmethod
    def build(cls, prefix: str, history: History) -> CacheState:
        state = cls(_VERSION, prefix, history.head, history.next_seq, [], {}, ({}, {}))
        state.absorb(history)
        return state


class _Stale(Exception):
    """The two cache files do not belong together (one was written, the other not)."""


def fresh(root: Path, progress: Progress | None, *, entries: bool = True) -> CacheState:
    """The cache brought up to date with HEAD (read, extended or rebuilt, then saved).

    ``entries=False`` promises to use only ``stays`` (what ``list`` needs), so
    the per-opportunity file is not even opened when HEAD has not moved.
    """
    git_dir, prefix, head = log.locate(root)
    path = git_dir / CACHE_DIR / CACHE_FILE
    state = _read(path)
    if state is not None and state.prefix != prefix:
        state = None
    try:
        if state is not None and state.head == head:
            if entries:
                state.packed_timelines  # noqa: B018  (fails if the entries file is stale)
            return state
        if (
            state is not None
            and state.head is not None
            and head is not None
            and log.is_ancestor(root, state.head, head)
        ):
            state.absorb(read_history(root, state.head, state.next_seq, progress))
            _write(path, state)
            return state
    except _Stale:
        pass
    state = CacheState.build(prefix, read_history(root, progress=progress))
    _write(path, state)
    return state


def _pack(value: Any) -> bytes:
    return fastpickle.dumps(value, _CLASSES)


def _packed_file(path: Path) -> Path:
    return path.with_name(PACKED_FILE)


def _read(path: Path) -> CacheState | None:
    try:
        with path.open("rb") as handle:
            fields = pickle.load(handle)
        layout, version, prefix, head, next_seq, config, stays = fields
        if layout != _LAYOUT:
            return None
        state = CacheState(version, prefix, head, next_seq, config, stays)
        state._packed_path = _packed_file(path)
    except _UNREADABLE:
        return None
    return state if state.version == _VERSION else None


def _read_packed(
    path: Path | None, head: str | None
) -> tuple[dict[str, bytes], dict[str, bytes]] | None:
    if path is None:
        return None
    try:
        with path.open("rb") as handle:
            packed_head, events, timelines = pickle.load(handle)
    except _UNREADABLE:
        return None
    return (events, timelines) if packed_head == head else None


def _write(path: Path, state: CacheState) -> None:
    """Atomically replace both files (the big one first); a failure only costs speed."""
    small = (
        _LAYOUT,
        state.version,
        state.prefix,
        state.head,
        state.next_seq,
        state.config,
        state.stays,
    )
    big = (state.head, state.packed_events, state.packed_timelines)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_pickle(_packed_file(path), big)
        _atomic_pickle(path, small)
    except OSError:
        return


def _atomic_pickle(path: Path, value: Any) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            fastpickle.dump(value, handle, _CLASSES)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_UNREADABLE = (
    OSError,
    EOFError,
    pickle.UnpicklingError,
    AttributeError,
    ImportError,
    TypeError,
    ValueError,
)
