"""Files on disk: the one atomic write, and finding the pipeline folder."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
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


def atomic_write(path: Path, data: str | bytes | Iterable[bytes], *, durable: bool = True) -> None:
    """Write ``data`` so readers see the old file or the new one, never half of one.

    Text is written as UTF-8 exactly as given (no newline translation); an
    iterable of byte chunks is written as it is produced (a 100 MB cache pack
    never sits in memory whole).  The
    bytes go to a temp file beside ``path`` that is flushed and fsynced, then
    renamed over ``path``, then the folder is fsynced so the rename itself
    survives a power cut.  On any failure (an exception half-way included)
    the temp file is removed and ``path`` is untouched.  Temp names carry the
    writer's process id, so :func:`remove_dead_temps` can tell a killed
    writer's leftovers from a live writer's work.

    ``durable=False`` skips both fsyncs, for derived caches only: they are
    rewritten by the thousand (a cold build saves about 1,000 cache
    segments, and 1,000 fsyncs cost over a second), and one that a power cut
    leaves empty or old is detected on reading and computed again.  Readers
    still never see half a file.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        _replace(path, payload, durable)
    except WriteFailed:
        raise
    except OSError as exc:  # a full disk, a read-only file system: ``path`` is untouched
        raise write_failed(path, exc) from exc
    if not durable:
        return
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _replace(path: Path, payload: bytes | Iterable[bytes], durable: bool) -> None:
    """Temp file, fsync, rename: every step that can fail comes before the rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name}.{os.getpid()}."  # remove_dead_temps reads the pid back
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(payload, bytes):
                handle.write(payload)
            else:
                for chunk in payload:
                    handle.write(chunk)
            handle.flush()
            if durable:
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
    _sweep(path.parent, path.name)


def remove_dead_temps_in(folder: Path) -> None:
    """:func:`remove_dead_temps` for every file of ``folder`` at once (one listing for all)."""
    _sweep(folder, None)


#: ``.NAME.PID.RANDOM.tmp``, as :func:`_replace` names its temp files (mkstemp's part has no dot).
_TEMP_NAME = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.tmp")


def _sweep(folder: Path, name: str | None) -> None:
    """Delete the dead writers' temp files in ``folder`` (of file ``name``, or of any file)."""
    if os.name != "posix" or not folder.is_dir():
        return
    with os.scandir(folder) as entries:
        for entry in entries:
            found = _TEMP_NAME.fullmatch(entry.name)
            if found is None or (name is not None and found["name"] != name):
                continue
            if not _alive(int(found["pid"])):
                Path(entry.path).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
