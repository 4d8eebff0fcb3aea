"""The known opportunity fields, one :class:`FieldDef` each: everything else derives from here.

The order files are written in (``KNOWN_FIELDS``), the new/edit form of the
TUI, the column names ``pipeline import`` recognizes and the columns
``pipeline export`` writes all read these rows, so a new known field is its
``FieldDef`` here, its property in ``schema/opportunity.schema.json`` (a test
checks the two agree) and its label in the ``.po`` catalog.

Labels are gettext msgids, translated where they are shown.  Pure data: no
I/O, nothing imported beyond the standard library and :mod:`pipeline_tui.i18n`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from pipeline_tui.i18n import N_, _, current_language, pgettext

#: text/longtext/number/share/date/datetime/choice/tags: one value (longtext: many lines;
#: share: a fraction 0-1, typed as 0.4 or 40%); group: fixed sub-fields;
#: mapping: free-form sub-fields (``profile.industry``); list: many items (activities).
FieldKind = Literal[
    "text",
    "longtext",
    "number",
    "share",
    "date",
    "datetime",
    "choice",
    "tags",
    "group",
    "mapping",
    "list",
]
#: The ``pipeline.yaml`` list a choice field's values come from.
ChoiceSource = Literal["sources", "lost_reasons", "stages"]


@dataclass(frozen=True, slots=True)
class FieldDef:
    """One known field (``key`` is dotted for a sub-field, e.g. ``contact.email``)."""

    key: str
    kind: FieldKind
    label: str  # gettext msgid
    #: The schema requires it; export always writes its column.
    required: bool = False
    #: On the TUI's new/edit form (in the order of :data:`FIELDS`).
    form: bool = False
    choices: ChoiceSource | None = None
    #: The form offers the team's names while typing.
    suggest_owners: bool = False
    #: Column names ``pipeline import`` reads into this field (normalized), best first.
    synonyms: tuple[str, ...] = ()
    #: Written as CSV column(s) by ``pipeline export`` (activities are many per deal).
    export: bool = True
    #: ``--map COLUMN=FIELD`` may name it (id comes from the file name; activities and
    #: conflicts are written by the program).
    mappable: bool = True
    #: False for keys the program keeps for itself (merge conflicts): not part of
    #: :data:`KNOWN_FIELDS`, so they stay where they were written, after the user's fields.
    known: bool = True
    subfields: tuple[FieldDef, ...] = ()


FIELDS: tuple[FieldDef, ...] = (
    FieldDef("id", "text", N_("ID"), required=True, mappable=False),
    FieldDef(
        "title",
        "text",
        N_("Title"),
        required=True,
        form=True,
        synonyms=(
            "title",
            "deal_name",
            "opportunity_name",
            "deal",
            "opportunity",
            "name",
            "subject",
            "topic",
        ),
    ),
    FieldDef(
        "account",
        "text",
        N_("Account"),
        required=True,
        form=True,
        synonyms=(
            "account",
            "company",
            "account_name",
            "company_name",
            "customer",
            "client",
            "organization",
            "organisation",
            "account_id",
        ),
    ),
    FieldDef(
        "stage",
        "choice",
        N_("Stage"),
        required=True,
        form=True,
        choices="stages",
        synonyms=("stage", "deal_stage", "stage_name", "pipeline_stage", "status", "phase"),
    ),
    FieldDef(
        "amount",
        "number",
        N_("Amount"),
        form=True,
        synonyms=("amount", "value", "deal_value", "close_value", "deal_amount", "deal_size"),
    ),
    FieldDef(
        "currency",
        "text",
        N_("Currency"),
        form=True,
        synonyms=("currency", "currency_iso_code", "currency_code"),
    ),
    FieldDef(
        "owner",
        "text",
        N_("Owner"),
        form=True,
        suggest_owners=True,
        synonyms=(
            "owner",
            "sales_agent",
            "deal_owner",
            "sales_rep",
            "salesperson",
            "rep",
            "agent",
            "assigned_to",
            "owner_id",
            "owner_name",
        ),
    ),
    FieldDef(
        "source",
        "choice",
        N_("Source"),
        form=True,
        choices="sources",
        synonyms=("source", "lead_source", "channel"),
    ),
    FieldDef(
        "created",
        "datetime",
        N_("Created"),
        required=True,
        synonyms=(
            "created",
            "created_at",
            "created_date",
            "create_date",
            "date_created",
            "open_date",
        ),
    ),
    FieldDef(
        "expected_close",
        "date",
        N_("Expected close"),
        form=True,
        synonyms=("expected_close", "expected_close_date"),
    ),
    FieldDef(
        "probability",
        "share",
        N_("Probability"),
        form=True,
        synonyms=("probability", "win_probability"),
    ),
    FieldDef(
        "next_step",
        "group",
        N_("Next step"),
        subfields=(
            FieldDef(
                "next_step.action",
                "text",
                N_("Next step"),
                form=True,
                synonyms=("next_step_action", "next_step"),
            ),
            FieldDef(
                "next_step.due", "date", N_("Next step due"), form=True, synonyms=("next_step_due",)
            ),
        ),
    ),
    FieldDef(
        "lost_reason",
        "choice",
        N_("Lost reason"),
        choices="lost_reasons",
        synonyms=("lost_reason", "loss_reason", "reason_lost"),
    ),
    FieldDef("won_reason", "text", N_("Won reason"), synonyms=("won_reason", "win_reason")),
    FieldDef(
        "contact",
        "group",
        N_("Contact"),
        subfields=(
            FieldDef(
                "contact.name",
                "text",
                N_("Contact name"),
                form=True,
                synonyms=("contact_name", "contact"),
            ),
            FieldDef(
                "contact.email",
                "text",
                N_("Contact email"),
                form=True,
                synonyms=("contact_email", "email"),
            ),
            FieldDef(
                "contact.role", "text", N_("Contact role"), form=True, synonyms=("contact_role",)
            ),
            FieldDef(
                "contact.phone",
                "text",
                N_("Contact phone"),
                form=True,
                synonyms=("contact_phone", "phone"),
            ),
        ),
    ),
    FieldDef("profile", "mapping", N_("Profile")),
    FieldDef("tags", "tags", N_("Tags"), form=True, synonyms=("tags", "labels")),
    FieldDef("activities", "list", N_("Activities"), export=False, mappable=False),
    FieldDef(
        "notes",
        "longtext",
        N_("Notes"),
        form=True,
        synonyms=("notes", "description", "comments"),
    ),
    FieldDef("conflicts", "mapping", N_("Conflicts"), mappable=False, known=False),
)


def all_fields() -> Iterator[FieldDef]:
    """Every field and sub-field, depth first (``contact``, then ``contact.name``, ...)."""
    for definition in FIELDS:
        yield definition
        yield from definition.subfields


#: Dotted key -> definition, sub-fields included.
BY_KEY: dict[str, FieldDef] = {f.key: f for f in all_fields()}

#: The top-level keys the schema knows, in the order a new file is written.
KNOWN_FIELDS: tuple[str, ...] = tuple(f.key for f in FIELDS if f.known)


def misspelled_field(key: str) -> str | None:
    """The known field ``key`` is most likely a typo of (``amout`` -> ``amount``), or None.

    Unknown keys are custom fields, which are welcome; only a key that is
    not known but nearly spells one is worth a word, since it would
    otherwise land in the file as a custom field nobody meant.
    """
    if key in BY_KEY:
        return None
    near = difflib.get_close_matches(key, BY_KEY, n=1, cutoff=0.8)
    return near[0] if near else None


def field_label(key: str) -> str:
    """A field (or a table column) as people read it: the key in English, a word otherwise.

    English shows the key itself, which is what the user types (``pipeline set
    ID expected_close=...``) and what the file holds; another language shows
    the field's translated label, or the ``msgctxt "column"`` word for the
    columns that are not fields (``entered``, ``author``), or else the key.
    """
    if current_language() == "en":
        return key
    definition = BY_KEY.get(key)
    return _(definition.label) if definition is not None else pgettext("column", key)


def form_fields() -> tuple[FieldDef, ...]:
    """The fields of the TUI's new/edit form, in the order a salesperson fills them."""
    return tuple(f for f in all_fields() if f.form)


def import_synonyms() -> dict[str, tuple[str, ...]]:
    """Field -> the column names ``pipeline import`` reads into it, best first."""
    return {f.key: f.synonyms for f in all_fields() if f.synonyms}


def export_columns(present: set[str]) -> list[str]:
    """Known columns in field order: required ones always, others when some row has them.

    A group's sub-fields come in their declared order (``contact.name``,
    ``contact.email``, ...); free-form mappings (``profile``) are left to the
    caller, which lists their keys with the custom fields.
    """
    columns: list[str] = []
    for definition in FIELDS:
        if not definition.export or not definition.known:
            continue
        if definition.subfields:
            columns += [s.key for s in definition.subfields if s.key in present]
        elif definition.required or definition.key in present:
            columns.append(definition.key)
    return columns
