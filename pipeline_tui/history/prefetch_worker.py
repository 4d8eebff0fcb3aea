"""Reading the history in a second process while this one parses the work tree.

Why a process and not a thread: a cold ``list --json`` is two jobs of
Python CPU, parsing every work-tree file and turning every file version of
the log into events, plus git's own reading.  In one process the GIL runs
the two Python jobs one after the other (and a thread waiting on a git pipe
waits again for the GIL each time its data arrives), so on two cores the
scan cost their sum.  A second interpreter runs the history side truly
beside the parse; it brings the cache in ``.git/pipeline-tui/`` up to date
exactly as :func:`pipeline_tui.history.cache.fresh` would in this process,
and the caller then reads that cache as a warm one.

Nothing is passed back but the cache file, progress lines and, on a build
from scratch, each live deal's current stay (:func:`handed_marks`: all a
``list --json`` needs, sent before the whole cache is pickled and saved, so
the listing prints while the second process finishes; it goes on after this
one exits, and if it is killed the next run just builds again): if the second
process cannot start, fails or cannot save, the caller's own
:func:`~pipeline_tui.history.cache.fresh` reads the history itself (and
raises the error there, where the answer is asked for).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import threading
from pathlib import Path
from typing import IO

from pipeline_tui.core.errors import RepoError
from pipeline_tui.core.timeline import StayMark
from pipeline_tui.git import log
from pipeline_tui.history import cache
from pipeline_tui.history.reader import Progress
from pipeline_tui.interpreter import python_argv
from pipeline_tui.storage.store import Store

#: The second process's program (``-c``, not ``-m``: this module is already
#: imported with its package, and runpy warns about running it again as ``__main__``).
#: Once the cache is saved it leaves by ``os._exit``: tearing down its heap (and
#: the interpreter's last collection over it) is work nobody waits for but a
#: TUI collecting it, a tenth of a second at 10,000 deals.  Its output is
#: written unbuffered (``os.write``), so nothing is left to flush.
_MAIN = (
    "import os, sys; from pipeline_tui.history.prefetch_worker import main;"
    " os._exit(main(sys.argv[1:]))"
)
#: From how many deal files a cold read is worth a second interpreter: below
#: it the whole history takes well under a second here, less than the second
#: process's own start (an interpreter and its imports) would cost.
SPAWN_FROM = 2000

#: The second process's flag for :func:`start`'s ``watched=False``.
_UNWATCHED = "--unwatched"

#: The line that comes before the handed stays: ``b"stays <bytes that follow>\n"``.
_STAYS = b"stays"

_RUNNING: dict[Path, subprocess.Popen[bytes]] = {}
#: Processes that handed their stays over and are still saving the cache.
_FINISHING: dict[Path, subprocess.Popen[bytes]] = {}
_READY: dict[Path, cache.CacheState] = {}
_LOCK = threading.Lock()


def start(root: Path, *, watched: bool = True) -> None:
    """Start bringing ``root``'s history cache up to date in a second process.

    ``watched=False`` says nobody will see its progress (a ``list --json``
    piped into a script): the process then reports none, and git does not
    count the commits for a bar no one draws (``rev-list --count``, about
    2 s of CPU at 100,000 deals).

    Nothing is started when the cache already matches HEAD (a second
    interpreter would only read it too; its state is kept for :func:`collect`),
    when a cache exists to extend (the new commits are read here, a few at a
    time), or for a pipeline under :data:`SPAWN_FROM` deals.
    A second call for the same folder while the first runs starts nothing.
    The process is not tied to this one: if this one exits without asking,
    it still finishes and saves the cache for the next run.
    """
    key = root.resolve()
    with _LOCK:
        if key in _RUNNING or key in _FINISHING or key in _READY:
            return
        state, current = _saved(key)
        if state is not None and current:
            _READY[key] = state
            return
        if state is not None or len(Store(key).opportunity_entries()) < SPAWN_FROM:
            return  # the walk is the store's own, on a cold read only (seconds of work follow)
        try:
            _RUNNING[key] = subprocess.Popen(
                python_argv("-c", _MAIN, str(key), *([] if watched else [_UNWATCHED])),
                cwd=key,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:  # no second interpreter: the caller reads the history itself
            return


def _saved(root: Path) -> tuple[cache.CacheState | None, bool]:
    """The saved cache state (None if none) and whether it matches HEAD.

    A git failure reads as no cache: the second process then fails too, and
    the caller's own read raises the error where the answer is asked for.
    """
    try:
        _git_dir, prefix, head = log.locate(root)
    except RepoError:
        return None, False
    state = cache.read(cache.cache_file(root, prefix))
    return state, state is not None and state.head == head


def collect(root: Path, progress: Progress | None) -> cache.CacheState | None:
    """Wait for a :func:`start` of ``root`` to finish, passing its progress on.

    Returns at once when none is running.  The answer is the cache state
    :func:`start` found already up to date (the caller checks HEAD has not
    moved since), or None: then whatever the second process left (a saved
    cache, or nothing) is read by :func:`~pipeline_tui.history.cache.fresh`.
    """
    key = root.resolve()
    with _LOCK:
        proc = _RUNNING.pop(key, None) or _FINISHING.pop(key, None)
        ready = _READY.pop(key, None)
    if proc is None:
        return ready
    assert proc.stdout is not None
    with proc.stdout:
        while _read_to_stays(proc.stdout, progress) is not None:
            pass  # stays nobody asked for: the saved cache has them too
    proc.wait()
    return None


def handed_marks(root: Path, progress: Progress | None) -> dict[str, StayMark] | None:
    """Each live deal's current stay (a :data:`StayMark`), handed over by the second process.

    That is before it pickles and saves the whole cache (which it then does
    while the caller prints): ``list --json`` needs only these.  None when no
    process runs for ``root``, when it ended without handing any (the cache
    was current, or it failed) or when HEAD has moved since it read the log:
    then :func:`collect` and :func:`~pipeline_tui.history.cache.fresh` give
    the answer.  The stays are those the saved cache will hold
    (:attr:`~pipeline_tui.history.cache.CacheState.marks`).
    """
    key = root.resolve()
    with _LOCK:
        proc = _RUNNING.get(key)
    if proc is None:
        return None
    assert proc.stdout is not None
    payload = _read_to_stays(proc.stdout, progress)
    if payload is None:
        return None  # it has ended: collect() reaps it and the cache is read
    with _LOCK:
        if _RUNNING.get(key) is proc:
            _FINISHING[key] = _RUNNING.pop(key)
    handed: tuple[str | None, dict[str, StayMark]] = pickle.loads(payload)
    head, kept = handed
    try:
        current = log.locate(root)[2]
    except RepoError:
        return None  # the caller's own read raises it
    if head != current:
        return None
    return kept


def _read_to_stays(stream: IO[bytes], progress: Progress | None) -> bytes | None:
    """Pass progress lines on up to the handed stays (pickled); None at the end of the output."""
    for line in iter(stream.readline, b""):
        if line.startswith(_STAYS):
            size = int(line.split()[1])
            payload = stream.read(size)
            return payload if len(payload) == size else None  # short: the process was killed
        reported = _progress_line(line)
        if progress is not None and reported is not None:
            progress(*reported)
    return None


def _progress_line(line: bytes) -> tuple[int, int] | None:
    """``b"done total\\n"`` as two numbers (None for anything else)."""
    fields = line.split()
    if len(fields) != 2 or not all(field.isdigit() for field in fields):
        return None
    return int(fields[0]), int(fields[1])


def _report(done: int, total: int) -> None:
    """Progress for the waiting caller; dropped when it is not reading yet (full pipe).

    The caller reads only once its own parse is done, so the pipe may fill;
    a progress line is never worth blocking the history read for.
    """
    with contextlib.suppress(BlockingIOError, BrokenPipeError):
        os.write(1, f"{done} {total}\n".encode())


class _HandOver:
    """Sends the stays to the waiting caller, from a thread: the build goes on meanwhile.

    The pipe is made blocking for them (unlike a progress line, they must
    arrive whole); a caller that has exited only makes the write fail.
    """

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None

    def __call__(self, head: str | None, stays: dict[str, StayMark]) -> None:
        payload = pickle.dumps((head, stays), protocol=pickle.HIGHEST_PROTOCOL)
        message = b"%s %d\n%s" % (_STAYS, len(payload), payload)
        self.thread = threading.Thread(target=_send, args=(message,))
        self.thread.start()

    def finish(self) -> None:
        if self.thread is not None:
            self.thread.join()


def _send(message: bytes) -> None:
    with contextlib.suppress(OSError):  # the caller is gone: nothing to tell
        os.set_blocking(1, True)
        view = memoryview(message)
        while view:
            view = view[os.write(1, view) :]


def main(argv: list[str]) -> int:
    """The second process: bring the cache of the folder named in ``argv`` up to date."""
    os.set_blocking(1, False)
    progress = None if _UNWATCHED in argv[1:] else _report
    hand_over = _HandOver()
    try:
        cache.fresh(Path(argv[0]), progress, entries=False, stays_ready=hand_over)
    finally:
        hand_over.finish()
    return 0
