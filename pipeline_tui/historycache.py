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

from pipeline_tui import gitlog
from pipeline_tui.history import History, Progress, derive, derive_all, read_history
from pipeline_tui.timeline import Timeline

CACHE_DIR = "pipeline-tui"
CACHE_FILE = "history.pickle"
_VERSION = 1


@dataclass
class CacheState:
    """What the cache holds: the events, and the timelines derived from them."""

    version: int
    prefix: str
    history: History
    timelines: dict[str, Timeline]


def cache_path(root: Path) -> Path:
    git_dir = gitlog.git(root, "rev-parse", "--absolute-git-dir")
    return Path(git_dir) / CACHE_DIR / CACHE_FILE


def fresh(root: Path, progress: Progress | None) -> CacheState:
    """The cache brought up to date with HEAD (read, extended or rebuilt, then saved)."""
    path = cache_path(root)
    head = gitlog.head(root)
    prefix = gitlog.prefix(root)
    state = _read(path)
    if state is not None and (state.version != _VERSION or state.prefix != prefix):
        state = None
    if state is not None and state.history.head == head:
        return state
    if (
        state is not None
        and state.history.head is not None
        and head is not None
        and gitlog.is_ancestor(root, state.history.head, head)
    ):
        newer = read_history(root, state.history.head, state.history.next_seq, progress)
        for opp_id in state.history.add(newer):
            state.timelines[opp_id] = derive(opp_id, state.history.events[opp_id])
    else:
        history = read_history(root, progress=progress)
        state = CacheState(_VERSION, prefix, history, derive_all(history))
    _write(path, state)
    return state


def _read(path: Path) -> CacheState | None:
    try:
        with path.open("rb") as handle:
            state = pickle.load(handle)
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
    return state if isinstance(state, CacheState) else None


def _write(path: Path, state: CacheState) -> None:
    """Atomically replace the cache; a failure to write only costs speed next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".history.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
        Path(tmp).replace(path)
    except OSError:
        return
