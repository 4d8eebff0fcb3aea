"""Dynamics 365 Sales opportunities: an Export-to-Excel sheet saved as CSV.

The outcome is ``Status`` (Open/Won/Lost), else ``Status Reason`` (Won;
Canceled and Out-Sold are lost; In Progress and On Hold open).  On lost rows
``Status Reason`` is the lost reason; it is never read on other rows.
``Sales Stage`` (Qualify/Develop/Propose/Close) is the stage; ``Currency``
holds names (``US Dollar``); the three ``(Do Not Modify)`` columns are the
record id and Excel bookkeeping.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline_tui.dataio.importing.presets.base import (
    Cells,
    CrmStage,
    Outcome,
    Preset,
    headers_present,
)

STAGES = (
    CrmStage("Qualify", 0.1),
    CrmStage("Develop", 0.4),
    CrmStage("Propose", 0.6),
    CrmStage("Close", 0.8),
)

COLUMNS = {
    "external_id": ("(Do Not Modify) Opportunity", "opportunityid"),
    "title": ("Topic", "name"),
    "account": ("Potential Customer", "Account", "customerid"),
    "stage": ("Sales Stage", "Pipeline Phase", "salesstage", "stepname"),
    "amount": ("Est. Revenue", "estimatedvalue", "Actual Revenue"),
    "currency": ("Currency", "transactioncurrencyid"),
    "owner": ("Owner", "ownerid"),
    "source": ("Source Campaign", "Lead Source", "campaignid"),
    "created": ("Created On", "createdon"),
    "closed": ("Actual Close Date", "actualclosedate"),
    "expected_close": ("Est. Close Date", "estimatedclosedate"),
    "probability": ("Probability", "closeprobability"),
    "lost_reason": ("Status Reason", "statuscode"),
    "contact.name": ("Contact", "parentcontactid"),
    "notes": ("Description",),
}  # fmt: skip

_LOST_REASONS = ("canceled", "cancelled", "out-sold", "outsold")
_OPEN_REASONS = ("in progress", "on hold")


def _detect(columns: Sequence[str]) -> tuple[str, ...] | None:
    return headers_present(
        columns,
        ("(Do Not Modify) Opportunity",),
        ("Topic", "Potential Customer", "Est. Close Date"),
        ("Topic", "Potential Customer"),
        ("Topic", "Status Reason", "Est. Revenue"),
    )


def _outcome(cells: Cells) -> Outcome | None:
    status = cells.get("Status", "statecode").lower()
    if status in ("won", "1"):
        return "won"
    if status in ("lost", "2"):
        return "lost"
    if status in ("open", "0"):
        return "open"
    reason = cells.get("Status Reason").lower()
    if reason == "won":
        return "won"
    if reason in _LOST_REASONS:
        return "lost"
    if reason in _OPEN_REASONS:
        return "open"
    return None


PRESET = Preset(
    name="dynamics",
    label="Dynamics 365 Sales",
    columns=COLUMNS,
    detect=_detect,
    stages=STAGES,
    outcome=_outcome,
    won_stages=(),
    lost_stages=(),
    signals=("Status", "statecode"),
    dropped=("(Do Not Modify) Row Checksum", "(Do Not Modify) Modified On", "Actual Revenue"),
)
