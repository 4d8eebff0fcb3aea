"""Undo: the last change made from this clone (or to one deal), reverted by a new commit.

An undo never rewrites history, so it is safe after a push: it is a commit
whose file is the reverted commit's parent version and whose message ends
with git's own ``This reverts commit <sha>.`` line, exactly what ``git
revert`` would have made.  It is committed through the one commit path
(:class:`~pipeline_tui.edits.committer.LiveCommitter`), so it is validated,
atomic and put back if git fails.

Which change: newest first along the current branch, skipping undo commits
and the commits they undid; without an id, only commits authored with this
clone's git email (this person's changes, not a teammate's just pulled in).
An undo is refused when a later commit touched the same file, since undoing
the older change would silently drop the newer one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipeline_tui.core.config import OPPORTUNITIES_DIR
from pipeline_tui.core.errors import NotFound, PipelineError
from pipeline_tui.git import log
from pipeline_tui.git.commits import revert_message
from pipeline_tui.git.repo import Author
from pipeline_tui.i18n import _


class UndoRefused(PipelineError):
    """The change cannot be undone without losing a later one (or is not a deal change)."""


@dataclass(frozen=True)
class UndoPlan:
    """What an undo will do: which commit, to which file, and the text it puts back.

    ``old`` is the file as it now stands (None: absent, a deletion is undone),
    ``new`` what it held before the change (None: the change created it).
    """

    commit: str
    subject: str
    author: str
    at: datetime
    path: Path
    old: str | None
    new: str | None

    @property
    def message(self) -> str:
        return revert_message(self.subject, self.commit)

    def describe(self, rel: str) -> str:
        """Two lines for the person about to confirm."""
        action = (
            _("deletes it again")
            if self.new is None
            else _("restores it")
            if self.old is None
            else _("puts it back as it was")
        )
        return _("undo {commit} {subject}\n  by {author}, {at}; {action} ({rel})").format(
            commit=self.commit[:10],
            subject=self.subject,
            author=self.author,
            at=f"{self.at:%Y-%m-%d %H:%M}",
            action=action,
            rel=rel,
        )


def find_change(root: Path, rel: str | None, me: Author) -> log.Summary:
    """The newest change not undone yet: to ``rel`` (a deal file) if given, else mine."""
    if log.head(root) is None:  # `git log` would fail on the missing HEAD
        raise NotFound(_("nothing to undo: this repository has no commits yet"))
    paths = [rel] if rel is not None else [f"{OPPORTUNITIES_DIR}/"]
    cancelled: set[str] = set()
    for commit in log.summaries(root, paths):
        if commit.sha in cancelled:
            continue
        if commit.reverts:
            cancelled.update(commit.reverts)
            continue
        if rel is not None or commit.email == me.email:
            return commit
    whose = (
        _("to {rel}").format(rel=rel)
        if rel is not None
        else _("by {email} on this branch").format(email=me.email)
    )
    raise NotFound(
        _("nothing to undo: no change {whose} that is not undone already").format(whose=whose)
    )


def plan_undo(root: Path, commit: log.Summary) -> UndoPlan:
    """The file change that reverts ``commit``; refused if a later change would be lost."""
    files = log.touched(root, commit.sha)
    deals = [f for f in files if f.startswith(f"{OPPORTUNITIES_DIR}/")]
    if len(files) != 1 or len(deals) != 1:
        raise UndoRefused(
            f"{commit.sha[:10]} ({commit.subject}) changed {len(files)} files; "
            f"undo it with `git revert {commit.sha[:10]}`"
        )
    rel = deals[0]
    after = log.blob_at(root, commit.sha, rel)
    if log.blob_at(root, "HEAD", rel) != after:
        later = next(log.summaries(root, [rel], f"{commit.sha}..HEAD"), None)
        by = f" ({later.sha[:10]} {later.subject}, by {later.author})" if later else ""
        raise UndoRefused(
            f"cannot undo {commit.sha[:10]} ({commit.subject}): a later change to {rel}{by} "
            "would be lost; undo that one first"
        )
    path = root / rel
    old = path.read_text(encoding="utf-8") if after is not None else None
    new = _text_at(root, f"{commit.sha}^", rel)
    return UndoPlan(commit.sha, commit.subject, commit.author, commit.at, path, old, new)


def _text_at(root: Path, rev: str, rel: str) -> str | None:
    blob = log.blob_at(root, rev, rel)
    if blob is None:
        return None
    with log.BlobReader(root) as reader:
        (raw,) = reader.read([blob])
    return None if raw is None else raw.decode("utf-8")
