"""The editable fields of a form: what each one holds and how typed text becomes a value.

Forms stay dumb: a :class:`FieldSpec` says "this is a date" and
:func:`parse_field` turns ``2026-12-15`` into a date or explains what is
wrong.  Whether the whole record is acceptable is decided by the same
validation ``pipeline validate`` runs (:func:`preview_problems`).
"""

from __future__ import annotations

from collections.abc import Mapping
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

Kind = Literal["text", "number", "date", "choice", "tags"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    key: str  # dotted, e.g. contact.email
    label: str
    kind: Kind = "text"
    choices: tuple[str, ...] = ()
    required: bool = False
    suggestions: tuple[str, ...] = ()


def record_specs(config: PipelineConfig, owners: tuple[str, ...] = ()) -> list[FieldSpec]:
    """The fields of the new/edit form (``FieldDef.form`` in :mod:`pipeline_tui.core.fields`)."""
    return [_spec(definition, config, owners) for definition in form_fields()]


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
    return ()


#: How a field of each kind is typed into a form (others: as text).
_FORM_KINDS: dict[str, Kind] = {
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
    if spec.kind == "date":  # relative ones too (+3d, next monday, 明天), as in the CLI
        try:
            return parse_date(text, now().astimezone().date())
        except ValueError:
            raise ValueError(_("expected a date: YYYY-MM-DD, +3d, next monday, 明天")) from None
    if spec.kind == "tags":
        return [t.strip() for t in text.split(",") if t.strip()]
    return text


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
        if (is_filled(old) or is_filled(new)) and old != new:
            changes[spec.key] = values.get(spec.key)
    return changes
