"""How an agenda line words a first contact's SLA clock."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline_tui.reports.agenda import item_text
from pipeline_tui.reports.metrics.agenda import FIRST_CONTACT, AgendaItem


def first_contact(hours_left: float) -> AgendaItem:
    return AgendaItem(
        FIRST_CONTACT, date(2026, 12, 1), hours_left < 0, "a", "A", "Acme", "lead", None, None,
        "alice", amount_of_time=hours_left,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("hours_left", "text"),
    [
        (5.4, "First contact: SLA ends in 5 h"),
        (0.2, "First contact: SLA ends in 1 h"),
        (-3.0, "First contact: SLA passed 3 h ago"),
        (-47.0, "First contact: SLA passed 47 h ago"),
        (-737.0, "First contact: SLA passed 31 days ago"),
    ],
)
def test_the_sla_clock_is_in_hours_then_days(hours_left: float, text: str) -> None:
    assert item_text(first_contact(hours_left)) == text
