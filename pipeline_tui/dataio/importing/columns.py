"""Which column feeds which field: synonyms, ``--map`` options, custom fields.

Pure.  Column names are compared after normalizing (lower case, runs of
non-alphanumerics to ``_``), so ``Deal Name``, ``deal_name`` and
``DEAL-NAME`` are the same column.  A column that matches no field is kept as
a custom field under its normalized name: an import never drops data it was
not told to drop (``--map column=`` drops one on purpose).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pipeline_tui.core.model import ID_PATTERN, KNOWN_FIELDS

#: Role fields that are not stored under their own name: ``external_id`` links
#: a row to its file; ``engaged`` and ``closed`` are dates that drive history.
ROLE_FIELDS = ("external_id", "engaged", "closed")

#: Field -> accepted column names (normalized), best first.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "external_id": (
        "external_id", "opportunity_id", "deal_id", "record_id", "crm_id", "id",
    ),
    "title": ("title", "deal_name", "opportunity_name", "deal", "opportunity", "name", "subject"),
    "account": (
        "account", "company", "account_name", "company_name", "customer", "client",
        "organization", "organisation",
    ),
    "stage": ("stage", "deal_stage", "pipeline_stage", "status", "phase"),
    "amount": ("amount", "value", "deal_value", "close_value", "deal_amount", "deal_size"),
    "currency": ("currency",),
    "owner": (
        "owner", "sales_agent", "deal_owner", "sales_rep", "salesperson", "rep", "agent",
        "assigned_to",
    ),
    "source": ("source", "lead_source", "channel"),
    "created": (
        "created", "created_at", "created_date", "create_date", "date_created", "open_date",
    ),
    "engaged": ("engaged", "engage_date", "engaged_at", "engaged_date", "engagement_date"),
    "closed": ("closed", "close_date", "closed_at", "closed_date", "date_closed"),
    "expected_close": ("expected_close", "expected_close_date"),
    "probability": ("probability", "win_probability"),
    "lost_reason": ("lost_reason", "loss_reason", "reason_lost"),
    "won_reason": ("won_reason", "win_reason"),
    "contact.name": ("contact_name", "contact"),
    "contact.email": ("contact_email", "email"),
    "contact.phone": ("contact_phone", "phone"),
    "contact.role": ("contact_role",),
    "next_step.action": ("next_step_action", "next_step"),
    "next_step.due": ("next_step_due",),
    "notes": ("notes", "description", "comments"),
    "tags": ("tags", "labels"),
}  # fmt: skip

#: Columns ``pipeline export`` derives from history; importing them back would
#: turn computed dates into stale custom fields.
DERIVED_PREFIXES = ("entered_", "stage_entered_")

_NESTED_ROOTS = ("contact", "next_step", "profile")


def normalize(name: str) -> str:
    return re.sub(r"[^0-9a-z\u4e00-\u9fff]+", "_", name.strip().lower()).strip("_")


def is_target_field(name: str) -> bool:
    """A field ``--map column=FIELD`` may name: known, role, nested or custom."""
    if name in KNOWN_FIELDS or name in ROLE_FIELDS or name in SYNONYMS:
        return name not in {"id", "activities"}
    root, _, rest = name.partition(".")
    if rest:
        return root in _NESTED_ROOTS and bool(re.fullmatch(r"[a-z0-9_]+", rest))
    return bool(ID_PATTERN.match(name)) and "." not in name


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    """Field -> the column it comes from, plus the columns left out and why."""

    fields: Mapping[str, str]
    ignored: Mapping[str, str]

    def column_of(self, field: str) -> str | None:
        return self.fields.get(field)


def plan_columns(columns: Sequence[str], overrides: Mapping[str, str]) -> ColumnPlan:
    """Assign every column to a field: ``--map`` first, then synonyms, then custom."""
    by_norm = {normalize(c): c for c in columns}
    norm_overrides = {normalize(k): v for k, v in overrides.items()}
    fields: dict[str, str] = {}
    ignored: dict[str, str] = {}
    taken: set[str] = set()
    for norm, target in norm_overrides.items():
        column = by_norm.get(norm)
        if column is None:
            continue
        taken.add(column)
        if target:
            fields[target] = column
        else:
            ignored[column] = "dropped by --map"
    for field, names in SYNONYMS.items():
        if field in fields:
            continue
        for name in names:
            column = by_norm.get(name)
            if column is not None and column not in taken:
                fields[field] = column
                taken.add(column)
                break
    for column in columns:
        if column in taken:
            continue
        _place_custom(column, fields, ignored)
    return ColumnPlan(fields, ignored)


def _place_custom(column: str, fields: dict[str, str], ignored: dict[str, str]) -> None:
    name = normalize(column)
    if name.startswith(DERIVED_PREFIXES):
        ignored[column] = "derived from history by `pipeline export`"
    elif name in fields or name in SYNONYMS or name in KNOWN_FIELDS:
        other = fields.get(name) or next(
            (fields[f] for f, names in SYNONYMS.items() if name in names and f in fields), "?"
        )
        ignored[column] = f"its field already comes from column {other!r}"
    elif not is_target_field(name):
        ignored[column] = "its name cannot be a field name"
    else:
        fields[name] = column
