"""``pipeline undo [ID]``: revert the last change made from this clone (or to ID).

A new commit that puts the file back, never a history rewrite, so it is safe
after a push.  What will be undone is shown first; on a terminal the command
asks, elsewhere (scripts, pipes) it needs ``--yes`` so nothing is undone
that nobody saw.
"""

from __future__ import annotations

import sys

import click

from pipeline_tui.cli.base import Context, cli, complete_ids, resolve_id
from pipeline_tui.core.errors import BadRequest, ExitCode
from pipeline_tui.i18n import _
from pipeline_tui.tabular import to_json


@cli.command()
@click.argument("opp_id", metavar="[ID]", required=False, shell_complete=complete_ids)
@click.option("--yes", "-y", is_flag=True, help="Do not ask; undo at once.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (stable keys, for scripts).")
@click.pass_obj
def undo(obj: Context, opp_id: str | None, yes: bool, as_json: bool) -> None:
    """Undo the last change made from this clone, or the last change to ID.

    The undo is a new commit (`undo: <subject>`, "This reverts commit <sha>.").
    The history then counts the undone change as never having happened, while
    `pipeline history` and `git log` still show both commits.  Refused when a
    later change to the same deal would be lost.
    """
    ws = obj.workspace()
    plan = ws.undo_plan(resolve_id(ws, opp_id) if opp_id is not None else None)
    rel = ws.store.relpath(plan.path)
    if not as_json or not yes:
        click.echo(plan.describe(rel), err=as_json)
    if not yes:
        if not sys.stdin.isatty():
            raise BadRequest(_("not a terminal: add --yes to undo without being asked"))
        if not click.confirm(_("Undo it?"), default=False, err=True):
            click.echo(_("nothing undone"), err=True)
            sys.exit(ExitCode.PROBLEMS)
    done = ws.undo(plan)
    if as_json:
        click.echo(
            to_json(
                {
                    "undone": plan.commit,
                    "commit": done.commit,
                    "message": plan.message,
                    "path": rel,
                    "id": done.record.id if done.record is not None else plan.path.stem,
                }
            )
        )
    else:
        click.echo(
            _("undone: {subject} (commit {commit})").format(
                subject=plan.subject, commit=done.commit[:10]
            )
        )
