"""Parsed past versions of opportunity files, keyed by git blob, kept in ``.git/``.

``pipeline_as_of`` rebuilds the pipeline at a past instant from the file
versions git holds.  Parsing and validating thousands of them with the
pure-Python YAML parser takes seconds every time (about 9 s for 5,000 files
here), yet a blob never changes.  So each parse is kept, keyed by the blob,
the path (the id must match the file name) and the configuration it was
validated against; ``report --as-of`` and ``forecast``'s month-start
snapshots then reuse them.  Losing the file only costs speed.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from pipeline_tui import __version__
from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.model import Activity, NextStep, Opportunity, Problem
from pipeline_tui.storage import fastpickle
from pipeline_tui.storage.parsecache import git_dir

CACHE_NAME = "blobs.pickle"
_FORMAT = 1
#: Oldest entries are dropped beyond this (a few history-wide snapshots' worth).
MAX_ENTRIES = 60_000
_RECORD_CLASSES = (Opportunity, Activity, NextStep, Problem)
Parsed = tuple[Opportunity | None, list[Problem]]


def config_key(config: PipelineConfig) -> str:
    """Validation depends on the config: entries are per configuration."""
    return hashlib.sha1(repr(config).encode(), usedforsecurity=False).hexdigest()[:16]


class BlobCache:
    """``config key:blob:path -> pickled (record, problems)``; loaded once, saved if changed.

    Records are pickled as constructor calls (:mod:`fastpickle`), so the scope
    includes the classes' field layout: after a field is added, old entries
    are never read back into the wrong fields.
    """

    def __init__(self, root: Path) -> None:
        base = git_dir(root)
        self.path = base / "pipeline-tui" / CACHE_NAME if base is not None else None
        self.scope = f"{_FORMAT}|{__version__}|{fastpickle.layout(_RECORD_CLASSES)}"
        self.entries: dict[str, bytes] = {}
        self.changed = False
        self._load()

    def _load(self) -> None:
        if self.path is None:
            return
        try:
            with self.path.open("rb") as handle:
                scope, entries = pickle.load(handle)
        except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
            return
        if scope == self.scope and isinstance(entries, dict):
            self.entries = entries

    def get(self, config: str, blob: str, path: str) -> Parsed | None:
        packed = self.entries.get(f"{config}:{blob}:{path}")
        if packed is None:
            return None
        try:
            value: Any = pickle.loads(packed)
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            return None
        return value if isinstance(value, tuple) else None

    def put(self, config: str, blob: str, path: str, value: Parsed) -> None:
        self.entries[f"{config}:{blob}:{path}"] = fastpickle.dumps(value, _RECORD_CLASSES)
        self.changed = True

    def save(self) -> None:
        """Write atomically if anything changed; a failure only costs speed next time."""
        if self.path is None or not self.changed:
            return
        if len(self.entries) > MAX_ENTRIES:
            keys = list(self.entries)[: len(self.entries) - MAX_ENTRIES]
            for key in keys:
                del self.entries[key]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".blobs.", suffix=".tmp", dir=self.path.parent)
            with os.fdopen(fd, "wb") as handle:
                pickle.dump((self.scope, self.entries), handle, protocol=pickle.HIGHEST_PROTOCOL)
            Path(tmp).replace(self.path)
        except OSError:
            return
        self.changed = False
