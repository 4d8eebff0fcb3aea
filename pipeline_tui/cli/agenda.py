"""``pipeline agenda``: what to do today and in the next days, for you or for the team.

Overdue and due next steps, first contacts whose SLA is running or ran out,
stale deals, open deals without a next step (see
:mod:`pipeline_tui.reports.metrics.agenda`), grouped by day.  By default the
agenda is yours: git's ``user.name`` (or ``--as``) mapped to a ``team`` name.
``--ics FILE`` also writes its next steps as a calendar file.
"""

from __future__ import annotations

from pathlib import Path

import click

from pipeline_tui.cli.base import Context, cli, output_options, report
from pipeline_tui.cli.report import load_scope
from pipeline_tui.core.model import Opportunity, Pipeline
from pipeline_tui.i18n import _
from pipeline_tui.reports.agenda import render_agenda
from pipeline_tui.reports.metrics.agenda import DEFAULT_DAYS, NEXT_STEP, AgendaDay, agenda
from pipeline_tui.storage.files import atomic_write
from pipeline_tui.tabular import Format, to_json


@cli.command("agenda")
@click.option("--owner", help="Whose agenda (a team name; default: you, from git's user.name).")
@click.option("--all", "everyone", is_flag=True, help="Everyone's agenda.")
@click.option(
    "--days",
    type=click.IntRange(1, 366),
    default=DEFAULT_DAYS,
    show_default=True,
    help="How many days ahead, today included.",
)
@click.option(
    "--ics",
    "ics_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the agenda's next steps to this iCalendar (.ics) file.",
)
@output_options
@click.pass_obj
def agenda_command(
    obj: Context,
    owner: str | None,
    everyone: bool,
    days: int,
    ics_file: Path | None,
    fmt: Format,
) -> None:
    """Today's agenda: overdue and due next steps, first contacts, stale deals, no next step."""
    if owner and everyone:
        raise click.UsageError(_("choose one of --owner and --all"))
    scope = load_scope(obj, None)
    whose = None if everyone else owner or _keyboard_owner(obj)
    if whose is not None:
        _check_owner(scope.pipeline, whose)
    groups = agenda(scope.pipeline, scope.timelines, scope.now, days, whose)
    if ics_file is not None:
        write_ics(ics_file, scope.pipeline, _next_step_records(scope.pipeline, groups), whose)
    if fmt is Format.JSON:
        click.echo(
            to_json(
                {
                    "today": scope.now.date().isoformat(),
                    "owner": whose,
                    "days": days,
                    "groups": [group.to_json() for group in groups],
                }
            )
        )
    else:
        click.echo(render_agenda(groups, scope.now.date(), fmt))


def write_ics(
    path: Path, pipeline: Pipeline, records: list[Opportunity], whose: str | None
) -> None:
    """The next steps of ``records`` as a calendar file (``agenda --ics``, ``export --ics``)."""
    from pipeline_tui.core.clock import now
    from pipeline_tui.dataio.calendar import next_steps_ics

    name = f"Pipeline: {whose}" if whose else "Pipeline"
    atomic_write(path, next_steps_ics(records, now(), name, pipeline.config.currency))
    dated = sum(1 for r in records if r.next_step and r.next_step.due)
    report(_("wrote {dated} next steps to {path}").format(dated=dated, path=path))


def _keyboard_owner(obj: Context) -> str | None:
    """You, as a team name; everyone (with a word on stderr) when the team does not know you."""
    me = obj.workspace().keyboard_owner()
    if me is None:
        report(_("you are not in pipeline.yaml's team (git user.name): showing everyone's agenda"))
    return me


def _check_owner(pipeline: Pipeline, owner: str) -> None:
    """A name that is neither in the team nor owns a deal is a typo, not an empty agenda.

    The team rule is the one ``new``/``set``/``list`` apply
    (:meth:`~pipeline_tui.core.config.PipelineConfig.check_owner`).
    """
    if not any(r.owner == owner for r in pipeline.opportunities):
        pipeline.config.check_owner(owner)


def _next_step_records(pipeline: Pipeline, groups: tuple[AgendaDay, ...]) -> list[Opportunity]:
    wanted = [item.id for group in groups for item in group.items if item.kind == NEXT_STEP]
    by_id = {r.id: r for r in pipeline.opportunities}
    return [by_id[opp_id] for opp_id in dict.fromkeys(wanted)]
