"""Applying a planned change to one file and committing it: the one commit path for edits.

:class:`~pipeline_tui.edits.workspace.Workspace` decides *what* a file should
now say; a :class:`Committer` makes it so.  The live one (:class:`LiveCommitter`)
is what every user-facing write and ``pipeline resolve`` go through: validate,
refuse a file with uncommitted edits, write atomically, commit exactly that
file, and on failure put the file *and* its index entry back as they were.
The demo hands the workspace a committer that queues the commits for one
``git fast-import`` run instead (:mod:`pipeline_tui.demo.build`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.errors import RepoError
from pipeline_tui.core.model import Opportunity
from pipeline_tui.git.commits import commit_paths, write_lock
from pipeline_tui.git.repo import Author, GitRepo
from pipeline_tui.i18n import _
from pipeline_tui.storage.files import atomic_write
from pipeline_tui.storage.store import Store


@dataclass(frozen=True)
class ConfigEdit:
    """``pipeline.yaml`` before and after, committed with a deal's file (a new team member)."""

    old: str
    new: str


@dataclass(frozen=True)
class PlannedChange:
    """One opportunity file's new text, planned from what it held when it was read.

    ``old`` is None for a new file, ``new`` None to delete the file; ``at`` is
    the author date (None: now; naive: UTC).  ``config`` also changes
    ``pipeline.yaml`` in the same commit: ``--new-owner`` adds the owner to
    ``team:`` and gives them the deal as one logical change.
    """

    path: Path
    old: str | None
    new: str | None
    message: str
    author: Author
    at: datetime | None = None
    config: ConfigEdit | None = None


@dataclass(frozen=True)
class Committed:
    """What a committer did: the validated record (None if deleted) and the commit's sha."""

    record: Opportunity | None
    commit: str


class Committer(Protocol):
    """Applies a :class:`PlannedChange` and records it as one commit.

    ``exclusive`` says nobody else writes to the pipeline meanwhile (the demo's
    brand-new folder), so a record just committed is what re-reading its file
    would give: the workspace may keep it instead of parsing the file again.
    """

    exclusive: bool

    def author(self, name: str | None) -> Author:
        """Who commits (``name`` if given); raises before anything is written if unknown."""
        ...

    def hold(self) -> AbstractContextManager[None]:
        """Exclusive right to write, for a whole read-check-write-commit."""
        ...

    def commit(self, change: PlannedChange, config: PipelineConfig) -> Committed:
        """Validate, write and commit ``change``; nothing changes if it raises."""
        ...


class LiveCommitter:
    """The real thing: a git commit per change, in the user's repository."""

    exclusive = False  # teammates' tools, git and editors write here too

    def __init__(self, store: Store, git: GitRepo) -> None:
        self.store = store
        self.git = git

    def author(self, name: str | None) -> Author:
        return self.git.identity(name)

    @contextmanager
    def hold(self) -> Iterator[None]:
        """The writers' lock, once git is known to be able to take a commit.

        Reading the file inside it is what makes two writers started at the
        same moment both land instead of one overwriting the other.
        """
        self.git.check_ready()
        with write_lock(self.git):
            yield

    def commit(self, change: PlannedChange, config: PipelineConfig) -> Committed:
        """Validate, write atomically and commit; put the old bytes back if git fails.

        A file with uncommitted edits of its own is refused: committing them
        under this change's message would put words in the user's mouth.  A
        failed commit leaves the index as it was (:func:`commit_paths`) and the
        file as it was (here), so ``git status`` cannot tell it was tried.
        """
        path = change.path
        files = {path: (change.old, change.new)}
        if change.config is not None:  # the record is checked against the config it will meet
            config = self.store.validated_config(change.config.new)
            files[self.store.config_path] = (change.config.old, change.config.new)
        record = None if change.new is None else self.store.validated(path, change.new, config)
        for each, (old, _new) in files.items():
            self._refuse_dirty(each, old)
        written: list[Path] = []
        try:
            for each, (_old, new) in files.items():
                _put(each, new)
                written.append(each)
            sha = commit_paths(self.git, list(files), change.message, change.author, change.at)
        except (RepoError, OSError):
            for each in reversed(written):
                _restore(each, files[each][0])
            raise
        return Committed(record, sha)

    def _refuse_dirty(self, path: Path, old: str | None) -> None:
        if old is not None and self.git.is_dirty(path):
            rel = self.store.relpath(path)
            raise RepoError(
                _(
                    "{rel} has uncommitted edits: commit them (git commit {rel}) or "
                    "discard them (git checkout -- {rel}) first"
                ).format(rel=rel)
            )


def _put(path: Path, text: str | None) -> None:
    """Make ``path`` hold ``text`` (atomically), or not exist if ``text`` is None."""
    if text is None:
        path.unlink(missing_ok=True)
    else:
        atomic_write(path, text)


def _restore(path: Path, old: str | None) -> None:
    """Put the file back as it was before a write whose commit failed."""
    try:
        _put(path, old)
    except OSError:
        if old is None:
            raise
        # no room for a temp file (the disk filled up): overwrite in place from
        # memory; truncating first frees the new version's blocks for the old
        with path.open("wb") as handle:
            handle.write(old.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
