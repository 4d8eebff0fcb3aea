"""The ``pipeline`` command line. One Click group; one module per family of commands.

The group and shared options live in :mod:`.base`; importing a command module
registers its commands.  Kept as a package (not one ``cli.py``) so each family
stays small and readable.
"""

from pipeline_tui.cli import app, dataio, demo, history, records, report, sync
from pipeline_tui.cli.base import cli

__all__ = ["app", "cli", "dataio", "demo", "history", "main", "records", "report", "sync"]


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="pipeline")
