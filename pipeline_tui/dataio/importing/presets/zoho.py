"""Zoho CRM deals export: labels with ``.id`` companion columns and ``zcrm_`` ids.

The outcome is the stage: ``Closed Won``, or any ``Closed ... Lost`` stage
(``Closed Lost``, ``Closed-Lost to Competition``).  ``Closing Date`` is the
close of a closed deal and the expected close of an open one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline_tui.dataio.importing.presets.base import (
    Cells,
    CrmStage,
    Outcome,
    Preset,
    headers_present,
)

STAGES = (
    CrmStage("Qualification", 0.1),
    CrmStage("Needs Analysis", 0.2),
    CrmStage("Value Proposition", 0.4),
    CrmStage("Identify Decision Makers", 0.6),
    CrmStage("Proposal/Price Quote", 0.75),
    CrmStage("Negotiation/Review", 0.9),
)

COLUMNS = {
    "external_id": ("Record Id", "id"),
    "title": ("Deal Name", "Deal_Name"),
    "account": ("Account Name", "Account_Name"),
    "stage": ("Stage",),
    "amount": ("Amount",),
    "currency": ("Currency",),
    "owner": ("Deal Owner", "Owner"),
    "source": ("Lead Source", "Lead_Source", "Campaign Source"),
    "created": ("Created Time", "Created_Time"),
    "closed": ("Closing Date", "Closing_Date"),
    "probability": ("Probability (%)", "Probability"),
    "lost_reason": ("Reason For Loss", "Reason_For_Loss__s"),
    "contact.name": ("Contact Name", "Contact_Name"),
    "next_step.action": ("Next Step", "Next_Step"),
    "notes": ("Description",),
}  # fmt: skip

_LOST = re.compile(r"^closed.*lost", re.IGNORECASE)


def _detect(columns: Sequence[str]) -> tuple[str, ...] | None:
    found = headers_present(columns, ("Deal Name", "Closing Date", "Stage"))
    if found:
        return found
    ids = [c for c in columns if c.lower().endswith(".id")]
    if ids and headers_present(columns, ("Deal Name",)):
        return ("Deal Name", ids[0])
    return None


def _outcome(cells: Cells) -> Outcome | None:
    stage = cells.get("Stage").strip()
    if stage.lower() == "closed won":
        return "won"
    if _LOST.match(stage):
        return "lost"
    return None


PRESET = Preset(
    name="zoho",
    label="Zoho CRM",
    columns=COLUMNS,
    detect=_detect,
    stages=STAGES,
    outcome=_outcome,
    dropped=("Deal Owner.id", "Account Name.id", "Contact Name.id", "Created By.id",
             "Modified By.id", "Created By", "Modified By", "Modified Time",
             "Expected Revenue", "Last Activity Time"),
)  # fmt: skip
