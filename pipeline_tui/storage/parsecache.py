"""A cache of parsed and validated files, keyed by (path, size, mtime), in ``.git/``.

Parsing and validating 10,000 YAML files takes tens of seconds with the
pure-Python parser, yet between two commands almost none of them change.  So
:meth:`Store.load` asks this cache first: an entry is reused only while the
file's size and modification time (nanoseconds) are exactly what they were,
and the whole cache is dropped when ``pipeline.yaml`` changes (validation
depends on it) or when the program's version changes.

Like git's index, entries for files modified within the last two seconds
before saving are not kept ("racy" timestamps: a second write in the same
clock tick could leave size and mtime unchanged).  The cache lives in the
repository's git directory, so it is never committed; without a git
directory there is simply no cache.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import time
from pathlib import Path
from typing import Any

from pipeline_tui import __version__
from pipeline_tui.core.model import Activity, NextStep, Opportunity, Problem
from pipeline_tui.storage import fastpickle

CACHE_NAME = "parse.pickle"
_RACY_NS = 2_000_000_000
_FORMAT = 3  # bump when the layout of entries changes
Key = tuple[int, int]
_RECORD_CLASSES = (Opportunity, Activity, NextStep, Problem)


def stat_key(stat: os.stat_result) -> Key:
    """What must stay equal for a cached parse to be reused."""
    return (stat.st_size, stat.st_mtime_ns)


def git_dir(root: Path) -> Path | None:
    """The git directory holding ``root`` (following a worktree's ``.git`` file)."""
    for folder in (root, *root.parents):
        dot_git = folder / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():
            text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
            if text.startswith("gitdir:"):
                target = Path(text.removeprefix("gitdir:").strip())
                return target if target.is_absolute() else (folder / target).resolve()
    return None


class ParseCache:
    """Parsed files of one pipeline folder; loaded once per process, saved if changed.

    Entries are ``name -> (stat key, parsed-at ns, pickled value)``.  A hit
    needs the same stat key *and* a file last modified at least two seconds
    before it was parsed, so a second write within one clock tick is never
    missed.  Values are pickled one by one, so saving after one file changed
    writes bytes, not 10,000 records.
    """

    def __init__(self, root: Path) -> None:
        base = git_dir(root)
        self.path = base / "pipeline-tui" / CACHE_NAME if base is not None else None
        self.scope = f"{_FORMAT}|{__version__}|{root}|{fastpickle.layout(_RECORD_CLASSES)}"
        self.config: tuple[Key, int, Any] | None = None
        self.config_repr = ""
        self.entries: dict[str, tuple[Key, int, bytes]] = {}
        self.changed = False
        self._load()

    def _load(self) -> None:
        if self.path is None:
            return
        try:
            with self.path.open("rb") as handle:
                scope, config, config_repr, entries = pickle.load(handle)
        except (
            OSError,
            EOFError,
            ValueError,
            TypeError,
            pickle.UnpicklingError,
            AttributeError,
            ImportError,
        ):
            return
        if scope == self.scope and isinstance(entries, dict):
            self.config, self.config_repr, self.entries = config, config_repr, entries

    def get_config(self, key: Key) -> Any | None:
        return _hit(self.config, key)

    def put_config(self, key: Key, config: Any) -> None:
        self.config = (key, time.time_ns(), config)
        self.changed = True

    def use_config(self, config: Any) -> None:
        """Entries were validated against one config; another one voids them all."""
        text = repr(config)
        if text != self.config_repr:
            self.config_repr, self.entries, self.changed = text, {}, True

    def get(self, name: str, key: Key) -> Any | None:
        packed = _hit(self.entries.get(name), key)
        if not isinstance(packed, bytes):
            return None
        try:
            return pickle.loads(packed)
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            return None

    def put(self, name: str, key: Key, value: Any) -> None:
        self.entries[name] = (key, time.time_ns(), fastpickle.dumps(value, _RECORD_CLASSES))
        self.changed = True

    def keep_only(self, names: set[str]) -> None:
        """Forget files that no longer exist."""
        gone = self.entries.keys() - names
        for name in gone:
            del self.entries[name]
        self.changed = self.changed or bool(gone)

    def save(self) -> None:
        """Write atomically if anything changed; a failure only costs speed next time."""
        if self.path is None or not self.changed:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".parse.", suffix=".tmp", dir=self.path.parent)
            with os.fdopen(fd, "wb") as handle:
                state = (self.scope, self.config, self.config_repr, self.entries)
                pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
            Path(tmp).replace(self.path)
        except OSError:
            return
        self.changed = False


def _hit(entry: tuple[Key, int, Any] | None, key: Key) -> Any | None:
    """The cached value if the file is unchanged and was settled when it was parsed."""
    if entry is None or entry[0] != key or key[1] > entry[1] - _RACY_NS:
        return None
    return entry[2]


_caches: dict[Path, ParseCache] = {}


def for_root(root: Path) -> ParseCache:
    """The one cache of ``root`` in this process."""
    cache = _caches.get(root)
    if cache is None:
        cache = _caches[root] = ParseCache(root)
    return cache
