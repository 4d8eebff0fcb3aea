"""Commands around the app itself: the TUI, the demo, shell completion."""

from __future__ import annotations

import click

from pipeline_tui.cli.base import Context, cli
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.i18n import set_pipeline_language


@cli.command()
@click.pass_obj
def tui(obj: Context) -> None:
    """Open the board (the terminal UI)."""
    open_tui(obj.workspace())


def open_tui(workspace: Workspace) -> None:
    """Run the TUI on ``workspace`` in the configured language; Textual is imported only here."""
    set_pipeline_language(workspace.config.language)  # before the TUI's key labels are imported
    from pipeline_tui.tui.head_start import head_start  # cold reads run beside Textual's start

    head_start(workspace)
    from pipeline_tui.tui.app import run

    run(workspace)


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script: `eval "$(pipeline completion bash)"`."""
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    assert cls is not None
    click.echo(cls(cli, {}, "pipeline", "_PIPELINE_COMPLETE").source())
