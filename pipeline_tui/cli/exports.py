"""``pipeline export``: every opportunity as CSV or JSON, with stage entry dates from history."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from pipeline_tui import history
from pipeline_tui.cli.base import Context, cli, echo, error_files, report
from pipeline_tui.cli.history import progress_bar
from pipeline_tui.cli.values import parse_when
from pipeline_tui.core.errors import ExitCode
from pipeline_tui.core.model import Pipeline
from pipeline_tui.core.timeline import Timeline
from pipeline_tui.dataio.exporting import export_csv, export_json
from pipeline_tui.i18n import _
from pipeline_tui.storage.files import atomic_write


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option("--as-of", "as_of", metavar="DATE", help="The pipeline as it stood then (history).")
@click.option("--bom", is_flag=True, help="Start the CSV with a UTF-8 byte-order mark (Excel).")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file."
)
@click.option(
    "--ics",
    "ics_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Instead, write every open deal's next step to this iCalendar (.ics) file.",
)
@click.pass_obj
def export(
    obj: Context,
    fmt: str,
    as_of: str | None,
    bom: bool,
    output: Path | None,
    ics_file: Path | None,
) -> None:
    """Write every opportunity as CSV or JSON, with stage entry dates from git history.

    With --ics, write the open deals' next steps as a calendar file instead.
    """
    ws = obj.workspace()
    if ics_file is not None:
        from pipeline_tui.cli.agenda import write_ics

        pipeline = ws.load()
        records = [r for r in pipeline.opportunities if pipeline.is_open(r)]
        write_ics(ics_file, pipeline, records, None)
    else:
        pipeline = _export(ws.root, ws.load(), fmt, parse_when(as_of), bom, output)
    for problem in pipeline.problems:
        report(str(problem))
    skipped = error_files(pipeline.problems)
    if skipped:  # the CSV, JSON or calendar is whole but for them: exit 1 after it
        report(
            _("{n_skipped} broken files are not in the export; fix them and export again").format(
                n_skipped=skipped
            )
        )
        obj.conclude(ExitCode.PROBLEMS)


def _export(
    root: Path, current: Pipeline, fmt: str, when: datetime | None, bom: bool, output: Path | None
) -> Pipeline:
    """Print (or write to ``output``) the CSV or JSON export; the pipeline it holds."""
    pipeline, timelines = _pipeline_and_timelines(root, current, when)
    text = (
        export_json(pipeline, timelines) if fmt == "json" else export_csv(pipeline, timelines, bom)
    )
    if output is None:
        echo(text, nl=False)
    else:
        atomic_write(output, text)
        report(
            _("wrote {count} opportunities to {path}").format(
                count=len(pipeline.opportunities), path=output
            )
        )
    return pipeline


def _pipeline_and_timelines(
    root: Path, current: Pipeline, when: datetime | None
) -> tuple[Pipeline, dict[str, Timeline]]:
    """The pipeline (as of ``when``) and each deal's stage stays known by then."""
    with progress_bar() as progress:
        timelines = history.load_timelines(root, progress=progress, pipeline=current)
    if when is None:
        return current, timelines
    pipeline = history.pipeline_as_of(root, when)
    cut = {
        opp_id: Timeline(t.id, t.path, tuple(s for s in t.stages if s.entered <= when))
        for opp_id, t in timelines.items()
    }
    return pipeline, cut
