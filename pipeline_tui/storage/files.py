"""Files on disk: the one atomic write, and finding the pipeline folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pipeline_tui.core.config import CONFIG_FILE
from pipeline_tui.core.errors import RepoError, WriteFailed, write_failed
from pipeline_tui.i18n import _

ROOT_ENV = "PIPELINE_REPO"


def find_root(start: Path | None = None) -> Path:
    """The pipeline repo: ``$PIPELINE_REPO``, else walk up to a ``pipeline.yaml``."""
    env = os.environ.get(ROOT_ENV)
    if start is None and env:
        start = Path(env)
        if not (start / CONFIG_FILE).is_file():
            raise RepoError(
                _("{ROOT_ENV}={env}: no {CONFIG_FILE} there").format(
                    ROOT_ENV=ROOT_ENV, env=env, CONFIG_FILE=CONFIG_FILE
                )
            )
        return start.resolve()
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / CONFIG_FILE).is_file():
            return candidate
    raise RepoError(
        _(
            "no {CONFIG_FILE} in {here} or any parent folder: run `pipeline init "
            "DIR`, or pass --repo PATH"
        ).format(CONFIG_FILE=CONFIG_FILE, here=here)
    )


def open_root(root: Path | None) -> Path:
    """The pipeline folder a command works on: ``root`` (``--repo``) if given, else found.

    A given folder must hold ``pipeline.yaml``; none given means :func:`find_root`.
    """
    if root is None:
        return find_root()
    if not (root / CONFIG_FILE).is_file():
        raise RepoError(
            _("{root} has no {CONFIG_FILE}: run `pipeline init {root}` first").format(
                root=root, CONFIG_FILE=CONFIG_FILE
            )
        )
    return root.resolve()


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write ``data`` so readers see the old file or the new one, never half of one.

    Text is written as UTF-8 exactly as given (no newline translation).  The
    bytes go to a temp file beside ``path`` that is flushed and fsynced, then
    renamed over ``path``, then the folder is fsynced so the rename itself
    survives a power cut.  On any failure (an exception half-way included)
    the temp file is removed and ``path`` is untouched.  Temp names carry the
    writer's process id, so :func:`remove_dead_temps` can tell a killed
    writer's leftovers from a live writer's work.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        _replace(path, payload)
    except WriteFailed:
        raise
    except OSError as exc:  # a full disk, a read-only file system: ``path`` is untouched
        raise write_failed(path, exc) from exc
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _replace(path: Path, payload: bytes) -> None:
    """Temp file, fsync, rename: every step that can fail comes before the rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name}.{os.getpid()}."  # remove_dead_temps reads the pid back
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(path.stat().st_mode & 0o777 if path.exists() else 0o644)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_dead_temps(path: Path) -> None:
    """Delete temp files of ``path`` whose writer no longer runs (it was killed mid-write).

    An exception cleans up after itself; a SIGKILL or a power cut cannot, so
    whoever writes ``path`` next sweeps.  A live writer's temp file is left
    alone.  Only POSIX can ask whether a process id is alive, so elsewhere
    nothing is swept.
    """
    if os.name != "posix" or not path.parent.is_dir():
        return
    start = f".{path.name}."
    for leftover in path.parent.iterdir():
        name = leftover.name
        if not (name.startswith(start) and name.endswith(".tmp")):
            continue
        pid = name[len(start) :].partition(".")[0]
        if pid.isdigit() and not _alive(int(pid)):
            leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
