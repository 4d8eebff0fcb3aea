"""Sending what rules said to send, and queueing what failed for the next run.

A failed delivery is never lost: it goes into the deal's
``automation.retry`` list (with what to send, why it failed, when and how
often it was tried), committed like any other change, so a later
``automate run`` in any clone sends it again.  Not every run: the wait
doubles after each failure (15 minutes, 30, an hour, ... at most a day), so
a run while a retry waits makes no commit for it; and after
:data:`MAX_TRIES` tries (about three days) it is given up, moved once to
``automation.undelivered`` (the record kept, never retried again) and
reported.  docs/automation.md, "When a target keeps failing".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pipeline_tui.automation.actions import Delivery
from pipeline_tui.automation.notify import DeliveryError, describe_target, send
from pipeline_tui.core.clock import now as clock_now
from pipeline_tui.core.model import get_dotted
from pipeline_tui.edits.change import FollowUp
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.i18n import _

#: The key of a deal file under which automation keeps its state.
STATE = "automation"
#: How many times a delivery is tried in all before it is given up.
MAX_TRIES = 10
#: The wait after the first failure; it doubles after each one, up to a day.
FIRST_WAIT = timedelta(minutes=15)
LONGEST_WAIT = timedelta(days=1)


@dataclass
class DeliveryReport:
    """What was sent, what failed (and will be retried), for the front end to print."""

    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    gave_up: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"sent": self.sent, "failed": self.failed, "gave_up": self.gave_up}


def send_all(
    deliveries: Iterable[Delivery],
    timeout: float,
    report: DeliveryReport,
    tries: Mapping[int, int] | None = None,
) -> list[tuple[Delivery, str]]:
    """Send each delivery; the ones that failed, with why.

    ``tries`` counts, by ``id(delivery)``, which try this is (1 if absent):
    a failed last try is reported as given up.
    """
    failed: list[tuple[Delivery, str]] = []
    for delivery in deliveries:
        where = f"{delivery.opp_id}: rule '{delivery.rule}' -> {describe_target(delivery.target)}"
        try:
            send(delivery, timeout)
        except DeliveryError as exc:
            failed.append((delivery, str(exc)))
            count = (tries or {}).get(id(delivery), 1)
            if count >= MAX_TRIES:
                line = _(
                    "{where}: {error} (tried {count} times: given up, kept in "
                    "automation.undelivered)"
                ).format(where=where, error=exc, count=count)
                report.gave_up.append(line)
                report.failed.append(line)
            else:
                report.failed.append(
                    _("{where}: {error} (will retry on the next `automate run`)").format(
                        where=where, error=exc
                    )
                )
        else:
            report.sent.append(where)
    return failed


def retry_entry(
    delivery: Delivery, error: str, tries: int = 1, at: datetime | None = None
) -> dict[str, Any]:
    """A failed delivery as queued in ``automation.retry`` (``failed_at``: when, for the wait)."""
    return {
        "rule": delivery.rule,
        "target": delivery.target,
        "title": delivery.title,
        "body": delivery.body,
        "error": error,
        "tries": tries,
        "failed_at": (at or clock_now()).isoformat(),
    }


def retry_due(entry: Mapping[str, Any], now: datetime) -> bool:
    """Has a queued retry waited long enough?  (An entry without ``failed_at`` has.)"""
    try:
        failed = datetime.fromisoformat(str(entry.get("failed_at")))
        tries = max(1, int(entry.get("tries") or 1))
    except (TypeError, ValueError):
        return True
    if failed.tzinfo is None:
        return True
    wait = min(FIRST_WAIT * (1 << min(tries - 1, 16)), LONGEST_WAIT)
    return now >= failed + wait


def undelivered_entry(entry: Mapping[str, Any], at: datetime) -> dict[str, Any]:
    """A retry given up: kept in ``automation.undelivered`` for a person to see, never sent."""
    return {**entry, "gave_up_at": at.isoformat()}


def queued_retries(record_data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    entries = get_dotted(record_data, f"{STATE}.retry")
    return [e for e in entries if isinstance(e, Mapping)] if isinstance(entries, list) else []


def delivering(
    ws: Workspace, opp_id: str, deliveries: list[Delivery], timeout: float, report: DeliveryReport
) -> Callable[[], FollowUp | None]:
    """The ``deliver`` step of a follow-up: send, and queue failures for retrying."""

    def deliver() -> FollowUp | None:
        failed = send_all(deliveries, timeout, report)
        if not failed:
            return None
        queued = [dict(e) for e in queued_retries(ws.get(opp_id).data)]
        entries = [retry_entry(d, why) for d, why in failed]
        message = failed_subject(opp_id, [d for d, _why in failed], [])
        return FollowUp(opp_id, {f"{STATE}.retry": queued + entries}, message)

    return deliver


def failed_subject(opp_id: str, retried: list[Delivery], given_up: list[Delivery]) -> str:
    """The subject of the commit that records failed deliveries, saying what failed.

    The commit before it (the rule's changes, or a claim) is made before
    sending, so it names what the rule sends, not whether it arrived: this
    one says which notifications did not.
    """
    parts = [f"{_notifications_to(retried)} failed, queued for retry"] if retried else []
    if given_up:
        parts.append(f"{_notifications_to(given_up)} failed {MAX_TRIES} times, given up")
    return f"automation: {'; '.join(parts)} ({opp_id})"


def _notifications_to(deliveries: list[Delivery]) -> str:
    where = ", ".join(dict.fromkeys(describe_target(d.target) for d in deliveries))
    count = len(deliveries)
    return f"notification to {where}" if count == 1 else f"{count} notifications to {where}"


def retried_delivery(opp_id: str, entry: Mapping[str, Any]) -> Delivery:
    return Delivery(
        str(entry.get("rule")),
        opp_id,
        str(entry["target"]),
        str(entry.get("title") or ""),
        str(entry.get("body") or ""),
    )
