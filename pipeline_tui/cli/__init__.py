"""The ``pipeline`` command line. One Click group; one module per family of commands.

The group and shared options live in :mod:`.base`; each command module
registers its commands on import, and the group imports a module only when
one of its commands is used (see ``COMMAND_MODULES``).  Kept as a package
(not one ``cli.py``) so each family stays small and start-up stays fast.

Importing this package imports nothing else: :func:`main` first tries to
print a plain ``pipeline list`` from its snapshot (:mod:`.listing`), which
needs neither Click nor the workspace, and only then loads the group.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline_tui.cli.base import cli

__all__ = ["cli", "main"]


def main() -> None:
    """Console-script entry point."""
    from pipeline_tui.cli.listing import serve_warm

    if serve_warm(sys.argv[1:]):
        return
    from pipeline_tui.cli.base import cli

    cli(prog_name="pipeline")


def __getattr__(name: str) -> Any:
    """``from pipeline_tui.cli import cli`` loads the group on first use."""
    if name == "cli":
        from pipeline_tui.cli.base import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
