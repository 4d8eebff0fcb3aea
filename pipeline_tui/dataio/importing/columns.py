"""Which column feeds which field: synonyms, ``--map`` options, custom fields.

Pure.  Column names are compared by :func:`header_key` (camelCase split,
lower case, runs of non-alphanumerics to ``_``, a Pipedrive-style ``Deal -``
prefix and a byte-order mark dropped) and then without the underscores, so
``Deal Name``, ``deal_name``, ``DealName``, ``DEALNAME`` (Data Loader) and
``Deal - Deal Name`` are the same column.  A column that matches no field is kept as
a custom field under its normalized name: an import never drops data it was
not told to drop (``--map column=`` drops one on purpose).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pipeline_tui.core.fields import BY_KEY, FIELDS, import_synonyms
from pipeline_tui.core.model import ID_PATTERN, KNOWN_FIELDS
from pipeline_tui.i18n import _

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


_DEAL_PREFIX = re.compile(r"^deal\s*[-\u2013\u2014:]\s+", re.IGNORECASE)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def header_key(name: str) -> str:
    """A column name as a field-like key: ``StageName`` -> stage_name, ``Deal - Stage`` -> stage."""
    text = _DEAL_PREFIX.sub("", name.replace("\ufeff", "").strip())
    return normalize(_CAMEL.sub("_", text))


@functools.lru_cache(maxsize=4096)
def compact(name: str) -> str:
    """:func:`header_key` without separators: ``STAGENAME`` and ``StageName`` agree.

    Cached: the presets compare every row's stage and signal cells with it, so
    a 100,000-row import asks for the same few dozen names millions of times.
    """
    return header_key(name).replace("_", "")


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
    """Field -> the column it comes from, plus the columns left out and why.

    ``signals`` are columns a CRM preset reads for itself (won/lost flags,
    "Date entered" stage history) rather than storing them; ``custom`` are
    columns no field name matched, kept as custom fields (named in a warning,
    since a column the user expected to match lands there).
    """

    fields: Mapping[str, str]
    ignored: Mapping[str, str]
    signals: Mapping[str, str] = field(default_factory=dict)
    custom: tuple[str, ...] = ()

    def column_of(self, field: str) -> str | None:
        return self.fields.get(field)


def find_column(columns: Iterable[str], names: Iterable[str]) -> str | None:
    """The first column matching one of ``names`` (compared with :func:`compact`)."""
    by_key = {compact(c): c for c in columns}
    return next((by_key[compact(n)] for n in names if compact(n) in by_key), None)


def plan_columns(
    columns: Sequence[str],
    overrides: Mapping[str, str],
    preset: Mapping[str, Sequence[str]] | None = None,
    signals: Mapping[str, str] | None = None,
    dropped: Mapping[str, str] | None = None,
) -> ColumnPlan:
    """Assign every column to a field: ``--map`` first, a preset's names, synonyms, custom.

    ``signals`` (column -> what it tells) and ``dropped`` (column -> why) come
    from a CRM preset: neither becomes a field.
    """
    by_key = {compact(c): c for c in columns}
    fields: dict[str, str] = {}
    ignored: dict[str, str] = {}
    taken: set[str] = set()
    for name, target in overrides.items():
        column = by_key.get(compact(name))
        if column is None:
            continue
        taken.add(column)
        if target:
            fields[target] = column
        else:
            ignored[column] = _("dropped by --map")
    used = {c: why for c, why in (signals or {}).items() if c not in taken}
    taken |= set(used)
    for column, why in (dropped or {}).items():
        if column not in taken:
            ignored[column] = why
            taken.add(column)
    for source in (preset or {}, SYNONYMS):
        for fld, names in source.items():
            if fld in fields:
                continue
            for name in names:
                column = by_key.get(compact(name))
                if column is not None and column not in taken:
                    fields[fld] = column
                    taken.add(column)
                    break
    custom = []
    for column in columns:
        if column in taken:
            continue
        if _place_custom(column, fields, ignored):
            custom.append(column)
    return ColumnPlan(fields, ignored, used, tuple(custom))


def _place_custom(column: str, fields: dict[str, str], ignored: dict[str, str]) -> bool:
    name = header_key(column)
    if name.startswith(DERIVED_PREFIXES):
        ignored[column] = _("derived from history by `pipeline export`")
    elif name in fields or name in SYNONYMS or name in KNOWN_FIELDS:
        other = fields.get(name) or next(
            (fields[f] for f, names in SYNONYMS.items() if name in names and f in fields), "?"
        )
        ignored[column] = _("its field already comes from column {other!r}").format(other=other)
    elif not is_target_field(name):
        ignored[column] = _("its name cannot be a field name")
    else:
        fields[name] = column
        return True
    return False
