"""Advisory file locks taken with patience: the one wait loop for every lock the pipeline holds.

Two kinds of lock use it, in sibling layers: the writers' lock inside
``.git/`` (:func:`pipeline_tui.git.commits.write_lock`, which fails with a
message once its patience is spent) and a cache's build lock
(:meth:`pipeline_tui.storage.cachefile.CacheFile.building`, which goes on
without it).  ``flock`` rather than a lock file that is created and removed:
the kernel drops the lock of a process that was killed, so nothing is stale.
"""

from __future__ import annotations

import fcntl
import time

#: How often a waiting process tries the lock again.
POLL_S = 0.05


def wait_for_lock(fd: int, patience_s: float) -> bool:
    """Take the exclusive lock on ``fd``, waiting up to ``patience_s``; False if it stayed taken."""
    deadline = time.monotonic() + patience_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_S)


def release_lock(fd: int) -> None:
    """Give the lock on ``fd`` back (closing the file would too, but later)."""
    fcntl.flock(fd, fcntl.LOCK_UN)
