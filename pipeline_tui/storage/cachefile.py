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
  (temp file, fsync, rename, fsync of the folder), first sweeping temp files
  of writers that were killed half-way;
* pickles dataclass records fast (:func:`pack`), and says which exceptions
  mean "unreadable cache" (:data:`UNREADABLE`): a bad cache is rebuilt, and
  a failed save only costs speed next time.

Caches live inside ``.git/``, so they are as trusted as the repository's own
hooks and config: unpickling them runs no code a hook could not.
"""

from __future__ import annotations

import copyreg
import dataclasses
import functools
import io
import operator
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline_tui import __version__
from pipeline_tui.storage.files import atomic_write, remove_dead_temps

CACHE_DIR = "pipeline-tui"

#: What reading a damaged, truncated or foreign cache can raise.
UNREADABLE: tuple[type[Exception], ...] = (
    OSError,
    EOFError,
    ValueError,
    TypeError,
    pickle.UnpicklingError,
    AttributeError,
    ImportError,
)


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
            with self.path.open("rb") as handle:
                scope, value = pickle.load(handle)
        except UNREADABLE:
            return None
        return value if scope == self.scope else None

    def save(self, value: Any) -> bool:
        """Atomically replace the file with ``value``; False if it could not be written."""
        if self.path is None:
            return False
        try:
            remove_dead_temps(self.path)
            atomic_write(self.path, self.pack((self.scope, value)))
        except OSError:
            return False
        return True

    def pack(self, value: Any) -> bytes:
        """``value`` pickled; this cache's records as constructor calls (fast to load)."""
        return pack(value, self.classes)


def unpack(packed: bytes) -> Any | None:
    """One value from :meth:`CacheFile.pack`; None when it cannot be read back."""
    try:
        return pickle.loads(packed)
    except UNREADABLE:
        return None


# ------------------------------------------------------------------ fast record pickling
#
# Python pickles a ``slots=True`` dataclass through ``__setstate__``, which
# recomputes the field list for every object; loading 100,000 of them costs
# seconds.  Pickling them instead as "call the class with these values" loads
# several times faster, which is most of what a warm ``pipeline list`` costs.

Reducer = Callable[[Any], tuple[Any, tuple[Any, ...]]]


def layout(classes: Iterable[type]) -> str:
    """The classes' field names in order: a cache written under another layout is void.

    Values are stored as positional constructor arguments, so a field added
    or moved in a later version must never meet an old cache file.
    """
    return ";".join(
        f"{cls.__qualname__}({','.join(f.name for f in dataclasses.fields(cls))})"
        for cls in classes
    )


def pack(value: Any, classes: Iterable[type]) -> bytes:
    """Pickle ``value``; instances of ``classes`` (dataclasses) are stored as constructor calls."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _table(tuple(classes))
    pickler.dump(value)
    return buffer.getvalue()


@functools.cache
def _table(classes: tuple[type, ...]) -> dict[type, Any]:
    table: dict[type, Any] = dict(copyreg.dispatch_table)
    table.update({cls: _reducer(cls) for cls in classes})
    return table


def _reducer(cls: type) -> Reducer:
    names = [f.name for f in dataclasses.fields(cls) if f.init]
    get = operator.attrgetter(*names)
    if len(names) == 1:
        return lambda obj: (cls, (get(obj),))
    return lambda obj: (cls, get(obj))
