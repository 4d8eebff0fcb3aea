"""The domain: opportunities, problems and history records as plain dataclasses.

Nothing here does I/O or knows about YAML, git, Click or Textual.  Storage
parses files into plain mappings; :meth:`Opportunity.from_mapping` turns a
mapping that already passed validation into a typed record, keeping every key
it does not know as a custom field so nothing the user wrote is lost.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, Literal

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.errors import NotFound
from pipeline_tui.core.fields import KNOWN_FIELDS
from pipeline_tui.i18n import _, pgettext

__all__ = ["KNOWN_FIELDS"]  # re-exported: most callers read it next to the records

ACTIVITY_KINDS: tuple[str, ...] = ("call", "email", "meeting", "note")

ID_PATTERN = re.compile(r"^[a-z0-9\u4e00-\u9fff][a-z0-9\u4e00-\u9fff._-]{0,119}$")

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with one file, located as precisely as we can.

    Problems are values, not exceptions: loading returns them next to the
    records so one broken file never hides the rest of the pipeline.
    """

    path: str
    message: str
    line: int | None = None
    field: str | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        what = f"{self.field}: {self.message}" if self.field else self.message
        return f"{where}: {severity_label(self.severity)}: {what}"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "field": self.field,
            "severity": self.severity,
            "message": self.message,
        }


def severity_label(severity: str) -> str:
    """``error`` / ``warning`` for people, in the interface language (JSON keeps the key)."""
    labels = {"error": pgettext("severity", "error"), "warning": pgettext("severity", "warning")}
    return labels.get(severity, severity)


@dataclass(frozen=True, slots=True)
class Activity:
    """One logged touch: a call, an email, a meeting or a note."""

    at: datetime
    kind: str
    by: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class NextStep:
    due: date | None
    action: str | None


@dataclass(frozen=True, slots=True)
class Opportunity:
    """One sales opportunity, as its file says it is now.

    ``data`` is the full plain mapping (JSON-compatible values), including
    custom fields; the typed attributes are conveniences over it.
    """

    id: str
    title: str
    account: str
    stage: str
    created: datetime
    path: str
    data: Mapping[str, Any]
    amount: float | None = None
    currency: str | None = None
    owner: str | None = None
    source: str | None = None
    expected_close: date | None = None
    probability: float | None = None
    next_step: NextStep | None = None
    lost_reason: str | None = None
    won_reason: str | None = None
    contact: Mapping[str, Any] = field(default_factory=dict)
    profile: Mapping[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    activities: tuple[Activity, ...] = ()
    notes: str | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], path: str) -> Opportunity:
        """Build from a mapping that passed validation (see ``validation``)."""
        step = data.get("next_step")
        return cls(
            id=str(data["id"]),
            title=str(data["title"]),
            account=str(data["account"]),
            stage=str(data["stage"]),
            created=to_datetime(data["created"]),
            path=path,
            data=data,
            amount=_opt_float(data.get("amount")),
            currency=_opt_str(data.get("currency")),
            owner=_opt_str(data.get("owner")),
            source=_opt_str(data.get("source")),
            expected_close=_opt_date(data.get("expected_close")),
            probability=_opt_float(data.get("probability")),
            next_step=(
                NextStep(_opt_date(step.get("due")), _opt_str(step.get("action")))
                if isinstance(step, Mapping)
                else None
            ),
            lost_reason=_opt_str(data.get("lost_reason")),
            won_reason=_opt_str(data.get("won_reason")),
            contact=_mapping(data.get("contact")),
            profile=_mapping(data.get("profile")),
            tags=tuple(str(t) for t in data.get("tags") or ()),
            activities=tuple(
                Activity(
                    at=to_datetime(a["at"]),
                    kind=str(a.get("kind", "note")),
                    by=_opt_str(a.get("by")),
                    note=_opt_str(a.get("note")),
                )
                for a in data.get("activities") or ()
                if isinstance(a, Mapping) and a.get("at") is not None
            ),
            notes=_opt_str(data.get("notes")),
        )


@dataclass(frozen=True, slots=True)
class Pipeline:
    """The whole pipeline at one moment: config, valid records, and problems."""

    config: PipelineConfig
    opportunities: tuple[Opportunity, ...]
    problems: tuple[Problem, ...] = ()

    def get(self, opp_id: str) -> Opportunity:
        for record in self.opportunities:
            if record.id == opp_id:
                return record
        raise NotFound(_("no opportunity {opp_id!r}").format(opp_id=opp_id))

    def probability(self, record: Opportunity) -> float:
        """The record's own probability, else its stage's configured default."""
        if record.probability is not None:
            return record.probability
        if self.config.has_stage(record.stage):
            return self.config.stage(record.stage).probability
        return 0.0

    def is_open(self, record: Opportunity) -> bool:
        return self.config.is_open(record.stage)


def get_dotted(data: Mapping[str, Any], key: str) -> Any:
    """``get_dotted(d, "contact.email")``: the nested value, or None."""
    node: Any = data
    for part in key.split("."):
        if type(node) is not dict and not isinstance(node, Mapping):  # dict: skip the ABC check
            return None
        node = node.get(part)
    return node


def is_filled(value: Any) -> bool:
    """Whether a field counts as filled for ``requires`` and completeness."""
    if value is None:
        return False
    if isinstance(value, str | list | tuple | dict):
        return len(value) > 0
    return True


def to_datetime(value: Any) -> datetime:
    """Coerce a YAML date, datetime or ISO string to an aware datetime (UTC if naive)."""
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, date):
        result = datetime.combine(value, time(0, 0))
    else:
        result = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return result if result.tzinfo else result.replace(tzinfo=UTC)


def to_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


_JSON_LEAVES = frozenset({str, int, float, bool, type(None)})


def jsonable(value: Any) -> Any:
    """Plain JSON-compatible copy of a parsed YAML value (dates as ISO strings).

    Every file read passes here, so the common shapes are spelled out: a
    plain leaf is tested by exact type (``isinstance`` against the
    ``Mapping`` ABC costs more than the rest), and a ``dict``'s plain values
    are copied without a call each (a deal file holds about forty of them).
    """
    kind = type(value)
    if kind in _JSON_LEAVES:
        return value
    if kind is dict:
        return {
            k if type(k) is str else str(k): v if type(v) in _JSON_LEAVES else jsonable(v)
            for k, v in value.items()
        }
    if kind is list:
        return [v if type(v) in _JSON_LEAVES else jsonable(v) for v in value]
    if kind is datetime or kind is date:  # every deal has some: before the ABC checks
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _opt_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _opt_date(value: Any) -> date | None:
    if value is None:
        return None
    try:
        return to_date(value)
    except ValueError:
        return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def same_value(a: Any, b: Any) -> bool:
    """Equality that respects what the YAML text says, for merging and rewriting.

    Python's ``==`` says ``1 == 1.0 == True`` and equates datetimes at the same
    instant in different zones; a merge that trusted it would silently drop a
    teammate's edit from ``1`` to ``true`` or from ``+00:00`` to ``+02:00``.
    """
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is not type(b):
        return False
    if isinstance(a, datetime):
        return bool(a == b and a.utcoffset() == b.utcoffset())
    return bool(a == b)
