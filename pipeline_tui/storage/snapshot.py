"""A command's finished result, kept while nothing it read has changed.

Why: a warm ``pipeline list --json`` at 10,000 deals re-checks 10,000 parse
cache entries, unpickles 10,000 records and re-reads the history cache, only
to print what it printed a minute ago.  A result keyed by a *fingerprint* of
everything the command reads costs one folder walk with ``stat`` plus one
read instead, which is what keeps it as fast as Taskwarrior's ``task list``.

The fingerprint covers:

* the commit ``HEAD`` names (read from the git directory's files, no
  ``git`` process), and git's ``shallow`` file;
* ``pipeline.yaml`` and every non-hidden entry below ``opportunities/``
  (path, size, modification and change times in nanoseconds, inode).

The change time (``ctime``) cannot be set by a program, so an edit that keeps
the size and puts the old ``mtime`` back still changes the fingerprint; the
inode catches a file replaced by a rename.  Anything the fingerprint cannot
vouch for gives no fingerprint, so nothing is served: a symlink below
``opportunities/`` (its target may change behind it), a ``HEAD`` that cannot be
resolved from files (a reftable repository), no git directory.

Like git's index, a result is saved only when every file it covers was last
changed at least :data:`SETTLE_NS` before the fingerprint was taken:
filesystem clocks tick coarsely, and a second write within one tick could
leave every stat value equal.  The results live in
``.git/pipeline-tui/`` through :class:`~.cachefile.CacheFile`, so a stale or
damaged file is only ever a miss.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISDIR, S_ISLNK, S_ISREG
from typing import Any

from pipeline_tui.core.config import CONFIG_FILE, OPPORTUNITIES_DIR
from pipeline_tui.storage.cachefile import CacheFile, git_dir
from pipeline_tui.storage.files import atomic_write, remove_dead_temps
from pipeline_tui.storage.pickling import UNREADABLE, collector_paused

_FORMAT = 3  # bump when what a fingerprint covers, or the file layout, changes (3: digest first)
#: How long every covered file must have been left alone before a result is kept.
SETTLE_NS = 2_000_000_000
_SYMREF_DEPTH = 5
_FOLDER = (-1, 0, 0, 0)


#: A file's size, modification and change times (ns) and inode, as the parse cache keys it.
FileKey = tuple[int, int, int, int]


#: One folder's entry as the walk saw it: (name, (size, mtime, ctime, inode));
#: size -1 for a folder, -2 for anything else that is not a regular file.
#: The stat values are the file's :data:`FileKey` as they are (no copy per file).
Part = tuple[str, FileKey]


@dataclass(frozen=True)
class Fingerprint:
    """What a result was computed from, as one digest; ``settled``: safe to keep.

    ``folders`` keeps what the walk saw of each folder below ``opportunities/``
    (its path there, its entries), so a command whose result missed can tell
    which files changed (:meth:`files`) without walking the folder again.
    """

    digest: str
    settled: bool
    folders: list[tuple[str, list[Part]]] = field(default_factory=list, compare=False, repr=False)

    def files(self) -> dict[str, FileKey]:
        """Each regular ``*.yaml`` file (the ones :class:`~.store.Store` reads) -> its stat key.

        Computed on demand: the warm path, which hits, never needs it.
        """
        return {
            prefix + name: key
            for prefix, parts in self.folders
            for name, key in parts
            if key[0] >= 0 and name.endswith(".yaml")
        }


def fingerprint(root: Path) -> Fingerprint | None:
    """The fingerprint of ``root`` now, or None when it cannot be trusted (see module doc)."""
    taken = time.time_ns()
    gitdir = git_dir(root)
    if gitdir is None:
        return None
    head = _head_commit(gitdir)
    if head is None:
        return None
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{root}\0{head}\0".encode())
    newest = 0
    folders: list[tuple[str, list[Part]]] = []
    for path in (_common_dir(gitdir) / "shallow", root / CONFIG_FILE):
        try:
            stat = path.stat()
        except FileNotFoundError:
            digest.update(b"-\n")
            continue
        except OSError:
            return None
        digest.update(_stat_line(path.name, stat))
        newest = max(newest, stat.st_mtime_ns, stat.st_ctime_ns)
    try:
        newest = max(newest, _walk(root / OPPORTUNITIES_DIR, "", digest, folders))
    except _Untrusted:
        return None
    return Fingerprint(digest.hexdigest(), newest < taken - SETTLE_NS, folders)


class Snapshot:
    """One kept result, ``name`` (e.g. ``list-json``), of one pipeline folder.

    ``scope`` is the result's own format: a result saved under another one is a miss.

    The file holds two pickles one after the other: the scope and the
    fingerprint's digest, then the result.  A miss reads the first alone:
    after a commit at 100,000 deals the kept listing is 60 MB of lines,
    and unpickling them only to find they are stale cost a tenth of the run.
    """

    def __init__(self, root: Path, name: str, *scope: object) -> None:
        path = f"snapshot-{name}.pickle"
        self.file = CacheFile.of(root, path, _FORMAT, *scope, root, classes=())

    def get(self, current: Fingerprint) -> Any | None:
        """The result kept for exactly this fingerprint, else None."""
        if self.file.path is None:
            return None
        try:
            with self.file.path.open("rb") as handle, collector_paused():
                if pickle.load(handle) != (self.file.scope, current.digest):
                    return None
                return pickle.load(handle)
        except UNREADABLE:
            return None

    def put(self, taken: Fingerprint, value: Any) -> bool:
        """Keep ``value``, computed from the state ``taken`` names, if that state was settled."""
        path = self.file.path
        if not taken.settled or path is None:
            return False
        head = self.file.pack((self.file.scope, taken.digest))
        try:
            remove_dead_temps(path)
            atomic_write(path, iter((head, self.file.pack(value))), durable=False)
        except OSError:
            return False
        return True


class _Untrusted(Exception):
    """Something below ``opportunities/`` that a fingerprint cannot vouch for."""


def _walk(folder: Path, prefix: str, digest: Any, seen: list[tuple[str, list[Part]]]) -> int:
    """Feed every non-hidden entry below ``folder`` to ``digest``; the newest change time.

    Each folder's entries also go to ``seen`` (see :meth:`Fingerprint.files`).

    Hidden names are skipped, as :class:`~.store.Store` skips them.  Entries
    go in ``scandir`` order, unsorted: the same folder listed in another order
    only makes a miss, never a wrong hit.  One ``marshal`` of each folder's
    stat values keeps the per-file cost near the ``stat`` call itself.
    """
    parts: list[Part] = []
    folders: list[tuple[Path, str]] = []
    add = parts.append
    newest = 0
    try:
        listing = os.scandir(folder)
    except FileNotFoundError:
        digest.update(f"{prefix}: no folder\n".encode())
        return 0
    except OSError as exc:
        raise _Untrusted from exc
    try:  # an entry gone between the listing and its stat: no fingerprint, not a short one
        with listing as found:
            for entry in found:  # one lstat an entry tells its kind too: no other call
                name = entry.name
                if name.startswith("."):
                    continue
                stat = entry.stat(follow_symlinks=False)
                mode = stat.st_mode
                if S_ISDIR(mode):
                    folders.append((Path(entry.path), f"{prefix}{name}/"))
                    add((name, _FOLDER))
                    continue
                if S_ISLNK(mode):
                    raise _Untrusted
                changed = stat.st_ctime_ns
                mtime = stat.st_mtime_ns
                size = stat.st_size if S_ISREG(mode) else -2
                add((name, (size, mtime, changed, stat.st_ino)))
                newest = max(newest, mtime, changed)
    except OSError as exc:
        raise _Untrusted from exc
    digest.update(prefix.encode("utf-8", "surrogateescape"))
    digest.update(marshal.dumps(parts))
    seen.append((prefix, parts))
    for path, name in folders:
        newest = max(newest, _walk(path, name, digest, seen))
    return newest


def _stat_line(name: str, stat: os.stat_result) -> bytes:
    return (
        f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ctime_ns}\0{stat.st_ino}\n"
    ).encode("utf-8", "surrogateescape")


def _common_dir(gitdir: Path) -> Path:
    """Where a worktree's shared refs live (its ``commondir`` file), else ``gitdir``."""
    try:
        text = (gitdir / "commondir").read_text(encoding="utf-8").strip()
    except OSError:
        return gitdir
    return (gitdir / text).resolve()


def _head_commit(gitdir: Path) -> str | None:
    """The commit ``HEAD`` names, from loose or packed refs; ``unborn:REF`` before the first.

    None when git keeps its refs some other way (reftable), so nothing is trusted.
    """
    common = _common_dir(gitdir)
    if (common / "reftable").exists():
        return None
    try:
        value = (gitdir / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    for _ in range(_SYMREF_DEPTH):
        if not value.startswith("ref: "):
            return value or None
        ref = value.removeprefix("ref: ").strip()
        loose = _read_ref(gitdir, ref) or _read_ref(common, ref)
        if loose is None:
            return _packed_ref(common, ref) or f"unborn:{ref}"
        value = loose
    return None


def _read_ref(base: Path, ref: str) -> str | None:
    try:
        return (base / ref).read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def _packed_ref(common: Path, ref: str) -> str | None:
    try:
        lines = (common / "packed-refs").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    suffix = f" {ref}"
    return next((line.split(" ", 1)[0] for line in lines if line.endswith(suffix)), None)
