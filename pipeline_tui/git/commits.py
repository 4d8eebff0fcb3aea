"""Git, for writing: every commit the pipeline makes is made here.

A live write ends as exactly one commit of exactly the files it touched
(:func:`commit_paths`, ``git commit --only``), so whatever else the user has
staged or left dirty is never swept in, and a commit that fails leaves the
index as it found it.  Bulk writes (an import, the demo's history) are one
``git fast-import`` run (:func:`fast_import`).  Author dates can be set because
the history engine measures stage durations from them.

Writers serialize on a lock file inside ``.git/`` (:func:`write_lock`); the one
loop that waits for git's own ``index.lock`` is :func:`run_git`, with the time
budget the repository was opened with (:attr:`GitRepo.index_lock_wait`).

Dates: a naive ``datetime`` is UTC, as everywhere in the pipeline
(:func:`pipeline_tui.core.model.to_datetime`); callers that mean local time
(the CLI's ``--at``) make it aware first.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipeline_tui.core import clock
from pipeline_tui.core.errors import RepoError, write_failed
from pipeline_tui.filelock import release_lock, wait_for_lock
from pipeline_tui.git.repo import Author, GitRepo, explain
from pipeline_tui.i18n import _

LOCK_NAME = "pipeline-tui.lock"
WRITE_LOCK_TIMEOUT_S = 30.0
_NULL_SHA = "0" * 40
_FIRST_DELAY_S = 0.05
_MAX_DELAY_S = 0.5


@dataclass(frozen=True)
class PlannedCommit:
    """One commit to write: whole-file contents, message, author and author date.

    ``files`` maps each path (absolute, or relative to the top of the work tree)
    to its full new text.  A naive ``when`` is UTC.
    """

    message: str
    author: Author
    when: datetime
    files: Mapping[Path, str]


def aware(when: datetime) -> datetime:
    """``when`` with a time zone: the pipeline's one rule is that naive means UTC."""
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


# --------------------------------------------------------------------------- locks


@contextmanager
def write_lock(git: GitRepo, timeout_s: float = WRITE_LOCK_TIMEOUT_S) -> Iterator[None]:
    """Serialize pipeline writers (two ``pipeline set`` at the same moment both land)."""
    lock_path = git.git_dir / LOCK_NAME
    try:
        handle = lock_path.open("a")
    except OSError as exc:  # a read-only file system, a full disk: one line, exit 3
        raise write_failed(lock_path, exc) from exc
    with handle:
        if not wait_for_lock(handle.fileno(), timeout_s):
            raise RepoError(
                _(
                    "another pipeline command has held {lock_path} for {timeout_s:.0f}s; try again"
                ).format(lock_path=lock_path, timeout_s=timeout_s)
            )
        try:
            yield
        finally:
            release_lock(handle.fileno())


def run_git(
    git: GitRepo,
    *args: str,
    stdin: bytes = b"",
    env: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Run a git command that takes ``index.lock``; its stdout.

    While another git process holds the lock, wait and try again, with growing
    pauses, until :attr:`GitRepo.index_lock_wait` seconds have passed; then
    fail with a message that says what to do.  Paths are literal (no globs).
    """
    full_env = {**os.environ, "GIT_LITERAL_PATHSPECS": "1", **(env or {})}
    deadline = time.monotonic() + git.index_lock_wait
    delay = _FIRST_DELAY_S
    while True:
        done = subprocess.run(
            ["git", *args], cwd=git.top, input=stdin, capture_output=True, env=full_env
        )
        if done.returncode == 0:
            return done.stdout.decode("utf-8", "replace")
        stderr = done.stderr.decode("utf-8", "replace")
        if "index.lock" not in stderr or time.monotonic() + delay > deadline:
            raise RepoError(explain(args[0], stderr))
        sleep(delay)
        delay = min(delay * 2, _MAX_DELAY_S)


# --------------------------------------------------------------------------- live commits


def revert_message(subject: str, sha: str, *also: str) -> str:
    """The message of a commit that undoes ``sha``: git's own revert line as its body.

    The ``This reverts commit <sha>.`` line is what the history engine reads to
    treat the reverted change as never having happened (as ``git revert``'s);
    ``also`` are commits undone with it (an automation's follow-ups), a line each.
    """
    lines = "\n".join(f"This reverts commit {s}." for s in (sha, *also))
    return f"undo: {subject}\n\n{lines}"


def follow_up_message(message: str, follows: str) -> str:
    """An automation follow-up's message, naming the write it was made for.

    ``pipeline undo`` reads the ``Follows commit <sha>.`` line to undo a
    write together with what the event rules did because of it.
    """
    return f"{message}\n\nFollows commit {follows}."


def commit_paths(
    git: GitRepo,
    paths: Sequence[Path],
    message: str,
    author: Author,
    when: datetime | None = None,
) -> str:
    """Commit exactly ``paths`` (added, changed or deleted) as one commit; its sha.

    The files must already hold their new content.  If the commit fails (a date
    git refuses, no committer identity, a locked index), the index entries of
    ``paths`` are put back as they were, so nothing is left staged.
    """
    names = git.rels(paths)
    rels = [names[p] for p in paths]
    env = {"GIT_AUTHOR_DATE": aware(when).isoformat()} if when is not None else {}
    existing = [r for r, p in zip(rels, paths, strict=True) if p.exists()]
    before = _index_entries(git, rels)
    if existing:  # all or nothing: a failed add changes no entry
        run_git(git, "add", *_FROM_STDIN, stdin=_pathspec(existing))
    args = ["commit", "--quiet", "--no-verify", "--only", "-m", message, f"--author={author}"]
    try:
        run_git(git, *args, *_FROM_STDIN, stdin=_pathspec(rels), env=env)
    except RepoError as exc:
        _restore_index(git, rels, before, exc)
        raise
    sha = git.head()
    assert sha is not None
    return sha


#: Paths travel on stdin: a commit of 20,000 renames must not meet the argument limit.
_FROM_STDIN = ("--pathspec-from-file=-", "--pathspec-file-nul")


def _pathspec(rels: Sequence[str]) -> bytes:
    return b"".join(rel.encode("utf-8") + b"\0" for rel in rels)


def _index_entries(git: GitRepo, rels: Sequence[str]) -> str:
    """``ls-files --stage -z`` lines of ``rels`` (which has no ``--pathspec-from-file``)."""
    if len(rels) <= 200:
        return run_git(git, "ls-files", "--stage", "-z", "--", *rels)
    wanted = set(rels)
    folders = sorted({rel.rpartition("/")[0] or "." for rel in rels})
    listed = run_git(git, "ls-files", "--stage", "-z", "--", *folders)
    return "".join(f"{e}\0" for e in listed.split("\0") if e and e.split("\t", 1)[1] in wanted)


def _restore_index(git: GitRepo, rels: Sequence[str], before: str, failure: RepoError) -> None:
    """Put the index entries of ``rels`` back to ``before`` (``ls-files --stage -z``).

    Every entry is dropped first, then the old ones are fed back, so a path
    that was not in the index before is not in it after.
    """
    removals = "".join(f"0 {_NULL_SHA}\t{rel}\0" for rel in rels)
    try:
        run_git(git, "update-index", "-z", "--index-info", stdin=(removals + before).encode())
    except RepoError as exc:
        listed = " ".join(rels)
        raise RepoError(
            _(
                "{failure}; and unstaging the change failed too ({exc}): run `git "
                "restore --staged -- {listed}`"
            ).format(failure=failure, exc=exc, listed=listed)
        ) from failure


# --------------------------------------------------------------------------- bulk commits


#: Commits between two progress reports, and paths per ``git checkout-index`` afterwards.
_PROGRESS_EVERY = 200
_CHECKOUT_CHUNK = 5000

#: ``progress(what, done, total)``: ``what`` is "commits" while git reads them,
#: then "files" while the work tree is updated (for a progress bar; callers
#: such as the import add phases of their own, e.g. "steps").
Progress = Callable[[str, int, int], None]


def fast_import(
    git: GitRepo,
    commits: Sequence[PlannedCommit],
    *,
    committed_by_author: bool = False,
    progress: Progress | None = None,
) -> str:
    """Append ``commits`` to the current branch in one ``git fast-import`` run; new head.

    Thousands of backdated commits in seconds, where one ``git commit`` per
    step would take minutes.  The files written must be clean (so nothing
    the user has not committed is overwritten); afterwards exactly those
    paths are checked out from the new head, so the index and work tree
    match it and unrelated dirty files are left as they were.  If another
    commit lands on the branch meanwhile, git refuses to move the branch
    (not a fast-forward) and nothing changes; a stream cut short (an error
    here, Ctrl-C) ends without ``done``, so git moves no branch either.

    The committer is the configured git identity, now; with
    ``committed_by_author`` each commit is committed by its author at its
    date instead, as if it had been recorded live (the demo's history).
    ``progress`` sees the commits fed to git, then the files checked out.
    """
    if not commits:
        raise ValueError(_("fast_import needs at least one commit"))
    git.check_ready()
    branch = git.branch_ref()
    rels = git.rels({path for c in commits for path in c.files})
    git.refuse_dirty(rels.values())
    committer = None if committed_by_author else (git.identity(), clock.now())
    chunks = _stream(commits, rels, branch, git.head(), committer)
    _feed(git, chunks, len(commits), progress)
    new_head = git.output("rev-parse", "--verify", branch)
    _check_out(git, new_head, sorted(set(rels.values())), progress)
    return new_head


def _feed(git: GitRepo, chunks: Iterator[bytes], total: int, progress: Progress | None) -> None:
    """Stream ``chunks`` (one per commit, then ``done``) into ``git fast-import``.

    Streamed rather than built whole: a 100,000-row history is hundreds of
    megabytes of input, and git works while the next commits are rendered.
    """
    command = ["git", "fast-import", "--quiet", "--date-format=raw", "--done"]
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(command, cwd=git.top, stdin=subprocess.PIPE, stderr=errors)
        assert proc.stdin is not None
        try:
            for done, chunk in enumerate(chunks, start=1):
                proc.stdin.write(chunk)
                if progress is not None and (done % _PROGRESS_EVERY == 0 or done == total):
                    progress("commits", min(done, total), total)
            proc.stdin.close()
        except BrokenPipeError:
            pass  # git stopped reading: its exit status and message say why
        except BaseException:
            proc.kill()  # no ``done`` was sent: the branch stays where it was
            proc.wait()
            raise
        if proc.wait() != 0:
            errors.seek(0)
            raise RepoError(explain("fast-import", errors.read().decode("utf-8", "replace")))


def _check_out(git: GitRepo, head: str, rels: Sequence[str], progress: Progress | None) -> None:
    """The index entries and work-tree files of exactly ``rels`` as in ``head``.

    What ``git checkout HEAD -- <paths>`` does, without its pathspec match:
    git compares every index entry with every pathspec, so 100,000 paths
    took minutes.  Here the entries come from one ``ls-tree`` of ``head``,
    go into the index with ``update-index --index-info``, and
    ``checkout-index`` writes the files (smudge and end-of-line rules
    applied as by checkout), a chunk at a time.
    """
    if progress is not None:
        progress("files", 0, len(rels))  # the bar moves on while the index is read
    wanted = set(rels)
    listing = git.output("ls-tree", "-r", "-z", "--full-tree", head)
    entries = [e for e in listing.split("\0") if e and e.partition("\t")[2] in wanted]
    try:
        run_git(git, "update-index", "-z", "--index-info", stdin=_pathspec(entries))
        for start in range(0, len(rels), _CHECKOUT_CHUNK):
            chunk = rels[start : start + _CHECKOUT_CHUNK]
            run_git(git, "checkout-index", "-f", "-u", "-z", "--stdin", stdin=_pathspec(chunk))
            if progress is not None:
                progress("files", min(start + _CHECKOUT_CHUNK, len(rels)), len(rels))
    except RepoError as exc:
        raise RepoError(
            _(
                "the commits landed ({new_head}) but updating the files failed: {exc}; "
                "run `git checkout HEAD -- .` in the pipeline folder to finish"
            ).format(new_head=head[:10], exc=exc)
        ) from exc


def _stream(
    commits: Sequence[PlannedCommit],
    rels: Mapping[Path, str],
    branch: str,
    head: str | None,
    committer: tuple[Author, datetime] | None,
) -> Iterator[bytes]:
    """The ``git fast-import`` input: each commit with its files inline, then ``done``."""
    fixed = f"{committer[0]} {_raw_date(committer[1])}" if committer else None
    for index, commit in enumerate(commits):
        message = commit.message.encode("utf-8")
        authored = f"{commit.author} {_raw_date(commit.when)}"
        header = (
            f"commit {branch}\n"
            f"author {authored}\n"
            f"committer {fixed or authored}\n"
            f"data {len(message)}\n"
        )
        parts = [header.encode("utf-8"), message, b"\n"]
        if index == 0 and head is not None:
            parts.append(f"from {head}\n".encode())
        for path, text in commit.files.items():
            data = text.encode("utf-8")
            parts.append(f"M 100644 inline {rels[path]}\ndata {len(data)}\n".encode())
            parts += [data, b"\n"]
        yield b"".join(parts)
    yield b"done\n"


def _raw_date(when: datetime) -> str:
    """``<epoch seconds> <+hhmm>``: git's raw date format."""
    stamped = aware(when)
    offset = stamped.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{int(stamped.timestamp())} {sign}{hours:02d}{mins:02d}"
