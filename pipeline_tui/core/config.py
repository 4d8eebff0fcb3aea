"""The pipeline's configuration (``pipeline.yaml``) as a typed, frozen value.

Pure: parsing YAML and validating against the JSON Schema happen in storage;
this module turns the validated mapping into :class:`PipelineConfig` and
answers questions about stages ("what comes after proposal?").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline_tui.core.errors import NotFound

CONFIG_FILE = "pipeline.yaml"
OPPORTUNITIES_DIR = "opportunities"

#: Written by ``pipeline init``: commented so a founder can edit it by hand.
DEFAULT_CONFIG_TEXT = """\
# Pipeline configuration: edit freely, comments are kept.
# Schema: schema/pipeline.schema.json (pipeline-tui).

stages:                      # ordered; the first is where new deals start
  - {name: lead,        probability: 0.1,  max_days: 14}
  - {name: qualified,   probability: 0.25, max_days: 21, requires: [contact.email]}
  - {name: proposal,    probability: 0.5,  max_days: 21, requires: [amount, expected_close]}
  - {name: negotiation, probability: 0.75, max_days: 30}
  - {name: won,  probability: 1.0, terminal: true}
  - {name: lost, probability: 0.0, terminal: true}

currency: USD                # default currency for amounts and reports
first_contact_sla_hours: 24  # first activity or move out of the entry stage within this
stale_after_days: 14         # no activity for this long marks a deal stale

sources: [website, referral, event, outbound, partner]
lost_reasons: [price, competitor, no-budget, timing, no-response]
profile_fields: [industry, size, budget, decision_maker, need]

team:                        # owner -> manager, used for escalation
  alice: {manager: dana}

layout: sharded              # deal files: sharded = opportunities/<xx>/<id>.yaml, or flat
"""


def default_config_text(layout: str = "sharded") -> str:
    """:data:`DEFAULT_CONFIG_TEXT` with the deal-file ``layout`` set."""
    return DEFAULT_CONFIG_TEXT.replace("layout: sharded", f"layout: {layout}", 1)


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    probability: float
    max_days: int | None = None
    requires: tuple[str, ...] = ()
    terminal: bool = False


@dataclass(frozen=True, slots=True)
class TeamMember:
    name: str
    manager: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    """Stages, probabilities, limits, lists and team from ``pipeline.yaml``."""

    stages: tuple[Stage, ...]
    currency: str = "USD"
    first_contact_sla_hours: float = 24.0
    stale_after_days: int = 14
    sources: tuple[str, ...] = ()
    lost_reasons: tuple[str, ...] = ()
    profile_fields: tuple[str, ...] = ()
    team: Mapping[str, TeamMember] = field(default_factory=dict)
    language: str | None = None
    layout: str = "flat"

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> PipelineConfig:
        """Build from a mapping that passed ``pipeline.schema.json``."""
        team_raw = data.get("team") or {}
        return cls(
            stages=tuple(
                Stage(
                    name=str(s["name"]),
                    probability=float(s.get("probability", 0.0)),
                    max_days=s.get("max_days"),
                    requires=tuple(s.get("requires") or ()),
                    terminal=bool(s.get("terminal", False)),
                )
                for s in data["stages"]
            ),
            currency=str(data.get("currency", "USD")),
            first_contact_sla_hours=float(data.get("first_contact_sla_hours", 24)),
            stale_after_days=int(data.get("stale_after_days", 14)),
            sources=tuple(str(s) for s in data.get("sources") or ()),
            lost_reasons=tuple(str(s) for s in data.get("lost_reasons") or ()),
            profile_fields=tuple(str(s) for s in data.get("profile_fields") or ()),
            team={
                str(name): TeamMember(
                    name=str(name),
                    manager=(info or {}).get("manager"),
                    email=(info or {}).get("email"),
                )
                for name, info in team_raw.items()
            },
            language=data.get("language"),
            layout=str(data.get("layout", "flat")),
        )

    @property
    def stage_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages)

    @property
    def open_stages(self) -> tuple[Stage, ...]:
        return tuple(s for s in self.stages if not s.terminal)

    @property
    def entry_stage(self) -> Stage:
        return self.stages[0]

    @property
    def won_stage(self) -> str:
        """The terminal stage that means won: the most probable terminal one."""
        terminal = [s for s in self.stages if s.terminal] or [self.stages[-1]]
        return max(terminal, key=lambda s: s.probability).name

    @property
    def lost_stage(self) -> str:
        """The terminal stage that means lost: the least probable terminal one."""
        terminal = [s for s in self.stages if s.terminal] or [self.stages[-1]]
        return min(terminal, key=lambda s: s.probability).name

    def stage(self, name: str) -> Stage:
        for s in self.stages:
            if s.name == name:
                return s
        raise NotFound(f"unknown stage {name!r} (stages: {', '.join(self.stage_names)})")

    def has_stage(self, name: str) -> bool:
        return name in self.stage_names

    def is_open(self, stage: str) -> bool:
        return self.has_stage(stage) and not self.stage(stage).terminal

    def next_open_stage(self, name: str, step: int) -> str | None:
        """The open stage ``step`` places after (or before) ``name``, if any."""
        names = [s.name for s in self.open_stages]
        if name not in names:
            return None
        index = names.index(name) + step
        return names[index] if 0 <= index < len(names) else None

    def stage_index(self, name: str) -> int:
        """Position in the configured order; unknown stages sort last."""
        names = self.stage_names
        return names.index(name) if name in names else len(names)

    def member_for(self, name: str | None, email: str | None = None) -> str | None:
        """The team name of the person git knows as ``name`` <``email``>, if any.

        ``team`` keys are short names (``alice``) while git's ``user.name`` is
        often the full one (``Alice Martin``): an exact name, the same name in
        another case, the member's e-mail, or the full name's first word all
        count.  None when nobody in the team matches.
        """
        if not name and not email:
            return None
        folded = (name or "").strip().casefold()
        first = folded.split()[0] if folded.split() else ""
        mail = (email or "").casefold()

        def keys(member: TeamMember) -> tuple[bool, ...]:
            """Each way this member can match, best first."""
            return (
                member.name == name,
                member.name.casefold() == folded,
                bool(mail) and (member.email or "").casefold() == mail,
                bool(first) and member.name.casefold() == first,
            )

        for rank in range(4):
            found = next((m.name for m in self.team.values() if keys(m)[rank]), None)
            if found is not None:
                return found
        return None

    def manager_of(self, owner: str | None) -> str | None:
        member = self.team.get(owner or "")
        return member.manager if member else None
