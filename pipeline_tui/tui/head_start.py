"""The board's slow reads started before it exists (no Textual here).

Why this early: after a ``git clone`` (no caches) the board waits for two
jobs of seconds of Python at 10,000 deals, the history build (days in stage)
and the read of every deal file (the cards).  In threads of the app both
would take turns with the event loop for one interpreter lock.  So before
Textual is imported (``pipeline tui`` calls :func:`head_start` first):

- the history builds in a second interpreter
  (:func:`pipeline_tui.history.prefetch`, the one a cold ``list --json``
  uses); the board's history worker later only collects what it saved;
- a forked child reads part of the deal files (:meth:`Store.read_ahead
  <pipeline_tui.storage.store.Store.read_ahead>`), which only a process
  with one thread may fork; the board's load takes its results over.

Both run beside the imports, the first paint and the rest of the read.
This module imports nothing of Textual so the command line can call it first.
"""

from __future__ import annotations

import contextlib

from pipeline_tui.core.errors import PipelineError
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.history import prefetch

#: The share of a cold read the forked child takes: more than a command's
#: half (:data:`~pipeline_tui.storage.beside.CHILD_SHARE`), as the app's own
#: process also starts Textual and paints while it reads.
READ_AHEAD_SHARE = 0.6


def head_start(workspace: Workspace) -> None:
    """Start the history build and a read of the deal files beside this process.

    Nothing is started for what is cached already, and a second call while
    the first ones run starts nothing.  Any failure here is left to the
    board's own reads, which report it where it is shown.
    """
    with contextlib.suppress(OSError, PipelineError):  # the board reads it itself, says why not
        prefetch(workspace.root)
    with contextlib.suppress(OSError, PipelineError):  # the board's load reads every file itself
        workspace.store.read_ahead(READ_AHEAD_SHARE)
