"""Keeping the board in step with the disk and with git, cheaply.

Polling beats a file-system watcher here: it works the same on every OS,
over network mounts and inside tests.  Only files whose (mtime, size, inode)
changed are parsed again, so an edit in another terminal shows up in about
a second.

What a poll costs grows with the pipeline: one walk of ``opportunities/``
with a ``stat`` per file is about 50 ms of CPU at 10,000 files and half a
second at 100,000, which every second would keep a core half busy.  So a
poll first takes a cheap look (:func:`changed_snapshot`): ``pipeline.yaml``,
git's HEAD, index and refs, and the folders that hold deal files, whose
times move when a file in them is created, removed or renamed (as editors
and git save).  Only when one of those moved, or when the last walk is
:data:`WALK_BUDGET` times its own cost ago, does it walk every file again;
so an edit that rewrites a file in place shows up within a second on a
small pipeline and within a few seconds at 100,000 deals.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipeline_tui.core.model import Opportunity, Pipeline, Problem
from pipeline_tui.i18n import _
from pipeline_tui.storage.store import Store

FileStamp = tuple[int, int, int]

#: A full walk runs again at the latest this many times its own duration after
#: the last one (at least every poll on a small pipeline): about a tenth of a
#: core at any size.
WALK_BUDGET = 10


@dataclass(frozen=True)
class Snapshot:
    """What the watched files looked like at one moment."""

    files: Mapping[str, FileStamp] = field(default_factory=dict)
    config: FileStamp | None = None
    git: tuple[FileStamp | None, ...] = ()
    #: ``opportunities/`` and every folder holding a deal file: their times
    #: move with each file created, removed or renamed in them.
    folders: Mapping[str, FileStamp | None] = field(default_factory=dict)
    #: When the walk ended (``time.monotonic()``) and how long it took.
    taken: float = 0.0
    cost: float = 0.0


@dataclass(frozen=True)
class Changes:
    files: frozenset[str]
    config: bool
    git: bool

    @property
    def any(self) -> bool:
        return bool(self.files) or self.config or self.git


def take_snapshot(store: Store, git_dir: Path | None) -> Snapshot:
    """Every deal file's stamp, walking ``opportunities/``; and the cheap ones."""
    started = time.monotonic()
    files: dict[str, FileStamp] = {}
    folders = {str(store.opportunities_dir)}
    for entry in store.opportunity_entries():
        stamp = _stamp_entry(entry)
        if stamp is not None:
            files[store.entry_relpath(entry)] = stamp
            folders.add(entry.path[: entry.path.rindex(os.sep)])  # its folder (no Path per file)
    folder_stamps = {folder: _stamp(Path(folder)) for folder in folders}
    git = _git_stamps(git_dir)
    ended = time.monotonic()
    return Snapshot(files, _stamp(store.config_path), git, folder_stamps, ended, ended - started)


def changed_snapshot(store: Store, git_dir: Path | None, old: Snapshot) -> Snapshot | None:
    """A new snapshot, or None when a cheap look says nothing changed since ``old``.

    The look: the config, git's files and ``old``'s folders; a full walk
    also when the last one is :data:`WALK_BUDGET` times its cost ago.
    """
    due = time.monotonic() >= old.taken + WALK_BUDGET * old.cost
    if (
        not due
        and _stamp(store.config_path) == old.config
        and _git_stamps(git_dir) == old.git
        and all(_stamp(Path(folder)) == stamp for folder, stamp in old.folders.items())
    ):
        return None
    return take_snapshot(store, git_dir)


def compare(old: Snapshot, new: Snapshot) -> Changes:
    names = set(old.files) | set(new.files)
    changed = frozenset(n for n in names if old.files.get(n) != new.files.get(n))
    return Changes(changed, old.config != new.config, old.git != new.git)


def apply_file_changes(pipeline: Pipeline, store: Store, paths: Iterable[str]) -> Pipeline:
    """``pipeline`` with the given files parsed again (removed files dropped).

    Problems for those files are replaced by fresh ones; an id claimed by two
    files stays with the file that had it first.
    """
    paths = set(paths)
    records: dict[str, Opportunity] = {
        r.path: r for r in pipeline.opportunities if r.path not in paths
    }
    problems = [p for p in pipeline.problems if p.path not in paths]
    taken = {r.id: r.path for r in records.values()}
    for rel in sorted(paths):
        file = store.root / rel
        if not file.is_file():
            continue
        record, found = store.load_file(file, pipeline.config)
        problems.extend(found)
        if record is None:
            continue
        if record.id in taken:
            problems.append(
                Problem(
                    rel,
                    _("duplicate id {id!r}, also in {taken}").format(
                        id=record.id, taken=taken[record.id]
                    ),
                    1,
                    "id",
                )
            )
            continue
        taken[record.id] = rel
        records[rel] = record
    ordered = tuple(sorted(records.values(), key=lambda r: r.path))
    return Pipeline(pipeline.config, ordered, tuple(problems))


def _git_files(git_dir: Path) -> list[Path]:
    """HEAD, the index, the current branch ref and packed refs: any commit, checkout,
    pull or stage touches one of them."""
    found = [git_dir / "HEAD", git_dir / "index", git_dir / "packed-refs"]
    try:
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return found
    if head.startswith("ref: "):
        found.append(git_dir / head.removeprefix("ref: "))
    return found


def _git_stamps(git_dir: Path | None) -> tuple[FileStamp | None, ...]:
    return tuple(_stamp(p) for p in _git_files(git_dir)) if git_dir else ()


def _stamp(path: Path) -> FileStamp | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _stamp_entry(entry: os.DirEntry[str]) -> FileStamp | None:
    try:
        st = entry.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)
