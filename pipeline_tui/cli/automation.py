"""``pipeline automate run|test`` (time rules) and ``pipeline digest`` (the weekly review).

Event rules need no command: every write runs them (see ``Context.workspace``).
``automate run`` is what cron, a systemd timer or a CI job calls; with a
remote it syncs first, commits what it is about to do (the episode keys),
publishes that, and only then sends, so two clones never notify twice
(:mod:`pipeline_tui.automation.publish`).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from pipeline_tui.cli.base import (
    ID_ARGUMENT,
    Context,
    cli,
    error_files,
    long_lived_objects,
    report,
    report_problems,
)
from pipeline_tui.cli.values import parse_when
from pipeline_tui.core import clock
from pipeline_tui.core.errors import ExitCode, NotFound
from pipeline_tui.core.model import Pipeline
from pipeline_tui.edits.workspace import Workspace, check_not_future
from pipeline_tui.i18n import _
from pipeline_tui.tabular import to_json

if TYPE_CHECKING:  # the engine is imported only when a command runs
    from pipeline_tui.automation.engine import RuleSet

NOW_OPTION = click.option(
    "--now",
    "when",
    metavar="WHEN",
    help="Evaluate as of WHEN (ISO date or datetime, not in the future; default: now).",
)


@cli.group()
def automate() -> None:
    """Automation rules from pipeline.yaml (docs/automation.md).

    \b
    pipeline automate run --dry-run     what the time rules would do now
    pipeline automate run               do it (cron / CI: idempotent)
    pipeline automate test RULE ID      which conditions pass for one deal
    """


def _ruleset(ws: Workspace) -> RuleSet:
    from pipeline_tui.automation.engine import load_rules

    ruleset = load_rules(ws.store, ws.config)
    if ruleset.errors:
        report(_("pipeline.yaml has automation rules with errors; nothing was run:"))
        report_problems(ruleset.problems)
        sys.exit(ExitCode.PROBLEMS)
    return ruleset


@automate.command("run")
@click.option("--dry-run", is_flag=True, help="Show what would happen; change and send nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan and outcome as JSON.")
@click.option(
    "--no-sync",
    is_flag=True,
    help="Work locally: no sync, claims not published (safe only if no other clone runs it).",
)
@NOW_OPTION
@click.pass_obj
def run(obj: Context, dry_run: bool, as_json: bool, no_sync: bool, when: str | None) -> None:
    """Run the time rules: overdue next steps, no activity, first-contact SLA, closing soon.

    Each rule fires once per deal per episode (recorded in the deal file), so
    running it again, or from another clone after a sync, does nothing new.
    Failed notifications are recorded and retried on the next run; the exit
    code is 1 while any delivery failed or a firing could not be recorded.
    """
    from pipeline_tui.automation.engine import plan_run
    from pipeline_tui.automation.publish import run_time_rules

    ws = obj.workspace()
    at = parse_when(when)
    check_not_future(at, "--now")  # before anything is planned, sent or recorded
    ruleset = _ruleset(ws)
    now = (at or clock.now()).replace(microsecond=0)
    if dry_run:
        _print_plan(plan_run(ws, ruleset, now, _load(ws)).to_json(), as_json, dry_run=True)
        return
    remote = None if no_sync else ws.git.sync_remote(ws.git.current_branch())
    done = run_time_rules(ws, ruleset, now, at, remote, lambda: _sync(ws), load=lambda: _load(ws))
    result = {**done.plan.to_json(), **done.report.to_json()}
    result["problems"] = [*result["problems"], *done.problems]
    result["races_lost"] = done.races_lost
    _print_plan(result, as_json, dry_run=False)
    if done.report.failed or ws.automation_problems:  # a failed send, or a claim not recorded
        sys.exit(ExitCode.PROBLEMS)


def _load(ws: Workspace) -> Pipeline:
    """The pipeline, loaded as ``report`` loads it: 10,000 deals the collector need not rescan."""
    with long_lived_objects():
        return ws.load()


def _sync(ws: Workspace) -> None:
    from pipeline_tui.sync.exchange import sync

    sync(ws.root)


def _print_plan(result: dict[str, Any], as_json: bool, *, dry_run: bool) -> None:
    if as_json:
        click.echo(to_json({"dry_run": dry_run, **result}))
        return
    fired = result.get("fired") or []
    if not fired and not result.get("retries"):
        click.echo(_("Nothing to do: no time rule fires now."))
    for item in fired:
        text = item.get("text") or item["message"]
        click.echo(
            _("would do: {text}").format(text=text)
            if dry_run
            else _("did: {text}").format(text=text)
        )
        for delivery in item["deliveries"]:
            where, title = delivery["target"], delivery["title"]
            click.echo(
                _("  would send: {where}: {title}").format(where=where, title=title)
                if dry_run
                else _("  send: {where}: {title}").format(where=where, title=title)
            )
    for retry in result.get("retries") or []:
        where = f"{retry['deal']}: rule '{retry['rule']}' -> {retry['target']}"
        click.echo(
            _("retry: {where} (last error: {retry})").format(where=where, retry=retry["error"])
        )
    for line in result.get("sent") or []:
        click.echo(_("sent: {line}").format(line=line))
    for line in result.get("failed") or []:
        report(_("failed: {line}").format(line=line))
    for line in result.get("problems") or []:
        report(str(line))


@automate.command("test")
@click.argument("rule_name", metavar="RULE")
@ID_ARGUMENT
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@NOW_OPTION
@click.pass_obj
def test(obj: Context, rule_name: str, opp_id: str, as_json: bool, when: str | None) -> None:
    """Show which of RULE's conditions pass for deal ID, and what it would do."""
    from pipeline_tui.automation.engine import explain_rule

    ws = obj.workspace()
    at = parse_when(when)
    check_not_future(at, "--now")
    ruleset = _ruleset(ws)
    rule = ruleset.named(rule_name)
    if rule is None:
        names = ", ".join(r.name for r in ruleset.rules) or "none"
        raise NotFound(
            _("no automation rule {rule_name!r} (rules: {names})").format(
                rule_name=rule_name, names=names
            )
        )
    now = (at or clock.now()).replace(microsecond=0)
    result = explain_rule(ws, ruleset, rule, opp_id, now)
    if as_json:
        click.echo(to_json(result))
        return
    click.echo(
        _("rule {name!r} on {opp_id}: trigger {result}").format(
            name=rule.name, opp_id=opp_id, result=result["trigger"]
        )
    )
    for line in result["conditions"] or ["(no conditions)"]:
        click.echo(f"  {line}")
    if "episode" in result:
        click.echo(
            _("  episode: {value}").format(
                value=result["episode"] or "none (the time condition does not hold)"
            )
        )
        click.echo(
            _("  already fired for it: {value}").format(
                value="yes" if result["already_fired"] else "no"
            )
        )
        click.echo(
            _("  would fire now: {value}").format(value="yes" if result["would_fire"] else "no")
        )
    else:
        click.echo(_("  an event rule: it fires when a write matches its trigger"))
    actions = result.get("actions")
    if isinstance(actions, dict):
        click.echo(_("  it would do: {actions}").format(actions=actions["message"]))


@cli.command()
@click.option(
    "--since", default="7d", show_default=True, help="The window: 7d, 2w, or an ISO date."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "html", "json"]),
    default="markdown",
    show_default=True,
)
@click.option(
    "--send",
    "targets",
    multiple=True,
    metavar="URL",
    help="Also send it (mailto://..., slack:URL, wecom:URL, ...; see docs/automation.md).",
)
@click.pass_obj
def digest(obj: Context, since: str, fmt: str, targets: tuple[str, ...]) -> None:
    """What changed in the window, the core indicators against the window before, the forecast."""
    from pipeline_tui.automation.actions import Delivery
    from pipeline_tui.automation.notify import DeliveryError, send
    from pipeline_tui.core.currencies import deals_in_other_currencies
    from pipeline_tui.history import load_timelines, pipeline_as_of
    from pipeline_tui.i18n import set_language
    from pipeline_tui.reports.digest import digest as build_digest
    from pipeline_tui.reports.digest import to_html, to_markdown
    from pipeline_tui.reports.metrics.window import Window

    ws = obj.workspace()
    now = datetime.now(UTC).replace(microsecond=0)
    start = _window_start(since, now)
    window = Window(start)  # open-ended: a change committed this very second counts
    previous = Window(start - (now - start), start)
    pipeline = ws.load()
    if pipeline.config.language:
        set_language(pipeline.config.language)
    obj.left_out(error_files(pipeline.problems))  # like report's numbers: exit 1 after the text
    currency = pipeline.config.currency
    obj.summed_as(deals_in_other_currencies(pipeline.opportunities, currency), currency)
    timelines = load_timelines(ws.root, now=now, pipeline=pipeline)
    before = pipeline_as_of(ws.root, start)
    data = build_digest(pipeline, timelines, window, previous, now, before)
    text = to_json(data) if fmt == "json" else to_html(data) if fmt == "html" else to_markdown(data)
    click.echo(text, nl=False)
    failed = False
    for target in targets:
        title = f"Pipeline digest {start.date().isoformat()} – {now.date().isoformat()}"
        try:
            send(Delivery("digest", "", target, title, text))
        except DeliveryError as exc:
            report(
                _("digest not sent to {split}: {exc}").format(split=target.split("?")[0], exc=exc)
            )
            failed = True
    if failed:
        sys.exit(ExitCode.PROBLEMS)


def _window_start(since: str, now: datetime) -> datetime:
    """``7d``, ``2w`` or an ISO date before ``now``."""
    from datetime import timedelta

    amount, unit = since[:-1], since[-1:]
    if amount.isdigit() and unit in ("d", "w"):
        return now - timedelta(days=int(amount) * (7 if unit == "w" else 1))
    parsed = parse_when(since)
    if parsed is None or parsed >= now:
        raise click.BadParameter(
            _("{since!r}: give 7d, 2w or a past ISO date").format(since=since), param_hint="--since"
        )
    return parsed
