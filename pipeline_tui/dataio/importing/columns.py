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

from pipeline_tui.core.fields import BY_KEY, FIELDS, import_synonyms
from pipeline_tui.core.model import ID_PATTERN, KNOWN_FIELDS

#: Role fields that are not stored under their own name: ``external_id`` links
#: a row to its file; ``engaged`` and ``closed`` are dates that drive history.
ROLE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "external_id": (
        "external_id", "opportunity_id", "deal_id", "record_id", "crm_id", "id",
    ),
    "engaged": ("engaged", "engage_date", "engaged_at", "engaged_date", "engagement_date"),
    "closed": ("closed", "close_date", "closed_at", "closed_date", "date_closed"),
}  # fmt: skip
ROLE_FIELDS = tuple(ROLE_SYNONYMS)

#: Field -> accepted column names (normalized), best first: the role fields',
#: then each known field's (its ``FieldDef.synonyms`` in :mod:`pipeline_tui.core.fields`).
SYNONYMS: dict[str, tuple[str, ...]] = {**ROLE_SYNONYMS, **import_synonyms()}

#: Columns ``pipeline export`` derives from history; importing them back would
#: turn computed dates into stale custom fields.
DERIVED_PREFIXES = ("entered_", "stage_entered_")

#: Known fields holding sub-fields ``--map`` may name (``contact.email``, ``profile.industry``).
_NESTED_ROOTS = tuple(f.key for f in FIELDS if f.kind in ("group", "mapping") and f.mappable)


def normalize(name: str) -> str:
    return re.sub(r"[^0-9a-z\u4e00-\u9fff]+", "_", name.strip().lower()).strip("_")


def is_target_field(name: str) -> bool:
    """A field ``--map column=FIELD`` may name: known, role, nested or custom."""
    known = BY_KEY.get(name)
    if known is not None:
        return known.mappable
    if name in ROLE_FIELDS:
        return True
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
