"""Git, for writing: the only module that changes a repository.

Every pipeline write ends here as exactly one commit of exactly the files it
touched (``git commit --only``), so whatever else the user has staged or left
dirty is never swept in.  Author dates can be set (``--at``) because the
history engine measures stage durations from them.  Writers serialize on a
lock file inside ``.git/`` and retry when git's own ``index.lock`` is busy.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from pipeline_tui.errors import RepoError

if TYPE_CHECKING:
    import git

LOCK_NAME = "pipeline-tui.lock"
_LOCK_TIMEOUT_S = 30.0
_INDEX_LOCK_RETRIES = 40


@dataclass(frozen=True)
class Author:
    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass(frozen=True)
class PlannedCommit:
    """One commit for :meth:`GitRepo.fast_import`: whole-file contents at an author date."""

    message: str
    author: Author
    when: datetime
    files: Mapping[Path, str]


def _gitpython() -> ModuleType:
    """GitPython, imported on first use: it costs ~70 ms and read-only commands never need it."""
    import git

    return git


class GitRepo:
    """A git working tree that holds a pipeline."""

    def __init__(self, root: Path) -> None:
        git = _gitpython()
        try:
            self.repo = git.Repo(root, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
            raise RepoError(
                f"{root} is not inside a git repository: run `git init` there, "
                "or create a pipeline with `pipeline init DIR`"
            ) from exc
        if self.repo.working_tree_dir is None:
            raise RepoError(f"{root} is a bare git repository; use a clone with a work tree")
        self.top = Path(self.repo.working_tree_dir).resolve()
        self.git_dir = Path(self.repo.git_dir)

    @classmethod
    def init(cls, path: Path) -> GitRepo:
        """Open the repository holding ``path``, running ``git init`` if there is none."""
        path.mkdir(parents=True, exist_ok=True)
        git = _gitpython()
        try:
            git.Repo(path, search_parent_directories=True)
        except git.InvalidGitRepositoryError:
            try:
                git.Repo.init(path, initial_branch="main")
            except git.GitCommandError:  # git older than 2.28 has no --initial-branch
                git.Repo.init(path)
        return cls(path)

    # ----------------------------------------------------------------- state

    def identity(self, name: str | None = None) -> Author:
        """Who commits: ``name`` if given (``--as``), with git's configured email."""
        reader = self.repo.config_reader()
        configured_name = os.environ.get("GIT_AUTHOR_NAME") or reader.get_value("user", "name", "")
        email = os.environ.get("GIT_AUTHOR_EMAIL") or reader.get_value("user", "email", "")
        if not configured_name or not email:
            raise RepoError(
                "git does not know who you are: run\n"
                '  git config --global user.name "Your Name"\n'
                '  git config --global user.email "you@example.com"'
            )
        return Author(name or str(configured_name), str(email))

    def check_ready(self) -> None:
        """Refuse to write in the middle of a merge, rebase, cherry-pick or revert."""
        states = {
            "MERGE_HEAD": "a merge",
            "rebase-merge": "a rebase",
            "rebase-apply": "a rebase",
            "CHERRY_PICK_HEAD": "a cherry-pick",
            "REVERT_HEAD": "a revert",
        }
        for marker, what in states.items():
            if (self.git_dir / marker).exists():
                raise RepoError(
                    f"the repository is in the middle of {what}: finish it "
                    "(or abort it) with git before changing the pipeline"
                )

    def head(self) -> str | None:
        try:
            return self.repo.head.commit.hexsha
        except ValueError:  # no commits yet
            return None

    def is_dirty(self, path: Path) -> bool:
        """Whether ``path`` differs from HEAD (staged or not) or is untracked."""
        rel = self._rel(path)
        return bool(self.repo.git.status("--porcelain", "--", rel))

    def staged_paths(self, folder: Path) -> list[str]:
        """Repo-relative paths under ``folder`` added, copied, modified or renamed in the index."""
        rel = self._rel(folder) if folder.resolve() != self.top else "."
        out = self._git("diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR", "--", rel)
        return [p for p in out.split("\0") if p]

    def staged_blobs(self, rels: Sequence[str]) -> dict[str, bytes]:
        """The staged (index) content of each path: what the next commit will hold."""
        if not rels:
            return {}
        request = b"".join(f":{rel}\n".encode() for rel in rels)
        done = subprocess.run(
            ["git", "cat-file", "--batch"], cwd=self.top, input=request, capture_output=True
        )
        if done.returncode != 0:
            raise RepoError(_explain("cat-file", done.stderr.decode("utf-8", "replace")))
        return dict(zip(rels, _batch_contents(done.stdout), strict=True))

    def hooks_dir(self) -> Path:
        """Where git looks for hooks (honours ``core.hooksPath``)."""
        path = Path(self._git("rev-parse", "--git-path", "hooks").strip())
        return path if path.is_absolute() else (self.top / path)

    # ----------------------------------------------------------------- writing

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Serialize pipeline writers (two ``pipeline set`` at the same moment both land)."""
        lock_path = self.git_dir / LOCK_NAME
        with lock_path.open("a") as handle:
            deadline = time.monotonic() + _LOCK_TIMEOUT_S
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise RepoError(
                            f"another pipeline command has held {lock_path} for "
                            f"{_LOCK_TIMEOUT_S:.0f}s; try again"
                        ) from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def commit_paths(
        self,
        paths: Sequence[Path],
        message: str,
        author: Author,
        when: datetime | None = None,
    ) -> str:
        """Commit exactly ``paths`` (added, changed or deleted) as one commit; its sha."""
        rels = [self._rel(p) for p in paths]
        env = {"GIT_AUTHOR_DATE": when.isoformat()} if when is not None else {}
        existing = [r for r, p in zip(rels, paths, strict=True) if p.exists()]
        if existing:
            self._git("add", "--", *existing)
        args = ["commit", "--quiet", "--no-verify", "--only", "-m", message]
        args += [f"--author={author}", "--", *rels]
        self._git(*args, env=env)
        sha = self.head()
        assert sha is not None
        return sha

    def fast_import(self, commits: Sequence[PlannedCommit]) -> str:
        """Append ``commits`` to the current branch in one ``git fast-import`` run; new head.

        Thousands of backdated commits in seconds, where one ``git commit`` per
        step would take minutes.  The files written must be clean (so nothing
        the user has not committed is overwritten); afterwards exactly those
        paths are checked out from the new head, so the index and work tree
        match it and unrelated dirty files are left as they were.  If another
        commit lands on the branch meanwhile, git refuses to move the branch
        (not a fast-forward) and nothing changes.
        """
        if not commits:
            raise ValueError("fast_import needs at least one commit")
        self.check_ready()
        branch = self._branch()
        rels = {path: self._rel(path) for c in commits for path in c.files}
        self.refuse_dirty(rels.values())
        stream = self._fast_import_stream(commits, rels, branch, self.head())
        self._run(["fast-import", "--quiet", "--date-format=raw", "--done"], stream)
        new_head = self._git("rev-parse", "--verify", branch)
        paths = b"".join(rel.encode("utf-8") + b"\0" for rel in sorted(set(rels.values())))
        try:
            self._run(
                ["checkout", new_head, "--pathspec-from-file=-", "--pathspec-file-nul"], paths
            )
        except RepoError as exc:
            raise RepoError(
                f"the commits landed ({new_head[:10]}) but updating the files failed: {exc}; "
                "run `git checkout HEAD -- .` in the pipeline folder to finish"
            ) from exc
        return new_head

    def refuse_dirty(self, rels: Iterable[str]) -> None:
        """Refuse (RepoError) if any of these repo-relative paths has uncommitted changes."""
        wanted = set(rels)
        if not wanted or self.head() is None:
            return
        folders = sorted({rel.rpartition("/")[0] or "." for rel in wanted})
        out = self._git("status", "--porcelain", "-z", "--untracked-files=all", "--", *folders)
        dirty = sorted({entry[3:] for entry in out.split("\0") if entry[3:] in wanted})
        if dirty:
            listed = ", ".join(dirty[:5]) + (
                f" and {len(dirty) - 5} more" if len(dirty) > 5 else ""
            )
            raise RepoError(
                f"uncommitted changes in {listed}: commit or discard them first, "
                "so the import does not overwrite them"
            )

    def _branch(self) -> str:
        try:
            return self._git("symbolic-ref", "-q", "HEAD").strip()
        except RepoError:
            raise RepoError("HEAD is detached: check out a branch before importing") from None

    def _fast_import_stream(
        self,
        commits: Sequence[PlannedCommit],
        rels: Mapping[Path, str],
        branch: str,
        head: str | None,
    ) -> bytes:
        committer = self.identity()
        stamp = _raw_date(datetime.now(UTC))
        parts: list[bytes] = []
        for index, commit in enumerate(commits):
            message = commit.message.encode("utf-8")
            header = (
                f"commit {branch}\n"
                f"author {commit.author} {_raw_date(commit.when)}\n"
                f"committer {committer} {stamp}\n"
                f"data {len(message)}\n"
            )
            parts += [header.encode("utf-8"), message, b"\n"]
            if index == 0 and head is not None:
                parts.append(f"from {head}\n".encode())
            for path, text in commit.files.items():
                data = text.encode("utf-8")
                parts.append(f"M 100644 inline {rels[path]}\ndata {len(data)}\n".encode())
                parts += [data, b"\n"]
        parts.append(b"done\n")
        return b"".join(parts)

    def _run(self, args: Sequence[str], stdin: bytes) -> None:
        """Run git with ``stdin`` (bytes), retrying while ``index.lock`` is busy."""
        env = {**os.environ, "GIT_LITERAL_PATHSPECS": "1"}
        for attempt in range(_INDEX_LOCK_RETRIES):
            done = subprocess.run(
                ["git", *args], cwd=self.top, input=stdin, capture_output=True, env=env
            )
            if done.returncode == 0:
                return
            stderr = done.stderr.decode("utf-8", "replace")
            if "index.lock" in stderr and attempt < _INDEX_LOCK_RETRIES - 1:
                time.sleep(0.05 * (attempt + 1))
                continue
            raise RepoError(_explain(args[0], stderr))

    def _git(self, *args: str, env: dict[str, str] | None = None) -> str:
        """Run git, retrying while another process holds ``index.lock``."""
        git = _gitpython()
        for attempt in range(_INDEX_LOCK_RETRIES):
            try:
                out: str = self.repo.git.execute(["git", *args], env=env)
                return out
            except git.GitCommandError as exc:
                stderr = str(exc.stderr or "")
                if "index.lock" in stderr and attempt < _INDEX_LOCK_RETRIES - 1:
                    time.sleep(0.05 * (attempt + 1))
                    continue
                raise RepoError(_explain(args[0], stderr)) from exc
        raise AssertionError("unreachable")

    def _rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.top).as_posix()
        except ValueError as exc:
            raise RepoError(f"{path} is outside the git work tree {self.top}") from exc


def _batch_contents(out: bytes) -> list[bytes]:
    """Split ``git cat-file --batch`` output into contents (b"" for a missing object)."""
    contents: list[bytes] = []
    pos = 0
    while pos < len(out):
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if header[-1] == b"missing":
            contents.append(b"")
            continue
        size = int(header[2])
        contents.append(out[pos : pos + size])
        pos += size + 1
    return contents


def _raw_date(when: datetime) -> str:
    """``<epoch seconds> <+hhmm>``: git's raw date format (naive times are UTC)."""
    aware = when if when.tzinfo else when.replace(tzinfo=UTC)
    offset = aware.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{int(aware.timestamp())} {sign}{hours:02d}{mins:02d}"


def _explain(command: str, stderr: str) -> str:
    """One readable line for a failed git command."""
    text = " ".join(line.strip() for line in stderr.strip().splitlines() if line.strip())
    text = text.removeprefix("stderr:").strip().strip("'").strip()
    if "index.lock" in text:
        return (
            "git's index is locked by another process (.git/index.lock); "
            "if no git command is running, delete that file and retry"
        )
    if "Please tell me who you are" in text or "empty ident" in text:
        return "git does not know who you are: set user.name and user.email with git config"
    return f"git {command} failed: {text}"
