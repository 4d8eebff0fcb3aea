"""Sending what rules said to send, and queueing what failed for the next run.

A failed delivery is never lost: it goes into the deal's
``automation.retry`` list (with what to send, why it failed and how often it
was tried), committed like any other change, so the next ``automate run`` in
any clone sends it again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline_tui.automation.actions import Delivery
from pipeline_tui.automation.notify import DeliveryError, describe_target, send
from pipeline_tui.core.model import get_dotted
from pipeline_tui.edits.workspace import Workspace

#: The key of a deal file under which automation keeps its state.
STATE = "automation"


@dataclass
class DeliveryReport:
    """What was sent, what failed (and will be retried), for the front end to print."""

    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"sent": self.sent, "failed": self.failed}


def send_all(
    deliveries: Iterable[Delivery], timeout: float, report: DeliveryReport
) -> list[tuple[Delivery, str]]:
    """Send each delivery; the ones that failed, with why."""
    failed: list[tuple[Delivery, str]] = []
    for delivery in deliveries:
        where = f"{delivery.opp_id}: rule '{delivery.rule}' -> {describe_target(delivery.target)}"
        try:
            send(delivery, timeout)
        except DeliveryError as exc:
            failed.append((delivery, str(exc)))
            report.failed.append(f"{where}: {exc} (will retry on the next `automate run`)")
        else:
            report.sent.append(where)
    return failed


def retry_entry(delivery: Delivery, error: str, tries: int = 1) -> dict[str, Any]:
    return {
        "rule": delivery.rule,
        "target": delivery.target,
        "title": delivery.title,
        "body": delivery.body,
        "error": error,
        "tries": tries,
    }


def queued_retries(record_data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    entries = get_dotted(record_data, f"{STATE}.retry")
    return [e for e in entries if isinstance(e, Mapping)] if isinstance(entries, list) else []


def delivering(
    ws: Workspace, opp_id: str, deliveries: list[Delivery], timeout: float, report: DeliveryReport
) -> Callable[[], Mapping[str, Any]]:
    """The ``deliver`` step of a follow-up: send, and queue failures for retrying."""

    def deliver() -> Mapping[str, Any]:
        failed = send_all(deliveries, timeout, report)
        if not failed:
            return {}
        queued = [dict(e) for e in queued_retries(ws.get(opp_id).data)]
        return {f"{STATE}.retry": queued + [retry_entry(d, why) for d, why in failed]}

    return deliver


def retried_delivery(opp_id: str, entry: Mapping[str, Any]) -> Delivery:
    return Delivery(
        str(entry.get("rule")),
        opp_id,
        str(entry["target"]),
        str(entry.get("title") or ""),
        str(entry.get("body") or ""),
    )
