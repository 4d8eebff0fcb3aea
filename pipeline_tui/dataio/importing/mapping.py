"""Rows of text to opportunity fields and dated events: the import rules, pure.

Given a :class:`Table`, the pipeline config and the user's options, this
decides for every row what the opportunity will hold and what happened when
(created, engaged, closed), or why the row cannot be imported.  Nothing here
reads files or touches git, so every rule is testable on plain values and the
dry run shows exactly what the real run would do.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pipeline_tui.core.config import PipelineConfig, TeamMember
from pipeline_tui.core.model import get_dotted, is_filled
from pipeline_tui.core.validation import missing_requirements, opportunity_problems
from pipeline_tui.dataio.importing.columns import (
    SYNONYMS,
    ColumnPlan,
    is_target_field,
    normalize,
    plan_columns,
)
from pipeline_tui.dataio.importing.table import Row, RowProblem, Table
from pipeline_tui.dataio.importing.values import (
    SlashOrder,
    parse_amount,
    parse_date,
    parse_datetime,
    parse_probability,
    parse_tags,
    slash_order,
)

_DATETIME_FIELDS = ("created",)
_MOMENT_FIELDS = ("engaged", "closed")  # a date, or a date-time when the cell has a time
_DATE_FIELDS = ("expected_close", "next_step.due", *_MOMENT_FIELDS)
_LISTED = ("source", "lost_reason", "owner")
_TEMPLATE_NAME = re.compile(r"\{([^{}]+)\}")
_PLACEHOLDER_ID = "import-row"


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """What the user told ``pipeline import`` (already parsed)."""

    now: datetime
    column_map: Mapping[str, str] = field(default_factory=dict)
    value_map: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    defaults: Mapping[str, str] = field(default_factory=dict)
    title_template: str | None = None
    extend_config: bool = False
    team: Mapping[str, TeamMember] = field(default_factory=dict)  # from --team FILE


@dataclass(frozen=True, slots=True)
class Event:
    """One dated step of a row's life: becomes one backdated commit with ``--history``."""

    when: datetime
    stage: str
    what: str  # "created", "engaged" or "closed"


@dataclass(frozen=True, slots=True)
class MappedRow:
    number: int
    external_id: str
    fields: Mapping[str, Any]  # the record without ``id``; dotted keys already nested
    events: tuple[Event, ...]
    undated: bool = False  # no created/engaged/closed date: ``created`` is the import time


@dataclass(frozen=True, slots=True)
class ConfigAdditions:
    """Values ``--extend-config`` adds to ``pipeline.yaml`` (empty without it)."""

    sources: tuple[str, ...] = ()
    lost_reasons: tuple[str, ...] = ()
    members: tuple[TeamMember, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.sources or self.lost_reasons or self.members)

    @property
    def owners(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.members)

    def apply(self, config: PipelineConfig) -> PipelineConfig:
        team = dict(config.team)
        team.update({m.name: m for m in self.members})
        return dataclasses.replace(
            config,
            sources=(*config.sources, *self.sources),
            lost_reasons=(*config.lost_reasons, *self.lost_reasons),
            team=team,
        )


@dataclass(frozen=True, slots=True)
class MappingResult:
    rows: tuple[MappedRow, ...]
    problems: tuple[RowProblem, ...]
    additions: ConfigAdditions
    columns: ColumnPlan
    #: field -> value -> rows, for values not in pipeline.yaml (stage, source, ...)
    unknown: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    @property
    def errors(self) -> list[RowProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def bad_rows(self) -> set[int]:
        return {p.row for p in self.errors if p.row is not None}


def parse_map_options(options: Iterable[str]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """``column=field`` and ``field:VALUE=replacement`` options, or ValueError."""
    columns: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    for option in options:
        head, sep, target = option.partition("=")
        if not sep:
            raise ValueError(f"--map {option!r}: expected COLUMN=FIELD or FIELD:VALUE=NEW")
        fld, colon, raw = head.partition(":")
        if colon and fld.strip():
            values.setdefault(fld.strip(), {})[raw.strip()] = target.strip()
            continue
        target = target.strip()
        if target and not is_target_field(target):
            raise ValueError(f"--map {option!r}: {target!r} cannot be a field name")
        columns[head.strip()] = target
    return columns, values


def parse_defaults(options: Iterable[str]) -> dict[str, str]:
    result: dict[str, str] = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or not key.strip() or not is_target_field(key.strip()):
            raise ValueError(f"--default {option!r}: expected FIELD=VALUE")
        result[key.strip()] = value.strip()
    return result


def map_table(table: Table, config: PipelineConfig, options: ImportOptions) -> MappingResult:
    """Every row mapped, or refused with a reason; file-level problems stop early."""
    plan = plan_columns(table.columns, options.column_map)
    problems = list(table.problems)
    problems += _file_problems(table, plan, options)
    if any(p.row is None and p.severity == "error" for p in problems):
        return MappingResult((), tuple(problems), ConfigAdditions(), plan)
    mapper = _RowMapper(table, plan, config, options)
    rows: list[MappedRow] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        mapped, found = mapper.map_row(row)
        problems += found
        if mapped is None:
            continue
        first = seen.setdefault(mapped.external_id, row.number)
        if first != row.number:
            problems.append(_duplicate(table, row, first, mapped.external_id, plan))
            continue
        rows.append(mapped)
    additions = mapper.additions()
    checked = additions.apply(config)
    valid: list[MappedRow] = []
    for mapped in rows:
        found = _validation_problems(table.source, mapped, checked, plan)
        problems += found
        if not any(p.severity == "error" for p in found):
            valid.append(mapped)
    problems.sort(key=lambda p: (p.row is not None, p.row or 0))
    unknown = {f: dict(c) for f, c in mapper.unknown.items() if c}
    return MappingResult(tuple(valid), tuple(problems), additions, plan, unknown)


def row_key(cells: Mapping[str, str]) -> str:
    """A stable id for a row without an id column: a hash of its cells."""
    text = "\x1f".join(f"{normalize(k)}={v}" for k, v in sorted(cells.items()))
    return "row-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


# --------------------------------------------------------------------------- file level


def _file_problems(table: Table, plan: ColumnPlan, options: ImportOptions) -> list[RowProblem]:
    problems = []
    if not table.columns:
        return []
    for column in options.column_map:
        if normalize(column) not in {normalize(c) for c in table.columns}:
            known = ", ".join(table.columns)
            problems.append(
                RowProblem(table.source, None, f"--map names column {column!r}, not in: {known}")
            )
    needs = {"account": "account"}
    if options.title_template is None:
        needs["title"] = "title (or give --title TEMPLATE)"
    for fld, what in needs.items():
        if fld not in plan.fields and fld not in options.defaults:
            looked = ", ".join(SYNONYMS[fld])
            problems.append(
                RowProblem(
                    table.source,
                    None,
                    f"missing required column {what}: looked for {looked}; name one with "
                    f"--map COLUMN={fld} or set --default {fld}=VALUE",
                )
            )
    if options.title_template is not None:
        names = _TEMPLATE_NAME.findall(options.title_template)
        available = {normalize(c) for c in table.columns} | set(plan.fields) | set(options.defaults)
        for name in names:
            if normalize(name) not in available and name not in available:
                problems.append(
                    RowProblem(table.source, None, f"--title names {{{name}}}: no such column")
                )
        if not names:
            problems.append(RowProblem(table.source, None, "--title has no {column} in it"))
    return problems


def _duplicate(
    table: Table, row: Row, first: int, external_id: str, plan: ColumnPlan
) -> RowProblem:
    column = plan.column_of("external_id")
    what = f"same {column} {external_id!r}" if column else "identical cells"
    return RowProblem(table.source, row.number, f"duplicate of row {first} ({what})", column)


# --------------------------------------------------------------------------- one row


class _RowMapper:
    """Maps rows one by one, collecting the unknown values ``--extend-config`` may add."""

    def __init__(
        self, table: Table, plan: ColumnPlan, config: PipelineConfig, options: ImportOptions
    ) -> None:
        self.table = table
        self.plan = plan
        self.team_members = [m for m in options.team.values() if config.team.get(m.name) != m]
        self.config = ConfigAdditions(members=tuple(self.team_members)).apply(config)
        self.options = options
        self.orders: dict[str, SlashOrder] = {
            f: slash_order(r.cells.get(c, "") for r in table.rows)
            for f, c in plan.fields.items()
            if f in _DATETIME_FIELDS or f in _DATE_FIELDS
        }
        self.new_values: dict[str, dict[str, None]] = {f: {} for f in _LISTED}
        self.unknown: dict[str, Counter[str]] = {f: Counter() for f in ("stage", *_LISTED)}

    def additions(self) -> ConfigAdditions:
        if not self.options.extend_config:
            return ConfigAdditions(members=tuple(self.team_members))
        owners = [TeamMember(o) for o in self.new_values["owner"]] if self.config.team else []
        return ConfigAdditions(
            tuple(self.new_values["source"]),
            tuple(self.new_values["lost_reason"]),
            (*self.team_members, *owners),
        )

    def map_row(self, row: Row) -> tuple[MappedRow | None, list[RowProblem]]:
        problems: list[RowProblem] = []

        def fail(message: str, fld: str | None) -> None:
            column = self.plan.column_of(fld) if fld else None
            problems.append(RowProblem(self.table.source, row.number, message, column))

        values = self._values(row, fail)
        stage = self._stage(values, fail)
        if stage is not None:
            values["stage"] = stage
            self._stage_defaults(values, stage, fail)
        for fld in _LISTED:
            self._check_listed(values, fld, fail)
        if self.options.title_template is not None and not is_filled(values.get("title")):
            values["title"] = _fill_template(self.options.title_template, values, row)
        for fld in ("title", "account"):
            if not is_filled(values.get(fld)):
                fail(f"{fld} is empty; fill it or pass --default {fld}=VALUE", fld)
        if problems or stage is None:
            return None, problems
        events = self._events(values, stage, fail)
        if problems:
            return None, problems
        external = str(values.pop("external_id", "") or row_key(row.cells))
        record = _record(values, events, self.config, external, self.config.is_open(stage))
        undated = not any(values.get(f) for f in ("created", "engaged", "closed"))
        return MappedRow(row.number, external, record, tuple(events), undated), problems

    def _values(self, row: Row, fail: Callable[[str, str | None], None]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for fld, column in self.plan.fields.items():
            text = row.cells.get(column, "").strip()
            text = self.options.value_map.get(fld, {}).get(text, text)
            if not text:
                continue
            try:
                values[fld] = self._convert(fld, text)
            except ValueError as exc:
                fail(str(exc), fld)
        for fld, text in self.options.defaults.items():
            if fld in ("lost_reason", "won_reason") or is_filled(values.get(fld)):
                continue
            try:
                values[fld] = self._convert(fld, text)
            except ValueError as exc:
                fail(f"--default {fld}: {exc}", None)
        return values

    def _convert(self, fld: str, text: str) -> Any:
        if fld in _DATETIME_FIELDS or (fld in _MOMENT_FIELDS and _has_time(text)):
            return parse_datetime(text, self.orders.get(fld, "mdy"))
        if fld in _DATE_FIELDS:
            return parse_date(text, self.orders.get(fld, "mdy"))
        if fld == "amount":
            return parse_amount(text)
        if fld == "probability":
            return parse_probability(text)
        if fld == "tags":
            return parse_tags(text)
        if fld == "currency":
            if not re.fullmatch(r"[A-Za-z]{3}", text):
                raise ValueError(f"{text!r} is not a currency code (USD, EUR, CNY...)")
            return text.upper()
        return text

    def _stage(self, values: dict[str, Any], fail: Callable[[str, str | None], None]) -> str | None:
        raw = values.get("stage")
        if raw is None:
            return self.config.entry_stage.name
        match = _match(str(raw), self.config.stage_names)
        if match is None:
            self.unknown["stage"][str(raw)] += 1
            fail(
                f"unknown stage {raw!r} (stages: {', '.join(self.config.stage_names)}); "
                f"map it with --map 'stage:{raw}=STAGE'",
                "stage",
            )
        return match

    def _stage_defaults(
        self, values: dict[str, Any], stage: str, fail: Callable[[str, str | None], None]
    ) -> None:
        outcomes = (("lost_reason", self.config.lost_stage), ("won_reason", self.config.won_stage))
        for fld, outcome in outcomes:
            if stage == outcome and not is_filled(values.get(fld)):
                default = self.options.defaults.get(fld)
                if default:
                    values[fld] = default
        if stage != self.config.lost_stage:
            return
        if not is_filled(values.get("lost_reason")):
            fail(
                "a lost deal needs a lost_reason: add a column or pass --default lost_reason=VALUE",
                "lost_reason",
            )

    def _check_listed(
        self, values: dict[str, Any], fld: str, fail: Callable[[str, str | None], None]
    ) -> None:
        raw = values.get(fld)
        allowed: Sequence[str] = {
            "source": self.config.sources,
            "lost_reason": self.config.lost_reasons,
            "owner": tuple(self.config.team),
        }[fld]
        if raw is None or not allowed:
            return
        match = _match(str(raw), allowed)
        if match is not None:
            values[fld] = match
            return
        self.new_values[fld][str(raw)] = None
        if not self.options.extend_config:
            self.unknown[fld][str(raw)] += 1
            listed = "team" if fld == "owner" else f"{fld}s"
            fail(
                f"{raw!r} is not in the {listed} of pipeline.yaml; add it with --extend-config "
                f"or map it with --map '{fld}:{raw}=VALUE'",
                fld,
            )

    def _events(
        self, values: dict[str, Any], stage: str, fail: Callable[[str, str | None], None]
    ) -> list[Event]:
        created = values.get("created")
        engaged = _at(values.get("engaged"))
        closed = _at(values.get("closed")) if not self.config.is_open(stage) else None
        raw = {"created": created, "engaged": values.get("engaged"), "closed": values.get("closed")}
        dated = (("created", created), ("engaged", engaged), ("closed", closed))
        known = [(f, d) for f, d in dated if d is not None]
        for (first, early), (second, late) in itertools.pairwise(known):
            date_only = not all(isinstance(raw[f], datetime) for f in (first, second))
            if (late.date() < early.date()) if date_only else (late < early):
                fail(f"{second} date {late.date()} is before {first} date {early.date()}", second)
        return _timeline(self.config, stage, created, engaged, closed, self.options.now)


def _timeline(
    config: PipelineConfig,
    stage: str,
    created: datetime | None,
    engaged: datetime | None,
    closed: datetime | None,
    now: datetime,
) -> list[Event]:
    """The dated steps: created in the first stage, engaged into the next, then closed.

    Steps on the same instant collapse into one holding the later stage, so a
    row with only a close date is simply created closed on that date.  Without
    the date that explains the current stage (an open deal without an engaged
    date, a closed one without a close date) the deal is created in it.
    """
    start = created or engaged or closed or now
    entry = config.entry_stage.name
    if config.is_open(stage):
        if engaged is None:
            return [Event(start, stage, "created")]
        points = [Event(start, entry, "created"), Event(engaged, stage, "engaged")]
    else:
        if closed is None:
            return [Event(start, stage, "created")]
        points = [Event(start, entry, "created")]
        if engaged is not None:
            second = config.next_open_stage(entry, 1) or entry
            points.append(Event(engaged, second, "engaged"))
        points.append(Event(closed, stage, "closed"))
    for index in range(1, len(points)):  # a date-only step on a timed creation's day
        if points[index].when < points[index - 1].when:
            points[index] = dataclasses.replace(points[index], when=points[index - 1].when)
    collapsed: list[Event] = []
    for point in points:
        if collapsed and collapsed[-1].when == point.when:
            collapsed[-1] = Event(point.when, point.stage, collapsed[-1].what)
        elif not collapsed or collapsed[-1].stage != point.stage:
            collapsed.append(point)
    return collapsed


def _record(
    values: Mapping[str, Any],
    events: Sequence[Event],
    config: PipelineConfig,
    external_id: str,
    is_open: bool,
) -> dict[str, Any]:
    """The fields as the file will hold them (``id`` is chosen later)."""
    flat = dict(values)
    flat["created"] = events[0].when
    if is_open and "closed" in flat:
        closed = flat.pop("closed")
        flat.setdefault("expected_close", closed.date() if isinstance(closed, datetime) else closed)
    if "amount" in flat and "currency" not in flat:
        flat["currency"] = config.currency
    flat["external_id"] = external_id
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        node = nested
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return nested


def _validation_problems(
    source: str, mapped: MappedRow, config: PipelineConfig, plan: ColumnPlan
) -> list[RowProblem]:
    """Schema and config rules on the final record; stage entry criteria as warnings."""
    data = {"id": _PLACEHOLDER_ID, **mapped.fields}
    found = opportunity_problems(data, f"opportunities/{_PLACEHOLDER_ID}.yaml", config)
    problems = [
        RowProblem(source, mapped.number, p.message, plan.column_of(p.field or ""), p.severity)
        for p in found
    ]
    missing = missing_requirements(data, config.stage(str(data["stage"])))
    if missing:
        problems.append(
            RowProblem(
                source,
                mapped.number,
                f"stage {data['stage']!r} expects {', '.join(missing)} (left empty)",
                severity="warning",
            )
        )
    return problems


def _fill_template(template: str, values: Mapping[str, Any], row: Row) -> str:
    cells = {normalize(k): v for k, v in row.cells.items()}

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        value = get_dotted(values, name) if "." in name else values.get(name)
        if not is_filled(value):
            value = cells.get(normalize(name), "")
        return str(value)

    return _TEMPLATE_NAME.sub(lookup, template).strip()


def _match(raw: str, allowed: Sequence[str]) -> str | None:
    """The configured spelling of ``raw`` (exact first, then ignoring case)."""
    if raw in allowed:
        return raw
    lowered = raw.strip().lower()
    return next((a for a in allowed if a.lower() == lowered), None)


def _has_time(text: str) -> bool:
    return "T" in text or (" " in text.strip() and ":" in text)


def _at(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return parse_datetime(value.isoformat())
    return None
