"""``pipeline history ID``: one opportunity's stage timeline and field changes, from git.

Also the pieces other commands share to show history: the progress bar for a
cold scan and the ``stage_entered`` / ``days_in_stage`` columns of ``list``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from pipeline_tui.cli.base import ID_ARGUMENT, Context, cli, output_options
from pipeline_tui.errors import NotFound
from pipeline_tui.history import Progress, load_timelines
from pipeline_tui.model import Pipeline
from pipeline_tui.output import Format, render_rows, to_json
from pipeline_tui.timeline import Timeline

STAGE_COLUMNS = ("stage", "entered", "left", "days", "commit", "author")
CHANGE_COLUMNS = ("at", "author", "commit", "field", "old", "new")


@cli.command()
@ID_ARGUMENT
@output_options
@click.pass_obj
def history(obj: Context, opp_id: str, fmt: Format) -> None:
    """Show when ID entered and left each stage, who moved it, and every field change.

    Read from git history (author dates), so hand edits count like CLI edits.
    Deleted opportunities keep their history.
    """
    ws = obj.workspace()
    now = datetime.now(UTC)
    with progress_bar() as progress:
        timelines = load_timelines(ws.root, progress=progress, now=now)
    timeline = timelines.get(opp_id)
    if timeline is None:
        raise NotFound(f"no opportunity {opp_id!r} in the work tree or in git history")
    data = timeline_json(timeline, now)
    if fmt is Format.JSON:
        click.echo(to_json(data))
        return
    title = f"{timeline.id}  ({timeline.path}"
    title += f", deleted {timeline.deleted_at:%Y-%m-%d %H:%M})" if timeline.deleted_at else ")"
    click.echo(title)
    stages = [{**row, "days": round(row["days"], 1)} for row in data["stages"]]
    click.echo(render_rows(stages, STAGE_COLUMNS, fmt))
    if fmt is Format.TABLE:
        click.echo("\nchanges:")
        click.echo(render_rows(data["changes"], CHANGE_COLUMNS, fmt))


def timeline_json(timeline: Timeline, now: datetime) -> dict[str, Any]:
    """The documented JSON shape of ``pipeline history --json``."""
    return {
        "id": timeline.id,
        "stages": [
            {
                "stage": stay.stage,
                "entered": stay.entered.isoformat(),
                "left": stay.left.isoformat() if stay.left else None,
                "days": stay.days(now),
                "commit": stay.commit,
                "author": stay.author,
            }
            for stay in timeline.stages
        ],
        "changes": [
            {
                "at": change.at.isoformat(),
                "author": change.author,
                "commit": change.commit,
                "field": change.field,
                "old": change.old,
                "new": change.new,
            }
            for change in timeline.changes
        ],
    }


def stage_columns(root: Path, pipeline: Pipeline) -> dict[str, dict[str, Any]]:
    """id -> ``stage_entered`` and ``days_in_stage`` (time in the current stay) for ``list``."""
    now = datetime.now(UTC)
    with progress_bar() as progress:
        timelines = load_timelines(root, progress=progress, now=now, pipeline=pipeline)
    columns: dict[str, dict[str, Any]] = {}
    for record in pipeline.opportunities:
        timeline = timelines.get(record.id)
        stay = timeline.current if timeline is not None else None
        columns[record.id] = {
            "stage_entered": stay.entered.isoformat() if stay else None,
            "days_in_stage": stay.days(now) if stay else None,
        }
    return columns


@contextmanager
def progress_bar() -> Iterator[Progress | None]:
    """A progress callback drawing on stderr during a cold scan (only on a terminal)."""
    if not sys.stderr.isatty():
        yield None
        return
    bar: Any = None
    shown = 0

    def update(done: int, total: int) -> None:
        nonlocal bar, shown
        if bar is None:
            if done >= total:  # a warm or tiny update: nothing worth a bar
                return
            bar = click.progressbar(
                length=max(total, 1), label="Reading git history", file=sys.stderr
            )
            bar.__enter__()
        bar.update(max(0, min(done, total) - shown))
        shown = max(shown, min(done, total))

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
