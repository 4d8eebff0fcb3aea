"""The agenda in words: group headings and one line per item, in the interface language.

:mod:`pipeline_tui.reports.metrics.agenda` decides what is on the agenda;
this module says it, once, for both ``pipeline agenda`` and the TUI's agenda
screen, so the two read the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from pipeline_tui.i18n import _
from pipeline_tui.reports.metrics.agenda import (
    FIRST_CONTACT,
    NEXT_STEP,
    OVERDUE,
    STALE,
    AgendaDay,
    AgendaItem,
)
from pipeline_tui.reports.tables import stale_reason
from pipeline_tui.tabular import Format, render_rows, table

#: The columns of ``pipeline agenda`` (table and CSV).
COLUMNS = ("day", "what", "title", "account", "amount", "owner", "id")

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def group_title(group: AgendaDay, today: date) -> str:
    """``Overdue``, ``Today · Fri 2026-11-20``, ``Tomorrow · ...``, ``Mon 2026-11-23``."""
    if group.group == OVERDUE or group.day is None:
        return _("Overdue")
    label = f"{_(_WEEKDAYS[group.day.weekday()])} {group.day.isoformat()}"
    if group.day == today:
        return f"{_('Today')} · {label}"
    if group.day == today + timedelta(days=1):
        return f"{_('Tomorrow')} · {label}"
    return label


def item_text(item: AgendaItem) -> str:
    """What to do, in a few words: the action, the SLA clock, why it is stale."""
    time = item.amount_of_time or 0.0
    if item.kind == NEXT_STEP:
        action = item.detail or _("Next step")
        if item.overdue:
            return action + " " + _("({days} days overdue)").format(days=round(time))
        return action
    if item.kind == FIRST_CONTACT:
        if time <= -48:  # hours stop being a useful unit after two days
            return _("First contact: SLA passed {days} days ago").format(days=round(-time / 24))
        if time < 0:
            return _("First contact: SLA passed {hours} h ago").format(hours=round(-time))
        return _("First contact: SLA ends in {hours} h").format(hours=max(1, round(time)))
    if item.kind == STALE:
        why = stale_reason(item.detail or "")
        return _("Stale: {why}, {days} days").format(why=why, days=round(time))
    if item.detail:
        return _("Next step without a date: {action}").format(action=item.detail)
    return _("No next step")


def agenda_rows(groups: Sequence[AgendaDay]) -> list[dict[str, Any]]:
    """One flat row per item (CSV, and the table under each heading)."""
    return [
        {
            "day": item.day.isoformat(),
            "what": item_text(item),
            "title": item.title,
            "account": item.account,
            "amount": item.amount,
            "owner": item.owner,
            "id": item.id,
        }
        for group in groups
        for item in group.items
    ]


def render_agenda(groups: Sequence[AgendaDay], today: date, fmt: Format) -> str:
    """The agenda for the terminal (a heading and a table per group) or as CSV."""
    if fmt is not Format.TABLE:
        return render_rows(agenda_rows(groups), COLUMNS, fmt)
    if not groups:
        return _("Nothing due: no overdue or upcoming next steps, no stale deals.")
    blocks = []
    for group in groups:
        heading = f"{group_title(group, today)} ({len(group.items)})"
        blocks.append(heading + "\n" + table(agenda_rows([group]), COLUMNS[1:]))
    return "\n\n".join(blocks)
