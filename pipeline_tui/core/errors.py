"""The small exception tree every front end maps to an exit code.

Domain and storage code raise these; the CLI turns them into one line on
stderr and an :class:`ExitCode`, the TUI into a notification.  Keeping the
mapping here (and not in the CLI) lets both front ends agree.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from enum import IntEnum
from pathlib import Path

from pipeline_tui.i18n import _


class ExitCode(IntEnum):
    """Process exit codes, stable for scripts."""

    OK = 0
    PROBLEMS = 1
    USAGE = 2
    REPO = 3
    STALE = 4
    """``pipeline stale`` found stale deals: not an error, a finding a cron job acts on."""


class PipelineError(Exception):
    """Base class: a problem the user can act on, never a bug."""

    exit_code: ExitCode = ExitCode.PROBLEMS


class InvalidData(PipelineError):
    """A file or a requested change does not satisfy the schema or config."""

    def __init__(self, message: str, problems: Sequence[object] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


class NotFound(PipelineError):
    """An opportunity id, stage or other name that does not exist."""

    exit_code = ExitCode.USAGE


class BadRequest(PipelineError):
    """An argument the user gave is malformed (bad date, bad key=value...)."""

    exit_code = ExitCode.USAGE


class RequirementsMissing(PipelineError):
    """A stage's ``requires`` fields are empty, so the move is refused."""

    def __init__(self, stage: str, missing: list[str]) -> None:
        super().__init__(f"stage {stage!r} requires {', '.join(missing)}")
        self.stage = stage
        self.missing = missing


class Unchanged(PipelineError):
    """The change asked for is already true: nothing to write, nothing wrong."""

    exit_code = ExitCode.OK


class ConflictsPending(PipelineError):
    """Local commits carry conflicts a sync recorded: nothing may publish them yet.

    ``pipeline sync`` keeps such commits off the remote until ``pipeline
    resolve`` settles them (the person who saw the conflict decides);
    ``automate run``, which pushes its claims, refuses for the same reason.
    Exit 1, like a sync that stops on conflicts: a finding to act on.
    """


class RepoError(PipelineError):
    """The pipeline repository or git itself is not in a usable state."""

    exit_code = ExitCode.REPO


class SyncError(RepoError):
    """``pipeline sync`` could not finish; ``reason`` is a stable code for scripts.

    Codes: ``no-remote``, ``network``, ``auth``, ``unrelated-histories``,
    ``dirty``, ``conflict``, ``detached``, ``busy``, ``remote``.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class WriteFailed(RepoError, OSError):
    """A file could not be written (a full disk, a read-only file system).

    A :class:`RepoError`, so every front end shows one line and exits 3, and
    an :class:`OSError`, so callers that tolerate a failed write (the caches)
    still do.
    """


_REASONS = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}


def write_failed(path: Path, exc: OSError) -> WriteFailed:
    """One line naming why ``path`` could not be written."""
    reason = _REASONS.get(exc.errno or 0) or exc.strerror or str(exc)
    failure = WriteFailed(_("{reason}: cannot write {path}").format(reason=reason, path=path))
    failure.errno = exc.errno
    return failure
