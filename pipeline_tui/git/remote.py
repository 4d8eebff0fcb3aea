"""Git, with teammates: fetch, push and rebase for ``pipeline sync``.

Network commands never prompt (a TUI worker has no terminal to answer on)
and give up after a while.  Their failures are turned into one of a few
causes a user can act on (:func:`remote_failure`): the remote is wrong, the
credentials are refused, or the network is down.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from pipeline_tui.core.errors import SyncError
from pipeline_tui.git.commits import run_git
from pipeline_tui.git.repo import GitRepo
from pipeline_tui.i18n import _

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


# --------------------------------------------------------------------------- remote


def fetch(git: GitRepo, remote: str, branch: str) -> None:
    """Fetch ``branch`` from ``remote``; a missing remote branch is not an error."""
    code, out, err = _network(git, "fetch", "--quiet", "--no-tags", remote)
    if code != 0:
        raise remote_failure("fetch", f"{out}\n{err}", git.remote_url(remote))


def remote_head(git: GitRepo, remote: str, branch: str) -> str | None:
    return git.resolve(f"refs/remotes/{remote}/{branch}")


def push(git: GitRepo, remote: str, branch: str, set_upstream: bool) -> bool:
    """Push ``branch``; False if the remote moved meanwhile (fetch and try again)."""
    args = ["push", "--porcelain", *(["--set-upstream"] if set_upstream else [])]
    args += [remote, f"HEAD:refs/heads/{branch}"]
    code, out, err = _network(git, *args)
    if code == 0:
        return True
    text = f"{out}\n{err}"
    if any(marker in text for marker in _RACE_MARKERS) and "hook declined" not in text:
        return False
    raise remote_failure("push", text, git.remote_url(remote))


def remote_head_missing(git: GitRepo, remote: str) -> bool:
    """Whether ``remote``'s HEAD (its default branch) names no branch it has.

    Then ``git clone`` checks nothing out: a teammate gets an empty folder.
    Git does not advertise a HEAD that points at a missing branch, so an
    ``ls-remote`` that lists no HEAD line says so.
    """
    code, out, _err = _network(git, "ls-remote", "--symref", remote, "HEAD")
    return code == 0 and not out.strip()


def point_bare_head(git: GitRepo, url: str, branch: str) -> bool:
    """Make ``branch`` the default branch of the bare repository at local path ``url``.

    Only when its HEAD names a branch it does not have (a plain ``git init
    --bare`` names ``master``) and it has ``branch``: then nothing a clone
    could check out is lost.  False when ``url`` is not such a repository
    (not a local path, not bare, or its HEAD already names a real branch).
    """
    path = _local_path(git, url)
    if path is None:
        return False
    where = f"--git-dir={path}"
    code, bare, _err = git.run(where, "rev-parse", "--is-bare-repository")
    if code != 0 or bare.strip() != "true":
        return False
    code, head, _err = git.run(where, "symbolic-ref", "--quiet", "HEAD")
    if code != 0 or not head.startswith("refs/heads/"):
        return False
    if git.run(where, "rev-parse", "--verify", "--quiet", head.strip())[0] == 0:
        return False  # HEAD names a real branch: the remote's owner chose it
    wanted = f"refs/heads/{branch}"
    if git.run(where, "rev-parse", "--verify", "--quiet", wanted)[0] != 0:
        return False
    return git.run(where, "symbolic-ref", "HEAD", wanted)[0] == 0


def _local_path(git: GitRepo, url: str) -> Path | None:
    """The folder a local remote URL names (``/srv/deals.git``, ``../x.git``, ``file://``)."""
    if url.startswith("file://"):
        return Path(url.removeprefix("file://"))
    if "://" in url or ("::" in url) or (":" in url.split("/", 1)[0]):
        return None  # a URL, a remote helper or scp-like host:path
    path = Path(url)
    path = path if path.is_absolute() else git.top / path
    return path if path.is_dir() else None


def _network(git: GitRepo, *args: str) -> tuple[int, str, str]:
    """Run a network command that cannot prompt and gives up after a while."""
    env = {"GIT_TERMINAL_PROMPT": "0"}
    if "GIT_SSH_COMMAND" not in os.environ and not git.config_value("core.sshCommand"):
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
    return git.run(*args, env=env, timeout=_NETWORK_TIMEOUT_S)


# --------------------------------------------------------------------------- rebase


def rebase(git: GitRepo, onto: str, config: dict[str, str], autostash: bool) -> bool:
    """Replay local commits onto ``onto`` (author dates kept); False if it stopped."""
    stash = "--autostash" if autostash else "--no-autostash"
    return _rebase_step(git, config, stash, "-X", "no-renames", onto)


def rebase_continue(git: GitRepo, config: dict[str, str]) -> bool:
    return _rebase_step(git, config, "--continue")


def _rebase_step(git: GitRepo, config: dict[str, str], *args: str) -> bool:
    """True when the rebase finished, False when it stopped on a conflict.

    ``GIT_EDITOR=true`` accepts the replayed commits' messages as they are.
    """
    options = [arg for key, value in config.items() for arg in ("-c", f"{key}={value}")]
    code, out, err = git.run(*options, "rebase", *args, env={"GIT_EDITOR": "true"})
    if git.in_rebase():
        return False
    if code == 0:
        return True
    detail = " ".join(ln.strip() for ln in f"{err}\n{out}".splitlines() if ln.strip())
    raise SyncError(
        "conflict", _("git could not replay your commits: {detail}").format(detail=detail)
    )


def rebase_abort(git: GitRepo) -> None:
    if git.in_rebase():
        run_git(git, "rebase", "--abort")


def unmerged(git: GitRepo) -> dict[str, set[int]]:
    """Paths git could not merge, with the index stages present (1 base, 2 ours, 3 theirs)."""
    stages: dict[str, set[int]] = {}
    for line in git.output("ls-files", "--unmerged", "-z").split("\0"):
        if "\t" in line:
            info, path = line.split("\t", 1)
            stages.setdefault(path, set()).add(int(info.split()[2]))
    return stages


def mark_resolved(git: GitRepo, paths: Sequence[str]) -> None:
    """Tell a stopped rebase these paths are settled, as they now are in the work tree."""
    run_git(git, "add", "--", *paths)


# --------------------------------------------------------------------------- failures


def remote_failure(command: str, output: str, url: str) -> SyncError:
    """Turn git's fetch/push errors into one of a few causes a user can act on."""
    text = output.lower()
    detail = " ".join(ln.strip() for ln in output.strip().splitlines() if ln.strip())
    if any(
        m in text for m in ("does not appear to be a git repository", "not found", "not exported")
    ):
        return SyncError(
            "remote",
            _("{url} is not a git repository the server knows: {detail}").format(
                url=url, detail=detail
            ),
        )
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
            _(
                "{url} refused your credentials: check you can `git {command}` there "
                "yourself (SSH key or credential helper), then sync again ({detail})"
            ).format(url=url, command=command, detail=detail),
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
            _(
                "cannot reach {url}: check your network connection and the remote URL "
                "(`git remote -v`); your local work is safe ({detail})"
            ).format(url=url, detail=detail),
        )
    return SyncError(
        "remote",
        _("git {command} to {url} failed: {detail}").format(
            command=command, url=url, detail=detail
        ),
    )
