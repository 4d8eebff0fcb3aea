"""Ending a command's process early, once its output is out.

A command that has built millions of objects (``pipeline report`` at
100,000 deals) asks for it by setting :attr:`~pipeline_tui.cli.base.Context.skip_teardown`;
:class:`~pipeline_tui.cli.base.PipelineGroup` calls :func:`exit_without_teardown`
after the command returned and the automations' lines are printed, so
nothing the command would have said after its output is lost.
"""

from __future__ import annotations

import atexit
import os
import sys


def exit_without_teardown(code: int = 0) -> None:
    """End the process now that everything is printed, without the interpreter's teardown.

    Why: a report at 100,000 deals holds some ten million objects (records,
    timelines, rows), and freeing them one by one as the interpreter shuts
    down took 0.6 s of CPU after the last line was out; the kernel takes
    the memory back at once.  Exit handlers still run and both streams are
    flushed; only the freeing is skipped.  ``code`` is the exit status (a
    report that left broken files out ends with 1).  Only in a process of its own:
    when the streams are not the process's own (a test runner, a caller in
    the same process) this returns, and so it does when a stream cannot be
    flushed (a closed pipe: the normal exit says so).
    """
    out, err = sys.stdout, sys.stderr
    if out is not sys.__stdout__ or err is not sys.__stderr__:
        return
    if out is None or err is None:
        return
    try:
        out.flush()
        err.flush()
    except (OSError, ValueError):
        return
    atexit._run_exitfuncs()
    os._exit(code)
