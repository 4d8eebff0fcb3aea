"""The history engine's persistent cache, in ``.git/pipeline-tui/`` (never committed).

Reading 37,000 commits takes as long as git needs to list them (tens of
seconds at 10,000 deals); reading the cache takes a fraction of a second.
The cache holds the events of every commit up to a ``head`` and the
timelines derived from them.  On each use:

* HEAD unchanged: the cached timelines are the answer;
* HEAD moved forward (the cached head is an ancestor): only the new commits
  are read, and only the opportunities they touched are re-derived;
* anything else (rebase, reset, amend, a different branch): history was
  rewritten, so it is read again from scratch.

The file is a pickle written atomically; a cache that cannot be read (other
version, damaged, other pipeline folder) is simply rebuilt.  It lives inside
``.git/`` so it is as trusted as the repository's own hooks and config.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipeline_tui import fastpickle, gitlog
from pipeline_tui.history import (
    ConfigVersion,
    Event,
    History,
    Progress,
    derive,
    derive_all,
    read_history,
)
from pipeline_tui.timeline import FieldChange, StageInterval, Timeline

CACHE_DIR = "pipeline-tui"
CACHE_FILE = "history.pickle"
_VERSION = 2
_TIMELINE_CLASSES = (Timeline, StageInterval, FieldChange)
_HISTORY_CLASSES = (Event, ConfigVersion)


@dataclass
class CacheState:
    """What the cache holds, unpickled only as far as a caller needs it.

    ``stays`` (each live opportunity's current stage interval) is all a warm
    ``pipeline list`` reads; timelines and raw events stay pickled bytes until
    asked for, which keeps that path fast at 10,000 deals.
    """

    version: int
    prefix: str
    head: str | None
    stays: dict[str, StageInterval]
    _timelines: bytes | dict[str, Timeline]
    _history: bytes | History

    @classmethod
    def build(cls, prefix: str, history: History, timelines: dict[str, Timeline]) -> CacheState:
        stays = {
            opp_id: t.current
            for opp_id, t in timelines.items()
            if t.current is not None and not t.deleted
        }
        return cls(_VERSION, prefix, history.head, stays, timelines, history)

    @property
    def timelines(self) -> dict[str, Timeline]:
        if isinstance(self._timelines, bytes):
            self._timelines = pickle.loads(self._timelines)
        assert isinstance(self._timelines, dict)
        return self._timelines

    @property
    def history(self) -> History:
        if isinstance(self._history, bytes):
            self._history = pickle.loads(self._history)
        assert isinstance(self._history, History)
        return self._history


def cache_path(root: Path) -> Path:
    git_dir = gitlog.git(root, "rev-parse", "--absolute-git-dir")
    return Path(git_dir) / CACHE_DIR / CACHE_FILE


def fresh(root: Path, progress: Progress | None) -> CacheState:
    """The cache brought up to date with HEAD (read, extended or rebuilt, then saved)."""
    git_dir, prefix, head = gitlog.locate(root)
    path = git_dir / CACHE_DIR / CACHE_FILE
    state = _read(path)
    if state is not None and (state.version != _VERSION or state.prefix != prefix):
        state = None
    if state is not None and state.head == head:
        return state
    if (
        state is not None
        and state.head is not None
        and head is not None
        and gitlog.is_ancestor(root, state.head, head)
    ):
        history, timelines = state.history, state.timelines
        newer = read_history(root, state.head, history.next_seq, progress)
        for opp_id in history.add(newer):
            timelines[opp_id] = derive(opp_id, history.events[opp_id])
    else:
        history = read_history(root, progress=progress)
        timelines = derive_all(history)
    state = CacheState.build(prefix, history, timelines)
    _write(path, state)
    return state


def _read(path: Path) -> CacheState | None:
    try:
        with path.open("rb") as handle:
            fields = pickle.load(handle)
        state = CacheState(*fields)
    except (
        OSError,
        EOFError,
        pickle.UnpicklingError,
        AttributeError,
        ImportError,
        TypeError,
        ValueError,
    ):
        return None
    return state if state.version == _VERSION else None


def _write(path: Path, state: CacheState) -> None:
    """Atomically replace the cache; a failure to write only costs speed next time."""
    fields = (
        state.version,
        state.prefix,
        state.head,
        state.stays,
        fastpickle.dumps(state.timelines, _TIMELINE_CLASSES),
        fastpickle.dumps(state.history, _HISTORY_CLASSES),
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".history.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            fastpickle.dump(fields, handle, _TIMELINE_CLASSES)
        Path(tmp).replace(path)
    except OSError:
        return
