"""The editable fields of a form: what each one holds and how typed text becomes a value.

Forms stay dumb: a :class:`FieldSpec` says "this is a date" and
:func:`parse_field` turns ``2026-12-15`` into a date or explains what is
wrong.  Whether the whole record is acceptable is decided by the same
validation ``pipeline validate`` runs (:func:`preview_problems`), plus the
owner rule of the CLI (:func:`owner_problems`).

The new/edit form is every known field with ``form=True`` in
:mod:`pipeline_tui.core.fields`, then the configured ``profile_fields``,
then the custom fields the deal already has (:func:`record_specs`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Literal

from pipeline_tui.core.clock import now
from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.dates import parse_date
from pipeline_tui.core.fields import BY_KEY, FieldDef, form_fields
from pipeline_tui.core.model import get_dotted, is_filled, jsonable
from pipeline_tui.core.validation import missing_requirements, opportunity_problems
from pipeline_tui.i18n import _

Kind = Literal["text", "longtext", "number", "share", "date", "choice", "tags"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    key: str  # dotted, e.g. contact.email
    label: str
    kind: Kind = "text"
    choices: tuple[str, ...] = ()
    required: bool = False
    suggestions: tuple[str, ...] = ()


def record_specs(
    config: PipelineConfig, owners: tuple[str, ...] = (), data: Mapping[str, Any] | None = None
) -> list[FieldSpec]:
    """The fields of the new/edit form, in the order a salesperson fills them.

    The known ones (``FieldDef.form`` in :mod:`pipeline_tui.core.fields`),
    then ``profile_fields`` (profile completeness is a headline indicator, so
    the form asks for it), then the custom fields ``data`` (the deal being
    edited) already holds: nothing in the file is out of the form's reach.
    """
    data = data or {}
    known = [_spec(definition, config, owners) for definition in form_fields()]
    profile = list(_profile_specs(config, data))
    taken = {spec.key.split(".")[0] for spec in known} | {spec.key for spec in profile}
    return known + profile + list(_custom_specs(data, taken))


def _profile_specs(config: PipelineConfig, data: Mapping[str, Any]) -> Iterator[FieldSpec]:
    """One spec per configured profile field, where the deal keeps it.

    Under ``profile:`` unless the deal already has it at the top level (the
    metrics read both places, so a hand-written ``industry: retail`` stays put).
    """
    profile = data.get("profile")
    for name in config.profile_fields:
        if name in BY_KEY:  # a known field named as a profile field: already on the form
            continue
        nested = isinstance(profile, Mapping) and name in profile
        key = name if name in data and not nested and name not in BY_KEY else f"profile.{name}"
        kind = _kind_of(get_dotted(data, key))
        if kind is not None:
            yield FieldSpec(key, name, kind)


def _custom_specs(data: Mapping[str, Any], taken: set[str]) -> Iterator[FieldSpec]:
    """The deal's own top-level fields the schema does not know (``region: EMEA``).

    Only single values and lists of them are offered; a nested mapping or a
    yes/no flag is left as the file has it (``pipeline set`` can change it).
    """
    for key, value in data.items():
        if key in BY_KEY or key in taken:
            continue
        kind = _kind_of(value)
        if kind is not None and value is not None:
            yield FieldSpec(key, key, kind)


def _kind_of(value: Any) -> Kind | None:
    """How a field holding ``value`` is typed (text when empty); None: not in a form."""
    if value is None:
        return "text"
    if isinstance(value, bool | datetime):
        return None
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, date):
        return "date"
    if isinstance(value, str):
        return "longtext" if "\n" in value.strip() else "text"
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return "tags"
    return None


def spec_for(key: str, config: PipelineConfig) -> FieldSpec:
    """A required spec for any dotted key (the ``requires`` prompt asks for arbitrary fields).

    Known fields are typed by their definition; a custom key that looks like
    a date (``..._date``, ``..._due``, ``..._close``) is asked for as one.
    """
    definition = BY_KEY.get(key)
    if definition is not None:
        return replace(_spec(definition, config), required=True)
    if key.endswith(("date", "due", "_close")):
        return FieldSpec(key, key, "date", required=True)
    return FieldSpec(key, key, required=True)


def _spec(definition: FieldDef, config: PipelineConfig, owners: tuple[str, ...] = ()) -> FieldSpec:
    return FieldSpec(
        definition.key,
        _(definition.label),
        _FORM_KINDS.get(definition.kind, "text"),
        _choices(definition, config),
        definition.required,
        owners if definition.suggest_owners else (),
    )


def _choices(definition: FieldDef, config: PipelineConfig) -> tuple[str, ...]:
    if definition.choices == "sources":
        return config.sources
    if definition.choices == "lost_reasons":
        return config.lost_reasons
    if definition.choices == "stages":
        return config.stage_names
    return ()


#: How a field of each kind is typed into a form (others: as text).
_FORM_KINDS: dict[str, Kind] = {
    "longtext": "longtext",
    "share": "share",
    "number": "number",
    "date": "date",
    "datetime": "date",
    "choice": "choice",
    "tags": "tags",
}


def parse_field(spec: FieldSpec, raw: str) -> Any:
    """The value typed text stands for (None when empty); ValueError says why not."""
    text = raw.strip()
    if not text:
        if spec.required:
            raise ValueError(_("required"))
        return None
    if spec.kind == "number":
        try:
            number = float(text.replace(",", "").replace("_", ""))
        except ValueError:
            raise ValueError(_("expected a number, e.g. 120000")) from None
        return int(number) if number.is_integer() else number
    if spec.kind == "share":
        return parse_share(text)
    if spec.kind == "date":  # relative ones too (+3d, next monday, 明天), as in the CLI
        try:
            return parse_date(text, now().astimezone().date())
        except ValueError:
            raise ValueError(_("expected a date: YYYY-MM-DD, +3d, next monday, 明天")) from None
    if spec.kind == "tags":
        return [t.strip() for t in text.split(",") if t.strip()]
    return text


def parse_share(text: str) -> float | int:
    """A probability: ``0.4`` or ``40%`` (``40`` alone is refused: 40 or 0.4?)."""
    percent = text.endswith("%")
    try:
        number = float(text.removesuffix("%").strip().replace(",", "."))
    except ValueError:
        number = -1.0
    if percent:
        number /= 100
    if not 0 <= number <= 1:
        raise ValueError(_("expected 0 to 1 or a percentage, e.g. 0.4 or 40%"))
    number = round(number, 6)
    return int(number) if number.is_integer() else number


def owner_problems(
    config: PipelineConfig, values: Mapping[str, Any], before: Any = None
) -> dict[str, str]:
    """``owner`` -> why it is refused, as ``pipeline new --owner`` refuses it.

    ``before`` (the owner the deal already has) stays acceptable, so editing
    another field of a deal owned by someone who has left the team still saves.
    """
    owner = values.get("owner")
    if not isinstance(owner, str) or owner == before:
        return {}
    problem = config.owner_problem(owner)
    return {"owner": problem} if problem else {}


def format_field(spec: FieldSpec, value: Any) -> str:
    """The text an input starts with for an existing value."""
    if value is None:
        return ""
    if spec.kind == "tags" and isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def merged(base: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with dotted ``values`` applied (None removes), as plain JSON-like data."""
    result: dict[str, Any] = jsonable(base)
    for key, value in values.items():
        node = result
        *parents, last = key.split(".")
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        if value is None:
            node.pop(last, None)
        else:
            node[last] = jsonable(value)
    return result


def preview_problems(
    config: PipelineConfig, data: Mapping[str, Any], path: str, stage: str | None = None
) -> dict[str, str]:
    """field -> message for everything ``validate`` would refuse in ``data``.

    With ``stage``, the stage's ``requires`` are checked too (a move or a new
    deal in that stage needs them).
    """
    errors: dict[str, str] = {}
    for problem in opportunity_problems(data, path, config):
        if problem.severity == "error":
            errors.setdefault(problem.field or "", problem.message)
    if stage is not None and config.has_stage(stage):
        for key in missing_requirements(data, config.stage(stage)):
            errors.setdefault(key, _("required by stage {stage}").format(stage=stage))
    return errors


def changed_values(
    specs: list[FieldSpec], before: Mapping[str, Any], values: Mapping[str, Any]
) -> dict[str, Any]:
    """Only the fields the user actually changed (an edit commits just those)."""
    changes: dict[str, Any] = {}
    for spec in specs:
        old = jsonable(get_dotted(before, spec.key))
        new = jsonable(values.get(spec.key))
        if isinstance(old, str) and isinstance(new, str) and old.strip() == new.strip():
            continue  # a note's final newline is not a change
        if (is_filled(old) or is_filled(new)) and old != new:
            changes[spec.key] = values.get(spec.key)
    return changes
