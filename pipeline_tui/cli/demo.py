"""``pipeline demo``: a realistic sample pipeline to explore, built in seconds.

The first thing a new user runs (README step 1), so it has to work on a bare
machine: no pipeline yet, no configured git identity needed (the history is
imported with the sample team as authors), and a clear word on where the repo
went and what to type next.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline_tui.cli.app import open_tui
from pipeline_tui.cli.base import cli, echo
from pipeline_tui.cli.records import LIST_COLUMNS, flat_row, sort_key
from pipeline_tui.core.clock import now
from pipeline_tui.demo.build import Progress, materialize, sample_dir
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.i18n import _, current_language, set_language
from pipeline_tui.tabular import Format, render_rows

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar


@cli.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--lang",
    "language",
    type=click.Choice(["en", "zh_CN"]),
    help="Build the sample in this language (zh_CN: Chinese stages, titles, CNY); "
    "default: the interface language.",
)
def demo(directory: Path | None, language: str | None) -> None:
    """Create a sample pipeline in DIRECTORY (default: a new temp folder) and open it.

    About 40 opportunities and half a year of dated history, replayed as git
    commits by a small sales team, so every report has something to show.
    The story is dated to end yesterday, so it looks the same on any day.
    """
    language = language or current_language()
    set_language(language)
    dest = directory or Path(tempfile.mkdtemp(prefix="pipeline-demo-"))
    yesterday = now().astimezone().date() - timedelta(days=1)  # the story ends yesterday
    if sys.stderr.isatty():
        with click.progressbar(
            length=1, label=_("Building the demo pipeline"), file=sys.stderr
        ) as bar:
            root = materialize(sample_dir(), dest, _advance(bar), language, yesterday)
    else:
        root = materialize(sample_dir(), dest, None, language, yesterday)
    if sys.stdin.isatty() and sys.stdout.isatty():
        open_tui(Workspace(root))
    else:
        print_list(root)
    echo(
        _(
            "\nThe demo pipeline is in {root}\n"
            "Try:  cd {root} && pipeline list\n"
            "      pipeline show ID · pipeline validate · git log --stat\n"
            "It is an ordinary folder: delete it when you are done."
        ).format(root=root)
    )


def print_list(root: Path) -> None:
    """What ``pipeline list`` prints for ``root``."""
    pipeline = Workspace(root).load()
    records = sorted(pipeline.opportunities, key=sort_key(pipeline, "stage"))
    echo(render_rows([flat_row(r) for r in records], LIST_COLUMNS, Format.TABLE))


def _advance(bar: ProgressBar[int]) -> Progress:
    """A progress callback that moves ``bar`` to ``done`` out of ``total``."""

    def advance(done: int, total: int) -> None:
        bar.length = total
        bar.update(done - bar.pos)

    return advance
