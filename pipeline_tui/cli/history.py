"""``pipeline history ID``: one opportunity's stage timeline and field changes, from git.

Also the progress bar other commands show during a cold scan of the history.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import click

from pipeline_tui.cli.base import ID_ARGUMENT, Context, cli, echo, output_options, report
from pipeline_tui.core import clock
from pipeline_tui.core.errors import NotFound
from pipeline_tui.core.finding import did_you_mean
from pipeline_tui.core.timeline import Timeline
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.git.shallow import SHALLOW_NOTE, boundaries
from pipeline_tui.history import Progress, load_timeline
from pipeline_tui.i18n import _
from pipeline_tui.tabular import Format, render_rows, to_json

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
    now = clock.now()
    with progress_bar() as progress:
        timeline = load_timeline(ws.root, opp_id, progress=progress, now=now)
    if timeline is None:
        data, title = _before_the_clone(ws, opp_id)
    else:
        data = timeline_json(timeline, now)
        title = f"{timeline.id}  ({timeline.path}"
        title += f", deleted {timeline.deleted_at:%Y-%m-%d %H:%M})" if timeline.deleted_at else ")"
    if fmt is Format.JSON:
        echo(to_json(data))
        return
    echo(title)
    if fmt is Format.CSV:
        echo(render_rows(data["stages"], STAGE_COLUMNS, fmt))
        return
    stages = [{**row, **_rounded(row), **_short(row)} for row in data["stages"]]
    echo(render_rows(stages, STAGE_COLUMNS, fmt))
    echo(_("\nchanges:"))
    changes = [{**row, **_short(row)} for row in data["changes"]]
    echo(render_rows(changes, CHANGE_COLUMNS, fmt))


def _before_the_clone(ws: Workspace, opp_id: str) -> tuple[dict[str, Any], str]:
    """What is known of a deal a shallow clone has no timeline for: its file's stage.

    Why: the clone's history starts after the deal entered its stage, so the
    entry date is unknown (``null``), never guessed; the shallow note on
    stderr says how to fetch the rest, as ``doctor`` and ``list`` do.  A deal
    neither in the work tree nor in the history is not found.
    """
    try:
        record = ws.store.get(opp_id, ws.config)
    except NotFound:
        record = None
    if record is None or not boundaries(ws.root):
        hint = did_you_mean(opp_id, ws.store.deal_keys(ws.config))
        raise NotFound(
            _("no opportunity {opp_id!r} in the work tree or in git history{hint}").format(
                opp_id=opp_id, hint=hint
            )
        )
    report(_(SHALLOW_NOTE))
    stay = {
        "stage": record.stage,
        "entered": None,
        "left": None,
        "days": None,
        "commit": None,
        "author": None,
    }
    data = {"id": record.id, "stages": [stay], "changes": []}
    return data, f"{record.id}  ({record.path})"


def _rounded(row: Mapping[str, Any]) -> dict[str, Any]:
    """Days to one decimal; a stay begun before a shallow clone: its start and days unknown."""
    if row["entered"] is None:
        return {"entered": _("unknown (before this clone)"), "days": None}
    return {"days": round(row["days"], 1)}


def _short(row: Mapping[str, Any]) -> dict[str, Any]:
    """Commits abbreviated like git does; a stay not committed yet says so."""
    commit = row["commit"]
    if commit is None and row["entered"] is None:
        return {"commit": None}
    return {"commit": commit[:10] if commit else "uncommitted"}


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
                "undone": change.undone,
            }
            for change in timeline.changes
        ],
    }


@contextmanager
def progress_bar(label: str | None = None) -> Iterator[Progress | None]:
    """A progress callback drawing on stderr during a cold scan (only on a terminal).

    The bar appears at the first report that is not already complete, so a
    warm run draws nothing and a cold one shows it from its first file.
    """
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
                length=max(total, 1), label=label or _("Reading git history"), file=sys.stderr
            )
            bar.__enter__()
        bar.update(max(0, min(done, total) - shown))
        shown = max(shown, min(done, total))

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
