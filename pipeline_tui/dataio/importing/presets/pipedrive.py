"""Pipedrive deals export: ``Deal - `` prefixed labels.

The outcome is ``Deal - Status`` (Open/Won/Lost); ``Deal - Stage`` is the
pipeline stage the deal sat in, never won or lost.  The close moment is
``Deal - Won time`` or ``Deal - Lost time``; ``Deal - Last stage change``
dates the entry into the current stage (the export's only stage history).
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline_tui.dataio.importing.presets.base import Cells, CrmStage, Outcome, Preset

STAGES = (
    CrmStage("Lead In"),
    CrmStage("Qualified"),
    CrmStage("Contact Made"),
    CrmStage("Needs Defined"),
    CrmStage("Demo Scheduled"),
    CrmStage("Proposal Made"),
    CrmStage("Negotiations Started"),
)

COLUMNS = {
    "external_id": ("Deal - ID",),
    "title": ("Deal - Title",),
    "account": ("Deal - Organization", "Organization - Name"),
    "stage": ("Deal - Stage",),
    "amount": ("Deal - Value",),
    "currency": ("Deal - Currency of Value", "Deal - Currency"),
    "owner": ("Deal - Owner",),
    "source": ("Deal - Source channel", "Deal - Source"),
    "created": ("Deal - Deal created", "Deal - Deal created on", "Deal - Add time"),
    "closed": ("Deal - Won time", "Deal - Lost time", "Deal - Deal closed on",
               "Deal - Close time"),
    "expected_close": ("Deal - Expected close date",),
    "probability": ("Deal - Probability",),
    "lost_reason": ("Deal - Lost reason",),
    "contact.name": ("Deal - Contact person",),
    "tags": ("Deal - Label",),
}  # fmt: skip


def _detect(columns: Sequence[str]) -> tuple[str, ...] | None:
    prefixed = [c for c in columns if c.replace("\u2013", "-").lower().startswith("deal - ")]
    return tuple(prefixed[:3]) if len(prefixed) >= 2 else None


def _outcome(cells: Cells) -> Outcome | None:
    status = cells.get("Deal - Status").lower()
    if status in ("won", "lost", "open"):
        return status  # type: ignore[return-value]
    if status == "deleted":
        return None
    if cells.get("Deal - Won time"):
        return "won"
    if cells.get("Deal - Lost time"):
        return "lost"
    return None


PRESET = Preset(
    name="pipedrive",
    label="Pipedrive",
    columns=COLUMNS,
    detect=_detect,
    stages=STAGES,
    outcome=_outcome,
    signals=("Deal - Status", "Deal - Last stage change"),
    dropped=("Deal - Weighted value", "Deal - Currency of Weighted value",
             "Deal - Organization ID", "Deal - Contact person ID", "Deal - Update time",
             "Deal - Creator", "Deal - Pipeline"),
    current_stage_since=("Deal - Last stage change",),
)  # fmt: skip
