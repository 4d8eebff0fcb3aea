"""Is this clone shallow?  The boundary commits from git's ``shallow`` file.

Cheap (one ``git rev-parse``), so even ``pipeline list`` can say it; what the
boundaries mean for stage dates is :mod:`pipeline_tui.history.shallow`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from pipeline_tui.i18n import N_

#: What ``list``, ``report``, ``doctor`` and the board say in a shallow clone.
SHALLOW_NOTE = N_(
    "history is shallow (a `git clone --depth` copy): stage dates older than the clone "
    "are unknown and shown as such; `git fetch --unshallow` fetches the rest"
)


def boundaries(root: Path) -> frozenset[str]:
    """The commits where a shallow clone's history is cut (empty for a full clone)."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--git-path", "shallow"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        shallow = root / done.stdout.strip()
        return frozenset(shallow.read_text(encoding="ascii").split())
    except (OSError, subprocess.CalledProcessError, UnicodeDecodeError):
        return frozenset()
