"""HubSpot deals export (labels) and the API property names.

The outcome is ``Is Closed Won``/``Is closed lost`` or the stage (a label
such as ``Closed Won`` or an internal id such as ``closedwon``); stage history
is in the ``Date entered "<stage> (<pipeline>)"`` columns (double quotes, or
single quotes in older exports).  ``Deal probability`` is 0-1.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline_tui.dataio.importing.presets.base import (
    Cells,
    CrmStage,
    Outcome,
    Preset,
    flag,
    headers_present,
)

STAGES = (
    CrmStage("Appointment Scheduled", 0.2, ("appointmentscheduled",)),
    CrmStage("Qualified To Buy", 0.4, ("qualifiedtobuy",)),
    CrmStage("Presentation Scheduled", 0.6, ("presentationscheduled",)),
    CrmStage("Decision Maker Bought-In", 0.8, ("decisionmakerboughtin",)),
    CrmStage("Contract Sent", 0.9, ("contractsent",)),
)

COLUMNS = {
    "external_id": ("Record ID", "hs_object_id"),
    "title": ("Deal Name", "dealname"),
    "account": ("Associated Company", "Company name", "Associated Company IDs"),
    "stage": ("Deal Stage", "dealstage"),
    "amount": ("Amount",),
    "currency": ("Currency", "deal_currency_code"),
    "owner": ("Deal owner", "hubspot_owner_id", "Owner"),
    "source": ("Original Source Type", "Original Traffic Source", "hs_analytics_source",
               "Original Source"),
    "created": ("Create Date", "createdate"),
    "closed": ("Close Date", "closedate"),
    "probability": ("Deal probability", "hs_deal_stage_probability"),
    "lost_reason": ("Closed Lost Reason", "closed_lost_reason"),
    "won_reason": ("Closed Won Reason", "closed_won_reason"),
    "contact.name": ("Associated Contact",),
    "next_step.action": ("Next step", "hs_next_step"),
    "notes": ("Deal Description", "description"),
}  # fmt: skip

_ENTERED = re.compile(
    r"^date entered\s+[\"'](?P<stage>.+?)(?:\s+\([^()]*\))?[\"']$|^hs_v2_date_entered_(?P<id>\w+)$",
    re.IGNORECASE,
)


def entered_stage(header: str) -> str | None:
    """``Date entered "Closed Won (Sales Pipeline)"`` -> ``Closed Won``."""
    match = _ENTERED.match(header.strip())
    if match is None:
        return None
    return (match.group("stage") or match.group("id")).strip()


def _detect(columns: Sequence[str]) -> tuple[str, ...] | None:
    found = headers_present(
        columns, ("Record ID", "Deal Name", "Deal Stage"), ("dealname", "dealstage", "closedate")
    )
    if found:
        return found
    entered = [c for c in columns if entered_stage(c)]
    return tuple(entered[:1]) or None


def _outcome(cells: Cells) -> Outcome | None:
    if flag(cells, "Is Closed Won", "hs_is_closed_won"):
        return "won"
    if flag(cells, "Is closed lost", "hs_is_closed_lost"):
        return "lost"
    if flag(cells, "Is Closed", "hs_is_closed") is False:
        return "open"
    return None


PRESET = Preset(
    name="hubspot",
    label="HubSpot",
    columns=COLUMNS,
    detect=_detect,
    stages=STAGES,
    outcome=_outcome,
    won_stages=("Closed Won", "closedwon", "Won"),
    lost_stages=("Closed Lost", "closedlost", "Lost"),
    signals=("Is Closed Won", "Is closed lost", "Is Closed", "hs_is_closed_won",
             "hs_is_closed_lost"),
    entered=entered_stage,
    lookups={"owner": ("owners.csv", "Owners.csv", "users.csv")},
)  # fmt: skip
