"""One row of text to opportunity fields and dated events: the row-level import rules, pure.

:class:`RowMapper` reads a row's cells through the column plan (values,
dates, stages, owners, templates) and collects the unknown values
``--extend-config`` may add; :mod:`.mapping` runs it over a whole table.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from pipeline_tui.core.config import PipelineConfig, TeamMember
from pipeline_tui.core.model import get_dotted, is_filled
from pipeline_tui.dataio.importing.columns import (
    ColumnPlan,
    compact,
    find_column,
    normalize,
)
from pipeline_tui.dataio.importing.mapped import ConfigAdditions, Event, ImportOptions, MappedRow
from pipeline_tui.dataio.importing.presets import Cells, Detection, Outcome
from pipeline_tui.dataio.importing.rowsteps import (
    history_steps,
    not_after,
    plain_steps,
    same_day_only,
)
from pipeline_tui.dataio.importing.stagehistory import Lookup
from pipeline_tui.dataio.importing.stagemap import StageMap, map_stages
from pipeline_tui.dataio.importing.table import Row, RowProblem, Table
from pipeline_tui.dataio.importing.valuemap import ValueMap
from pipeline_tui.dataio.importing.values import (
    DateColumn,
    has_time,
    parse_currency,
    parse_date,
    parse_datetime,
    parse_money,
    parse_probability,
    parse_tags,
    probability_scale,
)
from pipeline_tui.i18n import N_, _

DATETIME_FIELDS = ("created",)
_MOMENT_FIELDS = ("engaged", "closed")  # a date, or a date-time when the cell has a time
DATE_FIELDS = ("expected_close", "next_step.due", *_MOMENT_FIELDS)
_LISTED = ("source", "lost_reason", "owner")
TEMPLATE_NAME = re.compile(r"\{([^{}]+)\}")


def fallbacks(
    table: Table, plan: ColumnPlan, options: ImportOptions, detection: Detection | None, fld: str
) -> list[str]:
    """Other preset columns for ``fld``, read where its column is blank (Won time, Lost time)."""
    column = plan.column_of(fld)
    if detection is None or column is None or fld in options.column_map.values():
        return []
    used = {c for c in plan.fields.values() if c not in plan.custom}
    names = detection.preset.columns.get(fld, ())
    present = [find_column(table.columns, (n,)) for n in names]
    return [c for c in dict.fromkeys(present) if c and c != column and c not in used]


def row_key(cells: Mapping[str, str]) -> str:
    """A stable id for a row without an id column: a hash of its cells."""
    text = "\x1f".join(f"{normalize(k)}={v}" for k, v in sorted(cells.items()))
    return "row-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


# --------------------------------------------------------------------------- one row


class RowMapper:
    """Maps rows one by one, collecting the unknown values ``--extend-config`` may add."""

    def __init__(
        self,
        table: Table,
        plan: ColumnPlan,
        config: PipelineConfig,
        options: ImportOptions,
        detection: Detection | None,
        dates: Mapping[str, DateColumn],
    ) -> None:
        self.table = table
        self.plan = plan
        self.team_members = [m for m in options.team.values() if config.team.get(m.name) != m]
        self.config = ConfigAdditions(members=tuple(self.team_members)).apply(config)
        self.options = options
        self.preset = detection.preset if detection else None
        self.dates = dates
        #: the currency a shared symbol (``¥``) stands for when the pipeline's is not one of its
        self.currency_hint = self.preset.currency_hint if self.preset else None
        utc = self.preset is not None and self.preset.naive_utc
        self.zone = options.tz or (UTC if utc else options.local_zone)
        #: a preset brings the CRM's lists (sources, owners, lost reasons) along
        self.extend_lists = options.extend_config or self.preset is not None
        self.by_key = {compact(c): c for c in table.columns}
        self.value_maps = {f: ValueMap(m) for f, m in options.value_map.items()}
        prob = plan.column_of("probability")
        self.scale = probability_scale(r.cells.get(prob, "") for r in table.rows) if prob else None
        self.fallbacks = {
            f: fallbacks(table, plan, options, detection, f) for f in (*plan.fields, "closed")
        }
        #: the "Date entered <stage>" columns: column -> CRM stage (matched once, not per row)
        self.entered = {
            c: stage for c in plan.signals if self.preset and (stage := self.preset.entered(c))
        }
        self.history_source: str | None = None
        self.used_stages: set[str] = set()
        self.outcomes = {r.number: self._outcome(r) for r in table.rows}
        self.stages = self._stage_map()
        self.new_values: dict[str, dict[str, None]] = {f: {} for f in _LISTED}
        #: ids a lookup file (User.csv) lacks, kept as the cell had them: never team members
        self.unresolved: dict[str, set[str]] = {f: set() for f in self.options.lookups}
        self.unknown: dict[str, Counter[str]] = {f: Counter() for f in ("stage", *_LISTED)}
        #: rows whose amount names no currency (the pipeline's is used)
        self.in_pipeline_currency: list[int] = []

    # ------------------------------------------------------------------ CRM stages

    def _outcome(self, row: Row) -> Outcome | None:
        if self.preset is None:
            return None
        outcome = self.preset.outcome(Cells(row.cells, self.by_key))
        if outcome is None:
            raw = row.cells.get(self.plan.column_of("stage") or "", "")
            outcome = self.preset.closed_stage(raw) if raw else None
        return outcome

    def _crm_stages(self) -> list[tuple[str, float | None]]:
        """The CRM's open stages in its order: the preset's list, then others as found."""
        assert self.preset is not None
        found: dict[str, float | None] = {s.name: s.probability for s in self.preset.stages}
        seen: dict[str, None] = {}
        column = self.plan.column_of("stage")
        for row in self.table.rows:
            raw = row.cells.get(column or "", "").strip()
            raw = self.value_maps["stage"].get(raw, raw) if "stage" in self.value_maps else raw
            if raw and self.outcomes[row.number] not in ("won", "lost"):
                seen[self.preset.stage_name(raw)] = None
        history = self.options.stage_history
        for entries in history.entries.values() if history else ():
            seen.update((self.preset.stage_name(s), None) for s, _w in entries)
        for name in seen:
            closed = self.preset.closed_stage(name)
            if closed is None and _match(name, self.config.stage_names) is None:
                found.setdefault(name, None)
        known = {compact(n) for n in found}
        return [(n, p) for n, p in found.items() if compact(n) in known and n]

    def _stage_map(self) -> StageMap | None:
        if self.preset is None:
            return None
        return map_stages(self._crm_stages(), self.config, self.options.extend_config)

    def stage_map_shown(self) -> dict[str, str]:
        """CRM stage -> pipeline stage for the stages this file uses (dry-run display)."""
        if self.stages is None:
            return {}
        used = {compact(v) for v in self.used_stages}
        return {
            name: self.stages.mapping[compact(name)]
            for name in (self.stages.why or {})
            if compact(name) in used
        }

    def unused_maps(self) -> list[RowProblem]:
        """A warning for each ``--map FIELD:VALUE=NEW`` that changed no cell.

        A typo in VALUE or FIELD otherwise leaves the cells it was meant for
        as they are, and the import looks as if it had worked.
        """
        problems = []
        for fld, value_map in self.value_maps.items():
            column = self.plan.column_of(fld)
            for value, new in value_map.unused():
                option = f"{fld}:{value}={new}"
                if column is None:
                    message = _(
                        "--map {option!r}: no column is read into {fld!r}, so it changes nothing"
                    ).format(option=option, fld=fld)
                else:
                    message = _(
                        "--map {option!r} matched no cell of column {column!r} (values are "
                        "compared ignoring case, spaces and punctuation)"
                    ).format(option=option, column=column)
                problems.append(RowProblem(self.table.source, None, message, severity="warning"))
        return problems

    def currency_warnings(self) -> list[RowProblem]:
        """A warning when amounts without a currency meet an export that has one of its own.

        A Chinese CRM's bare ``48万`` is almost surely yuan, but the rule is
        that a bare amount is in the pipeline's currency: the one place the
        two disagree is said once, with the option that settles it.
        """
        hint = self.currency_hint
        rows = self.in_pipeline_currency
        if hint is None or hint == self.config.currency or not rows:
            return []
        message = _(
            "{count} amounts name no currency (rows {rows}) and are read in the pipeline's "
            "{currency}; an export of this CRM is usually in {hint}: if so, pass "
            "--default currency={hint}"
        ).format(
            count=len(rows),
            rows=", ".join(str(r) for r in rows[:5]) + (", ..." if len(rows) > 5 else ""),
            currency=self.config.currency,
            hint=hint,
        )
        column = self.plan.column_of("amount")
        return [RowProblem(self.table.source, None, message, column, severity="warning")]

    def additions(self) -> ConfigAdditions:
        added = self.stages.added if self.stages is not None else ()
        used = {compact(v) for v in self.used_stages}
        stages = tuple(
            (stage, after)
            for stage, after in added
            if any(self.stages and self.stages.mapping.get(u) == stage.name for u in used)
        )
        if not self.extend_lists:
            return ConfigAdditions(members=tuple(self.team_members), stages=stages)
        ids = self.unresolved.get("owner", set())
        owners = [TeamMember(o) for o in self.new_values["owner"] if o not in ids]
        owners = owners if self.config.team else []
        return ConfigAdditions(
            tuple(self.new_values["source"]),
            tuple(self.new_values["lost_reason"]),
            (*self.team_members, *owners),
            stages,
        )

    # ------------------------------------------------------------------ one row

    def map_row(self, row: Row) -> tuple[MappedRow | None, list[RowProblem]]:
        problems: list[RowProblem] = []

        def fail(message: str, fld: str | None) -> None:
            column = self.plan.column_of(fld) if fld else None
            problems.append(RowProblem(self.table.source, row.number, message, column))

        values = self._values(row, fail, problems)
        stage = self._stage(values, row, fail)
        if stage is not None:
            values["stage"] = stage
            for fld, outcome in (
                ("lost_reason", self.config.lost_stage),
                ("won_reason", self.config.won_stage),
            ):
                if stage != outcome:
                    values.pop(fld, None)  # "Won", "In Progress" are not lost reasons
            self._stage_defaults(values, stage, fail)
        for fld in _LISTED:
            self._check_listed(values, fld, fail)
        if self.options.title_template is not None and not is_filled(values.get("title")):
            values["title"] = _fill_template(self.options.title_template, values, row)
        for fld in ("title", "account"):
            if not is_filled(values.get(fld)):
                fail(
                    _("{fld} is empty; fill it or pass --default {fld}=VALUE").format(fld=fld), fld
                )
        if stage is None or any(p.severity == "error" for p in problems):
            return None, problems
        entries = self._entries(row, values)
        events, adjusted = self._events(values, stage, entries)
        future = any(e.when > self.options.now for e in events)
        if future:
            events = not_after(events, self.options.now)
        external = str(values.pop("external_id", "") or row_key(row.cells))
        record = _record(values, events, self.config, external, self.config.is_open(stage))
        undated = not any(values.get(f) for f in ("created", "engaged", "closed")) and not entries
        mapped = MappedRow(row.number, external, record, tuple(events), undated, adjusted, future)
        return mapped, problems

    def _values(
        self, row: Row, fail: Callable[[str, str | None], None], problems: list[RowProblem]
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        cell_currency: str | None = None
        for fld, column in self.plan.fields.items():
            text = row.cells.get(column, "").strip()
            for other in self.fallbacks.get(fld, ()):
                if text:
                    break
                text, column = row.cells.get(other, "").strip(), other
            value_map = self.value_maps.get(fld)
            replaced = value_map.use(text) if value_map is not None else None
            text = text if replaced is None else replaced
            if not text:
                continue
            lookup = self.options.lookups.get(fld)
            if lookup is not None and replaced is None:
                text = self._looked_up(lookup, fld, text, column, row, problems)
            try:
                if fld == "amount":
                    values[fld], cell_currency = parse_money(
                        text, self.config.currency, self.currency_hint
                    )
                else:
                    values[fld] = self._convert(fld, text, column)
            except ValueError as exc:
                fail(str(exc), fld)
        if cell_currency is not None:
            stated = values.setdefault("currency", cell_currency)
            if stated != cell_currency:
                fail(
                    _("the amount is in {cell_currency} but the currency says {stated}").format(
                        cell_currency=cell_currency, stated=stated
                    ),
                    "amount",
                )
        for fld, text in self.options.defaults.items():
            if fld in ("lost_reason", "won_reason") or is_filled(values.get(fld)):
                continue
            try:
                values[fld] = self._convert(fld, text, None)
            except ValueError as exc:
                fail(_("--default {fld}: {exc}").format(fld=fld, exc=exc), None)
        if "amount" in values and "currency" not in values:
            self.in_pipeline_currency.append(row.number)
        return values

    def _looked_up(
        self, lookup: Lookup, fld: str, text: str, column: str, row: Row, problems: list[RowProblem]
    ) -> str:
        """The name ``lookup`` gives the cell's id; an id it lacks is kept, with a warning.

        The id stays (an account must have some name, and nothing is
        dropped), but it is never added to ``team:`` as if it were a person.
        """
        name = lookup.name_of(text)
        if name is not None:
            return name
        self.unresolved[fld].add(text)
        message = _(
            "{text!r} is not in {file}: kept as it is (add it to {file}, or map it with "
            "--map '{fld}:{text}=NAME')"
        ).format(text=text, file=lookup.source, fld=fld)
        problems.append(RowProblem(self.table.source, row.number, message, column, "warning"))
        return text

    def _convert(self, fld: str, text: str, column: str | None) -> Any:
        dates = self.dates.get(column or "")
        order = dates.order if dates else (self.options.date_format or "mdy")
        if fld in DATETIME_FIELDS or (fld in _MOMENT_FIELDS and has_time(text)):
            return parse_datetime(text, order, self.zone)
        if fld in DATE_FIELDS:
            return parse_date(text, order)
        if fld == "amount":
            return parse_money(text, self.config.currency, self.currency_hint)[0]
        if fld == "probability":
            return parse_probability(text, self.scale)
        if fld == "tags":
            return parse_tags(text)
        if fld == "currency":
            return parse_currency(text, self.config.currency, self.currency_hint)
        return text

    def _stage(
        self, values: dict[str, Any], row: Row, fail: Callable[[str, str | None], None]
    ) -> str | None:
        raw = values.get("stage")
        outcome = self.outcomes.get(row.number)
        if outcome == "won":
            return self.config.won_stage
        if outcome == "lost":
            return self.config.lost_stage
        if raw is None:
            return self.config.entry_stage.name
        match = _match(str(raw), self.config.stage_names)
        if match is None and self.preset is not None and self.stages is not None:
            name = self.preset.stage_name(str(raw))
            match = self.stages.get(name)
            if match is not None:
                self.used_stages.add(name)
        if match is None:
            self.unknown["stage"][str(raw)] += 1
            fail(
                _(
                    "unknown stage {raw!r} (stages: {join}); map it with --map 'stage:{raw}=STAGE'"
                ).format(raw=raw, join=", ".join(self.config.stage_names)),
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
        if not is_filled(values.get("lost_reason")) and self.preset is not None:
            values["lost_reason"] = self.preset.lost_reason_default
        if not is_filled(values.get("lost_reason")):
            fail(
                _(
                    "a lost deal needs a lost_reason: add a column or pass "
                    "--default lost_reason=VALUE"
                ),
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
        if not self.extend_lists:
            self.unknown[fld][str(raw)] += 1
            listed = "team" if fld == "owner" else f"{fld}s"
            fail(
                _(
                    "{raw!r} is not in the {listed} of pipeline.yaml; add it with "
                    "--extend-config or map it with --map '{fld}:{raw}=VALUE'"
                ).format(raw=raw, listed=listed, fld=fld),
                fld,
            )

    # ------------------------------------------------------------------ dated steps

    def _entries(self, row: Row, values: Mapping[str, Any]) -> list[tuple[str, datetime]]:
        """(pipeline stage, when) the CRM recorded for this row, oldest first."""
        if self.preset is None:
            return []
        cells = Cells(row.cells, self.by_key)
        crm: list[tuple[str, str]] = []
        for column, stage in self.entered.items():
            text = row.cells.get(column, "").strip()
            if text:
                crm.append((stage, text))
                self.history_source = _('the "Date entered" columns')
        since = cells.get(*self.preset.current_stage_since)
        raw = row.cells.get(self.plan.column_of("stage") or "", "").strip()
        if since and raw:
            crm.append((raw, since))
            self.history_source = self.history_source or _("the last stage change column")
        parsed: list[tuple[str, datetime]] = []
        for stage, text in crm:
            column = next(
                (c for c in self.plan.signals if row.cells.get(c, "").strip() == text), ""
            )
            try:
                order = self.dates[column].order if column in self.dates else "mdy"
                parsed.append((stage, parse_datetime(text, order, self.zone)))
            except ValueError:
                continue
        history = self.options.stage_history
        external = str(values.get("external_id", ""))
        if history is not None and external and history.of(external):
            parsed = list(history.of(external))
            self.history_source = history.source
        mapped = [(self._entry_stage(s), w) for s, w in parsed]
        return sorted(((s, w) for s, w in mapped if s), key=lambda e: e[1])

    def _entry_stage(self, crm_stage: str) -> str | None:
        assert self.preset is not None
        closed = self.preset.closed_stage(crm_stage)
        if closed == "won":
            return self.config.won_stage
        if closed == "lost":
            return self.config.lost_stage
        name = self.preset.stage_name(crm_stage)
        found = _match(name, self.config.stage_names)
        if found is None and self.stages is not None:
            found = self.stages.get(name)
            if found is not None:
                self.used_stages.add(name)
        return found

    def _events(
        self, values: dict[str, Any], stage: str, entries: Sequence[tuple[str, datetime]]
    ) -> tuple[list[Event], str | None]:
        """The row's dated steps, and how out-of-order dates were reconciled (if they were)."""
        created = values.get("created")
        engaged = _at(values.get("engaged"), self.zone)
        closed = _at(values.get("closed"), self.zone) if not self.config.is_open(stage) else None
        if entries:
            return history_steps(self.config, stage, created, closed, entries)
        adjusted = None
        known = [d for d in (created, engaged, closed) if d is not None]
        if known and min(known) != known[0] and not same_day_only(values, known):
            first = min(known)
            adjusted = (
                N_("created moved to the close date")
                if first == closed
                else N_("created moved to the engaged date")
            )
            if closed is not None and engaged is not None and engaged > closed:
                engaged = closed
            created = first
        if closed is not None and engaged is not None and closed < engaged:
            engaged, adjusted = closed, adjusted or N_("engaged moved to the close date")
        return plain_steps(self.config, stage, created, engaged, closed, self.options.now), adjusted


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


def _fill_template(template: str, values: Mapping[str, Any], row: Row) -> str:
    cells = {normalize(k): v for k, v in row.cells.items()}

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        value = get_dotted(values, name) if "." in name else values.get(name)
        if not is_filled(value):
            value = cells.get(normalize(name), "")
        return str(value)

    return TEMPLATE_NAME.sub(lookup, template).strip()


def _match(raw: str, allowed: Sequence[str]) -> str | None:
    """The configured spelling of ``raw`` (exact first, then ignoring case)."""
    if raw in allowed:
        return raw
    lowered = raw.strip().lower()
    return next((a for a in allowed if a.lower() == lowered), None)


def _at(value: Any, zone: tzinfo | None = UTC) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return parse_datetime(value.isoformat(), "mdy", zone)
    return None
