"""The ``pipeline`` command line. One Click group; one module per family of commands.

The group and shared options live in :mod:`.base`; each command module
registers its commands on import, and the group imports a module only when
one of its commands is used (see ``COMMAND_MODULES``).  Kept as a package
(not one ``cli.py``) so each family stays small and start-up stays fast.
"""

from pipeline_tui.cli.base import cli

__all__ = ["cli", "main"]


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="pipeline")
