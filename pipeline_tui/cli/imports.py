"""``pipeline import``: one opportunity per row of a CSV or JSON file, all or nothing."""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from pipeline_tui.cli.base import Context, cli, echo, report
from pipeline_tui.core.clock import now
from pipeline_tui.core.config import TeamMember
from pipeline_tui.core.errors import BadRequest, ExitCode
from pipeline_tui.core.model import jsonable
from pipeline_tui.dataio.importing import read_table
from pipeline_tui.dataio.importing.crm import crm_files
from pipeline_tui.dataio.importing.mapped import ImportOptions, MappingResult
from pipeline_tui.dataio.importing.mapping import map_table, parse_defaults, parse_map_options
from pipeline_tui.dataio.importing.plan import IMPORT_HASH, ImportPlan, apply_plan, plan_import
from pipeline_tui.dataio.importing.presets import NAMES as PRESET_NAMES
from pipeline_tui.dataio.importing.presets import detect_preset
from pipeline_tui.dataio.importing.summary import (
    describe_columns,
    group_problems,
    problems_csv,
    summary_json,
)
from pipeline_tui.dataio.importing.team import team_from_table
from pipeline_tui.dataio.importing.values import SlashOrder
from pipeline_tui.git.commits import write_lock
from pipeline_tui.i18n import N_, _
from pipeline_tui.storage.files import atomic_write
from pipeline_tui.tabular import to_json

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar  # what click.progressbar returns

    from pipeline_tui.edits.workspace import Workspace

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


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
    "--history/--no-history",
    default=None,
    help="One backdated commit per dated step of each new deal (default: when the file has dates).",
)
@click.option(
    "--from",
    "preset",
    type=click.Choice([*PRESET_NAMES, "generic"], case_sensitive=False),
    metavar="NAME",
    help="Read FILE as this CRM's export: dynamics, pipedrive, hubspot, zoho, salesforce, "
    "odoo, wukong (悟空CRM), chinese (any Chinese 商机 export), or generic (a plain "
    "spreadsheet); default: recognised from the header.",
)
@click.option(
    "--date-format",
    type=click.Choice(["mdy", "dmy"]),
    help="How to read 3/1/2024: mdy (March 1) or dmy (1 March); default: from the values.",
)
@click.option(
    "--tz", "tz_name", metavar="ZONE", help="Zone of times without one (e.g. Europe/Paris)."
)
@click.option(
    "--accounts", type=_FILE, help="Account.csv (Id, Name) to turn account ids into names."
)
@click.option("--users", type=_FILE, help="User.csv (Id, Name) to turn owner ids into names.")
@click.option(
    "--stage-history", type=_FILE, help="A stage-history export (e.g. OpportunityHistory.csv)."
)
@click.option(
    "--errors",
    "errors_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every problem (row, column, message) to this CSV file.",
)
@click.option("--skip-bad", is_flag=True, help="Import the good rows even if some are refused.")
@click.option(
    "--encoding",
    help="The file's encoding (default: UTF-8 with or without BOM, UTF-16 with BOM, else "
    "GBK/GB18030 when the file reads as Chinese).",
)
@click.option("--delimiter", help="CSV delimiter (default: guessed from the header).")
@click.option(
    "--no-automations",
    "automate",
    flag_value=False,
    default=True,
    help="Do not run the event rules of pipeline.yaml for the open deals the import creates.",
)
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
    history: bool | None,
    preset: str | None,
    date_format: str | None,
    tz_name: str | None,
    accounts: Path | None,
    users: Path | None,
    stage_history: Path | None,
    errors_file: Path | None,
    skip_bad: bool,
    encoding: str | None,
    delimiter: str | None,
    automate: bool,
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
    progress = _Progress(sys.stderr)
    click.get_current_context().call_on_close(progress.close)  # also when the import fails
    table = read_table(
        file, encoding, delimiter, progress.phase(_("Reading {name}").format(name=file.name))
    )
    order: SlashOrder | None = (
        "mdy" if date_format == "mdy" else "dmy" if date_format == "dmy" else None
    )
    zone = _zone(tz_name)
    detection = detect_preset(table.columns, preset) if table.columns else None
    given = {"account": accounts, "owner": users, "history": stage_history}
    extra = crm_files(file, detection, given, encoding, zone, order)
    options = ImportOptions(
        started, column_map, value_map, default_map, title_template, extend_config, team,
        preset, order, zone, _local_zone(), extra.lookups, extra.stage_history,
    )  # fmt: skip
    result = map_table(table, ws.config, options, progress.phase(_("Checking rows")))
    if extra.problems:
        result = dataclasses.replace(result, problems=(*extra.problems, *result.problems))
    if history is None:
        history = any(not r.undated for r in result.rows)
    file_level = any(p.file_level for p in result.errors)
    fatal = file_level or (bool(result.errors) and not skip_bad)
    plan = ImportPlan(table.source)
    head = None
    writing = not dry_run and not fatal
    with write_lock(ws.git) if writing else nullcontext():
        # planned under the writers' lock: an update is rendered from the file it replaces
        if not file_level:
            checked = result.additions.apply(ws.config)
            plan = plan_import(
                ws.store, checked, result.rows, result.additions, table.source,
                progress.phase(_("Preparing files")),
            )  # fmt: skip
        if writing:
            author = ws.git.identity(obj.author)
            head = apply_plan(plan, ws.git, ws.store, author, started, history, progress.git)
    progress.close()
    if head is not None and automate:
        _run_event_rules(ws, plan)
    outcome = _outcome(table.source, table.records, result, plan, dry_run, history, head)
    outcome.update(summary_json(result, ws.config.won_stage, ws.config.lost_stage))
    outcome["files_used"] = list(extra.used)
    if as_json:
        echo(to_json(outcome))
    else:
        _print_outcome(outcome, result, plan, dry_run, fatal)
        for line in extra.used:
            echo(line)
    if errors_file is not None:
        atomic_write(errors_file, problems_csv(result.problems))
    for group in group_problems(result.problems):
        report(group.describe())
    _report_unknown(result)
    if fatal:
        if file_level:  # --skip-bad cannot help: no row of the file is read
            report(_("the file refused: nothing was written"))
        else:
            refused = _("{n} refused: nothing was written").format(n=len(result.bad_rows))
            report(
                refused
                + ("" if dry_run else _(" (fix the rows, use --map/--default, or pass --skip-bad)"))
            )
        raise SystemExit(ExitCode.PROBLEMS)


# --------------------------------------------------------------------------- helpers


def _run_event_rules(ws: Workspace, plan: ImportPlan) -> None:
    """The event rules for each open deal the import created, as if made one by one.

    A weekly file of web-form leads gets its round-robin owners and first
    calls; closed deals brought over from an old CRM are history, not work,
    and updated rows keep the rules their own writes ran.  Each firing is an
    automation commit after the import's own, as for any other write.
    """
    if not ws.automations or not plan.created:
        return
    created = {new.id for new in plan.created}
    for record in ws.load().opportunities:
        if record.id in created and ws.config.is_open(record.stage):
            ws.run_event_rules(None, record)


def _zone(name: str | None) -> tzinfo | None:
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(
            _("unknown time zone {name!r} (e.g. UTC, Europe/Paris)").format(name=name)
        ) from None


def _local_zone() -> tzinfo | None:
    """This machine's zone with its daylight-saving rules (None: let Python use them)."""
    key = os.environ.get("TZ", "").lstrip(":")
    if key:
        try:
            return ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError):
            return None
    return None


_WRITING = {"steps": N_("Dating steps"), "commits": N_("Committing"), "files": N_("Updating files")}


class _Progress:
    """The import's progress on stderr: one bar per phase, from reading the file to checkout.

    Only on a terminal, and only once the import has run for a second, so a
    small import prints nothing extra; from then on each phase (reading,
    checking, preparing files, dating steps, committing, updating files) shows its bar as
    soon as it reports, so a 100,000-row import is never silent for long.
    """

    def __init__(
        self,
        stream: TextIO,
        delay_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.delay_s = delay_s
        self.clock = clock
        self.started = clock()
        self.label: str | None = None
        self.bar: ProgressBar[int] | None = None

    def phase(self, label: str) -> Callable[[int, int], None]:
        """The ``progress(done, total)`` callback of one phase."""
        return lambda done, total: self.show(label, done, total)

    def git(self, what: str, done: int, total: int) -> None:
        """:func:`~.importing.plan.apply_plan`'s callback: steps, commits, then files."""
        self.show(_(_WRITING.get(what, what)), done, total)

    def show(self, label: str, done: int, total: int) -> None:
        if not self.enabled or self.clock() - self.started < self.delay_s:
            return
        if self.bar is None or label != self.label:
            self.close()
            self.bar = click.progressbar(length=max(total, 1), label=label, file=self.stream)
            self.bar.__enter__()
            self.label = label
        self.bar.update(max(done - self.bar.pos, 0))

    def close(self) -> None:
        """End the current bar's line (safe to call twice)."""
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
        self.bar = None


def _read_team(path: Path | None, encoding: str | None) -> dict[str, TeamMember]:
    if path is None:
        return {}
    members, problems = team_from_table(read_table(path, encoding))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        for problem in errors:
            report(str(problem))
        raise BadRequest(
            _("--team {path}: {n_errors} problems; nothing was imported").format(
                path=path, n_errors=len(errors)
            )
        )
    return members


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
            "stages": [s.name for s, _after in plan.additions.stages],
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
            echo(
                _("row {row}: create {id} ({stage}): {title}").format(
                    row=item["row"], id=item["id"], stage=item["stage"], title=item["title"]
                )
            )
        for item in outcome["updated"]:
            changes = "; ".join(f"{k} {v['old']} -> {v['new']}" for k, v in item["changes"].items())
            echo(
                _("row {row}: update {id}: {changes}").format(
                    row=item["row"], id=item["id"], changes=changes
                )
            )
    for line in describe_columns(result):
        echo(line)
    would = dry_run or fatal
    totals = (
        _(
            "{source}: {rows} rows: {created} would be created, {updated} "
            "would be updated, {unchanged} unchanged, {refused} refused"
        )
        if would
        else _(
            "{source}: {rows} rows: {created} were created, {updated} "
            "were updated, {unchanged} unchanged, {refused} refused"
        )
    )
    echo(
        totals.format(
            source=outcome["source"],
            rows=outcome["rows"],
            created=len(plan.created),
            updated=len(plan.updated),
            unchanged=len(plan.unchanged),
            refused=len(result.bad_rows),
        )
    )
    for label, values in outcome["config_added"].items():
        if values:
            extended = (
                _("pipeline.yaml {label} would be extended with: {values}")
                if would
                else _("pipeline.yaml {label} were extended with: {values}")
            )
            echo(extended.format(label=label, values=", ".join(values)))
    counts = outcome["outcomes"]
    echo(
        _("deals: {won} won, {lost} lost, {open} open").format(
            won=counts["won"], lost=counts["lost"], open=counts["open"]
        )
    )
    for what, rows in outcome["adjusted"].items():
        shown = ", ".join(str(r) for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
        echo(
            _("{n_rows} rows kept with {what} (rows {shown})").format(
                n_rows=len(rows), what=_(what), shown=shown
            )
        )
    if outcome["commits"]:
        echo(
            (_("{n} commits would be made") if dry_run else _("{n} commits made")).format(
                n=outcome["commits"]
            )
        )
    if result.columns.ignored:
        for column, why in result.columns.ignored.items():
            echo(_("column {column!r} not imported: {why}").format(column=column, why=why))
    if result.columns.custom:
        names = ", ".join(repr(c) for c in result.columns.custom)
        echo(_("columns matching no field, kept as custom fields: {names}").format(names=names))


def _report_unknown(result: MappingResult) -> None:
    """One line per field listing the values pipeline.yaml does not know, with row counts."""
    for fld, values in result.unknown.items():
        listed = ", ".join(f"{v!r} ({n} rows)" for v, n in sorted(values.items()))
        fix = f"--map '{fld}:VALUE=NEW'" + ("" if fld == "stage" else " or --extend-config")
        report(
            _("{fld} values not in pipeline.yaml: {listed}; use {fix}").format(
                fld=fld, listed=listed, fix=fix
            )
        )
