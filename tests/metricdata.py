"""Hand-built pipelines and timelines for the pure metric tests.

Days are counted from ``T0`` (2026-01-01 00:00 UTC) so each test can state its
story in days and work out the answer by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.model import Opportunity, Pipeline, Problem
from pipeline_tui.core.timeline import FieldChange, StageInterval, Timeline

T0 = datetime(2026, 1, 1, tzinfo=UTC)

CONFIG_DATA: dict[str, Any] = {
    "stages": [
        {"name": "lead", "probability": 0.1, "max_days": 14},
        {"name": "qualified", "probability": 0.25, "max_days": 21, "requires": ["contact.email"]},
        {
            "name": "proposal",
            "probability": 0.5,
            "max_days": 21,
            "requires": ["amount", "expected_close"],
        },
        {"name": "negotiation", "probability": 0.75, "max_days": 30},
        {"name": "won", "probability": 1.0, "terminal": True},
        {"name": "lost", "probability": 0.0, "terminal": True},
    ],
    "currency": "USD",
    "first_contact_sla_hours": 24,
    "stale_after_days": 14,
    "sources": ["website", "referral", "event", "outbound", "partner"],
    "lost_reasons": ["price", "competitor", "no-budget", "timing", "no-response"],
    "profile_fields": ["industry", "size", "budget", "decision_maker", "need"],
    "team": {"alice": {"manager": "dana"}},
}


def config(**overrides: Any) -> PipelineConfig:
    return PipelineConfig.from_mapping({**CONFIG_DATA, **overrides})


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def deal(opp_id: str, stage: str = "lead", created: float = 0, **fields: Any) -> Opportunity:
    """An opportunity as its file would say; ``fields`` are any other YAML keys."""
    data: dict[str, Any] = {
        "id": opp_id,
        "title": fields.pop("title", f"Deal {opp_id}"),
        "account": fields.pop("account", f"Account {opp_id}"),
        "stage": stage,
        "created": day(created),
        **fields,
    }
    return Opportunity.from_mapping(data, f"opportunities/{opp_id}.yaml")


def pipeline(
    records: Iterable[Opportunity],
    cfg: PipelineConfig | None = None,
    problems: Sequence[Problem] = (),
) -> Pipeline:
    return Pipeline(cfg or config(), tuple(records), tuple(problems))


Stay = tuple[str, float, float | None]


def timeline(
    opp_id: str,
    stays: Sequence[Stay],
    author: str = "alice",
    changes: Sequence[FieldChange] = (),
    commits: Sequence[str] | None = None,
) -> Timeline:
    """``stays`` as (stage, entered day, left day or None)."""
    intervals = tuple(
        StageInterval(
            stage,
            day(entered),
            None if left is None else day(left),
            commits[i] if commits else f"{opp_id}-c{i}",
            author,
        )
        for i, (stage, entered, left) in enumerate(stays)
    )
    return Timeline(opp_id, f"opportunities/{opp_id}.yaml", intervals, tuple(changes))


def chain(opp_id: str, *moves: tuple[str, float], author: str = "alice") -> Timeline:
    """A timeline from (stage, day entered) moves; each stay ends when the next begins."""
    stays: list[Stay] = []
    for index, (stage, entered) in enumerate(moves):
        left = moves[index + 1][1] if index + 1 < len(moves) else None
        stays.append((stage, entered, left))
    return timeline(opp_id, stays, author)


def by_id(*timelines: Timeline) -> Mapping[str, Timeline]:
    return {t.id: t for t in timelines}
