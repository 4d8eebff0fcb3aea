"""Git, for writing: the only module that changes a repository.

Every pipeline write ends here as exactly one commit of exactly the files it
touched (``git commit --only``), so whatever else the user has staged or left
dirty is never swept in.  Author dates can be set (``--at``) because the
history engine measures stage durations from them.  Writers serialize on a
lock file inside ``.git/`` and retry when git's own ``index.lock`` is busy.
"""

from __future__ import annotations

import configparser
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

from pipeline_tui.core.errors import RepoError, SyncError, write_failed

if TYPE_CHECKING:  # GitPython is imported lazily: it costs ~100 ms at start-up
    import git

LOCK_NAME = "pipeline-tui.lock"
_LOCK_TIMEOUT_S = 30.0
_INDEX_LOCK_RETRIES = 40
_NETWORK_TIMEOUT_S = 120.0
#: What git prints when a push lost the race against someone else's push.
_RACE_MARKERS = (
    "[rejected]",
    "fetch first",
    "non-fast-forward",
    "stale info",
    "cannot lock ref",
    "failed to update ref",
    "incorrect old value",
)


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


@dataclass(frozen=True)
class PastCommit:
    """A commit to write into history as it happened: files, message, author and date."""

    files: Mapping[str, str]  # path relative to the work tree -> full new text
    message: str
    author: Author
    when: datetime


class GitRepo:
    """A git working tree that holds a pipeline."""

    def __init__(self, root: Path) -> None:
        gitpython = _gitpython()
        try:
            self.repo: git.Repo = gitpython.Repo(root, search_parent_directories=True)
        except (gitpython.InvalidGitRepositoryError, gitpython.NoSuchPathError) as exc:
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
        gitpython = _gitpython()
        try:
            gitpython.Repo(path, search_parent_directories=True)
        except gitpython.InvalidGitRepositoryError:
            try:
                gitpython.Repo.init(path, initial_branch="main")
            except gitpython.GitCommandError:  # git older than 2.28 has no --initial-branch
                gitpython.Repo.init(path)
        return cls(path)

    @classmethod
    def create(cls, path: Path) -> GitRepo:
        """A new repository at exactly ``path``, even inside another work tree (the demo)."""
        path.mkdir(parents=True, exist_ok=True)
        git = _gitpython()
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
        self.check_no_operation()
        head = (self.git_dir / "HEAD").read_text(encoding="utf-8", errors="replace")
        if not head.startswith("ref:"):
            raise RepoError(
                "HEAD is detached (no branch is checked out), so a commit would be "
                "lost: run `git switch main` (or your branch) first"
            )

    def check_no_operation(self) -> None:
        """Refuse while a git merge, rebase, cherry-pick or revert is half-finished.

        The message names the commands that finish or abort it; it comes before
        any "HEAD is detached" check, since a rebase detaches HEAD too.
        """
        states = {
            "MERGE_HEAD": ("a merge", "merge"),
            "rebase-merge": ("a rebase", "rebase"),
            "rebase-apply": ("a rebase", "rebase"),
            "CHERRY_PICK_HEAD": ("a cherry-pick", "cherry-pick"),
            "REVERT_HEAD": ("a revert", "revert"),
        }
        for marker, (what, command) in states.items():
            if (self.git_dir / marker).exists():
                raise RepoError(
                    f"{what} is in progress: finish it with `git {command} --continue` "
                    f"(after `git add` of the fixed files) or abort it with "
                    f"`git {command} --abort`, then run the pipeline command again"
                )

    def head(self) -> str | None:
        try:
            sha: str = self.repo.head.commit.hexsha
        except ValueError:  # no commits yet
            return None
        return sha

    def is_dirty(self, path: Path) -> bool:
        """Whether ``path`` differs from HEAD (staged or not) or is untracked."""
        rel = self._rel(path)
        return bool(self.repo.git.status("--porcelain", "--", rel, env=_NO_OPTIONAL_LOCKS))

    def uncommitted_paths(self, under: Path) -> set[Path]:
        """Files below ``under`` that differ from HEAD (staged or not) or are untracked.

        One ``git status`` for the whole folder: the board marks these cards
        with an "uncommitted" badge, and asking file by file would not scale.
        """
        out = self.repo.git.status(
            "--porcelain",
            "-z",
            "--untracked-files=all",
            "--",
            self._rel(under),
            env=_NO_OPTIONAL_LOCKS,
        )
        found: set[Path] = set()
        entries = iter(out.split("\0"))
        for entry in entries:
            if len(entry) < 4:
                continue
            found.add(self.top / entry[3:])
            if entry[0] in "RC":  # a rename or copy is followed by its source path
                next(entries, None)
        return found

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
        try:
            handle = lock_path.open("a")
        except OSError as exc:  # a read-only file system, a full disk: one line, exit 3
            raise write_failed(lock_path, exc) from exc
        with handle:
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
        rels = self._rels({path for c in commits for path in c.files})
        self.refuse_dirty(rels.values())
        stream = self._fast_import_stream(commits, rels, branch, self.head())
        self._run_with_input(["fast-import", "--quiet", "--date-format=raw", "--done"], stream)
        new_head = self._git("rev-parse", "--verify", branch)
        paths = b"".join(rel.encode("utf-8") + b"\0" for rel in sorted(set(rels.values())))
        try:
            self._run_with_input(
                ["checkout", new_head, "--pathspec-from-file=-", "--pathspec-file-nul"], paths
            )
        except RepoError as exc:
            raise RepoError(
                f"the commits landed ({new_head[:10]}) but updating the files failed: {exc}; "
                "run `git checkout HEAD -- .` in the pipeline folder to finish"
            ) from exc
        return new_head

    def _rels(self, paths: Iterable[Path]) -> dict[Path, str]:
        """Repo-relative names, resolving each folder once (not each of 10,000 files)."""
        folders: dict[Path, str] = {}
        rels: dict[Path, str] = {}
        for path in paths:
            folder = folders.get(path.parent)
            if folder is None:
                folder = folders[path.parent] = self._rel(path.parent)
            rels[path] = path.name if folder == "." else f"{folder}/{path.name}"
        return rels

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

    def _run_with_input(self, args: Sequence[str], stdin: bytes) -> None:
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

    def import_history(self, commits: Sequence[PastCommit]) -> str:
        """Write ``commits`` as the whole history of a repository that has none yet.

        One ``git fast-import`` run instead of two git processes per commit: the
        demo's few hundred commits take a fraction of a second, not ten.  Each
        commit is authored *and* committed by its author at its date, as if it
        had been recorded live.  The index is then reset to the new HEAD; the
        work tree is left alone (the caller has already written the files).
        """
        if self.head() is not None:
            raise RepoError(f"{self.top} already has commits; history is imported into new repos")
        branch = self._git("symbolic-ref", "HEAD")
        stream = b"".join(_fast_import_commit(branch, c) for c in commits) + b"done\n"
        try:
            subprocess.run(
                ["git", "fast-import", "--quiet", "--done"],
                cwd=self.top,
                input=stream,
                capture_output=True,
                check=True,
            )
        except subprocess.CalledProcessError as exc:
            raise RepoError(_explain("fast-import", exc.stderr.decode(errors="replace"))) from exc
        self._git("reset", "--quiet")
        sha = self.head()
        assert sha is not None
        return sha

    # ----------------------------------------------------------------- sync: state

    def current_branch(self) -> str:
        try:
            return str(self.repo.active_branch.name)
        except TypeError:
            raise SyncError(
                "detached",
                "HEAD is detached (not on a branch): `git switch main` first, then sync",
            ) from None

    def sync_remote(self, branch: str) -> str | None:
        """The remote to sync with: the branch's upstream, else ``origin``, else the only one."""
        names = [r.name for r in self.repo.remotes]
        configured = self.config_value(f"branch.{branch}.remote")
        if configured in names:
            return configured
        if "origin" in names:
            return "origin"
        return names[0] if len(names) == 1 else None

    def remote_url(self, remote: str) -> str:
        return self.config_value(f"remote.{remote}.url") or remote

    def config_value(self, key: str) -> str | None:
        """A config value (``branch.main.remote``), read in-process: sync asks often."""
        first, _, rest = key.partition(".")
        middle, _, option = rest.rpartition(".")
        section = f'{first} "{middle}"' if middle else first
        try:
            value = self.repo.config_reader().get_value(section, option, default="")
        except (configparser.Error, OSError, ValueError):  # unreadable config reads as unset
            return None
        return str(value) if value not in ("", None) else None

    def set_config(self, key: str, value: str) -> None:
        """Set a key in this repository's own config (``.git/config``), never the global one."""
        self._git("config", "--local", key, value)

    def in_rebase(self) -> bool:
        return any((self.git_dir / d).exists() for d in ("rebase-merge", "rebase-apply"))

    def dirty_tracked(self) -> list[str]:
        """Tracked files with uncommitted changes, staged or not (untracked ones excluded)."""
        out = self._git("status", "--porcelain", "-z", "--untracked-files=no")
        entries = [e for e in out.split("\0") if e]
        return [e[3:] for e in entries if len(e) > 3 and e[2] == " "]

    def resolve(self, ref: str) -> str | None:
        """The commit ``ref`` names, or None if it does not exist."""
        code, out, _ = self._run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        return out if code == 0 and out else None

    def merge_base(self, a: str, b: str) -> str | None:
        code, out, _ = self._run("merge-base", a, b)
        return out if code == 0 and out else None

    def count_commits(self, since: str | None, until: str) -> int:
        """Commits reachable from ``until`` but not from ``since``."""
        spec = f"{since}..{until}" if since else until
        return int(self._git("rev-list", "--count", spec) or 0)

    def changed_files(self, a: str, b: str, *pathspec: str) -> list[tuple[str, str]]:
        """(status letter, path) for files that differ between two commits (no renames)."""
        out = self._git("diff", "--name-status", "--no-renames", "-z", a, b, "--", *pathspec)
        parts = [p for p in out.split("\0") if p]
        return [(parts[i][0], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]

    def file_at(self, rev: str, path: str) -> str | None:
        """A file's text at a commit (``rev``) or index stage (``:2``), or None if absent."""
        code, out, _ = self._run("show", f"{rev}:{path}", strip=False)
        return out if code == 0 else None

    # ----------------------------------------------------------------- sync: remote

    def fetch(self, remote: str, branch: str) -> None:
        """Fetch ``branch`` from ``remote``; a missing remote branch is not an error."""
        code, out, err = self._run("fetch", "--quiet", "--no-tags", remote, network=True)
        if code != 0:
            raise remote_failure("fetch", f"{out}\n{err}", self.remote_url(remote))

    def remote_head(self, remote: str, branch: str) -> str | None:
        return self.resolve(f"refs/remotes/{remote}/{branch}")

    def push(self, remote: str, branch: str, set_upstream: bool) -> bool:
        """Push ``branch``; False if the remote moved meanwhile (fetch and try again)."""
        args = ["push", "--porcelain", *(["--set-upstream"] if set_upstream else [])]
        args += [remote, f"HEAD:refs/heads/{branch}"]
        code, out, err = self._run(*args, network=True)
        if code == 0:
            return True
        text = f"{out}\n{err}"
        if any(marker in text for marker in _RACE_MARKERS) and "hook declined" not in text:
            return False
        raise remote_failure("push", text, self.remote_url(remote))

    # ----------------------------------------------------------------- sync: rebase

    def rebase(self, onto: str, config: dict[str, str], autostash: bool) -> bool:
        """Replay local commits onto ``onto`` (author dates kept); False if it stopped."""
        stash = "--autostash" if autostash else "--no-autostash"
        return self._rebase_step(config, stash, "-X", "no-renames", onto)

    def rebase_continue(self, config: dict[str, str]) -> bool:
        return self._rebase_step(config, "--continue")

    def _rebase_step(self, config: dict[str, str], *args: str) -> bool:
        """True when the rebase finished, False when it stopped on a conflict."""
        options = [arg for key, value in config.items() for arg in ("-c", f"{key}={value}")]
        code, out, err = self._run(*options, "rebase", *args, editor=True)
        if self.in_rebase():
            return False
        if code == 0:
            return True
        detail = " ".join(ln.strip() for ln in f"{err}\n{out}".splitlines() if ln.strip())
        raise SyncError("conflict", f"git could not replay your commits: {detail}")

    def rebase_abort(self) -> None:
        if self.in_rebase():
            self._git("rebase", "--abort")

    def unmerged(self) -> dict[str, set[int]]:
        """Paths git could not merge, with the index stages present (1 base, 2 ours, 3 theirs)."""
        stages: dict[str, set[int]] = {}
        for line in self._git("ls-files", "--unmerged", "-z").split("\0"):
            if "\t" in line:
                info, path = line.split("\t", 1)
                stages.setdefault(path, set()).add(int(info.split()[2]))
        return stages

    def mark_resolved(self, paths: Sequence[str]) -> None:
        """Tell a stopped rebase these paths are settled, as they now are in the work tree."""
        self._git("add", "--", *paths)

    def _git(self, *args: str, env: dict[str, str] | None = None) -> str:
        """Run git, retrying while another process holds ``index.lock``."""
        gitpython = _gitpython()
        for attempt in range(_INDEX_LOCK_RETRIES):
            try:
                out: str = self.repo.git.execute(["git", *args], env=env)
                return out
            except gitpython.GitCommandError as exc:
                stderr = str(exc.stderr or "")
                if "index.lock" in stderr and attempt < _INDEX_LOCK_RETRIES - 1:
                    time.sleep(0.05 * (attempt + 1))
                    continue
                raise RepoError(_explain(args[0], stderr)) from exc
        raise AssertionError("unreachable")

    def _run(
        self, *args: str, network: bool = False, editor: bool = False, strip: bool = True
    ) -> tuple[int, str, str]:
        """Run git and return (exit code, stdout, stderr) without raising.

        Network commands never prompt (a TUI worker has no terminal to answer
        on) and give up after a while; ``editor`` accepts commit messages as is.
        """
        env: dict[str, str] = {}
        if network:
            env["GIT_TERMINAL_PROMPT"] = "0"
            if "GIT_SSH_COMMAND" not in os.environ and not self.config_value("core.sshCommand"):
                env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
        if editor:
            env["GIT_EDITOR"] = "true"
        status, out, err = self.repo.git.execute(
            ["git", *args],
            env=env,
            with_extended_output=True,
            with_exceptions=False,
            strip_newline_in_stdout=strip,
            kill_after_timeout=_NETWORK_TIMEOUT_S if network else None,
        )
        return int(status or 0), str(out), str(err)

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


def _fast_import_commit(branch: str, commit: PastCommit) -> bytes:
    """One commit in ``git fast-import`` syntax (files inline, author = committer)."""
    when = commit.when if commit.when.tzinfo else commit.when.astimezone()
    offset = when.utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    stamp = f"{int(when.timestamp())} {sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    message = commit.message.encode("utf-8")
    parts = [
        f"commit {branch}\n".encode(),
        f"author {commit.author} {stamp}\n".encode(),
        f"committer {commit.author} {stamp}\n".encode(),
        f"data {len(message)}\n".encode() + message + b"\n",
    ]
    for path, text in commit.files.items():
        data = text.encode("utf-8")
        parts.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
    return b"".join(parts)


#: ``git status`` only reads, but by default refreshes the index (taking
#: ``index.lock``): on a full disk or a read-only file system that write fails.
_NO_OPTIONAL_LOCKS = {"GIT_OPTIONAL_LOCKS": "0"}


def _explain(command: str, stderr: str) -> str:
    """One readable line for a failed git command."""
    text = " ".join(line.strip() for line in stderr.strip().splitlines() if line.strip())
    text = text.removeprefix("stderr:").strip().strip("'").strip()
    lowered = text.lower()
    if "no space left" in lowered or "out of diskspace" in lowered:
        return f"no space left on device: git {command} could not write ({text})"
    if "read-only file system" in lowered:
        return f"read-only file system: git {command} could not write ({text})"
    if "index.lock" in text:
        return (
            "git's index is locked by another process (.git/index.lock); "
            "if no git command is running, delete that file and retry"
        )
    if "Please tell me who you are" in text or "empty ident" in text:
        return "git does not know who you are: set user.name and user.email with git config"
    return f"git {command} failed: {text}"


def remote_failure(command: str, output: str, url: str) -> SyncError:
    """Turn git's fetch/push errors into one of a few causes a user can act on."""
    text = output.lower()
    detail = " ".join(ln.strip() for ln in output.strip().splitlines() if ln.strip())
    if any(
        m in text for m in ("does not appear to be a git repository", "not found", "not exported")
    ):
        return SyncError("remote", f"{url} is not a git repository the server knows: {detail}")
    auth = (
        "authentication failed",
        "permission denied",
        "could not read username",
        "could not read password",
        "terminal prompts disabled",
        "access denied",
        "access rights",
        "invalid username or password",
        "host key verification failed",
        " 401",
        " 403",
    )
    if any(m in text for m in auth):
        return SyncError(
            "auth",
            f"{url} refused your credentials: check you can `git {command}` there "
            f"yourself (SSH key or credential helper), then sync again ({detail})",
        )
    network = (
        "could not resolve",
        "connection refused",
        "timed out",
        "network is unreachable",
        "no route to host",
        "unable to connect",
        "failed to connect",
        "could not connect",
        "connection reset",
        "unable to access",
        "unexpected disconnect",
        "the remote end hung up",
    )
    if any(m in text for m in network) or not text.strip():
        return SyncError(
            "network",
            f"cannot reach {url}: check your network connection and the remote URL "
            f"(`git remote -v`); your local work is safe ({detail})",
        )
    return SyncError("remote", f"git {command} to {url} failed: {detail}")
