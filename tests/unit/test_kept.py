"""A kept report served at a later clock equals the report computed at that clock, every section."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from pipeline_tui.core.model import Pipeline
from pipeline_tui.core.timeline import FieldChange
from pipeline_tui.reports.build import build_report
from pipeline_tui.reports.kept import keep, served, settled_after
from pipeline_tui.reports.metrics.lifecycle import Timelines
from pipeline_tui.reports.metrics.window import Window
from tests.metricdata import by_id, chain, day, deal, pipeline, timeline


def story() -> tuple[Pipeline, Timelines]:
    """Something for every section: wins, a loss, each kind of stale deal, one never contacted."""
    call = {"at": day(3).isoformat(), "kind": "call", "by": "alice", "note": "intro"}
    records = [
        deal("won1", "won", 0, owner="alice", amount=1000.0, source="website", activities=[call]),
        deal("won2", "won", 5, owner="bob", amount=300.0, account="Account won1", source="event"),
        deal("lost1", "lost", 2, owner="alice", lost_reason="price", amount=50.0),
        deal("limit", "proposal", 10, owner="alice", amount=80.0, expected_close="2026-05-01"),
        deal("due", "qualified", 30, owner="bob", next_step={"due": "2026-02-08"}),
        deal("idle", "negotiation", 12, owner="alice", probability=0.6),
        deal("fresh", "lead", 40, source="referral", profile={"industry": "x"}),
        deal("dupe", "lead", 41, title="Deal fresh", account="Account fresh"),
    ]
    change = FieldChange(day(7), "bob", "c-amount", "amount", 200.0, 300.0)
    timelines = by_id(
        chain("won1", ("lead", 0), ("qualified", 2), ("won", 20)),
        timeline("won2", [("lead", 5, 6), ("won", 6, None)], "bob", changes=[change]),
        chain("lost1", ("lead", 2), ("qualified", 4), ("lost", 9)),
        chain("limit", ("lead", 10), ("proposal", 11)),
        chain("due", ("lead", 30), ("qualified", 31)),
        chain("idle", ("lead", 12), ("negotiation", 25)),
        chain("fresh", ("lead", 40)),
    )
    return pipeline(records), timelines


WINDOWS = (Window(), Window(day(1), day(21)), Window(since=day(8)))


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("later", [timedelta(seconds=1), timedelta(days=37, hours=5)])
def test_served_later_is_the_report_computed_then(window: Window, later: timedelta) -> None:
    records, timelines = story()
    after = settled_after(records, timelines)
    assert after is not None
    kept_at = after + timedelta(seconds=1)
    data, kept = keep(records, timelines, window, kept_at, _all())
    assert kept is not None
    assert data == build_report(records, timelines, window, kept_at)

    now = kept_at + later
    assert served(kept, records.config, now) == build_report(records, timelines, window, now)


def test_nothing_is_kept_or_served_before_the_last_instant() -> None:
    records, timelines = story()
    after = settled_after(records, timelines)
    assert after is not None
    assert keep(records, timelines, Window(), after, _all())[1] is None
    kept = keep(records, timelines, Window(), after + timedelta(hours=1), _all())[1]
    assert kept is not None
    assert served(kept, records.config, after) is None


def test_the_last_instant_covers_each_kind_of_event() -> None:
    """A later activity, stay, change or deletion each moves it; an SLA only while uncontacted."""
    records, timelines = story()
    base = settled_after(records, timelines)
    assert base == day(41) + timedelta(hours=24, seconds=1)  # "dupe": nobody contacted it
    late = day(90)
    activity = {"at": late.isoformat(), "kind": "call", "by": "bob", "note": "late"}
    moved = pipeline([*records.opportunities, deal("act", "won", 1, activities=[activity])])
    assert settled_after(moved, timelines) == late
    stays = {**timelines, "x": chain("x", ("lead", 1), ("won", 90))}
    assert settled_after(records, stays) == late
    changed = {**timelines, "y": timeline("y", [("lead", 1, None)], changes=[_change(late)])}
    assert settled_after(records, changed) == late


def _change(at: datetime) -> FieldChange:
    return FieldChange(at, "bob", "c-late", "amount", 1.0, 2.0)


def _all() -> list[str]:
    from pipeline_tui.reports.sections import NAMES

    return list(NAMES)
