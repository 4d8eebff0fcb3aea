"""Undo: the last change made from this clone (or to one deal), reverted by a new commit.

An undo never rewrites history, so it is safe after a push: it is a commit
whose file is the reverted commit's parent version and whose message ends
with git's own ``This reverts commit <sha>.`` line, exactly what ``git
revert`` would have made.  It is committed through the one commit path
(:class:`~pipeline_tui.edits.committer.LiveCommitter`), so it is validated,
atomic and put back if git fails.

Which change: newest first along the current branch, skipping undo commits
and the commits they undid; without an id, only commits authored with this
clone's git email (this person's changes, not a teammate's just pulled in)
and not by the automation.  The automation commits with the clone's email
too, under the name ``pipeline automation``:

- its follow-ups to a write (an event rule's changes, the deliveries it
  queued), whose messages end ``Follows commit <sha>.``, belong to that
  write: undoing it undoes them too, in the same revert commit (one line
  ``This reverts commit <sha>.`` each);
- ``automate run``'s own commits (claims, retries) are nobody's "last
  change": ``pipeline undo`` skips them to the person's own change, and
  ``pipeline undo ID`` (the deal's last change, whoever made it) is how to
  undo one on purpose.

An undo is refused when a later commit touched the same file, since undoing
the older change would silently drop the newer one; the refusal names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from pipeline_tui.core.config import OPPORTUNITIES_DIR
from pipeline_tui.core.errors import NotFound, PipelineError
from pipeline_tui.edits.change import AUTOMATION_AUTHOR
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
    follow_ups: tuple[str, ...] = ()  # the automation's commits for this write, undone with it

    @property
    def message(self) -> str:
        return revert_message(self.subject, self.commit, *self.follow_ups)

    def describe(self, rel: str) -> str:
        """Two lines for the person about to confirm."""
        action = (
            _("deletes it again")
            if self.new is None
            else _("restores it")
            if self.old is None
            else _("puts it back as it was")
        )
        text = _("undo {commit} {subject}\n  by {author}, {at}; {action} ({rel})").format(
            commit=self.commit[:10],
            subject=self.subject,
            author=self.author,
            at=f"{self.at:%Y-%m-%d %H:%M}",
            action=action,
            rel=rel,
        )
        if self.follow_ups:
            text += "\n" + _("  and what the automation did right after it: {commits}").format(
                commits=", ".join(sha[:10] for sha in self.follow_ups)
            )
        return text


@dataclass(frozen=True)
class Found:
    """The change to undo, and the automation's follow-ups to it (newest first)."""

    change: log.Summary
    follow_ups: tuple[log.Summary, ...] = ()


def find_change(root: Path, rel: str | None, me: Author) -> Found:
    """The newest change not undone yet: to ``rel`` (a deal file) if given, else mine.

    With its follow-ups: the automation's commits that name it (``Follows
    commit``).  ``automate run``'s own commits are skipped without ``rel``.
    """
    if log.head(root) is None:  # `git log` would fail on the missing HEAD
        raise NotFound(_("nothing to undo: this repository has no commits yet"))
    paths = [rel] if rel is not None else [f"{OPPORTUNITIES_DIR}/"]
    cancelled: set[str] = set()
    followers: dict[str, list[log.Summary]] = {}
    for commit in log.summaries(root, paths):
        if commit.sha in cancelled:
            continue
        if commit.reverts:
            cancelled.update(commit.reverts)
            continue
        if commit.author == AUTOMATION_AUTHOR:
            if commit.follows is not None:
                followers.setdefault(commit.follows, []).append(commit)
                continue
            if rel is None:
                continue  # automate run's own: not this person's last change
            return Found(commit)
        if rel is not None or commit.email == me.email:
            return Found(commit, tuple(followers.get(commit.sha, ())))
    whose = (
        _("to {rel}").format(rel=rel)
        if rel is not None
        else _("by {email} on this branch").format(email=me.email)
    )
    raise NotFound(
        _("nothing to undo: no change {whose} that is not undone already").format(whose=whose)
    )


def plan_undo(root: Path, found: Found) -> UndoPlan:
    """The revert of ``found`` and its follow-ups; refused if a later change would be lost."""
    commit = found.change
    files: set[str] = set()
    for each in (commit, *found.follow_ups):
        files.update(log.touched(root, each.sha))
    deals = [f for f in files if f.startswith(f"{OPPORTUNITIES_DIR}/")]
    if len(files) != 1 or len(deals) != 1:
        raise UndoRefused(
            _(
                "{commit} ({subject}) changed {count} files; undo it with `git revert {commit}`"
            ).format(commit=commit.sha[:10], subject=commit.subject, count=len(files))
        )
    rel = deals[0]
    newest = found.follow_ups[0] if found.follow_ups else commit
    after = log.blob_at(root, newest.sha, rel)
    if log.blob_at(root, "HEAD", rel) != after:
        later = next(log.summaries(root, [rel], f"{newest.sha}..HEAD"), None)
        by = (
            _(" ({commit} {subject}, by {author})").format(
                commit=later.sha[:10], subject=later.subject, author=later.author
            )
            if later
            else ""
        )
        raise UndoRefused(
            _(
                "cannot undo {commit} ({subject}): a later change to {rel}{by} would be lost; "
                "undo that one first (`pipeline undo {opp_id}`)"
            ).format(
                commit=commit.sha[:10],
                subject=commit.subject,
                rel=rel,
                by=by,
                opp_id=PurePosixPath(rel).stem,
            )
        )
    path = root / rel
    old = path.read_text(encoding="utf-8") if after is not None else None
    new = _text_at(root, f"{commit.sha}^", rel)
    return UndoPlan(
        commit.sha,
        commit.subject,
        commit.author,
        commit.at,
        path,
        old,
        new,
        tuple(f.sha for f in found.follow_ups),
    )


def _text_at(root: Path, rev: str, rel: str) -> str | None:
    blob = log.blob_at(root, rev, rel)
    if blob is None:
        return None
    with log.BlobReader(root) as reader:
        (raw,) = reader.read([blob])
    return None if raw is None else raw.decode("utf-8")
