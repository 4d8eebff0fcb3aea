"""Starting this Python again (the history process, the pre-commit hook, the merge driver).

Always with ``-P``: ``python -c`` and ``python -m`` otherwise put the current
folder first on ``sys.path``, and these run inside the user's repository,
where a teammate could have committed a ``pipeline_tui/`` folder or a
``queue.py``; it would be imported instead of the installed code and run
with the user's rights on the next ``pipeline list``, commit or merge.  With
``-P`` (Python 3.11 and later) only the installed code is importable.
"""

from __future__ import annotations

import shlex
import sys

#: The option that keeps the current folder (and a script's folder) off ``sys.path``.
SAFE_PATH = "-P"


def python_argv(*args: str, python: str | None = None) -> list[str]:
    """``python -P ARGS`` as an argument list, for ``subprocess``; this interpreter by default."""
    return [python or sys.executable, SAFE_PATH, *args]


def python_shell(*args: str, python: str | None = None) -> str:
    """``python -P ARGS`` as one shell-quoted command line, for git's config and hooks."""
    return shlex.join(python_argv(*args, python=python))
