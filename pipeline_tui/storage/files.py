"""Files on disk: the one atomic write, and finding the pipeline folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pipeline_tui.core.config import CONFIG_FILE
from pipeline_tui.core.errors import RepoError

ROOT_ENV = "PIPELINE_REPO"


def find_root(start: Path | None = None) -> Path:
    """The pipeline repo: ``$PIPELINE_REPO``, else walk up to a ``pipeline.yaml``."""
    env = os.environ.get(ROOT_ENV)
    if start is None and env:
        start = Path(env)
        if not (start / CONFIG_FILE).is_file():
            raise RepoError(f"{ROOT_ENV}={env}: no {CONFIG_FILE} there")
        return start.resolve()
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / CONFIG_FILE).is_file():
            return candidate
    raise RepoError(
        f"no {CONFIG_FILE} in {here} or any parent folder: "
        "run `pipeline init DIR`, or pass --repo PATH"
    )


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` so readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(path.stat().st_mode & 0o777 if path.exists() else 0o644)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
