"""The weekly digest: what changed in a window, the core indicators against the window before.

Pure: the caller loads the pipeline now, its timelines and the pipeline as it
stood when the window began (for the forecast change); this module computes
the digest value and renders it as Markdown, e-mail-ready HTML (inline
styles, no scripts, no external resources) or JSON.
"""

from __future__ import annotations

import html
import itertools
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from pipeline_tui.core.dates import long_date
from pipeline_tui.core.model import Pipeline
from pipeline_tui.core.money import compact_amount
from pipeline_tui.i18n import N_, _
from pipeline_tui.reports.html import H1, H2, H3, LIST, TABLE, TD, TD_NUM, TH, bar_chart, page
from pipeline_tui.reports.metrics.activity import team_activity
from pipeline_tui.reports.metrics.completeness import profile_completeness
from pipeline_tui.reports.metrics.cycle import stage_cycle
from pipeline_tui.reports.metrics.first_contact import first_contact
from pipeline_tui.reports.metrics.lifecycle import (
    UNASSIGNED,
    Stages,
    Timelines,
    shared_facts,
    stays,
)
from pipeline_tui.reports.metrics.lost import lost_reasons
from pipeline_tui.reports.metrics.repeat import repeat_rate
from pipeline_tui.reports.metrics.sources import source_conversion
from pipeline_tui.reports.metrics.stale import stale_items
from pipeline_tui.reports.metrics.stats import ratio
from pipeline_tui.reports.metrics.window import Window
from pipeline_tui.reports.tables import stale_reason


def digest(
    pipeline: Pipeline,
    timelines: Timelines,
    window: Window,
    previous: Window,
    now: datetime,
    before: Pipeline | None = None,
) -> dict[str, Any]:
    """Everything the weekly review needs, as plain values (the JSON format).

    The indicators of both windows share one set of per-deal facts.
    """
    with shared_facts():
        return {
            "since": window.since.isoformat() if window.since else None,
            "until": window.end(now).isoformat(),
            "currency": pipeline.config.currency,
            "changes": what_changed(pipeline, timelines, window, now),
            "overdue_by_owner": overdue_by_owner(pipeline, now),
            "indicators": {
                "current": indicators(pipeline, timelines, window, now),
                "previous": indicators(pipeline, timelines, previous, now),
            },
            "forecast": {
                "before": None if before is None else weighted_total(before),
                "now": weighted_total(pipeline),
            },
        }


def what_changed(
    pipeline: Pipeline, timelines: Timelines, window: Window, now: datetime
) -> dict[str, list[dict[str, Any]]]:
    """New deals, moves forward and back, won and lost, slipped close dates, gone stale."""
    stages = Stages.of(pipeline.config)
    order = {name: index for index, name in enumerate(stages.open_order)}
    changes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in pipeline.opportunities:
        row = {"id": record.id, "title": record.title, "owner": record.owner,
               "amount": record.amount}  # fmt: skip
        if window.contains(record.created):
            changes["new"].append({**row, "stage": record.stage, "source": record.source})
        history = stays(record, timelines, now)
        for earlier, later in itertools.pairwise(history):
            if not window.contains(later.entered):
                continue
            move = {
                **row,
                "from": earlier.stage,
                "to": later.stage,
                "at": later.entered.isoformat(),
            }
            if later.stage == stages.won:
                changes["won"].append({**move, "reason": record.won_reason})
            elif later.stage == stages.lost:
                changes["lost"].append({**move, "reason": record.lost_reason})
            elif order.get(later.stage, -1) >= order.get(earlier.stage, -1):
                changes["forward"].append(move)
            else:
                changes["back"].append(move)
        timeline = timelines.get(record.id)
        for change in timeline.changes if timeline is not None else ():
            if (
                change.field == "expected_close"
                and window.contains(change.at)
                and (
                    change.old is not None
                    and change.new is not None
                    and str(change.new) > str(change.old)
                )
            ):
                changes["slipped"].append({**row, "from": str(change.old), "to": str(change.new)})
    titles: dict[str, str] = {}  # filled at the first stale deal: one pass, not one per row
    for item in stale_items(pipeline, timelines, Window(), now):
        if window.since is None or item["days"] <= (now - window.since).days + _stale_limit(
            pipeline, item
        ):
            titles = titles or {record.id: record.title for record in pipeline.opportunities}
            changes["stale"].append({**item, "title": titles.get(item["id"], item["id"])})
    return {
        key: changes.get(key, [])
        for key in ("new", "forward", "back", "won", "lost", "slipped", "stale")
    }


def _stale_limit(pipeline: Pipeline, item: dict[str, Any]) -> float:
    """How many days a deal may idle before it counts as stale (went stale in the window)."""
    if item["reason"] == "no_activity":
        return float(pipeline.config.stale_after_days)
    if item["reason"] == "over_stage_limit":
        stage = pipeline.get(item["id"]).stage
        return float(pipeline.config.stage(stage).max_days or 0)
    return 0.0


def overdue_by_owner(pipeline: Pipeline, now: datetime) -> list[dict[str, Any]]:
    """Open deals whose next step is past due, grouped by owner, with the owner's manager."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in pipeline.opportunities:
        step = record.next_step
        if not pipeline.is_open(record) or step is None or step.due is None:
            continue
        if step.due < now.date():
            groups[record.owner or UNASSIGNED].append({
                "id": record.id, "title": record.title, "action": step.action,
                "due": step.due.isoformat(), "days": (now.date() - step.due).days,
            })  # fmt: skip
    return [
        {"owner": owner, "manager": pipeline.config.manager_of(owner), "deals": deals}
        for owner, deals in sorted(groups.items())
    ]


def indicators(
    pipeline: Pipeline, timelines: Timelines, window: Window, now: datetime
) -> dict[str, Any]:
    """The seven core indicators (METRICS.md) as headline numbers for one window."""
    sources = source_conversion(pipeline, timelines, window, now).values()
    won = sum(row["won"] for row in sources)
    lost = sum(row["lost"] for row in sources)
    contact = first_contact(pipeline, timelines, window, now)
    cycle = stage_cycle(pipeline, timelines, window, now)
    reasons = lost_reasons(pipeline, timelines, window, now).values()
    activity = team_activity(pipeline, timelines, window, now).values()
    return {
        "source_conversion": ratio(won, won + lost),
        "first_contact_within_sla": contact["within_sla"],
        "stage_cycle_median_days": {stage: row["median_days"] for stage, row in cycle.items()},
        "profile_completeness": profile_completeness(pipeline, timelines, window, now)["mean"],
        "lost": {
            "count": sum(r["count"] for r in reasons),
            "amount": sum(r["amount"] for r in reasons),
        },
        "repeat_rate": repeat_rate(pipeline, timelines, window, now)["rate"],
        "team_activity": {
            "changes": sum(r["changes"] for r in activity),
            "activities": sum(r["activities"] for r in activity),
            "moves": sum(r["moves"] for r in activity),
        },
    }


def weighted_total(pipeline: Pipeline) -> float:
    """Σ amount × probability over open deals (the weighted forecast's total)."""
    return sum(
        (r.amount or 0.0) * pipeline.probability(r)
        for r in pipeline.opportunities
        if pipeline.is_open(r)
    )


# --------------------------------------------------------------------------- rendering

_LABELS = {
    "new": "New deals",
    "forward": "Moved forward",
    "back": "Moved back",
    "won": "Won",
    "lost": "Lost",
    "slipped": "Close date slipped",
    "stale": "Went stale",
}
_INDICATORS = {
    "source_conversion": "Source conversion rate",
    "first_contact_within_sla": "First follow-up timeliness",
    "stage_cycle_median_days": "Stage cycle time",
    "profile_completeness": "Profile completeness",
    "lost": "Lost-reason analysis",
    "repeat_rate": "Repeat / renewal rate",
    "team_activity": "Team activity",
}


#: The words inside an indicator's value (``count 1, amount USD 20,000``).
_PARTS = {
    "count": N_("count"),
    "amount": N_("amount"),
    "changes": N_("changes"),
    "activities": N_("activities"),
    "moves": N_("moves"),
}


def _value(value: Any, currency: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, dict):
        return ", ".join(
            f"{_(_PARTS[k]) if k in _PARTS else k} {_value(v, currency if k == 'amount' else '')}"
            for k, v in value.items()
        )
    if isinstance(value, float) and 0 <= value <= 1 and not currency:
        return f"{value:.0%}"
    if isinstance(value, float | int) and currency:
        return f"{currency} {value:,.0f}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def _line(key: str, item: dict[str, Any], currency: str) -> str:
    amount = f", {currency} {item['amount']:,.0f}" if item.get("amount") else ""
    owner = f" ({item['owner']})" if item.get("owner") else ""
    if key in ("forward", "back"):
        return f"{item['title']}{owner}: {item['from']} → {item['to']}{amount}"
    if key in ("won", "lost"):
        reason = f" — {item['reason']}" if item.get("reason") else ""
        return f"{item['title']}{owner}{amount}{reason}"
    if key == "slipped":
        return f"{item['title']}{owner}: {item['from']} → {item['to']}"
    if key == "stale":
        who = f"{item['owner'] or _(UNASSIGNED)}{_manager(item.get('manager'))}"
        return _("{title} ({who}): {reason}, {days} days").format(
            title=item.get("title") or item["id"],
            who=who,
            reason=stale_reason(item["reason"]),
            days=f"{item['days']:.0f}",
        )
    return f"{item['title']}{owner}{amount}"


def _manager(name: str | None) -> str:
    """`` (manager dana)`` after an owner, or nothing."""
    return _(" (manager {name})").format(name=name) if name else ""


def _owner(group: Mapping[str, Any]) -> str:
    """An overdue group's owner (or "(none)") and their manager."""
    owner = group["owner"] if group["owner"] != UNASSIGNED else _(UNASSIGNED)
    return f"{owner}{_manager(group['manager'])}"


def _overdue(deals: list[dict[str, Any]]) -> str:
    return "; ".join(
        _("{title}: {action} due {due}").format(
            title=d["title"], action=d["action"], due=long_date(date.fromisoformat(d["due"]))
        )
        for d in deals
    )


def to_markdown(data: dict[str, Any]) -> str:
    currency = data["currency"]
    out = [
        f"# {_('Pipeline digest')} {window_label(data)}",
        "",
    ]
    for key, items in data["changes"].items():
        out.append(f"## {_(_LABELS[key])} ({len(items)})")
        out.extend(f"- {_line(key, item, currency)}" for item in items)
        out.append("")
    out.append(f"## {_('Overdue follow-ups')}")
    for group in data["overdue_by_owner"]:
        out.append(f"- {_owner(group)}: {_overdue(group['deals'])}")
    header = f"| | {_('this window')} | {_('previous')} |"
    out += ["", f"## {_('Indicators')}", "", header, "|---|---|---|"]
    current, previous = data["indicators"]["current"], data["indicators"]["previous"]
    for key, label in _INDICATORS.items():
        out.append(
            f"| {_(label)} | {_value(current[key], currency if key == 'lost' else '')} "
            f"| {_value(previous[key], currency if key == 'lost' else '')} |"
        )
    forecast = data["forecast"]
    out += [
        "",
        f"## {_('Weighted forecast')}",
        "",
        f"{_value(forecast['before'], currency)} → {_value(forecast['now'], currency)}",
    ]
    return "\n".join(out) + "\n"


def changes_html(changes: dict[str, list[dict[str, Any]]], currency: str, window: str) -> str:
    """The "what changed" section, e-mail-ready: the digest's, and ``report --html``'s.

    ``window`` is shown in the heading (``2026-11-13 – 2026-11-20``).
    """
    e = html.escape
    heading = _("What changed") + (f" {window}" if window else "")
    parts = [f'<h2 style="{H2}">{e(heading)}</h2>']
    for key, items in changes.items():
        parts.append(f'<h3 style="{H3}">{e(_(_LABELS[key]))} ({len(items)})</h3>')
        if items:
            parts.append(
                f'<ul style="{LIST}">'
                + "".join(f"<li>{e(_line(key, item, currency))}</li>" for item in items)
                + "</ul>"
            )
    return "".join(parts)


def window_label(data: Mapping[str, Any]) -> str:
    """``2026-11-13 – 2026-11-20`` (in Chinese ``2026年11月13日 – 2026年11月20日``)."""
    since = long_date(date.fromisoformat(data["since"][:10])) if data["since"] else ""
    return f"{since} – {long_date(date.fromisoformat(data['until'][:10]))}"


#: The window ``report --html`` shows changes for when the report has no ``--since``.
REVIEW_DAYS = 7


def report_changes_html(
    pipeline: Pipeline, timelines: Timelines, window: Window, now: datetime
) -> str:
    """The digest's "what changed" section for ``report --html``: the report's window, or a week.

    A report without ``--since`` covers all time, where "what changed" would
    list every deal ever made; the weekly review wants the last seven days.
    """
    if window.since is None:
        window = Window(now - timedelta(days=REVIEW_DAYS), window.until)
    changes = what_changed(pipeline, timelines, window, now)
    assert window.since is not None
    label = window_label({"since": window.since.isoformat(), "until": window.end(now).isoformat()})
    return changes_html(changes, pipeline.config.currency, label)


def to_html(data: dict[str, Any]) -> str:
    """E-mail-ready HTML: inline styles only, no scripts, no images or external links."""
    e = html.escape
    currency = data["currency"]
    title = _("Pipeline digest")
    parts = [
        f'<h1 style="{H1}">{e(title)} {e(window_label(data))}</h1>',
        changes_html(data["changes"], currency, ""),
        f'<h2 style="{H2}">{e(_("Overdue follow-ups"))}</h2><ul style="{LIST}">',
    ]
    for group in data["overdue_by_owner"]:
        who = _owner(group)
        parts.append(f"<li>{e(who)}: {e(_overdue(group['deals']))}</li>")
    parts.append("</ul>")
    parts.append(
        f'<h2 style="{H2}">{e(_("Indicators"))}</h2><table style="{TABLE}">'
        f'<tr><th style="{TH}"></th><th style="{TH}">{e(_("this window"))}</th>'
        f'<th style="{TH}">{e(_("previous"))}</th></tr>'
    )
    current, previous = data["indicators"]["current"], data["indicators"]["previous"]
    for key, label in _INDICATORS.items():
        money = currency if key == "lost" else ""
        parts.append(
            f'<tr><td style="{TD}">{e(_(label))}</td>'
            f'<td style="{TD_NUM}">{e(_value(current[key], money))}</td>'
            f'<td style="{TD_NUM}">{e(_value(previous[key], money))}</td></tr>'
        )
    parts.append("</table>")
    forecast = data["forecast"]
    parts.append(
        f'<h2 style="{H2}">{e(_("Weighted forecast"))}</h2>'
        f"<p>{e(_value(forecast['before'], currency))} → {e(_value(forecast['now'], currency))}</p>"
    )
    if forecast["before"] is not None:
        parts.append(
            bar_chart(
                f"{_('Weighted forecast')} ({currency})",
                [_("window start"), _("now")],
                [float(forecast["before"]), float(forecast["now"])],
                lambda value: compact_amount(value, currency),
            )
        )
    return page(f"{title} {window_label(data)}", "\n".join(parts))
