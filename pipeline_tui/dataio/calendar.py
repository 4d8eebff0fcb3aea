"""Next steps as an iCalendar file (``.ics``) that Outlook, Google and Apple Calendar import.

Written with the ``icalendar`` library (RFC 5545 folding, escaping and
date values are its job, not ours), imported only when a calendar is asked
for.  Each dated next step becomes one all-day ``VEVENT`` (Google Calendar
ignores ``VTODO``): the summary is the action and the deal's title, the
description its account, amount, owner and stage.  The ``UID`` is made of
the deal id and the due date, so importing a newer export updates the same
entry instead of adding a copy, and a rescheduled step is a new entry.

Pure: records in, bytes out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from pipeline_tui.core.model import Opportunity

PRODUCT_ID = "-//pipeline-tui//next steps//EN"
UID_DOMAIN = "pipeline-tui"


def uid(opp_id: str, due: date) -> str:
    """Stable per deal and due date: a re-import replaces, never duplicates."""
    return f"{opp_id}-{due:%Y%m%d}@{UID_DOMAIN}"


def summary(record: Opportunity) -> str:
    action = record.next_step.action if record.next_step else None
    return f"{action} — {record.title}" if action else record.title


def description(record: Opportunity, currency: str) -> str:
    """Account, amount (in ``currency`` unless the deal names its own), owner, stage, id."""
    amount = "" if record.amount is None else f"{record.amount:,.0f} {record.currency or currency}"
    lines = [
        f"Account: {record.account}",
        f"Amount: {amount.strip() or '-'}",
        f"Owner: {record.owner or '-'}",
        f"Stage: {record.stage}",
        f"Deal: {record.id}",
    ]
    return "\n".join(lines)


def next_steps_ics(
    records: Iterable[Opportunity], stamp: datetime, name: str, currency: str
) -> bytes:
    """A calendar named ``name`` with one all-day event per dated next step of ``records``."""
    from icalendar import Calendar, Event  # ~50 ms: only when a calendar is written

    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for record in records:
        due = record.next_step.due if record.next_step else None
        if due is None:
            continue
        event = Event()
        event.add("uid", uid(record.id, due))
        event.add("dtstamp", stamp)
        event.add("dtstart", due)
        event.add("dtend", due + timedelta(days=1))
        event.add("summary", summary(record))
        event.add("description", description(record, currency))
        event.add("categories", ["pipeline"])
        calendar.add_component(event)
    text: bytes = calendar.to_ical()
    return text
