"""Reading part of a cold load in a forked child process, on the second core.

Why: a first read of 10,000 deal files is pure Python work (read, parse,
validate), about a tenth of a millisecond a file, and one process uses one
core.  For a large cold load :class:`Beside` forks a child that reads the
second part of the files while the parent reads the first; the child sends
its results back in one pickle through a pipe, and the parent takes them
over when its own part is done.

It only runs where that is safe and worth it (:func:`may_fork`): a POSIX
system with two or more cores for this process, a process with one thread
(forking a threaded process can copy a lock some other thread holds; the
TUI loads in worker threads, so it never forks), and thousands of files to
read.  The child only reads files and computes; it never writes a file,
prints or runs exit handlers (``os._exit``).  If it fails in any way the
parent reads its files itself: a child can cost time, never a result.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pipeline_tui.storage.pickling import pack, unpack

#: From how many files to read a cold load in two processes.  Below it the
#: fork, the pickle and the pipe (a few milliseconds) are not repaid.
FORK_FROM = 2000

#: The share of the files the child reads: half.  The child pickles its
#: results as the parse cache keeps them, so each process pickles its own
#: half; the parent then only unpickles the child's half.
CHILD_SHARE = 0.5


def usable_cores() -> int:
    """The cores this process may run on (its affinity where the system says it)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return cores or 1


def may_fork(files: int) -> bool:
    """Whether reading ``files`` files in a second process is safe here and worth it."""
    if files < FORK_FROM or not hasattr(os, "fork"):
        return False
    return usable_cores() >= 2 and threading.active_count() == 1


class Beside:
    """Jobs a forked child runs while this process does other work; :meth:`results` collects.

    ``work(job)`` must be a pure computation whose result pickles with
    :func:`~.pickling.pack` given ``classes``.
    """

    def __init__(
        self, jobs: Sequence[Any], work: Callable[[Any], Any], classes: Iterable[type]
    ) -> None:
        self.jobs = list(jobs)
        self._results: list[Any] | None = None
        self._reader, writer = os.pipe()
        self._pid = os.fork()
        if self._pid == 0:  # the child: compute, send, leave without any cleanup
            status = 1
            try:
                os.close(self._reader)
                _send(writer, pack([work(job) for job in self.jobs], tuple(classes)))
                status = 0
            finally:
                os._exit(status)
        os.close(writer)

    def results(self) -> list[Any] | None:
        """The child's results in job order, or None if it failed (then do the jobs here)."""
        if self._pid == 0 or self._results is not None:
            return self._results
        with os.fdopen(self._reader, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        found = unpack(data) if status == 0 else None
        if isinstance(found, list) and len(found) == len(self.jobs):
            self._results = found
        return self._results

    def close(self) -> None:
        """Stop a child whose results are no longer wanted (the load was abandoned half-way)."""
        if self._pid == 0:
            return
        os.kill(self._pid, signal.SIGKILL)
        os.waitpid(self._pid, 0)
        os.close(self._reader)
        self._pid = 0


def _send(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (a pipe takes it in pieces), then close it."""
    with os.fdopen(fd, "wb") as pipe:
        pipe.write(data)
