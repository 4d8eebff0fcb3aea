"""Odoo CRM (``crm.lead``) export, with labels or technical names.

Won is the won stage (``Won``) or probability 100 on an active lead; lost is
an archived lead (``Active`` False) at probability 0, which keeps an ordinary
stage.  Amounts are in the company currency (no per-row currency); naive
date-times are UTC.
"""

from __future__ import annotations

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
    CrmStage("New", 0.1),
    CrmStage("Qualified", 0.3),
    CrmStage("Proposition", 0.7),
)

COLUMNS = {
    "external_id": ("External ID", "id"),
    "title": ("Opportunity", "name"),
    "account": ("Customer", "partner_id", "Company Name", "partner_name"),
    "stage": ("Stage", "stage_id"),
    "amount": ("Expected Revenue", "expected_revenue", "planned_revenue"),
    "currency": ("Currency", "company_currency"),
    "owner": ("Salesperson", "user_id"),
    "source": ("Source", "source_id"),
    "created": ("Created on", "create_date"),
    "closed": ("Closed Date", "date_closed"),
    "expected_close": ("Expected Closing", "date_deadline"),
    "probability": ("Probability", "probability"),
    "lost_reason": ("Lost Reason", "lost_reason_id", "lost_reason"),
    "contact.name": ("Contact Name", "contact_name"),
    "contact.email": ("Email", "email_from"),
    "tags": ("Tags", "tag_ids"),
    "notes": ("Notes", "description"),
}  # fmt: skip


def _detect(columns: Sequence[str]) -> tuple[str, ...] | None:
    return headers_present(
        columns,
        ("Opportunity", "Expected Revenue", "Expected Closing"),
        ("name", "stage_id", "date_deadline"),
    )


def _outcome(cells: Cells) -> Outcome | None:
    active = flag(cells, "Active", "active")
    probability = cells.get("Probability", "probability")
    try:
        chance = float(probability) if probability else None
    except ValueError:
        chance = None
    if cells.get("Stage", "stage_id").lower() == "won" or (chance == 100 and active is not False):
        return "won"
    if active is False and (chance is None or chance == 0):
        return "lost"
    if active is not None:
        return "open"
    return None


PRESET = Preset(
    name="odoo",
    label="Odoo CRM",
    columns=COLUMNS,
    detect=_detect,
    stages=STAGES,
    outcome=_outcome,
    won_stages=("Won",),
    lost_stages=(),
    signals=("Active", "active"),
    dropped=("Sales Team", "team_id"),
    naive_utc=True,
)
