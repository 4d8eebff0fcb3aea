"""Starting the history's second interpreter before the board exists (no Textual here).

Why this early: on a cold cache (a fresh clone) days in stage wait for the
history build, seconds of Python at 10,000 deals.  Run in a thread of the
app it would take turns with the event loop and the work-tree read for one
interpreter lock; :func:`pipeline_tui.history.prefetch` runs it in a second
interpreter, on the other core, the same one a cold ``list --json`` uses.
Started before Textual is imported (``pipeline tui`` calls this first), it
builds beside the imports, the first paint and the file read; the board's
history worker later only collects the saved cache.  This module imports
nothing of Textual so the command line can call it first.
"""

from __future__ import annotations

from pathlib import Path

from pipeline_tui.core.errors import PipelineError
from pipeline_tui.history import prefetch


def start_history(root: Path) -> None:
    """Start building ``root``'s history beside this process (nothing when it is current).

    A second call while the first runs starts nothing.  Any failure here is
    left to the board's own history read, which reports it where it is shown.
    """
    try:
        prefetch(root)
    except (OSError, PipelineError):  # the board reads the history itself, and says why not
        return
