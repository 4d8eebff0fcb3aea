"""Reading git history fast: one streaming ``git log`` plus one ``git cat-file --batch``.

This is the read side of git for the history engine (:mod:`pipeline_tui.git.commits` is
the only module that commits).  It runs plain git subprocesses instead of GitPython
because one process streaming raw diffs is hundreds of times faster than
asking for each file's history, and because it keeps GitPython's import cost
off the fast read paths.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import IO

from pipeline_tui.core.errors import RepoError
from pipeline_tui.i18n import _

NULL_SHA = "0" * 40
_HEADER = "\x01"
_SEP = "\x1f"
_FORMAT = f"--format={_HEADER}%H %P{_SEP}%aI{_SEP}%an{_SEP}%b"
#: What ``git revert`` (and ``pipeline undo``) writes in the body of a revert.
_REVERTS = re.compile(r"^This reverts commit ([0-9a-f]{40})\.?\s*$", re.MULTILINE)
#: What an automation's follow-up commit says of the write it followed
#: (:func:`pipeline_tui.git.commits.follow_up_message`), so ``undo`` takes both.
_FOLLOWS = re.compile(r"^Follows commit ([0-9a-f]{40})\.?\s*$", re.MULTILINE)
_CHUNK = 1 << 16
_BATCH = 64  # blobs per cat-file round trip in BlobReader.read
#: cat-file's answers are read through a buffer this large: every read of the
#: pipe releases the GIL, and getting it back from a busy thread can take the
#: interpreter's whole switch interval, so fewer, larger reads wait less.
_READ_BUFFER = 1 << 20


@dataclass(frozen=True, slots=True)
class FileChange:
    """One path changed in one commit: blobs before (one per parent) and after.

    A blob is None where the file did not exist.  Ordinary commits have one
    ``before``; merge commits list only files that differ from *every* parent
    (git's combined diff), i.e. changes the merge itself introduced.
    """

    path: str
    before: tuple[str | None, ...]
    after: str | None


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    at: datetime
    author: str
    changes: tuple[FileChange, ...]
    reverts: tuple[str, ...] = ()


def git(root: Path, *args: str, check: bool = True) -> str:
    """Run a short git command in ``root``; its stdout (stripped)."""
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except OSError as exc:  # git missing
        raise RepoError(_("cannot run git: {strerror}").format(strerror=exc.strerror)) from exc
    if check and done.returncode != 0:
        if done.returncode == 128 and _no_repository_at(root):  # say how to get one
            raise _not_a_repository(root)
        raise RepoError(
            _("git {args} failed: {strip}").format(args=args[0], strip=done.stderr.strip())
        )
    return done.stdout.strip()


def require_repository(root: Path) -> None:
    """Refuse a folder outside any git repository, before a command reads anything.

    Why: a pipeline is its files plus their history; a command that shows
    what the history says (even only ``list --json``'s days in stage) must
    fail the same way whatever its output format (exit 3, "run `git init`").
    """
    if _no_repository_at(root):
        raise _not_a_repository(root)


def _not_a_repository(root: Path) -> RepoError:
    return RepoError(
        _(
            "{root} is not inside a git repository: run `git init` there, or "
            "create a pipeline with `pipeline init DIR`"
        ).format(root=root)
    )


def _no_repository_at(root: Path) -> bool:
    """Whether neither ``root`` nor a folder above it holds a ``.git``.

    Why not read git's "not a git repository": git words it in the user's
    language, and this must hold in a Chinese shell too.
    """
    here = root.resolve()
    return not any((folder / ".git").exists() for folder in (here, *here.parents))


def head(root: Path) -> str | None:
    """The commit HEAD points at, or None in a repository without commits."""
    sha = git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
    return sha or None


def is_ancestor(root: Path, older: str, newer: str) -> bool:
    done = subprocess.run(
        ["git", "merge-base", "--is-ancestor", older, newer],
        cwd=root,
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def locate(root: Path) -> tuple[Path, str, str | None]:
    """(git directory, ``root`` relative to the work tree top, HEAD commit) in one call."""
    done = subprocess.run(
        ["git", "rev-parse", "--absolute-git-dir", "--show-prefix", "--verify", "-q", "HEAD"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.split("\n")
    if done.returncode == 0 and len(lines) >= 3:
        return Path(lines[0]), lines[1], lines[2] or None
    return Path(git(root, "rev-parse", "--absolute-git-dir")), prefix(root), head(root)


def prefix(root: Path) -> str:
    """``root`` relative to the top of its work tree (``""`` or ``"sub/dir/"``)."""
    return git(root, "rev-parse", "--show-prefix")


def log(
    root: Path, revisions: Sequence[str], paths: Sequence[str], *, at_top: bool = False
) -> Iterator[Commit]:
    """Commits touching ``paths``, newest first, each with its raw file changes.

    Exactly what ``git log -- paths`` lists (git's default history
    simplification included).  Paths in the result are relative to ``root``
    (``--relative``), renames are reported as delete + add (identity is
    decided by file content, not git's rename guess), and merges show only
    what they changed themselves (``-c``).

    ``at_top`` says ``root`` is the top of its work tree (and ``paths`` are
    literal folders, ``dir/``, or files): then the newest commits, down to
    the first merge or root commit, are read without the pathspec and their
    changes filtered here.  Why: git's simplification by pathspec compares
    each commit's trees once more to decide whether to show it, which costs
    git more than the whole diff it prints (1.65 s against 1.0 s of CPU at
    10,000 deals).  Until a merge, the walk is a chain, so a commit git
    would show is one that changed something under ``paths``; from the first
    merge (whose simplification can drop a side of history) or root commit
    on, the walk is git's own again, started there.
    """
    if not at_top or not all(_literal(path) for path in paths):
        yield from _log(root, [*revisions, "--", *paths])
        return
    # git matches ``dir/`` with what is under it, any other path as a file or a folder
    folders = tuple(path if path.endswith("/") else f"{path}/" for path in paths)
    files = frozenset(path for path in paths if not path.endswith("/"))
    whole = _log(root, [*revisions, "--"])
    for commit in whole:
        if len(commit.parents) != 1:  # a merge, or a root commit: git decides from here on
            whole.close()
            excluded = [rev for rev in revisions if rev.startswith("^")]
            yield from _log(root, [commit.sha, *excluded, "--", *paths])
            return
        changes = tuple(
            change
            for change in commit.changes
            if change.path.startswith(folders) or change.path in files
        )
        if not changes:  # git would not show it: nothing under paths (or nothing at all)
            continue
        yield commit if len(changes) == len(commit.changes) else replace(commit, changes=changes)


def _literal(path: str) -> bool:
    """Whether git reads ``path`` as a plain path (no glob, no ``:(magic)``)."""
    return bool(path) and not path.startswith(":") and not any(c in path for c in "*?[\\")


def _log(root: Path, tail: Sequence[str]) -> Generator[Commit, None, None]:
    """One ``git log`` over ``tail`` (revisions, ``--``, paths), parsed.

    A caller that stops reading (closes the generator) stops git too.
    """
    args = ["git", "log", "-c", "--raw", "--no-renames", "--no-abbrev", "-z", "--relative"]
    args += ["--no-color", "--no-ext-diff", _FORMAT, *tail]
    with subprocess.Popen(args, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        try:
            yield from _parse_log(_tokens(proc.stdout))
        except GeneratorExit:  # the caller stopped reading (a merge): git need not finish
            proc.kill()
            raise
        proc.stdout.close()
        error = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if proc.wait() != 0:
            raise RepoError(_("git log failed: {strip}").format(strip=error.strip()))


def _tokens(stream: IO[bytes]) -> Iterator[str]:
    """NUL-separated fields of ``git log -z``, decoded, read in chunks."""
    rest = b""
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        parts = (rest + chunk).split(b"\0")
        rest = parts.pop()
        for part in parts:
            yield part.decode("utf-8", errors="surrogateescape").lstrip("\n")
    if rest.strip():
        yield rest.decode("utf-8", errors="surrogateescape").lstrip("\n")


def _parse_log(tokens: Iterator[str]) -> Iterator[Commit]:
    header: str | None = None
    changes: list[FileChange] = []
    for token in tokens:
        if token.startswith(_HEADER):
            if header is not None:
                yield _commit(header, changes)
            header, changes = token[1:], []
        elif token.startswith(":"):
            changes.append(_change(token, next(tokens)))
    if header is not None:
        yield _commit(header, changes)


def _commit(header: str, changes: list[FileChange]) -> Commit:
    shas, at, author, body = (*header.split(_SEP, 3), "")[:4]
    sha, *parents = shas.split()
    when = datetime.fromisoformat(at)
    reverts = reverted_commits(body) if body else ()
    return Commit(sha, tuple(parents), when, author, tuple(changes), reverts)


def reverted_commits(body: str) -> tuple[str, ...]:
    """The commits a message says it reverts (``This reverts commit <sha>.`` lines)."""
    return tuple(_REVERTS.findall(body))


def _change(meta: str, path: str) -> FileChange:
    """``:mode.. sha.. STATUS`` (one colon per parent) plus the path."""
    if meta[1] != ":":  # one parent (all but merges): ``:mode mode sha sha STATUS``
        _modes, _mode, old, new, _status = meta.split(" ", 4)
        after = None if new == NULL_SHA else new
        return FileChange(path, (None if old == NULL_SHA else old,), after)
    parents = len(meta) - len(meta.lstrip(":"))
    fields = meta.lstrip(":").split()
    blobs = fields[parents + 1 : 2 * parents + 2]
    before = tuple(None if b == NULL_SHA else b for b in blobs[:-1])
    after = None if blobs[-1] == NULL_SHA else blobs[-1]
    return FileChange(path, before, after)


class CommitCount:
    """``git rev-list --count``, started now and read when first asked for.

    A progress bar needs the number of commits before the log is read; this
    counts them beside ``git log`` instead of before it.  0 if git fails.
    """

    def __init__(self, root: Path, revisions: Sequence[str]) -> None:
        self._proc = subprocess.Popen(
            ["git", "rev-list", "--count", *revisions],
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._total: int | None = None

    def total(self) -> int:
        if self._total is None:
            out, _err = self._proc.communicate()
            text = out.decode(errors="replace").strip()
            self._total = int(text) if self._proc.returncode == 0 and text.isdigit() else 0
        return self._total

    def close(self) -> None:
        """Wait for git (when nobody asked: a log read that failed half-way)."""
        self.total()


def read_batch(stream: IO[bytes], count: int) -> list[bytes | None]:
    """The next ``count`` answers of ``git cat-file --batch`` (None for a missing object).

    The one parser of that format: :class:`BlobReader` reads a live pipe with
    it and :meth:`GitRepo.staged_blobs` the output of a finished process.
    """
    result: list[bytes | None] = []
    for _n in range(count):
        header = stream.readline().split()
        if len(header) < 3 or header[1] == b"missing":
            result.append(None)
            continue
        size = int(header[2])
        result.append(stream.read(size))
        stream.read(1)  # the newline after the contents
    return result


class BlobReader:
    """``git cat-file --batch``: many blobs through one process."""

    def __init__(self, root: Path) -> None:
        self._proc = subprocess.Popen(
            ["git", "cat-file", "--batch"],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=_READ_BUFFER,
        )

    def read(self, shas: Sequence[str]) -> list[bytes | None]:
        """The contents of ``shas`` in order (None for a missing object).

        Asked for in small batches: writing thousands of requests before reading
        any answer would fill both pipes and block git and us for ever.
        """
        result: list[bytes | None] = []
        for start in range(0, len(shas), _BATCH):
            batch = shas[start : start + _BATCH]
            self.request(batch)
            result += self.receive(len(batch))
        return result

    def request(self, shas: Sequence[str]) -> None:
        """Ask for blobs now, collect them later with :meth:`receive` (in the same order).

        Requests and answers may run in different threads, so git looks blobs
        up while the caller is still busy with earlier ones.
        """
        stdin = self._proc.stdin
        assert stdin is not None
        if shas:
            stdin.write("".join(f"{sha}\n" for sha in shas).encode())
            stdin.flush()

    def receive(self, count: int) -> list[bytes | None]:
        stdout = self._proc.stdout
        assert stdout is not None
        return read_batch(stdout, count)

    def close(self) -> None:
        if self._proc.stdin is not None:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._proc.wait()

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


@dataclass(frozen=True, slots=True)
class Summary:
    """One commit as a person sees it in ``git log``: who, when, what it says it did."""

    sha: str
    email: str
    author: str
    at: datetime
    subject: str
    reverts: tuple[str, ...]
    follows: str | None = None  # an automation's follow-up: the write it was made for


def summaries(root: Path, paths: Sequence[str], revision: str = "HEAD") -> Iterator[Summary]:
    """Non-merge commits of ``revision`` touching ``paths`` (relative to ``root``), newest first."""
    fmt = f"--format=%H{_SEP}%ae{_SEP}%an{_SEP}%aI{_SEP}%s{_SEP}%b"
    args = ["git", "log", "-z", "--no-merges", "--no-color", fmt, revision, "--", *paths]
    done = subprocess.run(args, cwd=root, capture_output=True, check=False)
    if done.returncode != 0:
        raise RepoError(
            _("git log failed: {strip}").format(strip=done.stderr.decode(errors="replace").strip())
        )
    for record in done.stdout.decode("utf-8", "replace").split("\0"):
        fields = record.split(_SEP, 5)
        if len(fields) == 6:
            sha, email, author, at, subject, body = fields
            when = datetime.fromisoformat(at)
            follows = _FOLLOWS.search(body)
            yield Summary(
                sha,
                email,
                author,
                when,
                subject,
                reverted_commits(body),
                follows.group(1) if follows else None,
            )


def touched(root: Path, sha: str) -> list[str]:
    """The paths (relative to ``root``) one commit added, changed or deleted."""
    out = git(root, "show", "--format=", "--name-only", "--no-renames", "--relative", "-z", sha)
    return [name for name in out.split("\0") if name]


def blob_at(root: Path, rev: str, rel: str) -> str | None:
    """The blob ``rel`` (relative to ``root``) had at ``rev``, or None where it did not exist."""
    return git(root, "rev-parse", "--verify", "--quiet", f"{rev}:./{rel}", check=False) or None
