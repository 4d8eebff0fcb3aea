"""What an import decides, as values: the user's options, mapped rows and their dated events.

Shared by the mapping (:mod:`.mapping`, :mod:`.row`), the plan that turns it
into files and commits (:mod:`.plan`) and the summary shown to the user.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from pipeline_tui.core.config import PipelineConfig, Stage, TeamMember
from pipeline_tui.dataio.importing.columns import (
    ColumnPlan,
)
from pipeline_tui.dataio.importing.presets import Detection
from pipeline_tui.dataio.importing.stagehistory import Lookup, StageHistory
from pipeline_tui.dataio.importing.stagemap import insert_stages
from pipeline_tui.dataio.importing.table import RowProblem
from pipeline_tui.dataio.importing.values import (
    DateColumn,
    ProbabilityScale,
    SlashOrder,
)


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
    preset: str | None = None  # --from NAME ("generic": no preset)
    date_format: SlashOrder | None = None  # --date-format
    tz: tzinfo | None = None  # --tz: the zone of naive date-times (None: see local_zone)
    local_zone: tzinfo | None = UTC  # this machine's zone (None: the system's own rules)
    lookups: Mapping[str, Lookup] = field(default_factory=dict)  # field -> ids to names
    stage_history: StageHistory | None = None  # --stage-history FILE, already read


@dataclass(frozen=True, slots=True)
class Event:
    """One dated step of a row's life: becomes one backdated commit with ``--history``."""

    when: datetime
    stage: str
    what: str  # "created", "engaged", "moved" (from stage history) or "closed"


@dataclass(frozen=True, slots=True)
class MappedRow:
    number: int
    external_id: str
    fields: Mapping[str, Any]  # the record without ``id``; dotted keys already nested
    events: tuple[Event, ...]
    undated: bool = False  # no created/engaged/closed date: ``created`` is the import time
    adjusted: str | None = None  # how out-of-order dates were reconciled (close before created)
    future: bool = False  # a step was dated after the import: it is dated at the import


@dataclass(frozen=True, slots=True)
class ConfigAdditions:
    """Values ``--extend-config`` adds to ``pipeline.yaml`` (empty without it)."""

    sources: tuple[str, ...] = ()
    lost_reasons: tuple[str, ...] = ()
    members: tuple[TeamMember, ...] = ()
    stages: tuple[tuple[Stage, str], ...] = ()  # (new stage, the stage it follows)

    def __bool__(self) -> bool:
        return bool(self.sources or self.lost_reasons or self.members or self.stages)

    @property
    def owners(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.members)

    def apply(self, config: PipelineConfig) -> PipelineConfig:
        team = dict(config.team)
        team.update({m.name: m for m in self.members})
        return dataclasses.replace(
            config,
            stages=insert_stages(config.stages, self.stages),
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
    detection: Detection | None = None
    dates: Mapping[str, DateColumn] = field(default_factory=dict)  # column -> how it is read
    probability_scale: ProbabilityScale | None = None
    stage_map: Mapping[str, str] = field(default_factory=dict)  # CRM stage -> pipeline stage
    history_source: str | None = None  # where exact stage timelines came from

    @property
    def errors(self) -> list[RowProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def bad_rows(self) -> set[int]:
        return {p.row for p in self.errors if p.row is not None}
