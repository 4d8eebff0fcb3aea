"""Team commands: ``sync``, ``resolve``, ``doctor``, and the hidden ``merge-driver``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline_tui.cli.base import ID_ARGUMENT, Context, cli, echo, report
from pipeline_tui.cli.values import parse_assignments
from pipeline_tui.core.errors import ExitCode, SyncError
from pipeline_tui.i18n import _
from pipeline_tui.storage.layout import LAYOUTS, Layout
from pipeline_tui.sync.doctor import CLONE_SETUP, check_label, run_checks
from pipeline_tui.sync.exchange import sync
from pipeline_tui.sync.merge_driver import run_driver
from pipeline_tui.sync.migrate import describe, migrate
from pipeline_tui.sync.resolve import Side, resolve
from pipeline_tui.sync.retry import DEFAULT_BUDGET_S, Waiting
from pipeline_tui.tabular import to_json


@cli.command("sync")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.option("--remote", help="Sync with this remote (default: the branch's, else origin).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=DEFAULT_BUDGET_S,
    show_default=True,
    metavar="SECONDS",
    help="Keep retrying this long while teammates are pushing.",
)
@click.pass_obj
def sync_cmd(obj: Context, as_json: bool, remote: str | None, timeout: float) -> None:
    """Share your commits with the team and get theirs (fetch, rebase, push).

    Only committed pipeline changes travel; your other uncommitted work stays
    as it is. Exit 0 when in sync, 1 when conflicts need `pipeline resolve`,
    3 when sync could not run (no remote, network, authentication...).
    While teammates are pushing it waits and tries again, up to --timeout.
    """
    ws = obj.workspace()
    on_wait = _tell_waiting if sys.stderr.isatty() else None
    try:
        result = sync(ws.root, remote=remote, timeout=timeout, on_wait=on_wait)
    except SyncError as exc:
        if as_json:
            echo(to_json({"status": "error", "error": exc.reason, "message": str(exc)}))
        report(str(exc))
        sys.exit(exc.exit_code)
    echo(to_json(result.to_json()) if as_json else result.summary())
    if result.conflicts:
        sys.exit(ExitCode.PROBLEMS)


def _tell_waiting(waiting: Waiting) -> None:
    """On a terminal, say why nothing seems to happen (scripts and logs get no chatter)."""
    report(waiting.describe())


@cli.command("resolve")
@ID_ARGUMENT
@click.option("--ours", is_flag=True, help="Keep your values.")
@click.option("--theirs", is_flag=True, help="Keep your teammate's values.")
@click.option(
    "--set", "values", multiple=True, metavar="FIELD=VALUE", help="Decide one field yourself."
)
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.pass_obj
def resolve_cmd(
    obj: Context, opp_id: str, ours: bool, theirs: bool, values: tuple[str, ...], as_json: bool
) -> None:
    """Settle the conflicts a sync recorded in deal ID, as one commit.

    \b
    pipeline resolve ID --ours            keep your value for every conflict
    pipeline resolve ID --theirs          keep your teammate's
    pipeline resolve ID --set stage=won   set a field yourself (with either one)
    """
    if ours and theirs:
        raise click.UsageError(_("choose one of --ours and --theirs"))
    side: Side | None = "ours" if ours else "theirs" if theirs else None
    outcome = resolve(obj.workspace(), opp_id, side, parse_assignments(values))
    echo(to_json(outcome.to_json()) if as_json else outcome.message)


@cli.command("doctor")
@click.option("--fix", is_flag=True, help="Repair what can be repaired automatically.")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@click.pass_obj
def doctor_cmd(obj: Context, fix: bool, as_json: bool) -> None:
    """Check the pipeline's health: files, merge driver, remote. Exit 1 on any error.

    After cloning a team pipeline, run `pipeline doctor --fix` once.
    """
    results = run_checks(obj.workspace(), fix=fix)
    if as_json:
        echo(to_json([r.to_json() for r in results]))
    else:
        marks = {"ok": _("ok  "), "warning": _("warn"), "error": _("FAIL")}
        for result in results:
            echo(f"[{marks[result.status]}] {check_label(result.name)}: {result.message}")
            if result.fixed:
                echo(_("       fixed: {fixed}").format(fixed=result.fixed))
        if any(r.status == "error" and r.fix is not None for r in results) and not fix:
            echo(
                _("Run `{CLONE_SETUP}` to repair what can be repaired.").format(
                    CLONE_SETUP=CLONE_SETUP
                )
            )
    if any(r.status == "error" for r in results):
        sys.exit(ExitCode.PROBLEMS)


@cli.command("migrate")
@click.option(
    "--layout",
    type=click.Choice(LAYOUTS),
    default="sharded",
    show_default=True,
    help="The folder layout to move the deal files to.",
)
@click.option("--dry-run", is_flag=True, help="Say what would move; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the moves as JSON.")
@click.pass_obj
def migrate_cmd(obj: Context, layout: Layout, dry_run: bool, as_json: bool) -> None:
    """Move every deal file to another folder layout, in one commit of renames.

    The sharded layout (opportunities/<2 hex digits>/<id>.yaml) keeps git fast
    at any pipeline size; `pipeline doctor` suggests it for large flat ones.
    Timelines and reports are unchanged. Teammates just `pipeline sync`: an
    edit they made before pulling the move follows the file to its new place.
    """
    result = migrate(obj.workspace(), layout, dry_run=dry_run)
    if as_json:
        moves = [{"from": m.source, "to": m.target} for m in result.moves]
        echo(
            to_json(
                {
                    "layout": layout,
                    "dry_run": dry_run,
                    "commit": result.commit,
                    "moves": moves,
                    "left": result.left,
                }
            )
        )
    else:
        for line in describe(result):
            echo(line)
        moved = (
            _("would move {n} deal files to the {layout} layout")
            if dry_run
            else _("moved {n} deal files to the {layout} layout")
        )
        echo(moved.format(n=len(result.moves), layout=layout), err=True)
    if result.left:  # a script must not take a half-done migration for a done one
        report(
            _("{n} deal files are not in the {layout} layout (the `left:` lines)").format(
                n=len(result.left), layout=layout
            )
        )
        sys.exit(ExitCode.PROBLEMS)


@cli.command("merge-driver", hidden=True)
@click.argument("base", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("current", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("other", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("name", default="")
def merge_driver_cmd(base: Path, current: Path, other: Path, name: str) -> None:
    """Git's merge driver for opportunity files (`%O %A %B %P`); see docs/sync.md."""
    outcome = run_driver(base, current, other, name or current.name)
    for message in outcome.messages:
        echo(message, err=True)
    sys.exit(outcome.exit_code)
