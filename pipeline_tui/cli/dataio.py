"""Commands that move data in and out: ``import``, ``export`` and ``hook``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from pipeline_tui import history
from pipeline_tui.cli.base import Context, cli, echo, parse_when, report
from pipeline_tui.cli.history import progress_bar
from pipeline_tui.core.config import TeamMember
from pipeline_tui.core.errors import BadRequest, ExitCode
from pipeline_tui.core.model import Pipeline, jsonable
from pipeline_tui.core.timeline import Timeline
from pipeline_tui.dataio.exporting import export_csv, export_json
from pipeline_tui.dataio.importing import read_table
from pipeline_tui.dataio.importing.mapping import (
    ImportOptions,
    MappingResult,
    map_table,
    parse_defaults,
    parse_map_options,
)
from pipeline_tui.dataio.importing.plan import IMPORT_HASH, ImportPlan, apply_plan, plan_import
from pipeline_tui.dataio.importing.table import RowProblem
from pipeline_tui.dataio.importing.team import team_from_table
from pipeline_tui.edits.workspace import now
from pipeline_tui.storage.files import atomic_write
from pipeline_tui.sync.precommit import install_hook, staged_problems
from pipeline_tui.tabular import to_json


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="COLUMN=FIELD|FIELD:VALUE=NEW",
    help="Read COLUMN into FIELD (COLUMN= drops it), or turn VALUE of FIELD into NEW "
    "(e.g. --map stage:Engaging=qualified).",
)
@click.option(
    "--default",
    "defaults",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Fill FIELD with VALUE where the row leaves it empty (lost_reason: lost rows only).",
)
@click.option("--title", "title_template", metavar="TEMPLATE", help='e.g. "{account} - {product}".')
@click.option(
    "--extend-config",
    is_flag=True,
    help="Add unseen sources, owners and lost reasons to pipeline.yaml instead of refusing.",
)
@click.option(
    "--team",
    "team_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A CSV of owners and managers (e.g. sales_agent,manager) to add to the team config.",
)
@click.option("--dry-run", is_flag=True, help="Show what would happen; write nothing.")
@click.option(
    "--history",
    is_flag=True,
    help="One backdated commit per dated step (created, engaged, closed) of each new deal.",
)
@click.option("--skip-bad", is_flag=True, help="Import the good rows even if some are refused.")
@click.option("--encoding", default="utf-8-sig", show_default=True, help="The file's encoding.")
@click.option("--delimiter", help="CSV delimiter (default: guessed from the header).")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.pass_obj
def import_cmd(
    obj: Context,
    file: Path,
    maps: tuple[str, ...],
    defaults: tuple[str, ...],
    title_template: str | None,
    extend_config: bool,
    team_file: Path | None,
    dry_run: bool,
    history: bool,
    skip_bad: bool,
    encoding: str,
    delimiter: str | None,
    as_json: bool,
) -> None:
    """Create (or update) one opportunity per row of a CSV or JSON FILE.

    All or nothing: every row is checked first, and if any is refused nothing
    is written (unless --skip-bad).  Rows link to files by an id column (else a
    hash of the row), so importing the same file again changes nothing.
    """
    try:
        column_map, value_map = parse_map_options(maps)
        default_map = parse_defaults(defaults)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    ws = obj.workspace()
    started = now()
    team = _read_team(team_file, encoding)
    options = ImportOptions(
        started, column_map, value_map, default_map, title_template, extend_config, team
    )
    table = read_table(file, encoding, delimiter)
    result = map_table(table, ws.config, options)
    file_level = any(p.row is None for p in result.errors)
    fatal = file_level or (bool(result.errors) and not skip_bad)
    plan = ImportPlan(table.source)
    head = None
    writing = not dry_run and not fatal
    with ws.git.write_lock() if writing else nullcontext():
        # planned under the writers' lock: an update is rendered from the file it replaces
        if not file_level:
            checked = result.additions.apply(ws.config)
            plan = plan_import(ws.store, checked, result.rows, result.additions, table.source)
        if writing:
            author = ws.git.identity(obj.author)
            head = apply_plan(plan, ws.git, ws.store, author, started, history)
    outcome = _outcome(table.source, len(table.rows), result, plan, dry_run, history, head)
    if as_json:
        echo(to_json(outcome))
    else:
        _print_outcome(outcome, result, plan, dry_run, fatal)
    for problem in result.problems:
        if problem.severity == "error":
            report(str(problem))
    _report_warnings(result.problems)
    _report_unknown(result)
    if fatal:
        report(
            f"{len(result.bad_rows) or 'the file'} refused: nothing was written"
            + ("" if dry_run else " (fix the rows, use --map/--default, or pass --skip-bad)")
        )
        raise SystemExit(ExitCode.PROBLEMS)


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option("--as-of", "as_of", metavar="DATE", help="The pipeline as it stood then (history).")
@click.option("--bom", is_flag=True, help="Start the CSV with a UTF-8 byte-order mark (Excel).")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file."
)
@click.pass_obj
def export(obj: Context, fmt: str, as_of: str | None, bom: bool, output: Path | None) -> None:
    """Write every opportunity as CSV or JSON, with stage entry dates from git history."""
    ws = obj.workspace()
    when = parse_when(as_of)
    pipeline, timelines = _pipeline_and_timelines(ws.root, ws.load(), when)
    text = (
        export_json(pipeline, timelines) if fmt == "json" else export_csv(pipeline, timelines, bom)
    )
    if output is None:
        echo(text, nl=False)
    else:
        atomic_write(output, text)
        report(f"wrote {len(pipeline.opportunities)} opportunities to {output}")
    for problem in pipeline.problems:
        report(str(problem))
    skipped = {p.path for p in pipeline.problems if p.severity == "error"}
    if skipped:
        report(f"{len(skipped)} broken files are not in the export; fix them and export again")
        raise SystemExit(ExitCode.PROBLEMS)


@cli.group()
def hook() -> None:
    """The git pre-commit hook that validates hand-edited files before they are committed."""


@hook.command("install")
@click.option("--force", is_flag=True, help="Replace an existing pre-commit hook.")
@click.pass_obj
def hook_install(obj: Context, force: bool) -> None:
    """Install the pre-commit hook in this pipeline's git repository."""
    ws = obj.workspace()
    path = install_hook(ws.store, ws.git, force)
    echo(f"Installed {path}: commits with broken opportunity files are now refused.")


@hook.command("run")
@click.pass_obj
def hook_run(obj: Context) -> None:
    """Check the staged opportunity files and pipeline.yaml (what the hook runs)."""
    ws = obj.workspace()
    checked, problems = staged_problems(ws.store, ws.git)
    errors = [p for p in problems if p.severity == "error"]
    for problem in problems:
        echo(str(problem), err=True)
    if errors:
        report(
            f"commit refused: {len(errors)} problems in {checked} staged files; fix them and "
            "`git add` again (or commit with --no-verify to skip this check)"
        )
        raise SystemExit(ExitCode.PROBLEMS)


# --------------------------------------------------------------------------- helpers


def _read_team(path: Path | None, encoding: str) -> dict[str, TeamMember]:
    if path is None:
        return {}
    members, problems = team_from_table(read_table(path, encoding))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        for problem in errors:
            report(str(problem))
        raise BadRequest(f"--team {path}: {len(errors)} problems; nothing was imported")
    return members


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


def _outcome(
    source: str,
    rows: int,
    result: MappingResult,
    plan: ImportPlan,
    dry_run: bool,
    history: bool,
    head: str | None,
) -> dict[str, Any]:
    return {
        "source": source,
        "rows": rows,
        "dry_run": dry_run,
        "history": history,
        "created": [
            {"row": r.row, "id": r.id, "title": r.fields.get("title"), "stage": r.fields["stage"]}
            for r in plan.created
        ],
        "updated": [
            {
                "row": r.row,
                "id": r.id,
                "changes": {
                    k: {"old": jsonable(o), "new": jsonable(n)}
                    for k, (o, n) in r.changes.items()
                    if k != IMPORT_HASH
                },
            }
            for r in plan.updated
        ],
        "unchanged": [{"row": row, "id": opp_id} for row, opp_id in plan.unchanged],
        "refused": [p.to_json() for p in result.errors],
        "unknown_values": result.unknown,
        "warnings": [p.to_json() for p in result.problems if p.severity != "error"],
        "config_added": {
            "sources": list(plan.additions.sources),
            "lost_reasons": list(plan.additions.lost_reasons),
            "team": list(plan.additions.owners),
        },
        "commits": plan.commit_count(history) if head or dry_run else 0,
        "head": head,
    }


def _print_outcome(
    outcome: Mapping[str, Any], result: MappingResult, plan: ImportPlan, dry_run: bool, fatal: bool
) -> None:
    if dry_run:
        for item in outcome["created"]:
            echo(f"row {item['row']}: create {item['id']} ({item['stage']}): {item['title']}")
        for item in outcome["updated"]:
            changes = "; ".join(f"{k} {v['old']} -> {v['new']}" for k, v in item["changes"].items())
            echo(f"row {item['row']}: update {item['id']}: {changes}")
    verb = "would be" if dry_run or fatal else "were"
    echo(
        f"{outcome['source']}: {outcome['rows']} rows: {len(plan.created)} {verb} created, "
        f"{len(plan.updated)} {verb} updated, {len(plan.unchanged)} unchanged, "
        f"{len(result.bad_rows)} refused"
    )
    for label, values in outcome["config_added"].items():
        if values:
            echo(f"pipeline.yaml {label} {verb} extended with: {', '.join(values)}")
    if outcome["commits"]:
        echo(f"{outcome['commits']} commits {'would be made' if dry_run else 'made'}")
    if result.columns.ignored:
        for column, why in result.columns.ignored.items():
            echo(f"column {column!r} not imported: {why}")


def _report_unknown(result: MappingResult) -> None:
    """One line per field listing the values pipeline.yaml does not know, with row counts."""
    for fld, values in result.unknown.items():
        listed = ", ".join(f"{v!r} ({n} rows)" for v, n in sorted(values.items()))
        fix = f"--map '{fld}:VALUE=NEW'" + ("" if fld == "stage" else " or --extend-config")
        report(f"{fld} values not in pipeline.yaml: {listed}; use {fix}")


def _report_warnings(problems: tuple[RowProblem, ...]) -> None:
    """Warnings grouped by message: one line each, with the count and first rows."""
    groups: Counter[str] = Counter()
    rows: dict[str, list[int]] = {}
    for problem in problems:
        if problem.severity == "error":
            continue
        groups[problem.message] += 1
        rows.setdefault(problem.message, []).append(problem.row or 0)
    for message, count in groups.items():
        first = ", ".join(str(r) for r in rows[message][:5])
        more = ", ..." if count > 5 else ""
        report(f"warning: {message}: {count} rows (rows {first}{more})")
