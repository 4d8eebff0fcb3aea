"""A cache of parsed and validated files, keyed by path and ``stat``, in ``.git/``.

Parsing and validating 10,000 YAML files takes tens of seconds with the
pure-Python parser, yet between two commands almost none of them change.  So
:meth:`Store.load` asks this cache first: an entry is reused only while the
file's size, modification and change times (nanoseconds) and inode are
exactly what they were (the change time cannot be set back by a program, so
an edit that keeps the size and restores the mtime is still seen),
and the whole cache is dropped when ``pipeline.yaml`` changes (validation
depends on it) or when the program's version changes.

Like git's index, entries for files modified within the last two seconds
before saving are not kept ("racy" timestamps: a second write in the same
clock tick could leave size and mtime unchanged).  The file lives in the
repository's git directory (:mod:`pipeline_tui.storage.cachefile`), so it is
never committed; without a git directory there is simply no cache.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

from pipeline_tui.core.model import Activity, NextStep, Opportunity, Problem
from pipeline_tui.storage.cachefile import CacheFile, Segments, segment_of

CACHE_NAME = "parse.pickle"
SEGMENT_STEM = "parse"
_RACY_NS = 2_000_000_000
#: Bump when the layout of entries changes (6: in segments, 7: one pickle each), or when
#: the checks find problems they did not (8: a deal in another currency is a warning).
_FORMAT = 8
Key = tuple[int, int, int, int]
#: (stat key, read at ns, (record, problems, JSON text)).
Entry = tuple[Key, int, Any]
_RECORD_CLASSES = (Opportunity, Activity, NextStep, Problem)


def stat_key(stat: os.stat_result) -> Key:
    """What must stay equal for a cached parse to be reused: size, mtime, ctime, inode."""
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


class FileEntries:
    """Values kept per file (by its name) with the file's stat key, for one config, in segments.

    The one store of "what this file gave last time" behind the parse cache
    and ``list``'s rows: a value is served only by :func:`hit` (same stat key,
    file settled when it was read), each :class:`~.cachefile.Segments` part
    names the config (its ``repr``) its entries were made under and reads as
    empty under another, and a save rewrites only the parts that changed.
    """

    def __init__(self, file: CacheFile, stem: str, config_repr: str = "") -> None:
        self.segments = Segments(file, stem, empty=lambda: ("", {}))
        self.config_repr = config_repr
        self._only: AbstractSet[str] | None = None  # see :meth:`fresh`

    def use_config_repr(self, text: str) -> bool:
        """Entries made under another config are void from now on; True if it changed."""
        if text == self.config_repr:
            return False
        self.config_repr = text
        self.segments.loaded.clear()
        self._only = None
        return True

    def entry(self, name: str) -> tuple[Key, int, Any] | None:
        """The raw entry (stat key, read-at ns, value), fresh or not."""
        return self._segment(segment_of(name)).get(name)

    def get(self, name: str, key: Key) -> Any | None:
        """The value kept for ``name`` if the file is unchanged and was settled when read."""
        return hit(self.entry(name), key)

    def fresh(self, files: Mapping[str, Key]) -> tuple[dict[str, Any], list[str]]:
        """(values of the files still as kept, names of those that are not), every segment read.

        :meth:`get` for a whole folder in one pass: 100,000 lookups through
        :meth:`get` cost a second of calls alone.
        """
        kept = self.all()
        found: dict[str, Any] = {}
        missing: list[str] = []
        known = 0  # files with an entry, fresh or not
        for name, key in files.items():
            entry = kept.get(name)
            if entry is not None:
                known += 1
                if entry[0] == key and key[1] <= entry[1] - _RACY_NS:
                    found[name] = entry[2]
                    continue
            missing.append(name)
        # every entry is one of these files: :meth:`keep_only` of them has nothing to forget
        self._only = files.keys() if known == len(kept) else None
        return found, missing

    def put(self, name: str, key: Key, value: Any, read_ns: int | None = None) -> None:
        """Keep ``value`` for the file ``name`` as it was at ``key``, read at ``read_ns`` (now)."""
        if self._only is not None and name not in self._only:
            self._only = None  # an entry of another file: :meth:`keep_only` must look again
        index = segment_of(name)
        self._segment(index)[name] = (key, time.time_ns() if read_ns is None else read_ns, value)
        self.segments.dirty.add(index)

    def all(self) -> dict[str, tuple[Key, int, Any]]:
        """Every entry (reads every segment: for tests and tools)."""
        found: dict[str, tuple[Key, int, Any]] = {}
        for index in self.segments.indexes():
            found.update(self._segment(index))
        return found

    def keep_only(self, names: AbstractSet[str]) -> None:
        """Forget files that no longer exist (in every segment, read or not)."""
        if self._only is not None and names == self._only:
            return  # :meth:`fresh` of these names found no entry of another file
        for index in self.segments.indexes():
            entries = self._segment(index)
            gone = [name for name in entries if name not in names]  # not keys() - names:
            for name in gone:  # that iterates all of ``names`` once per segment
                del entries[name]
            if gone:
                self.segments.dirty.add(index)

    def save(self) -> None:
        """Write the changed segments atomically; a failure only costs speed next time."""
        if self.segments.dirty:
            self.segments.save()

    def _segment(self, index: int) -> dict[str, tuple[Key, int, Any]]:
        """The entries of segment ``index``, if they were made under the config in use."""
        stored: Any = self.segments.get(index)
        if not _is_segment(stored) or stored[0] != self.config_repr:
            stored = (self.config_repr, {})
            self.segments.hold(index, stored)
        entries: dict[str, tuple[Key, int, Any]] = stored[1]
        return entries


class ParseCache:
    """Parsed files of one pipeline folder; read from disk as needed, saved if changed.

    Each :class:`~pipeline_tui.storage.store.Store` owns one, so what a
    process remembers between loads is visible (and a new ``Store`` starts
    from the files, as a new process does).

    Entries (:class:`FileEntries`) hold each file's ``(record, problems,
    JSON text)`` as values, and each segment is one pickle of its entries:
    a warm report reads 100,000 records in 256 ``pickle.loads`` calls, which
    share the keys, zones and names the records repeat (about a third less
    than a pickle per file, and the bytes are not kept beside the records);
    saving after one file changed still rewrites one segment, not 100,000
    records.  The values are the records a load hands out (frozen; their
    mappings are read-only by type), so nothing may change them.  The small
    file holds the parsed ``pipeline.yaml`` and the config's text.
    """

    def __init__(self, root: Path) -> None:
        self.file = CacheFile.of(root, CACHE_NAME, _FORMAT, root, classes=_RECORD_CLASSES)
        self.config: tuple[Key, int, Any] | None = None
        config_repr = ""
        self.changed = False
        stored = self.file.load()
        if isinstance(stored, tuple) and len(stored) == 2 and isinstance(stored[1], str):
            self.config, config_repr = stored
        self.files = FileEntries(self.file, SEGMENT_STEM, config_repr)

    @property
    def path(self) -> Path | None:
        return self.file.path

    @property
    def saved(self) -> bool:
        """Whether a parse cache was ever saved here (False: a first run, as after a clone)."""
        return self.file.path is not None and self.file.path.exists()

    @property
    def entries(self) -> dict[str, Entry]:
        """Every entry still valid for the config (reads every segment: for tests and tools)."""
        return self.files.all()

    def get_config(self, key: Key) -> Any | None:
        return hit(self.config, key)

    def put_config(self, key: Key, config: Any) -> None:
        self.config = (key, time.time_ns(), config)
        self.changed = True

    def use_config(self, config: Any) -> None:
        """Entries were validated against one config; another one voids them all."""
        if self.files.use_config_repr(repr(config)):
            self.changed = True

    def get(self, name: str, key: Key) -> Any | None:
        return _value(self.files.get(name, key))

    def get_all(self, names: Sequence[str], keys: Sequence[Key | None]) -> list[Any | None]:
        """:meth:`get` of each ``names[i]`` at ``keys[i]`` (None: no key, no value), in one pass.

        A warm load asks for every file: through :meth:`get`, 100,000 look-ups
        cost a few tenths of a second of calls alone.
        """
        kept = self.files.all()
        racy = _RACY_NS
        found: list[Any | None] = []
        for name, key in zip(names, keys, strict=True):
            entry = kept.get(name) if key is not None else None
            # hit(entry, key), inline
            if entry is None or entry[0] != key or key[1] > entry[1] - racy:
                found.append(None)
            else:
                found.append(_value(entry[2]))
        return found

    def lookup(self, name: str, key: Key, *, settled: bool = True) -> tuple[Any, int] | None:
        """(value, when it was parsed) for ``name`` at ``key``; ``settled=False``: racy too.

        For caches derived from this one (``list``'s rows), which keep the
        parse time so the same two-second rule applies to them.
        """
        entry = self.files.entry(name)
        if entry is None or entry[0] != key or (settled and hit(entry, key) is None):
            return None
        value = _value(entry[2])
        return (value, entry[1]) if value is not None else None

    def put(self, name: str, key: Key, value: tuple[Any, ...], read_ns: int | None = None) -> None:
        """Keep ``(record, problems, JSON text)`` for ``name`` as it was at ``key``.

        ``read_ns``: when the file was read, if not now (a forked reader's
        files, read earlier): the two-second rule for racy files counts from it.
        """
        self.files.put(name, key, value, read_ns)

    def keep_only(self, names: set[str]) -> None:
        """Forget files that no longer exist."""
        self.files.keep_only(names)

    def save(self) -> None:
        """Write what changed atomically; a failure only costs speed next time."""
        self.files.save()
        if self.changed and self.file.save((self.config, self.files.config_repr)):
            self.changed = False


def _value(value: Any) -> Any | None:
    """An entry's ``(record, problems, JSON text)``; None for anything else (a foreign value)."""
    return value if type(value) is tuple and len(value) == 3 else None


def _is_segment(value: Any) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], dict)


def hit(entry: tuple[Key, int, Any] | None, key: Key) -> Any | None:
    """The cached value if the file is unchanged and was settled when it was parsed.

    Shared by every cache keyed by a file's stat (this one, ``list``'s rows).
    """
    if entry is None or entry[0] != key or key[1] > entry[1] - _RACY_NS:
        return None
    return entry[2]  # FileEntries.fresh applies the same test inline, for speed
