"""The history engine's persistent cache, in ``.git/pipeline-tui/`` (never committed).

Reading 37,000 commits takes as long as git needs to list them (tens of
seconds at 10,000 deals); reading the cache takes a fraction of a second.
The cache holds, up to a ``head`` commit, each opportunity's events and the
timeline derived from them.  On each use:

* HEAD unchanged: the cached answer is used as it is;
* HEAD moved forward (the cached head is an ancestor): only the new commits
  are read, and only the opportunities they touched are re-derived (from all
  their events, so a revert arriving later cancels the commit it reverts);
* anything else (rebase, reset, amend, another branch): history was
  rewritten, so it is read again from scratch.

Each opportunity's events and timeline are pickled separately and only
unpickled when asked for, so a warm ``pipeline list`` (which needs only each
deal's current stay) and an update after one commit touch a few entries, not
100,000 objects.  Both files are written atomically and scoped to the package
version, this format, the folder's place in its work tree and the record
classes' fields (:mod:`pipeline_tui.storage.cachefile`); a cache that cannot
be read (other version, damaged, other folder) is rebuilt.
"""

from __future__ import annotations

import pickle
import threading
from dataclasses import dataclass, field
from pathlib import Path

from pipeline_tui.core.timeline import FieldChange, StageInterval, Timeline
from pipeline_tui.git import log
from pipeline_tui.history.events import ConfigVersion, Event, History, event_order
from pipeline_tui.history.fold import derive, is_void
from pipeline_tui.history.reader import Progress, read_history
from pipeline_tui.storage.cachefile import CacheFile

CACHE_FILE = "history.pickle"
PACKED_FILE = "history-entries.pickle"
_FORMAT = 6  # 6: events carry the commits they revert
_CLASSES = (Timeline, StageInterval, FieldChange, Event, ConfigVersion)
Packed = tuple[dict[str, bytes], dict[str, bytes]]


def cache_file(root: Path, prefix: str) -> CacheFile:
    """The small file (head, config versions, current stays) of ``root``'s cache.

    ``prefix`` is ``root`` relative to its work tree: a cache made for one
    pipeline folder of a repository is not another folder's.
    """
    return CacheFile.of(root, CACHE_FILE, _FORMAT, prefix, classes=_CLASSES)


@dataclass
class CacheState:
    """The cache: per-opportunity pickles plus what every reader needs at once."""

    head: str | None
    next_seq: int
    config: list[ConfigVersion]
    stays: dict[str, StageInterval]
    _packed: Packed | None = field(default=None, repr=False)
    _packed_file: CacheFile | None = field(default=None, repr=False)
    _timelines: dict[str, Timeline] | None = field(default=None, repr=False)

    @property
    def packed_events(self) -> dict[str, bytes]:
        return self._load_packed()[0]

    @property
    def packed_timelines(self) -> dict[str, bytes]:
        return self._load_packed()[1]

    def _load_packed(self) -> Packed:
        """Per-opportunity pickles, from their own file (a warm ``list`` never reads it)."""
        if self._packed is None and self._packed_file is not None:
            self._packed = _read_packed(self._packed_file, self.head)
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

    def absorb(self, newer: History, file: CacheFile) -> None:
        """Add a newer slice of history, re-deriving only the opportunities it touched."""
        for opp_id, added in newer.events.items():
            known = self.packed_events.get(opp_id)
            events: list[Event] = [*(pickle.loads(known) if known else ()), *added]
            events.sort(key=event_order)
            self._put(opp_id, events, file)
        self.config = sorted([*self.config, *newer.config], key=event_order)
        self.head, self.next_seq = newer.head, newer.next_seq

    def _put(self, opp_id: str, events: list[Event], file: CacheFile) -> None:
        timeline = derive(opp_id, events)
        self.packed_events[opp_id] = file.pack(events)
        if is_void(timeline):  # its creation was undone: kept events, no timeline
            self.packed_timelines.pop(opp_id, None)
            if self._timelines is not None:
                self._timelines.pop(opp_id, None)
            self.stays.pop(opp_id, None)
            return
        self.packed_timelines[opp_id] = file.pack(timeline)
        if self._timelines is not None:
            self._timelines[opp_id] = timeline
        if timeline.current is not None and not timeline.deleted:
            self.stays[opp_id] = timeline.current
        else:
            self.stays.pop(opp_id, None)

    @classmethod
    def build(cls, history: History, file: CacheFile) -> CacheState:
        state = cls(history.head, history.next_seq, [], {}, ({}, {}))
        state.absorb(history, file)
        return state


class _Stale(Exception):
    """The two cache files do not belong together (one was written, the other not)."""


def fresh(root: Path, progress: Progress | None, *, entries: bool = True) -> CacheState:
    """The cache brought up to date with HEAD (read, extended or rebuilt, then saved).

    ``entries=False`` promises to use only ``stays`` (what ``list`` needs), so
    the per-opportunity file is not even opened when HEAD has not moved.
    What a :func:`prefetch` of ``root`` found is used if HEAD is still where it was.
    """
    with _LOCK:
        job = _PREFETCHES.pop(root.resolve(), None)
    if job is not None:
        state = job.wait(progress)
        if state is not None and state.head == log.head(root):
            try:
                if entries:
                    state.packed_timelines  # noqa: B018  (fails if the entries file is stale)
                return state
            except _Stale:
                pass
    return _fresh(root, progress, entries=entries)


def prefetch(root: Path) -> None:
    """Start bringing ``root``'s cache up to date in a thread; :func:`fresh` collects it.

    Why: on a cold cache, ``git log`` and ``git cat-file`` need seconds of
    their own; started before the caller parses the work tree, they run
    while it does instead of after.  The thread is not a daemon, so a
    process that never asks still finishes (and saves) the cache before it exits.
    """
    key = root.resolve()
    with _LOCK:
        if key in _PREFETCHES:
            return
        job = _PREFETCHES[key] = _Prefetch(key)
    job.thread.start()


class _Prefetch:
    """One background :func:`fresh` (``entries=False``), its answer or its error."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.progress: Progress | None = None
        self.state: CacheState | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="history-prefetch")

    def _run(self) -> None:
        try:
            self.state = _fresh(self.root, self._report, entries=False)
        except BaseException as exc:  # raised again in the thread that waits for it
            self.error = exc

    def _report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)

    def wait(self, progress: Progress | None) -> CacheState | None:
        """The state, once the thread is done (``progress`` sees the rest of the scan)."""
        self.progress = progress
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.state


_PREFETCHES: dict[Path, _Prefetch] = {}
_LOCK = threading.Lock()


def _fresh(root: Path, progress: Progress | None, *, entries: bool) -> CacheState:
    """:func:`fresh` without looking for a prefetch."""
    _git_dir, prefix, head = log.locate(root)
    file = cache_file(root, prefix)
    state = read(file)
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
            state.absorb(read_history(root, state.head, state.next_seq, progress), file)
            _write(file, state)
            return state
    except _Stale:
        pass
    state = CacheState.build(read_history(root, progress=progress), file)
    _write(file, state)
    return state


def read(file: CacheFile) -> CacheState | None:
    """The state saved in ``file``, if it was saved under the same scope."""
    stored = file.load()
    if not isinstance(stored, tuple) or len(stored) != 4:
        return None
    head, next_seq, config, stays = stored
    return CacheState(head, next_seq, config, stays, _packed_file=file.beside(PACKED_FILE))


def _read_packed(file: CacheFile, head: str | None) -> Packed | None:
    stored = file.load()
    if not isinstance(stored, tuple) or len(stored) != 3:
        return None
    packed_head, events, timelines = stored
    return (events, timelines) if packed_head == head else None


def _write(file: CacheFile, state: CacheState) -> None:
    """Replace both files, the big one first; a failure only costs speed next time.

    Each replacement is atomic, and the small file names the head the big one
    must carry, so a crash between the two leaves a pair that reads as stale.
    """
    big = (state.head, state.packed_events, state.packed_timelines)
    if file.beside(PACKED_FILE).save(big):
        file.save((state.head, state.next_seq, state.config, state.stays))
