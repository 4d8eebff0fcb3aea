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
from pathlib import Path
from typing import Any

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.model import Activity, NextStep, Opportunity, Problem
from pipeline_tui.storage.cachefile import CacheFile
from pipeline_tui.storage.pickling import unpack

CACHE_NAME = "blobs.pickle"
_FORMAT = 2
#: Oldest entries are dropped beyond this (a few history-wide snapshots' worth).
MAX_ENTRIES = 60_000
_RECORD_CLASSES = (Opportunity, Activity, NextStep, Problem)
Parsed = tuple[Opportunity | None, list[Problem]]


def config_key(config: PipelineConfig) -> str:
    """Validation depends on the config: entries are per configuration."""
    return hashlib.sha1(repr(config).encode(), usedforsecurity=False).hexdigest()[:16]


class BlobCache:
    """``config key:blob:path -> pickled (record, problems)``; loaded once, saved if changed.

    Records are pickled as constructor calls, so the scope includes the
    classes' field layout (:class:`~pipeline_tui.storage.cachefile.CacheFile`):
    after a field is added, old entries are never read back into the wrong fields.
    """

    def __init__(self, root: Path) -> None:
        self.file = CacheFile.of(root, CACHE_NAME, _FORMAT, classes=_RECORD_CLASSES)
        stored = self.file.load()
        self.entries: dict[str, bytes] = stored if isinstance(stored, dict) else {}
        self.changed = False

    def get(self, config: str, blob: str, path: str) -> Parsed | None:
        packed = self.entries.get(f"{config}:{blob}:{path}")
        value: Any = unpack(packed) if packed is not None else None
        return value if isinstance(value, tuple) else None

    def put(self, config: str, blob: str, path: str, value: Parsed) -> None:
        self.entries[f"{config}:{blob}:{path}"] = self.file.pack(value)
        self.changed = True

    def save(self) -> None:
        """Write atomically if anything changed; a failure only costs speed next time."""
        if not self.changed:
            return
        if len(self.entries) > MAX_ENTRIES:
            keys = list(self.entries)[: len(self.entries) - MAX_ENTRIES]
            for key in keys:
                del self.entries[key]
        if self.file.save(self.entries):
            self.changed = False
