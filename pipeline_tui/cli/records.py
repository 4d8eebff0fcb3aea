"""Commands that create, read and change opportunities: the everyday CLI."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pipeline_tui.automation import has_rules
from pipeline_tui.cli.base import (
    AT_OPTION,
    ID_ARGUMENT,
    Context,
    cli,
    complete_stages,
    echo,
    long_lived_objects,
    output_options,
    report,
)
from pipeline_tui.cli.history import progress_bar
from pipeline_tui.cli.listing import (
    Listing,
    Rows,
    fingerprint_before_reading,
    json_lines,
    keep,
    listed_rows,
    marked_lines,
    print_listing,
    remember_rows,
    stage_order,
)
from pipeline_tui.cli.values import parse_assignments, parse_day, parse_when
from pipeline_tui.core import clock
from pipeline_tui.core.config import CONFIG_TEMPLATES
from pipeline_tui.core.errors import BadRequest, ExitCode, NotFound
from pipeline_tui.core.fields import BY_KEY, field_label, misspelled_field
from pipeline_tui.core.model import ACTIVITY_KINDS, Opportunity, Pipeline, jsonable
from pipeline_tui.git.log import require_repository
from pipeline_tui.git.shallow import SHALLOW_NOTE, boundaries
from pipeline_tui.history import marks_of, prefetch
from pipeline_tui.i18n import _, current_language
from pipeline_tui.storage.layout import LAYOUTS, Layout
from pipeline_tui.tabular import Format, render_rows, to_json
from pipeline_tui.terminal_text import display_width

if TYPE_CHECKING:
    from pipeline_tui.core.config import PipelineConfig
    from pipeline_tui.edits.change import Change
    from pipeline_tui.edits.workspace import Workspace
    from pipeline_tui.storage.store import Store

LIST_COLUMNS = ("id", "title", "account", "stage", "amount", "owner", "source", "expected_close")

NEW_OWNER_OPTION = click.option(
    "--new-owner",
    is_flag=True,
    help="The owner is new: add them to team in pipeline.yaml (same commit) instead of refusing.",
)


def checked_owner(ws: Workspace, owner: Any, new_owner: bool) -> None:
    """Refuse an owner outside ``team:`` (exit 2, the team listed) unless ``--new-owner``."""
    if isinstance(owner, str) and not new_owner:
        ws.config.check_owner(owner)


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option(
    "--layout",
    type=click.Choice(LAYOUTS),
    default="sharded",
    show_default=True,
    help="Deal files in opportunities/<2 hex>/<id>.yaml (sharded, scales) or <id>.yaml (flat).",
)
@click.option(
    "--template",
    type=click.Choice(sorted(CONFIG_TEMPLATES)),
    help="Starter pipeline.yaml: en, or zh_CN (Chinese stages, sources, CNY); "
    "default: the interface language.",
)
@click.pass_obj
def init(obj: Context, directory: Path, layout: Layout, template: str | None) -> None:
    """Create a pipeline in DIRECTORY (runs `git init` there if needed) and commit it."""
    from pipeline_tui.sync.setup import init_pipeline  # only `init` needs the sync layer

    root = init_pipeline(directory, obj.author, layout, template or current_language())
    echo(_("Created a pipeline in {root}.").format(root=root))
    echo(_("Next: cd {dir} && pipeline new TITLE --account ACCOUNT").format(dir=directory))


@cli.command()
@click.argument("title")
@click.option("--account", required=True, help="The customer company.")
@click.option(
    "--amount", type=click.FloatRange(min=0), help="Deal value (a number >= 0, at most 10^15)."
)
@click.option("--owner", help="Who owns the deal (a name from the team in pipeline.yaml).")
@NEW_OWNER_OPTION
@click.option("--source", help="Lead source, one of pipeline.yaml sources.")
@click.option("--stage", help="Start in this stage (default: the first one).")
@click.option("--id", "opp_id", help="Use this id instead of a generated one.")
@click.option("--set", "extra", multiple=True, metavar="KEY=VALUE", help="Any other field.")
@AT_OPTION
@output_options
@click.pass_obj
def new(
    obj: Context,
    title: str,
    account: str,
    amount: float | None,
    owner: str | None,
    new_owner: bool,
    source: str | None,
    stage: str | None,
    opp_id: str | None,
    extra: tuple[str, ...],
    at: str | None,
    fmt: Format,
) -> None:
    """Create an opportunity titled TITLE; prints its id."""
    ws = obj.workspace()
    fields: dict[str, Any] = parse_assignments(extra)
    if source is not None:  # a label (value_labels:) names its value
        source = ws.config.resolve_value("source", source)
    given = {"amount": amount, "owner": owner, "source": source, "stage": stage}
    fields.update({k: v for k, v in given.items() if v is not None})
    if isinstance(fields.get("amount"), float) and fields["amount"].is_integer():
        fields["amount"] = int(fields["amount"])
    fields.setdefault("currency", ws.config.currency)
    checked_owner(ws, fields.get("owner"), new_owner)
    change = ws.create(
        title, account, fields, opp_id=opp_id, at=parse_when(at), new_owner=new_owner
    )
    emit_change(change, fmt, change.record.id)


@cli.command()
@ID_ARGUMENT
@output_options
@click.pass_obj
def show(obj: Context, opp_id: str, fmt: Format) -> None:
    """Show every field of one opportunity."""
    record = obj.workspace().get(opp_id)
    if fmt is Format.JSON:
        echo(to_json(record_json(record)))
    elif fmt is Format.CSV:
        echo(render_rows([flat_row(record)], LIST_COLUMNS, fmt))
    else:
        echo(describe(record))


@cli.command("list")
@click.option("--stage", help="Only this stage.")
@click.option("--owner", help="Only this owner.")
@click.option("--source", help="Only this source.")
@click.option("--tag", help="Only opportunities with this tag.")
@click.option("--query", "-q", help="Free text in title, account, notes and contact.")
@click.option("--sort", default="stage", show_default=True, help="Sort by this field.")
@output_options
@click.pass_obj
def list_cmd(
    obj: Context,
    stage: str | None,
    owner: str | None,
    source: str | None,
    tag: str | None,
    query: str | None,
    sort: str,
    fmt: Format,
) -> None:
    """List opportunities; broken files are named on stderr, the rest still listed (exit 1)."""
    # a bare store, not a workspace: listing writes nothing, and the editor, git and
    # the committer a workspace imports are a tenth of a cold run's start
    store = obj.store()
    require_repository(store.root)  # as the history would, in every format (a few stats)
    rules = has_rules(store.config_path)
    if rules:  # the workspace wires the event rules; broken ones are reported after the command
        obj.workspace()
    plain = (stage, owner, source, tag, query) == (None,) * 5 and sort == "stage"
    # taken before anything is read: a file changed meanwhile makes the snapshot miss
    taken = fingerprint_before_reading(store.root) if plain and not rules else None
    config = store.load_config()
    if stage is not None:
        config.stage(stage)  # an unknown stage is a typo, not an empty list
    if source is not None:
        source = config.resolve_value("source", source)
    if source is not None and config.sources and source not in config.sources:
        raise NotFound(
            _("unknown source {source!r} (sources: {join})").format(
                source=source, join=", ".join(config.sources)
            )
        )
    if fmt is Format.JSON:  # git reads the history while the work tree is parsed
        prefetch(store.root, watched=sys.stderr.isatty())  # as progress_bar decides
    files = taken.files() if fmt is Format.JSON and taken is not None else None
    with long_lived_objects():  # 100,000 rows and lines, kept until printed
        rows = listed_rows(store, config, files) if files is not None else None
        listing = _listing_from_rows(store.root, rows) if rows is not None else None
    now = clock.now()
    if listing is None:  # not just a few files changed since the last plain listing
        with long_lived_objects():
            pipeline, texts = _load_showing_progress(store, config)
        if owner is not None and all(r.owner != owner for r in pipeline.opportunities):
            config.check_owner(owner)  # a typo too; an owner some deal still has is listed
        records = [
            r
            for r in pipeline.opportunities
            if (stage is None or r.stage == stage)
            and (owner is None or r.owner == owner)
            and (source is None or r.source == source)
            and (tag is None or tag in r.tags)
            and (query is None or matches(r, query))
        ]
        if sort not in BY_KEY and not any(sort in r.data for r in pipeline.opportunities):
            raise BadRequest(  # a typo, not an order: nothing would be sorted
                _(
                    "--sort {sort!r}: no deal has that field (e.g. stage, amount, expected_close)"
                ).format(sort=sort)
            )
        records.sort(key=sort_key(pipeline, sort))
        problems = _with_notes(store.root, [str(p) for p in pipeline.problems])
        failed = any(p.severity == "error" for p in pipeline.problems)
        if fmt is Format.JSON:
            if files is not None:
                remember_rows(store, config, files, (pipeline, texts))
            with progress_bar() as progress:
                marks = marks_of(store.root, [(r.id, r.stage) for r in records], progress=progress)
            listing = Listing(fmt, "", json_lines(records, texts, marks), problems, failed)
        else:
            text = render_rows([flat_row(r) for r in records], LIST_COLUMNS, fmt)
            listing = Listing(fmt, text, (), problems, failed)
    print_listing(listing, now, sys.stdout, sys.stderr)  # as the warm path prints it
    keep(store.root, taken, listing)
    if listing.failed:  # every other deal is listed; the broken files are named above
        obj.conclude(ExitCode.PROBLEMS)


def _listing_from_rows(root: Path, rows: Rows) -> Listing:
    """A plain ``list --json`` from kept rows: only the deals' stays come from the history."""
    with progress_bar() as progress:
        marks = marks_of(root, rows.deals, progress=progress)
    lines = marked_lines(rows.deals, marks)
    return Listing(Format.JSON, "", lines, _with_notes(root, rows.problems), rows.failed)


def _with_notes(root: Path, problems: list[str]) -> tuple[str, ...]:
    """A listing's problem lines, plus the note that a shallow clone's history is cut."""
    if boundaries(root):
        problems.append(f"pipeline: {_(SHALLOW_NOTE)}")
    return tuple(problems)


def _load_showing_progress(store: Store, config: PipelineConfig) -> tuple[Pipeline, dict[str, str]]:
    """The work tree with a bar on stderr while files are parsed (a cold read of thousands).

    The bar starts with the first file read, not after a silent wait; with
    the parse cache warm every file comes at once and no bar is drawn.
    """
    with progress_bar(_("Reading deals")) as bar:
        if bar is None:
            return store.load_with_json(config)
        shown = [0.0]

        def files(records: Sequence[Opportunity], done: int, total: int) -> None:
            moment = time.monotonic()
            if done == total or moment - shown[0] > 0.1:  # ten redraws a second at most
                shown[0] = moment
                bar(done, total)

        return store.load_with_json(config, files)


@cli.command("set")
@ID_ARGUMENT
@click.argument("assignments", nargs=-1, required=True, metavar="KEY=VALUE...")
@NEW_OWNER_OPTION
@AT_OPTION
@output_options
@click.pass_obj
def set_cmd(
    obj: Context,
    opp_id: str,
    assignments: tuple[str, ...],
    new_owner: bool,
    at: str | None,
    fmt: Format,
) -> None:
    """Set fields: `pipeline set ID amount=90000 contact.email=jane@acme.example`.

    Values are YAML scalars (numbers stay numbers); `key=` or `key=null` removes a field.
    An `owner=` must be in the team (or give --new-owner).
    """
    ws = obj.workspace()
    values = parse_assignments(assignments)
    checked_owner(ws, values.get("owner"), new_owner)
    emit_change(ws.set_fields(opp_id, values, parse_when(at), new_owner=new_owner), fmt)
    for key in values:
        if (known := misspelled_field(key)) is not None:
            report(
                _(
                    "{key}: not a field pipeline knows, kept as a custom field; "
                    "did you mean {known}?"
                ).format(key=key, known=known)
            )


@cli.command()
@ID_ARGUMENT
@click.argument("stage", shell_complete=complete_stages)
@AT_OPTION
@click.option("--note", help="Why it moved; logged as a note activity.")
@output_options
@click.pass_obj
def move(
    obj: Context, opp_id: str, stage: str, at: str | None, note: str | None, fmt: Format
) -> None:
    """Move an opportunity to STAGE (the stage's required fields must be filled)."""
    emit_change(obj.workspace().move(opp_id, stage, parse_when(at), note), fmt)


@cli.command()
@ID_ARGUMENT
@click.option("--kind", type=click.Choice(ACTIVITY_KINDS), default="note", show_default=True)
@click.option("--note", help="What happened (with --done alone: 'Done: <the next step>').")
@AT_OPTION
@click.option("--next", "next_action", metavar="ACTION", help="Schedule this as the next step.")
@click.option(
    "--due", metavar="DATE", help="When the next step is due: 2026-11-20, +3d, next monday, 明天."
)
@click.option("--done", is_flag=True, help="The current next step is done (cleared).")
@output_options
@click.pass_obj
def log(
    obj: Context,
    opp_id: str,
    kind: str,
    note: str | None,
    at: str | None,
    next_action: str | None,
    due: str | None,
    done: bool,
    fmt: Format,
) -> None:
    """Log an activity (call, email, meeting or note), and schedule the follow-up.

    \b
    pipeline log ID --kind call --note "Demo done" --next "Send quote" --due +3d
    pipeline log ID --done    # the next step is done: cleared, logged as a note
    The activity and the new next step are one commit.
    """
    follow_up = None
    if next_action is not None or due is not None or done:
        from pipeline_tui.edits.change import StepPlan

        follow_up = StepPlan(next_action, parse_day(due), done)
    if not note and not done:
        raise click.UsageError(_("give --note (what happened)"))
    emit_change(obj.workspace().log(opp_id, kind, note or "", parse_when(at), follow_up), fmt)


@cli.command()
@ID_ARGUMENT
@click.argument("outcome", type=click.Choice(["won", "lost"]))
@click.option("--reason", help="Why; for lost, one of pipeline.yaml lost_reasons.")
@AT_OPTION
@output_options
@click.pass_obj
def close(
    obj: Context, opp_id: str, outcome: str, reason: str | None, at: str | None, fmt: Format
) -> None:
    """Close an opportunity as won or lost."""
    emit_change(obj.workspace().close(opp_id, outcome, reason, parse_when(at)), fmt)


@cli.command()
@ID_ARGUMENT
@click.argument("owner")
@NEW_OWNER_OPTION
@AT_OPTION
@output_options
@click.pass_obj
def assign(
    obj: Context, opp_id: str, owner: str, new_owner: bool, at: str | None, fmt: Format
) -> None:
    """Give an opportunity to OWNER (a name from the team, or a new one with --new-owner)."""
    ws = obj.workspace()
    checked_owner(ws, owner.strip(), new_owner)
    emit_change(ws.assign(opp_id, owner, parse_when(at), new_owner=new_owner), fmt)


# --------------------------------------------------------------------------- helpers


def emit_change(change: Change, fmt: Format, plain: str | None = None) -> None:
    if fmt is Format.JSON:
        echo(
            to_json(
                {
                    "id": change.record.id,
                    "commit": change.commit,
                    "message": change.message,
                    "record": record_json(change.record),
                }
            )
        )
    else:
        echo(plain or change.message.splitlines()[0])


def record_json(record: Opportunity) -> dict[str, Any]:
    data: dict[str, Any] = jsonable(record.data)
    return {**data, "path": record.path}


def flat_row(record: Opportunity) -> dict[str, Any]:
    return {c: jsonable(record.data.get(c)) for c in LIST_COLUMNS}


def matches(record: Opportunity, query: str) -> bool:
    needle = query.casefold()
    haystack = [record.title, record.account, record.notes or "", record.id]
    haystack += [str(v) for v in record.contact.values()]
    return any(needle in text.casefold() for text in haystack)


def sort_key(pipeline: Pipeline, field: str) -> Callable[[Opportunity], Any]:
    if field == "stage":
        order = stage_order(pipeline.config)
        return lambda r: order(r.stage, r.title.casefold())

    def key(record: Opportunity) -> Any:
        value = record.data.get(field)
        return (value is None, str(value) if not isinstance(value, int | float) else value)

    return key


def describe(record: Opportunity) -> str:
    """Human-readable view of one opportunity (``show`` without ``--json``)."""
    lines = [f"{record.title}  [{record.id}]", f"{record.account} · {record.stage}"]
    shown = {
        key: value
        for key, value in record.data.items()
        if key not in {"id", "title", "account", "stage", "activities", "notes"}
    }
    labels = {key: field_label(key) + ":" for key in shown}
    width = max((display_width(label) for label in labels.values()), default=0) + 1
    lines += [
        f"  {labels[key]}{' ' * (width - display_width(labels[key]))}{_plain(value)}"
        for key, value in shown.items()
    ]
    if record.activities:
        lines.append(f"  {field_label('activities')}:")
        lines += [
            f"    {a.at:%Y-%m-%d %H:%M}  "
            + (_("{kind} by {by}").format(kind=_(a.kind), by=a.by) if a.by else _(a.kind))
            + (f": {a.note}" if a.note else "")
            for a in record.activities
        ]
    if record.notes:
        lines.append(f"  {field_label('notes')}:")
        lines += [f"    {line}" for line in record.notes.rstrip().splitlines()]
    return "\n".join(lines)


def _plain(value: Any) -> str:
    value = jsonable(value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
