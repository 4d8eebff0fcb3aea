"""``pipeline sync``: share the pipeline through an ordinary git remote, safely.

One call does what a git expert would: fetch, replay the local pipeline
commits on top of what teammates pushed (a rebase, so history stays a line and
author dates, which the history engine measures durations from, are kept),
and push; if someone pushed in between, wait a little and do it again, within
a time budget (:mod:`pipeline_tui.sync.retry`).  Opportunity files merge
field by field through the merge driver; a file one side deleted and the other
edited keeps the edit and records the question.  Anything git cannot merge
that way stops the sync with the repository exactly as it was.

Nothing of the user's unrelated work is committed: a dirty pipeline file stops
the sync, other uncommitted changes are stashed around the rebase by git
(unless the incoming commits touch them too, which also stops it).

:func:`sync` prints nothing and returns a :class:`~.outcome.SyncResult`, so the CLI and
the TUI's worker present the same facts their own way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline_tui.core.config import CONFIG_FILE
from pipeline_tui.core.errors import PipelineError, RepoError, SyncError
from pipeline_tui.core.model import Problem
from pipeline_tui.core.validation import recorded_conflicts
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.git import remote as git_remote
from pipeline_tui.git.commits import write_lock
from pipeline_tui.git.repo import GitRepo
from pipeline_tui.i18n import _, ngettext
from pipeline_tui.storage.files import atomic_write
from pipeline_tui.storage.layout import is_deal_path
from pipeline_tui.sync.config_merge import ConfigClash, merge_config_texts
from pipeline_tui.sync.merge import Unmergeable, mark_deleted_conflict
from pipeline_tui.sync.merge_driver import ATTRIBUTES_FILE, driver_config
from pipeline_tui.sync.outcome import DealChange, SyncResult, deal_change, file_mapping
from pipeline_tui.sync.retry import DEFAULT_BUDGET_S, Patience, Waiting


def sync(
    root: Path | None = None,
    remote: str | None = None,
    timeout: float = DEFAULT_BUDGET_S,
    on_wait: Callable[[Waiting], None] | None = None,
    patience: Patience | None = None,
) -> SyncResult:
    """Fetch, rebase the local commits onto the remote, push; retry while the remote moves.

    A lost push race is retried after a jittered, growing wait (see
    :mod:`pipeline_tui.sync.retry`) until ``timeout`` seconds are spent;
    ``on_wait`` hears about each wait, so a terminal or the board can say
    what is going on.  The local write lock is released while waiting, so the
    board stays usable and whatever is committed meanwhile is sent too.
    ``patience`` replaces both (tests give it a fake clock and sleep).

    Raises :class:`SyncError` (with a ``reason`` code) when it cannot finish;
    nothing is half-done then: no rebase is left in progress and every local
    commit is intact (a retry may already have replayed them onto newer work).
    """
    ws = Workspace(root)
    repo = ws.git
    try:  # first: a half-finished rebase also detaches HEAD, and it is the real cause
        repo.check_no_operation()
    except RepoError as exc:
        raise SyncError("busy", str(exc)) from exc
    repo.current_branch()  # a detached HEAD gets its own reason code
    patience = patience or Patience(timeout, on_wait=on_wait)
    patience.start()
    plan: _Plan | None = None
    last: _Round | None = None
    while True:
        try:
            repo.check_ready()
        except RepoError as exc:
            raise SyncError("busy", str(exc)) from exc
        with write_lock(repo):
            plan = plan or _plan(ws, repo, remote)
            _refuse_dirty_pipeline(ws, repo)
            last = _round(ws, repo, plan, last)
        if last.finished:
            return _result(ws, repo, plan, last, patience)
        moved = _("{remote} moved while syncing (a teammate pushed first)")
        if not patience.wait(moved.format(remote=plan.remote)):
            raise SyncError(
                "busy",
                _(
                    "{remote} kept changing for {budget:.0f} s ({plural}): teammates are "
                    "pushing right now; run `pipeline sync` again in a moment (or give it "
                    "longer with --timeout)"
                ).format(
                    remote=plan.remote,
                    budget=patience.budget,
                    plural=ngettext("{n} attempt", "{n} attempts", patience.attempts).format(
                        n=patience.attempts
                    ),
                ),
            )


@dataclass(frozen=True)
class _Plan:
    """What one sync works with, settled before its first attempt."""

    remote: str
    branch: str
    start: str  # HEAD when the sync began: what came in is counted from here
    set_upstream: bool


def _plan(ws: Workspace, repo: GitRepo, remote: str | None) -> _Plan:
    branch = repo.current_branch()
    remote = remote or repo.sync_remote(branch)
    if remote is None:
        raise SyncError(
            "no-remote",
            _(
                "this pipeline has no remote to sync with: add one with "
                "`git remote add origin URL` (an empty GitHub/GitLab repository or a bare "
                "repository on a server), then run `pipeline sync` again"
            ),
        )
    start = repo.head()
    if start is None:
        raise SyncError("busy", _("this repository has no commits yet: run `pipeline init` first"))
    set_upstream = repo.config_value(f"branch.{branch}.remote") is None
    return _Plan(remote, branch, start, set_upstream)


@dataclass(frozen=True)
class _Round:
    """One attempt at fetch-rebase-push: the remote head it built on, and the outcome."""

    upstream: str | None
    head: str | None  # local HEAD after integrating ``upstream``
    sent: int
    pushed: bool
    finished: bool  # False: the push lost a race, try again
    conflicts: tuple[Problem, ...]
    problems: tuple[Problem, ...]


def _round(ws: Workspace, repo: GitRepo, plan: _Plan, last: _Round | None) -> _Round:
    """Fetch, rebase, push once; replays and re-checks only if something changed since ``last``.

    Local commits with recorded conflicts are not pushed: the person who saw
    the conflict resolves it (``ours`` means them) before anyone else sees it.
    """
    git_remote.fetch(repo, plan.remote, plan.branch)
    upstream = git_remote.remote_head(repo, plan.remote, plan.branch)
    if last is not None and last.upstream == upstream and last.head == repo.head():
        conflicts, problems = last.conflicts, last.problems  # the push lost to a lock only
    else:
        if upstream is not None:
            _integrate(ws, repo, upstream, repo.remote_url(plan.remote))
        conflicts, problems = _problems(ws)
    head = repo.head()
    sent = repo.count_commits(upstream, "HEAD")
    if conflicts or sent == 0:
        return _Round(upstream, head, sent, False, True, conflicts, problems)
    pushed = git_remote.push(repo, plan.remote, plan.branch, plan.set_upstream)
    return _Round(upstream, head, sent, pushed, pushed, conflicts, problems)


def _result(
    ws: Workspace, repo: GitRepo, plan: _Plan, done: _Round, patience: Patience
) -> SyncResult:
    upstream = done.upstream
    notes = _default_branch_notes(repo, plan) if done.pushed and plan.set_upstream else ()
    return SyncResult(
        remote=plan.remote,
        url=repo.remote_url(plan.remote),
        branch=plan.branch,
        received=repo.count_commits(plan.start, upstream) if upstream else 0,
        sent=done.sent if done.pushed else 0,
        unsent=0 if done.pushed else done.sent,
        pushed=done.pushed,
        attempts=patience.attempts,
        waited_seconds=patience.waited,
        incoming=_incoming(ws, repo, plan.start, upstream) if upstream else (),
        conflicts=done.conflicts,
        problems=done.problems,
        notes=notes,
    )


def _default_branch_notes(repo: GitRepo, plan: _Plan) -> tuple[str, ...]:
    """After the first push of the branch: make sure a teammate's clone checks it out.

    A bare repository made with plain ``git init --bare`` names ``master`` as
    its default branch while the pipeline is on ``main``, so ``git clone``
    would give an empty folder.  A local bare repository whose default branch
    does not exist is pointed at this branch, as GitHub does on a first push;
    any other remote gets the exact step to take.
    """
    url = repo.remote_url(plan.remote)
    if git_remote.point_bare_head(repo, url, plan.branch):
        return (
            _(
                "{remote}'s default branch did not exist, so clones would be empty; "
                "it is now {branch}"
            ).format(remote=plan.remote, branch=plan.branch),
        )
    if not git_remote.remote_head_missing(repo, plan.remote):
        return ()
    return (
        _(
            "{remote}'s default branch does not exist, so `git clone` gives teammates an "
            "empty folder: make {branch} its default branch (GitHub/GitLab: the "
            "repository's settings; a bare repository on a server: `git symbolic-ref HEAD "
            "refs/heads/{branch}` inside it); until then teammates clone with "
            "`git clone -b {branch} URL`"
        ).format(remote=plan.remote, branch=plan.branch),
    )


# --------------------------------------------------------------------------- steps


def _pipeline_paths(ws: Workspace, repo: GitRepo) -> list[str]:
    """The pipeline's own files, relative to the top of the git work tree."""
    root = ws.root.resolve().relative_to(repo.top)
    prefix = "" if root == Path() else f"{root.as_posix()}/"
    return [f"{prefix}{CONFIG_FILE}", f"{prefix}{ATTRIBUTES_FILE}", f"{prefix}opportunities/"]


def _is_pipeline_path(path: str, pipeline_paths: list[str]) -> bool:
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in pipeline_paths)


def _refuse_dirty_pipeline(ws: Workspace, repo: GitRepo) -> None:
    """Uncommitted pipeline edits would be mixed into the merge: ask the user first."""
    paths = _pipeline_paths(ws, repo)
    dirty = [p for p in repo.dirty_tracked() if _is_pipeline_path(p, paths)]
    if dirty:
        listed = ", ".join(dirty[:3]) + (f" and {len(dirty) - 3} more" if len(dirty) > 3 else "")
        raise SyncError(
            "dirty",
            _(
                "uncommitted changes to {listed}: sync only sends committed work. "
                "Commit them (`git commit -am ...`) or discard them (`git restore "
                "FILE`), then sync again"
            ).format(listed=listed),
        )


def _integrate(ws: Workspace, repo: GitRepo, upstream: str, url: str) -> None:
    """Put the local commits on top of ``upstream`` (a rebase through the merge driver)."""
    head = repo.head()
    assert head is not None
    base = repo.merge_base(head, upstream)
    if base is None:
        raise SyncError(
            "unrelated-histories",
            _(
                "this pipeline and {url} share no history (they were created "
                "separately, e.g. by two `pipeline init`s). Keep one: clone the remote "
                "into a new folder with `git clone URL`, or push this pipeline to an "
                "empty repository"
            ).format(url=url),
        )
    if base == upstream:
        return  # nothing new came in
    dirty = repo.dirty_tracked()
    touched = {path for _, path in repo.changed_files(base, upstream)}
    clash = [p for p in dirty if p in touched]
    if clash:
        raise SyncError(
            "dirty",
            _(
                "you have uncommitted changes to {join}, which teammates also changed: "
                "commit them or set them aside (`git stash`), then sync again"
            ).format(join=", ".join(clash[:3])),
        )
    config = driver_config(for_sync=True)
    try:
        done = git_remote.rebase(repo, upstream, config, autostash=bool(dirty))
        while not done:
            _settle_stop(ws, repo)
            done = git_remote.rebase_continue(repo, config)
    except BaseException:
        git_remote.rebase_abort(repo)  # whatever went wrong, leave the repository as it was
        raise


def _settle_stop(ws: Workspace, repo: GitRepo) -> None:
    """A stopped rebase: settle delete-vs-edit of deals; anything else aborts the sync."""
    unmerged = git_remote.unmerged(repo)
    paths = _pipeline_paths(ws, repo)
    opportunities = paths[-1]
    settle = {
        path: stages
        for path, stages in unmerged.items()
        if path.startswith(opportunities)
        and is_deal_path(path.removeprefix(opportunities))
        and len(stages - {1}) == 1
    }
    config_text, clash = _settle_config(repo, paths[0], unmerged)
    others = sorted(set(unmerged) - set(settle) - ({paths[0]} if config_text else set()))
    both_added = [p for p in others if unmerged[p] == {2, 3}]
    if both_added:
        git_remote.rebase_abort(repo)
        raise SyncError(
            "conflict",
            _(
                "you and a teammate each created {join}: two deals with the same id; "
                "nothing was changed. Give yours a new id (create it again with "
                "`pipeline new ... --id NEW-ID` and delete the old file), then sync "
                "again"
            ).format(join=", ".join(both_added[:3])),
        )
    if clash is not None:
        git_remote.rebase_abort(repo)
        raise SyncError(
            "conflict",
            _(
                "your commits and the remote's both change {keys} in {path}; pipeline "
                "merges only teammates added to team: by itself, so nothing was changed. "
                "Agree which settings to keep, merge by hand with `git pull --rebase`, "
                "then run `pipeline sync` again"
            ).format(keys=", ".join(clash.keys), path=paths[0]),
        )
    if not unmerged or others:
        git_remote.rebase_abort(repo)
        what = ", ".join(others[:3]) if others else _("the rebase")
        raise SyncError(
            "conflict",
            _(
                "your commits and the remote's both change {what} in a way pipeline "
                "cannot merge by itself; nothing was changed. Merge by hand with `git "
                "pull --rebase`, or ask for help, then run `pipeline sync` again"
            ).format(what=what),
        )
    for path, stages in settle.items():
        local_deleted = 3 not in stages  # during a rebase, stage 3 is the local commit
        kept = repo.file_at(":2" if local_deleted else ":3", path)
        try:
            text = mark_deleted_conflict(kept or "", ours_deleted=local_deleted)
        except Unmergeable:
            git_remote.rebase_abort(repo)
            raise SyncError(
                "conflict", _("{path} is not valid YAML on one side").format(path=path)
            ) from None
        atomic_write(repo.top / path, text)
        git_remote.mark_resolved(repo, [path])
    if config_text is not None:
        atomic_write(repo.top / paths[0], config_text)
        git_remote.mark_resolved(repo, [paths[0]])


def _settle_config(
    repo: GitRepo, path: str, unmerged: dict[str, set[int]]
) -> tuple[str | None, ConfigClash | None]:
    """``pipeline.yaml`` as merged (teammates added on both sides), or why it cannot be.

    (None, None) when the file is not in conflict, or not edited on both
    sides (then it stops the sync like any other file).
    """
    if unmerged.get(path) != {1, 2, 3}:
        return None, None
    base, upstream, local = (repo.file_at(f":{stage}", path) or "" for stage in (1, 2, 3))
    try:
        return merge_config_texts(base, upstream, local), None
    except ConfigClash as clash:
        return None, clash


def _problems(ws: Workspace) -> tuple[tuple[Problem, ...], tuple[Problem, ...]]:
    """(recorded conflicts, other errors) in the pipeline as it now stands."""
    try:
        pipeline = ws.store.load(ws.store.load_config())
    except PipelineError as exc:
        return (), tuple(getattr(exc, "problems", ()) or [Problem(CONFIG_FILE, str(exc))])
    errors = [p for p in pipeline.problems if p.severity == "error"]
    conflicts = recorded_conflicts(errors)
    return conflicts, tuple(p for p in errors if p not in conflicts)


def _incoming(ws: Workspace, repo: GitRepo, start: str, upstream: str) -> tuple[DealChange, ...]:
    """New, moved, closed, updated and removed deals between ``start`` and ``upstream``."""
    base = repo.merge_base(start, upstream)
    if base is None or base == upstream:
        return ()
    try:
        config = ws.store.load_config()
    except PipelineError:
        config = None
    folder = _pipeline_paths(ws, repo)[-1]
    files = [
        (status, Path(path).stem, path)
        for status, path in repo.changed_files(base, upstream, folder)
        if is_deal_path(path.removeprefix(folder))
    ]
    # A deal whose file moved (a teammate's `pipeline migrate`, a hand `git mv`)
    # is one deal, compared across the move: not one removed and one new.
    gone = {opp_id: path for status, opp_id, path in files if status == "D"}
    came = {opp_id for status, opp_id, _path in files if status == "A"}
    changes = []
    for status, opp_id, path in files:
        if status == "D" and opp_id in came:
            continue
        moved_from = gone.get(opp_id) if status == "A" else None
        was = moved_from or (path if status != "A" else None)
        old = file_mapping(repo.file_at(base, was)) if was is not None else {}
        new = file_mapping(repo.file_at(upstream, path)) if status != "D" else {}
        if moved_from is not None:
            if old == new:
                continue  # only the folder changed
            status = "M"
        # deleted by a teammate but still here: kept with a (file) conflict (you edited it)
        kept = status == "D" and repo.file_at("HEAD", path) is not None
        changes.append(deal_change(opp_id, status, old, new, config, kept))
    return tuple(changes)
