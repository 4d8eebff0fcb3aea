"""``pipeline report``, ``pipeline stale`` and ``pipeline forecast``: the numbers, from history.

These commands only read: they load the pipeline (now, or as it stood at
``--as-of`` from git history, never touching the working tree) and the
timelines, hand them to the pure metrics, and render the result.
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from pipeline_tui.cli.base import Context, cli, echo, error_files, long_lived_objects, report
from pipeline_tui.cli.values import parse_when
from pipeline_tui.core.clock import now
from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.currencies import deals_in_other_currencies
from pipeline_tui.core.dates import long_datetime
from pipeline_tui.core.errors import ExitCode
from pipeline_tui.core.model import Pipeline
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.git.shallow import SHALLOW_NOTE, boundaries
from pipeline_tui.history import AsOfMemo, load_timelines, pipeline_as_of
from pipeline_tui.i18n import _, chosen_language, set_pipeline_language
from pipeline_tui.reports.metrics.forecast import forecast_accuracy, month_starts, weighted_forecast
from pipeline_tui.reports.metrics.lifecycle import Timelines
from pipeline_tui.reports.metrics.stale import stale_items
from pipeline_tui.reports.metrics.window import Window
from pipeline_tui.reports.sections import CHART_NAMES, NAMES, by_key
from pipeline_tui.storage.files import atomic_write
from pipeline_tui.storage.snapshot import Snapshot, fingerprint
from pipeline_tui.tabular import to_json

FORMATS = ("table", "json", "csv", "markdown")
#: ``pipeline stale`` exits with this when something is stale, so cron or CI can alert.
STALE_EXIT = ExitCode.STALE


@dataclass(frozen=True)
class Scope:
    """What a read command works on: the pipeline at ``now``, its history, and the repo."""

    workspace: Workspace
    pipeline: Pipeline
    timelines: Timelines
    now: datetime


def load_scope(
    obj: Context,
    as_of: str | None,
    owner: str | None = None,
    source: str | None = None,
    current: datetime | None = None,
) -> Scope:
    """The pipeline now (from the files) or as of a past instant (from git), filtered.

    ``current``: the instant "now" stands for (default: the clock's, read here).
    """
    from pipeline_tui.reports.build import scoped

    workspace = obj.workspace()
    when = parse_when(as_of)
    current = current or now()
    if when is not None and when > current:
        raise click.BadParameter(
            _("{as_of} is in the future").format(as_of=as_of), param_hint="--as-of"
        )
    with long_lived_objects():
        pipeline = workspace.load() if when is None else pipeline_as_of(workspace.root, when)
        timelines = _timelines(workspace, pipeline, when, current)
    _tell(obj, workspace, pipeline.config, error_files(pipeline.problems))
    return Scope(workspace, scoped(pipeline, owner, source), timelines, when or current)


def _tell(obj: Context, workspace: Workspace, config: PipelineConfig, errors: int) -> None:
    """Switch to the pipeline's language; say what the numbers leave out (then exit 1)."""
    if config.language:
        set_pipeline_language(config.language)
    obj.left_out(errors)
    if boundaries(workspace.root):
        report(_(SHALLOW_NOTE))


def _timelines(
    workspace: Workspace, pipeline: Pipeline, when: datetime | None, current: datetime
) -> Timelines:
    if when is None:  # the work tree as loaded: uncommitted moves count from now
        return load_timelines(workspace.root, now=current, pipeline=pipeline)
    return load_timelines(workspace.root)


def parse_window(since: str | None, until: str | None) -> Window:
    window = Window(parse_when(since), parse_when(until))
    if window.since and window.until and window.since >= window.until:
        raise click.BadParameter(_("--since must be before --until"), param_hint="--since")
    return window


REPORT_HELP = "\n".join(
    (
        "The indicators of docs/metrics.md; SECTION is one or more of the names below "
        "(default: all).",
        "",
        "\b",
        *textwrap.wrap("Sections: " + ", ".join(NAMES) + ".", 76),
        "Rates are fractions in [0, 1] in JSON and CSV; undefined ones are null.",
    )
)


@cli.command("report", help=REPORT_HELP)
@click.argument("sections", nargs=-1, type=click.Choice(NAMES), metavar="[SECTION]...")
@click.option("--as-of", "as_of", metavar="WHEN", help="The pipeline as it stood then (history).")
@click.option("--since", metavar="DATE", help="Window start (inclusive).")
@click.option("--until", metavar="DATE", help="Window end (exclusive).")
@click.option("--owner", help="Only this owner's opportunities.")
@click.option("--source", help="Only opportunities from this lead source.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--chart", is_flag=True, help="Draw funnel, forecast and time-in-stage charts.")
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a self-contained HTML page (tables and charts) to this file.",
)
@click.pass_obj
def report_command(obj: Context, /, **options: Any) -> None:
    """``pipeline report`` (help text: REPORT_HELP, listing the sections' names).

    The options are :func:`_report`'s, typed there; after it has printed
    everything without an error, the process ends without its teardown
    (after the group has said what the automations did: ``skip_teardown``).
    """
    _report(obj, **options)
    obj.skip_teardown = True


def _report(
    obj: Context,
    sections: tuple[str, ...],
    as_of: str | None,
    since: str | None,
    until: str | None,
    owner: str | None,
    source: str | None,
    fmt: str,
    as_json: bool,
    chart: bool,
    html_file: Path | None,
) -> None:
    from pipeline_tui.reports.build import build_report

    window = parse_window(since, until)
    names = sections or NAMES
    extra = CHART_NAMES if (chart or html_file) else ()
    wanted = (*names, *extra)
    if as_of is None and html_file is None:  # the page also reads the history itself
        data, config, others = kept_report(obj, window, owner, source, wanted)
    else:
        scope = load_scope(obj, as_of, owner, source)
        data = build_report(
            scope.pipeline, scope.timelines, window, scope.now, wanted, offload_sections
        )
        config = scope.pipeline.config
        others = other_currencies(scope.pipeline)
    obj.summed_as(others, config.currency)
    shown = build_subset(data, names)
    currency = config.currency
    labels = config.value_display
    if html_file is not None:
        from pipeline_tui.reports.digest import report_changes_html
        from pipeline_tui.reports.html import render_html  # only when asked: keeps JSON fast

        subtitle = _subtitle(scope, window, owner, source)
        changes = report_changes_html(scope.pipeline, scope.timelines, window, scope.now)
        page = render_html(data if not sections else shown, currency, subtitle, changes, labels)
        atomic_write(html_file, page)
        report(_("wrote {path}").format(path=html_file))
    if chart:
        from pipeline_tui.reports.charts import terminal_charts  # plotext is slow to import

        click.echo(terminal_charts(data, color=_color()))
        return
    if as_json or fmt == "json":
        echo(to_json(shown))
        return
    from pipeline_tui.reports.tables import render_csv, render_text  # only for these formats

    if fmt == "csv":
        echo(render_csv(shown))
    else:
        echo(render_text(shown, currency, markdown=fmt == "markdown", values=labels))


def other_currencies(pipeline: Pipeline) -> int:
    """How many deals in the numbers are in another currency (summed as the pipeline's)."""
    return deals_in_other_currencies(pipeline.opportunities, pipeline.config.currency)


def kept_report(
    obj: Context, window: Window, owner: str | None, source: str | None, wanted: Sequence[str]
) -> tuple[dict[str, Any], PipelineConfig, int]:
    """The report of the pipeline now, from the kept one while nothing it read has changed.

    Also how many of its deals are in other currencies (:func:`other_currencies`,
    kept with it, as the number of files left out for their errors is).

    The kept report (:mod:`pipeline_tui.reports.kept`) lives in a
    :class:`~pipeline_tui.storage.snapshot.Snapshot` keyed by the files'
    and ``HEAD``'s fingerprint, taken before anything is read (a file changed
    while this runs makes the next run miss, never lie), and by the options;
    it answers only once the clock is past everything it holds.  A miss
    computes the report as :func:`load_scope` and
    :func:`~pipeline_tui.reports.build.build_report` always did, and keeps it.
    """
    from pipeline_tui.reports.kept import keep, served

    workspace = obj.workspace()
    current = now()
    options = (tuple(wanted), window.since, window.until, owner, source, chosen_language())
    snapshot = Snapshot(workspace.root, "report", _KEPT_FORMAT, options)  # other options: a miss
    taken = fingerprint(workspace.root)
    if taken is not None:
        stored = snapshot.get(taken)
        if isinstance(stored, tuple) and len(stored) == 3:
            kept, errors, others = stored
            config = workspace.config
            data = served(kept, config, current)
            if data is not None:
                _tell(obj, workspace, config, errors)
                return data, config, others
    scope = load_scope(obj, None, owner, source, current)
    data, kept = keep(scope.pipeline, scope.timelines, window, current, wanted, offload_sections)
    others = other_currencies(scope.pipeline)
    if taken is not None and kept is not None:
        snapshot.put(taken, (kept, error_files(scope.pipeline.problems), others))
    return data, scope.pipeline.config, others


#: Bump when what a kept report holds (:class:`~pipeline_tui.reports.kept.KeptReport`,
#: a section's value) changes meaning.  2: the deals in other currencies kept beside it.
_KEPT_FORMAT = 2


AS_OF_OPTION = click.option(
    "--as-of", "as_of", metavar="WHEN", help="As the pipeline stood then (from history)."
)


@cli.command()
@AS_OF_OPTION
@click.option("--owner", help="Only this owner's opportunities.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (stable keys, for scripts).")
@click.pass_context
def stale(ctx: click.Context, as_of: str | None, owner: str | None, as_json: bool) -> None:
    """The escalation list: stale deals with owner, manager, why and days.

    Exits 0 when nothing is stale and 4 when something is (for cron or CI): a code
    nothing else uses, so a job tells "stale deals" from "git or repository trouble" (3).
    Files with errors are left out: then it exits 1, stale deals or not.
    """
    from pipeline_tui.reports.build import rounded
    from pipeline_tui.reports.tables import render_text

    scope = load_scope(ctx.obj, as_of, owner)
    items = rounded(stale_items(scope.pipeline, scope.timelines, Window(), scope.now))
    if as_json:
        echo(to_json(items))
    else:
        echo(render_text({"stale": items}, scope.pipeline.config.currency))
    if items:  # after the note on broken files: their exit 1 outranks this (Context.conclude)
        ctx.obj.conclude(STALE_EXIT)


@cli.command()
@click.option("--by", type=click.Choice(["month", "owner"]), default="month", show_default=True)
@click.option(
    "--months",
    type=click.IntRange(0, 60),
    default=6,
    show_default=True,
    help="How many past months to check forecast accuracy for.",
)
@AS_OF_OPTION
@click.option("--owner", help="Only this owner's opportunities.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (stable keys, for scripts).")
@click.pass_obj
def forecast(
    obj: Context, by: str, months: int, as_of: str | None, owner: str | None, as_json: bool
) -> None:
    """Weighted forecast of open deals, and how accurate past months' forecasts were.

    Accuracy: the weighted forecast for a month as it stood when the month
    began (from history) against the amount actually won in that month.
    """
    from pipeline_tui.reports.build import rounded, scoped
    from pipeline_tui.reports.tables import forecast_tables, render_tables

    scope = load_scope(obj, as_of, owner)
    obj.summed_as(other_currencies(scope.pipeline), scope.pipeline.config.currency)
    rows = weighted_forecast(
        scope.pipeline,
        scope.timelines,
        Window(),
        scope.now,
        by="owner" if by == "owner" else "month",
    )
    memo = AsOfMemo()  # the month starts share most file versions
    snapshots = {
        label: scoped(pipeline_as_of(scope.workspace.root, start, memo), owner)
        for label, start in month_starts(scope.now, months)
    }
    accuracy = forecast_accuracy(snapshots, scope.pipeline, scope.timelines, scope.now)
    result = rounded({"forecast": rows, "accuracy": accuracy})
    if as_json:
        echo(to_json(result))
    else:
        tables = forecast_tables(result["forecast"], result["accuracy"], by)
        echo(render_tables(tables, scope.pipeline.config.currency))


def offload_sections(
    names: Sequence[str], compute: Callable[[str], Any]
) -> Callable[[], list[Any] | None] | None:
    """``build_report``'s :data:`~pipeline_tui.reports.build.Offload`: a forked child.

    Where forking is safe (:func:`~.beside.may_fork`) and a core is idle
    (:func:`core_idle`), the child computes ``names`` from the report's inputs
    as loaded (copied on write, so nothing is sent to it) and sends back only
    the sections' values.
    """
    from pipeline_tui.storage.beside import FORK_FROM, Beside, may_fork

    if not (may_fork(FORK_FROM) and core_idle()):
        return None
    return Beside(names, compute, ()).results


def core_idle() -> bool:
    """Whether the machine has a core to spare: its load average is below its cores less one half.

    Why: the split costs CPU (the pages both processes touch are copied, a
    few facts are computed twice), which only pays while the second process
    runs on a core nobody else wants; on a machine already busy with other
    jobs the same report in one process takes less from them and about as
    long.  This process itself adds little to the one-minute average.
    """
    from pipeline_tui.storage.beside import usable_cores

    try:
        load = os.getloadavg()[0]
    except OSError:  # not known here: assume the machine is ours
        return True
    return load < usable_cores() - 0.5


def build_subset(data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """Only the sections asked for (charts may have computed more)."""
    keys = {by_key(n).key for n in names}
    return {k: v for k, v in data.items() if k in keys}


def _subtitle(scope: Scope, window: Window, owner: str | None, source: str | None) -> str:
    parts = [_("as of {when}").format(when=long_datetime(scope.now))]
    if window.since or window.until:
        since = window.since.date().isoformat() if window.since else "…"
        until = window.until.date().isoformat() if window.until else "…"
        parts.append(_("window [{since}, {until})").format(since=since, until=until))
    parts += [_("owner {owner}").format(owner=owner)] * bool(owner)
    parts += [_("source {source}").format(source=source)] * bool(source)
    return " · ".join(parts)


def _color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")
