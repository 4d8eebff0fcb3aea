"""Caches under ``.git/pipeline-tui/``: where they live, how they are read and replaced.

Three caches make a warm command fast: parsed work-tree files
(:mod:`pipeline_tui.storage.parsecache`), the history engine's events and
timelines (:mod:`pipeline_tui.history.cache`) and parsed past file versions
(:mod:`pipeline_tui.history.versions_cache`).  They share everything but their
contents, so this module is the one place that:

* finds the git directory (following a worktree's ``.git`` file), so caches
  are never committed; without a git directory there is no cache;
* keys a file by a *scope*: the package version, the cache's own format and
  parameters, and the field layout of the record classes it stores, so a
  file written by another version never meets this one's constructors;
* replaces a file atomically through :func:`pipeline_tui.storage.files.atomic_write`
  (temp file and rename, not fsynced: a cache is derived), first sweeping
  temp files of writers that were killed half-way;
* lets one process at a time build a cache from scratch (:meth:`CacheFile.building`);
* pickles dataclass records fast and reads them back safely through
  :mod:`.pickling` (a cache that cannot be read is rebuilt, and a failed
  save only costs speed next time);
* splits a cache that grows with the pipeline into :class:`Segments` (256
  parts chosen by a hash of each key, kept in one pack file after a cold
  build and in loose files once changed), so that one changed deal rewrites
  one small file, not a pickle covering 100,000 deals.

Caches live inside ``.git/``, so they are as trusted as the repository's own
hooks and config: unpickling them runs no code a hook could not.
"""

from __future__ import annotations

import contextlib
import io
import pickle
import secrets
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline_tui import __version__
from pipeline_tui.filelock import release_lock, wait_for_lock
from pipeline_tui.storage.files import atomic_write, remove_dead_temps, remove_dead_temps_in
from pipeline_tui.storage.pickling import UNREADABLE, Packer, collector_paused, layout, pack

CACHE_DIR = "pipeline-tui"
#: How long a builder waits for another one of the same cache before it builds anyway.
BUILD_PATIENCE_S = 600.0


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


@dataclass(frozen=True)
class CacheFile:
    """One cache file: where it is, the scope it must match, the records it stores.

    ``path`` is None when ``root`` has no git directory: loading then finds
    nothing and saving does nothing.
    """

    path: Path | None
    scope: str
    classes: tuple[type, ...]

    @classmethod
    def of(cls, root: Path, name: str, *scope: object, classes: Iterable[type]) -> CacheFile:
        """The cache ``name`` of ``root``, valid for ``scope`` (format, parameters)."""
        base = git_dir(root)
        classes = tuple(classes)
        parts = [__version__, *map(str, scope), layout(classes)]
        return cls(base / CACHE_DIR / name if base is not None else None, "|".join(parts), classes)

    def beside(self, name: str) -> CacheFile:
        """Another file of the same cache (same scope and records), read separately."""
        path = self.path.with_name(name) if self.path is not None else None
        return CacheFile(path, self.scope, self.classes)

    def load(self) -> Any | None:
        """The value last saved under this scope; None if missing, unreadable or foreign."""
        if self.path is None:
            return None
        try:
            with self.path.open("rb") as handle, collector_paused():
                scope, value = pickle.load(handle)
        except UNREADABLE:
            return None
        return value if scope == self.scope else None

    def load_slice(self, offset: int, length: int) -> Any | None:
        """:meth:`load` of the ``length`` bytes at ``offset`` (one value inside a pack)."""
        if self.path is None:
            return None
        try:
            with self.path.open("rb") as handle, collector_paused():
                handle.seek(offset)
                scope, value = pickle.loads(handle.read(length))
        except UNREADABLE:
            return None
        return value if scope == self.scope else None

    def save(self, value: Any, *, sweep: bool = True) -> bool:
        """Atomically replace the file with ``value``; False if it could not be written.

        Not fsynced (a cache is derived: one a power cut damages reads as
        missing); ``sweep=False`` leaves dead writers' temp files to a caller
        that sweeps the folder once for many files (:meth:`Segments.save`).
        """
        if self.path is None:
            return False
        try:
            if sweep:
                remove_dead_temps(self.path)
            atomic_write(self.path, self.pack((self.scope, value)), durable=False)
        except OSError:
            return False
        return True

    @contextlib.contextmanager
    def building(self, patience_s: float = BUILD_PATIENCE_S) -> Iterator[None]:
        """Hold this cache's build lock (``NAME.lock`` beside it) while it is built anew.

        Why: a second builder of the same cache (the TUI opened again before
        its history was saved, a cold ``list`` beside a TUI's history
        process) would redo a minute of work at 100,000 deals and slow the
        first one down; it waits here instead, then finds the cache saved.
        The kernel drops a killed builder's lock.  After ``patience_s`` (a
        builder that hangs), or when the lock file cannot be opened, the
        caller goes on without it: the cache is atomic either way.
        """
        lock = self.path.with_suffix(".lock") if self.path is not None else None
        try:
            handle = _open_lock(lock) if lock is not None else None
        except OSError:
            handle = None
        if handle is None:
            yield
            return
        with handle:
            held = wait_for_lock(handle.fileno(), patience_s)
            try:
                yield
            finally:
                if held:
                    release_lock(handle.fileno())

    def pack(self, value: Any) -> bytes:
        """``value`` pickled; this cache's records as constructor calls (fast to load)."""
        return pack(value, self.classes)

    def packer(self) -> Packer:
        """:meth:`pack` for many small values in a row (a cache's entries, one by one)."""
        return Packer(self.classes)


def _open_lock(path: Path) -> io.TextIOWrapper:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("a")


# ------------------------------------------------------------------ segments

#: How many files a segmented cache is split into.
SEGMENTS = 256
#: From this many changed segments on, a save writes one pack, not loose files.
PACK_AT = 32
#: A pack ends with the offset of its table of contents, as 8 bytes.
_TAIL = struct.Struct("<Q")


def segment_of(key: str) -> int:
    """The segment holding ``key`` (a deal id, a file name): stable across runs and machines."""
    return zlib.crc32(key.encode("utf-8", "surrogateescape")) % SEGMENTS


class Segments:
    """A cache split into :data:`SEGMENTS` files beside ``file``: read and written one by one.

    Why: a cache covering every deal, rewritten whole after one commit, costs
    seconds at 100,000 deals (a 150 MB pickle).  Split by :func:`segment_of`,
    an update rewrites the few segments it touched.

    Each segment file holds ``(token, value)``, the token fresh at every
    write.  A cache whose parts must belong together (the history: every
    segment is read up to the same commit) keeps the tokens it expects in its
    own small file and passes them as ``tokens``: a segment written without
    that file being updated (a crash in between), damaged or missing then
    reads as None, and the caller rebuilds.  With ``tokens`` None, any
    readable segment is taken (its entries carry their own freshness keys)
    and a missing one reads as ``empty``.

    A save that changes many segments (a cold build) writes them all as one
    *pack* (``stem.pack``: the segments one after the other, then a table of
    their offsets) instead of 256 loose files: creating a file costs about
    half a millisecond here, so 1,000 of them were most of a cold ``list``
    at 1,000 deals.  A save that changes a few writes those as loose files,
    which are read before the pack; a segment whose loose file is missing,
    damaged or from another write is looked up in the pack.
    """

    def __init__(
        self,
        file: CacheFile,
        stem: str,
        tokens: Mapping[int, str] | None = None,
        empty: Callable[[], Any] = dict,
    ) -> None:
        self.file = file
        self.stem = stem
        self.tokens: dict[int, str] | None = dict(tokens) if tokens is not None else None
        self.empty = empty
        self.loaded: dict[int, Any] = {}
        self.dirty: set[int] = set()
        self._contents: dict[int, tuple[int, int]] | None = None  # of the pack, read on first use

    def part(self, index: int) -> CacheFile:
        """The loose file of segment ``index``."""
        return self.file.beside(f"{self.stem}-{index:02x}.pickle")

    @property
    def pack_file(self) -> CacheFile:
        """The pack holding every segment as of the last save that changed many."""
        return self.file.beside(f"{self.stem}.pack")

    def get(self, index: int) -> Any | None:
        """Segment ``index`` (read on first use); None if it is not the one expected."""
        if index not in self.loaded:
            value = self._read(index)
            if value is None:
                return None
            self.loaded[index] = value
        return self.loaded[index]

    def _read(self, index: int) -> Any | None:
        if self.tokens is not None and index not in self.tokens:
            return self.empty()  # never written: nothing of the cache hashes there
        for stored in self._stored(index):  # lazily: the pack only if the loose file fails
            if not isinstance(stored, tuple) or len(stored) != 2:
                continue
            token, value = stored
            if self.tokens is None or token == self.tokens[index]:
                return value
        return self.empty() if self.tokens is None else None

    def _stored(self, index: int) -> Iterator[Any]:
        """What the loose file, then the pack, hold for segment ``index``."""
        yield self.part(index).load()
        if self._contents is None:
            self._contents = self._read_contents()
        place = self._contents.get(index)
        if place is not None:
            yield self.pack_file.load_slice(*place)

    def _read_contents(self) -> dict[int, tuple[int, int]]:
        """The pack's table of contents (empty without a readable pack)."""
        path = self.pack_file.path
        try:
            if path is None or path.stat().st_size < _TAIL.size:
                return {}
            with path.open("rb") as handle:
                handle.seek(-_TAIL.size, io.SEEK_END)
                (start,) = _TAIL.unpack(handle.read(_TAIL.size))
                end = handle.tell() - _TAIL.size
        except OSError:
            return {}
        found = self.pack_file.load_slice(start, end - start) if 0 <= start < end else None
        return found if isinstance(found, dict) else {}

    def put(self, index: int, value: Any) -> None:
        """Replace segment ``index`` in memory; written by the next :meth:`save`."""
        self.loaded[index] = value
        self.dirty.add(index)

    def hold(self, index: int, value: Any) -> None:
        """Use ``value`` for segment ``index`` in memory, without writing it (e.g. voided)."""
        self.loaded[index] = value

    def indexes(self) -> Iterator[int]:
        """Every segment that may hold something (saved, or changed since)."""
        if self.tokens is None:
            return iter(range(SEGMENTS))
        return iter(sorted(self.tokens.keys() | self.loaded.keys()))

    def save(self) -> dict[int, str] | None:
        """Write the changed segments; the tokens every segment now carries, None on failure."""
        if self.dirty and self.file.path is not None:
            try:
                remove_dead_temps_in(self.file.path.parent)
            except OSError:
                return None
        tokens = self._save_pack() if len(self.dirty) >= PACK_AT else self._save_loose()
        if tokens is None:
            return None
        if self.tokens is not None:
            self.tokens = tokens
        self.dirty.clear()
        return tokens

    def _save_loose(self) -> dict[int, str] | None:
        tokens = dict(self.tokens or {})
        for index in sorted(self.dirty):
            token = secrets.token_hex(8)
            if not self.part(index).save((token, self.loaded[index]), sweep=False):
                return None
            tokens[index] = token
        return tokens

    def _save_pack(self) -> dict[int, str] | None:
        """Every segment into a new pack, then the loose files (now older) removed."""
        values = {index: self.get(index) for index in self.indexes()}
        if any(value is None for value in values.values()):
            return None  # a segment that is not ours: the caller's cache is stale anyway
        tokens = {index: secrets.token_hex(8) for index in values}
        pack, path = self.pack_file, self.pack_file.path
        if path is None:
            return None

        def chunks() -> Iterator[bytes]:
            contents: dict[int, tuple[int, int]] = {}
            offset = 0
            for index, value in values.items():
                chunk = pack.pack((pack.scope, (tokens[index], value)))
                contents[index] = (offset, len(chunk))
                offset += len(chunk)
                yield chunk
            yield pack.pack((pack.scope, contents))
            yield _TAIL.pack(offset)

        try:
            atomic_write(path, chunks(), durable=False)
            self._contents = None
            for index in range(SEGMENTS):
                loose = self.part(index).path
                if loose is not None:
                    loose.unlink(missing_ok=True)
        except OSError:
            return None
        return tokens
