"""Git, the repository itself: opening it, who commits, and whether it is safe to write.

A :class:`GitRepo` answers questions about the repository (its state, its
config, what is dirty or staged) and runs git for the modules that change it:
:mod:`pipeline_tui.git.commits` (every commit the pipeline makes) and
:mod:`pipeline_tui.git.remote` (fetch, push, rebase).  Reads that must be fast
and GitPython-free (the history engine) live in :mod:`pipeline_tui.git.log`.
"""

from __future__ import annotations

import configparser
import io
import os
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from pipeline_tui.core.errors import RepoError, SyncError
from pipeline_tui.git.log import read_batch
from pipeline_tui.i18n import N_, _

if TYPE_CHECKING:  # GitPython is imported lazily: it costs ~100 ms at start-up
    import git

#: How long a commit waits for another git process to release ``.git/index.lock``.
#: git holds it for milliseconds; a lock still there after this is most likely
#: stale (a crashed git), and a TUI must not freeze on it for long.
INDEX_LOCK_WAIT_S = 5.0


@dataclass(frozen=True)
class Author:
    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


#: Who commits is unknown: one line, the two commands that fix it (a commit or an undo).
NO_IDENTITY = N_(
    "git does not know who you are: run "
    '`git config --global user.name "Your Name"` and '
    '`git config --global user.email "you@example.com"`'
)


def _gitpython() -> ModuleType:
    """GitPython, imported on first use: it costs ~70 ms and read-only commands never need it."""
    import git

    return git


class GitRepo:
    """A git working tree that holds a pipeline.

    ``index_lock_wait`` is the time budget (seconds) a write gives another git
    process to release ``index.lock`` before it fails with a clear message;
    ``None`` means :data:`INDEX_LOCK_WAIT_S`, read when the repository is opened.
    """

    def __init__(self, root: Path, index_lock_wait: float | None = None) -> None:
        gitpython = _gitpython()
        try:
            self.repo: git.Repo = gitpython.Repo(root, search_parent_directories=True)
        except (gitpython.InvalidGitRepositoryError, gitpython.NoSuchPathError) as exc:
            raise RepoError(
                _(
                    "{root} is not inside a git repository: run `git init` there, or "
                    "create a pipeline with `pipeline init DIR`"
                ).format(root=root)
            ) from exc
        if self.repo.working_tree_dir is None:
            raise RepoError(
                _("{root} is a bare git repository; use a clone with a work tree").format(root=root)
            )
        self.top = Path(self.repo.working_tree_dir).resolve()
        self.git_dir = Path(self.repo.git_dir)
        self.index_lock_wait = INDEX_LOCK_WAIT_S if index_lock_wait is None else index_lock_wait

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
            raise RepoError(_(NO_IDENTITY))
        return Author(name or str(configured_name), str(email))

    def check_ready(self) -> None:
        """Refuse to write in the middle of a merge, rebase, cherry-pick or revert."""
        self.check_no_operation()
        head = (self.git_dir / "HEAD").read_text(encoding="utf-8", errors="replace")
        if not head.startswith("ref:"):
            raise RepoError(
                _(
                    "HEAD is detached (no branch is checked out), so a commit would be "
                    "lost: run `git switch main` (or your branch) first"
                )
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
                    _(
                        "{what} is in progress: finish it with `git {command} --continue` "
                        "(after `git add` of the fixed files) or abort it with `git {command} "
                        "--abort`, then run the pipeline command again"
                    ).format(what=what, command=command)
                )

    def branch_ref(self) -> str:
        """The checked-out branch's full ref (``refs/heads/main``); RepoError when detached."""
        try:
            return self.output("symbolic-ref", "-q", "HEAD").strip()
        except RepoError:
            raise RepoError(_("HEAD is detached: check out a branch first")) from None

    def head(self) -> str | None:
        """HEAD's commit id, or None before the first commit.

        Read from the ref files, not through ``repo.head.commit``: that opens
        GitPython's object database, a ``git cat-file --batch-check`` process
        that lives as long as the repository object does.
        """
        refs = _gitpython().refs.SymbolicReference
        try:
            sha: str = refs.dereference_recursive(self.repo, "HEAD")
        except ValueError:  # no commits yet
            return None
        return sha

    def is_dirty(self, path: Path) -> bool:
        """Whether ``path`` differs from HEAD (staged or not) or is untracked."""
        rel = self.rel(path)
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
            self.rel(under),
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
        rel = self.rel(folder) if folder.resolve() != self.top else "."
        out = self.output("diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR", "--", rel)
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
            raise RepoError(explain("cat-file", done.stderr.decode("utf-8", "replace")))
        blobs = read_batch(io.BytesIO(done.stdout), len(rels))
        return {rel: blob or b"" for rel, blob in zip(rels, blobs, strict=True)}

    def hooks_dir(self) -> Path:
        """Where git looks for hooks (honours ``core.hooksPath``)."""
        path = Path(self.output("rev-parse", "--git-path", "hooks").strip())
        return path if path.is_absolute() else (self.top / path)

    # ----------------------------------------------------------------- config and history

    def current_branch(self) -> str:
        try:
            return str(self.repo.active_branch.name)
        except TypeError:
            raise SyncError(
                "detached",
                _("HEAD is detached (not on a branch): `git switch main` first, then sync"),
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
        self.output("config", "--local", key, value)

    def in_rebase(self) -> bool:
        return any((self.git_dir / d).exists() for d in ("rebase-merge", "rebase-apply"))

    def dirty_tracked(self) -> list[str]:
        """Tracked files with uncommitted changes, staged or not (untracked ones excluded)."""
        out = self.output("status", "--porcelain", "-z", "--untracked-files=no")
        entries = [e for e in out.split("\0") if e]
        return [e[3:] for e in entries if len(e) > 3 and e[2] == " "]

    def resolve(self, ref: str) -> str | None:
        """The commit ``ref`` names, or None if it does not exist."""
        code, out, _ = self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        return out if code == 0 and out else None

    def merge_base(self, a: str, b: str) -> str | None:
        code, out, _ = self.run("merge-base", a, b)
        return out if code == 0 and out else None

    def count_commits(self, since: str | None, until: str) -> int:
        """Commits reachable from ``until`` but not from ``since``."""
        spec = f"{since}..{until}" if since else until
        return int(self.output("rev-list", "--count", spec) or 0)

    def changed_files(self, a: str, b: str, *pathspec: str) -> list[tuple[str, str]]:
        """(status letter, path) for files that differ between two commits (no renames)."""
        out = self.output("diff", "--name-status", "--no-renames", "-z", a, b, "--", *pathspec)
        parts = [p for p in out.split("\0") if p]
        return [(parts[i][0], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]

    def file_at(self, rev: str, path: str) -> str | None:
        """A file's text at a commit (``rev``) or index stage (``:2``), or None if absent."""
        code, out, _ = self.run("show", f"{rev}:{path}", strip=False)
        return out if code == 0 else None

    def rels(self, paths: Iterable[Path]) -> dict[Path, str]:
        """Repo-relative names, resolving each folder once (not each of 10,000 files).

        A relative path is taken as relative to the top of the work tree.
        """
        folders: dict[Path, str] = {}
        rels: dict[Path, str] = {}
        for path in paths:
            full = path if path.is_absolute() else self.top / path
            folder = folders.get(full.parent)
            if folder is None:
                folder = folders[full.parent] = self.rel(full.parent)
            rels[path] = full.name if folder == "." else f"{folder}/{full.name}"
        return rels

    def refuse_dirty(self, rels: Iterable[str]) -> None:
        """Refuse (RepoError) if any of these repo-relative paths has uncommitted changes."""
        wanted = set(rels)
        if not wanted or self.head() is None:
            return
        folders = sorted({rel.rpartition("/")[0] or "." for rel in wanted})
        out = self.output("status", "--porcelain", "-z", "--untracked-files=all", "--", *folders)
        dirty = sorted({entry[3:] for entry in out.split("\0") if entry[3:] in wanted})
        if dirty:
            listed = ", ".join(dirty[:5]) + (
                f" and {len(dirty) - 5} more" if len(dirty) > 5 else ""
            )
            raise RepoError(
                _(
                    "uncommitted changes in {listed}: commit or discard them first, so the "
                    "import does not overwrite them"
                ).format(listed=listed)
            )

    # ----------------------------------------------------------------- running git

    def output(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        """Run git; its stdout, or RepoError with one readable line.

        No retry here: commands that take ``index.lock`` run through
        :func:`pipeline_tui.git.commits.run_git`, the one place that waits for it.
        """
        code, out, err = self.run(*args, env=env)
        if code != 0:
            raise RepoError(explain(args[0], err))
        return out

    def run(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        strip: bool = True,
    ) -> tuple[int, str, str]:
        """Run git and return (exit code, stdout, stderr) without raising."""
        status, out, err = self.repo.git.execute(
            ["git", *args],
            env=dict(env or {}),
            with_extended_output=True,
            with_exceptions=False,
            strip_newline_in_stdout=strip,
            kill_after_timeout=timeout,
        )
        return int(status or 0), str(out), str(err)

    def rel(self, path: Path) -> str:
        """``path`` relative to the top of the work tree, in git's spelling."""
        try:
            return path.resolve().relative_to(self.top).as_posix()
        except ValueError as exc:
            raise RepoError(
                _("{path} is outside the git work tree {top}").format(path=path, top=self.top)
            ) from exc


#: ``git status`` only reads, but by default refreshes the index (taking
#: ``index.lock``): on a full disk or a read-only file system that write fails.
_NO_OPTIONAL_LOCKS = {"GIT_OPTIONAL_LOCKS": "0"}


def explain(command: str, stderr: str) -> str:
    """One readable line for a failed git command (a locked index, an unknown committer)."""
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
        return _(NO_IDENTITY)
    return f"git {command} failed: {text}"
