"""Team activity, weighted forecast and its accuracy, stale deals, data hygiene."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from pipeline_tui.core.model import Problem
from pipeline_tui.core.timeline import FieldChange
from pipeline_tui.reports.build import DIGITS, rounded
from pipeline_tui.reports.metrics.activity import team_activity
from pipeline_tui.reports.metrics.forecast import (
    forecast_accuracy,
    month_starts,
    weighted_forecast,
)
from pipeline_tui.reports.metrics.hygiene import hygiene
from pipeline_tui.reports.metrics.stale import stale_facts, stale_items, stale_rows
from pipeline_tui.reports.metrics.window import Window
from tests.metricdata import by_id, chain, day, deal, pipeline, timeline


def test_team_activity_per_person() -> None:
    p_changes = (FieldChange(day(2), "bob", "c3", "amount", None, 100),)
    p = timeline("p", [("lead", 1, 3), ("qualified", 3, None)], "alice", p_changes, ["c1", "c2"])
    q = timeline(
        "q",
        [("lead", 2, 6), ("proposal", 6, 7), ("negotiation", 7, None)],
        "张伟",
        commits=["c4", "c5", "c6"],
    )
    # the move to negotiation is only in the working tree: not counted yet
    q = replace(q, stages=(*q.stages[:2], replace(q.stages[2], uncommitted=True, commit=None)))
    records = [
        deal(
            "p",
            "qualified",
            1,
            owner="alice",
            activities=[
                {"at": day(4), "kind": "call", "by": "alice"},
                {"at": day(5), "kind": "email", "by": "张伟"},
            ],
        ),
        deal("q", "negotiation", 2, owner="张伟"),
    ]
    pipe = pipeline(records)
    timelines = by_id(p, q)
    result = team_activity(pipe, timelines, Window(), day(10))
    assert result == {
        # 张伟: commits c4 c5, one move (to proposal), one activity on p, touched p and q
        "张伟": {"changes": 2, "activities": 1, "moves": 1, "touched": 2},
        "alice": {"changes": 2, "activities": 1, "moves": 1, "touched": 1},
        "bob": {"changes": 1, "activities": 0, "moves": 0, "touched": 1},
    }
    windowed = team_activity(pipe, timelines, Window(day(3), day(10)), day(10))
    assert windowed == {
        "张伟": {"changes": 1, "activities": 1, "moves": 1, "touched": 2},
        "alice": {"changes": 1, "activities": 1, "moves": 1, "touched": 1},
    }


def test_weighted_forecast_by_month_and_owner() -> None:
    records = [
        deal("f1", "proposal", amount=10000, expected_close="2026-02-10", owner="alice"),
        # own probability overrides the stage default (0.1)
        deal(
            "f2", "lead", amount=2000, expected_close="2026-02-28", probability=0.3, owner="alice"
        ),
        deal("f3", "negotiation", expected_close="2026-03-01"),  # no amount
        deal("f4", "qualified", amount=4000, owner="王芳"),  # no expected close
        deal("f5", "won", amount=9999, expected_close="2026-02-01"),  # closed: not forecast
    ]
    pipe = pipeline(records)
    now = day(0)
    assert weighted_forecast(pipe, {}, Window(), now) == {
        "2026-02": {"weighted": pytest.approx(10000 * 0.5 + 2000 * 0.3), "count": 2},
        "2026-03": {"weighted": 0, "count": 1},
        "unscheduled": {"weighted": 4000 * 0.25, "count": 1},
    }
    assert list(weighted_forecast(pipe, {}, Window(), now)) == ["2026-02", "2026-03", "unscheduled"]
    assert weighted_forecast(pipe, {}, Window(), now, by="owner") == {
        "(none)": {"weighted": 0, "count": 1},
        "alice": {"weighted": pytest.approx(5600), "count": 2},
        "王芳": {"weighted": 1000, "count": 1},
    }
    march = Window(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    assert weighted_forecast(pipe, {}, march, now) == {"2026-03": {"weighted": 0, "count": 1}}


def test_forecast_accuracy_compares_month_start_forecast_with_wins() -> None:
    jan_start = pipeline(
        [
            deal("s1", "proposal", amount=8000, expected_close="2026-01-20"),
            deal("s2", "lead", amount=1000, expected_close="2026-01-05"),
            deal("s3", "proposal", amount=2000, expected_close="2026-02-03"),
        ]
    )
    feb_start = pipeline([deal("s3", "proposal", amount=2000, expected_close="2026-02-03")])
    today = pipeline(
        [
            deal("s1", "won", amount=9000),  # won for more than forecast
            deal("s2", "lost", lost_reason="price"),
            deal("s3", "proposal", amount=2000, expected_close="2026-02-03"),
        ]
    )
    timelines = by_id(
        chain("s1", ("proposal", 0), ("won", 17)),  # 2026-01-18
        chain("s2", ("lead", 0), ("lost", 10)),
        chain("s3", ("proposal", 0)),
    )
    snapshots = {"2025-12": pipeline([]), "2026-01": jan_start, "2026-02": feb_start}
    result = forecast_accuracy(snapshots, today, timelines, day(70))
    # January: forecast 8000 x 0.5 + 1000 x 0.1 = 4100; won 9000
    assert result == {
        "2025-12": {"forecast": 0, "won": 0, "accuracy": None},
        "2026-01": {
            "forecast": pytest.approx(4100),
            "won": 9000,
            "accuracy": pytest.approx(9000 / 4100),
        },
        "2026-02": {"forecast": 1000, "won": 0, "accuracy": 0.0},
    }


def test_month_starts_are_the_previous_full_months() -> None:
    now = datetime(2026, 3, 15, 10, 30, tzinfo=UTC)
    assert month_starts(now, 3) == [
        ("2025-12", datetime(2025, 12, 1, tzinfo=UTC)),
        ("2026-01", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-02", datetime(2026, 2, 1, tzinfo=UTC)),
    ]


def test_stale_list_names_owner_manager_reason_and_days() -> None:
    now = day(40)
    records = [
        deal(
            "s1",
            "lead",
            0,
            owner="alice",
            activities=[{"at": day(35), "kind": "call"}],
            next_step={"due": "2026-02-08", "action": "send quote"},  # day 38
        ),
        deal("s2", "qualified", 0, owner="bob"),
        deal("s3", "proposal", 0, owner="王芳"),
        deal("s4", "won", 0, owner="alice"),
        deal("s5", "negotiation", 0, owner="alice"),
        deal("s6", "qualified", 0, owner="bob", next_step={"due": "2026-02-08"}),
        deal("s7", "negotiation", 0, owner="alice"),
    ]
    timelines = by_id(
        chain("s1", ("lead", 0)),  # 40 days in lead (limit 14)
        chain("s2", ("lead", 0), ("qualified", 30)),  # 10 days in qualified, idle 10: fine
        chain("s3", ("lead", 0), ("proposal", 10)),  # 30 days in proposal (limit 21), idle 30
        chain("s4", ("lead", 0), ("won", 1)),
        chain("s5", ("lead", 0), ("negotiation", 39), ("lost", 45)),  # later loss: after now
        chain("s6", ("lead", 0), ("qualified", 35)),  # 5 days in, idle 5, step due day 38
        chain("s7", ("lead", 0), ("negotiation", 20)),  # 20 of 30 days, but idle 20 > 14
    )
    result = stale_items(pipeline(records), timelines, Window(), now)
    # one row per deal; s1 and s3 are also idle and s1 overdue, but the stage limit comes first
    assert result == [
        {"id": "s1", "owner": "alice", "manager": "dana", "reason": "over_stage_limit", "days": 40},
        {"id": "s3", "owner": "王芳", "manager": None, "reason": "over_stage_limit", "days": 30},
        {"id": "s7", "owner": "alice", "manager": "dana", "reason": "no_activity", "days": 20},
        {"id": "s6", "owner": "bob", "manager": None, "reason": "next_step_overdue", "days": 2},
    ]
    assert stale_items(pipeline(records[1:2]), timelines, Window(), now) == []


def test_hygiene_duplicates_missing_fields_and_unknown_values() -> None:
    records = [
        deal("h1", account="ACME Corp", title="CRM rollout", contact={"email": "a@acme.com"}),
        deal(
            "h2", account="acme corp", title="CRM Rollout!", owner="zed"
        ),  # same deal, typed again
        deal("h3", account="ACME Corp", title="Website redesign", contact={"email": "A@acme.com"}),
        deal("h4", "proposal", account="Other", title="CRM rollout", expected_close="2026-03-01"),
        deal("h5", "won", account="ACME Corp", title="CRM rollout"),  # closed: not compared
        deal("h6", account="ACME Corp", title="CRM rollout phase 2"),  # different enough
    ]
    bad = Problem(
        "opportunities/bad.yaml",
        "'webinar' is not one of the configured sources: website, referral",
        4,
        "source",
    )
    result = hygiene(pipeline(records, problems=[bad]), {}, Window(), day(1))
    assert result["duplicates"] == [["h1", "h2"], ["h1", "h3"]]
    # h4 is in proposal: qualified needs contact.email, proposal needs amount (and has its date)
    assert result["missing_required"] == [
        {"id": "h4", "stage": "proposal", "fields": ["contact.email", "amount"]}
    ]
    assert result["unknown_values"] == [
        {"id": "bad", "field": "source", "value": "webinar"},
        {"id": "h2", "field": "owner", "value": "zed"},
    ]


def test_stale_rows_rounded_in_place_keep_the_order_of_the_days_as_counted() -> None:
    """Days equal to four places but not beyond stay ordered by their full value, then by id."""
    records = [deal(f"r{5 - i}", "lead", i * 0.00001) for i in range(6)]  # under a second apart
    timelines = by_id(*(chain(r.id, ("lead", i * 0.00001)) for i, r in enumerate(records)))
    now = day(40)
    facts = stale_facts(pipeline(records), timelines, now)

    rows = stale_rows(facts, pipeline(records).config, now, DIGITS)

    assert rows == rounded(stale_items(pipeline(records), timelines, Window(), now))
    assert [row["id"] for row in rows] == ["r5", "r4", "r3", "r2", "r1", "r0"]  # oldest first
    assert len({row["days"] for row in rows}) < len(rows)  # rounding made some equal
