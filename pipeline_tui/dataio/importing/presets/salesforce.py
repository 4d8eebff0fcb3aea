"""Salesforce opportunities: Data Loader / weekly export (API names) and report exports (labels).

API exports carry ``StageName``, ``CloseDate``, ``IsWon``/``IsClosed`` and
ids for the account and owner (resolved from the ``Account.csv`` and
``User.csv`` of the same export); report exports carry labels (``Opportunity
Owner``, ``Stage``, ``Close Date``) and ``Won``/``Closed`` flags.  Naive
date-times of the API export are UTC (GMT in Salesforce's words).
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
    CrmStage("Prospecting", 0.1),
    CrmStage("Qualification", 0.1),
    CrmStage("Needs Analysis", 0.2),
    CrmStage("Value Proposition", 0.5),
    CrmStage("Id. Decision Makers", 0.6),
    CrmStage("Perception Analysis", 0.7),
    CrmStage("Proposal/Price Quote", 0.75),
    CrmStage("Negotiation/Review", 0.9),
)

COLUMNS = {
    "external_id": ("Id", "Opportunity ID"),
    "title": ("Name", "Opportunity Name"),
    "account": ("Account Name", "AccountId", "Account ID"),
    "stage": ("StageName", "Stage"),
    "amount": ("Amount",),
    "currency": ("CurrencyIsoCode", "Opportunity Currency", "Amount Currency"),
    "owner": ("Opportunity Owner", "OwnerId", "Owner ID", "Owner Name"),
    "source": ("LeadSource", "Lead Source"),
    "created": ("CreatedDate", "Created Date"),
    "closed": ("CloseDate", "Close Date"),
    "probability": ("Probability", "Probability (%)"),
    "lost_reason": ("Loss_Reason__c", "Loss Reason", "Lost Reason"),
    "next_step.action": ("NextStep", "Next Step"),
    "notes": ("Description",),
}  # fmt: skip


def _detect(columns: Sequence[str]) -> tuple[str, ...] | None:
    if headers_present(columns, ("OpportunityId", "StageName")):
        return None  # OpportunityHistory.csv: a stage-history file, not deals
    return headers_present(
        columns,
        ("StageName", "CloseDate"),
        ("Opportunity Name", "Stage", "Close Date"),
        ("Opportunity Owner", "Stage", "Close Date"),
    )


def _outcome(cells: Cells) -> Outcome | None:
    won = flag(cells, "IsWon", "Won")
    closed = flag(cells, "IsClosed", "Closed")
    if won:
        return "won"
    if closed:
        return "lost"
    if closed is False:
        return "open"
    forecast = cells.get("ForecastCategoryName", "Forecast Category").lower()
    if forecast == "omitted":
        return "lost"
    return None


PRESET = Preset(
    name="salesforce",
    label="Salesforce",
    columns=COLUMNS,
    detect=_detect,
    stages=STAGES,
    outcome=_outcome,
    signals=("IsWon", "IsClosed", "Won", "Closed", "ForecastCategoryName", "Forecast Category"),
    dropped=("IsDeleted", "CreatedById", "LastModifiedDate", "LastModifiedById",
             "SystemModstamp", "LastActivityDate", "FiscalYear", "FiscalQuarter", "Fiscal",
             "Fiscal Period", "ExpectedRevenue", "HasOpportunityLineItem"),
    naive_utc=True,
    lookups={"account": ("Account.csv",), "owner": ("User.csv",)},
    history_files=("OpportunityHistory.csv",),
)  # fmt: skip
