"""First follow-up timeliness, profile completeness, lost reasons and repeat rate."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pipeline_tui.reports.metrics.completeness import profile_completeness
from pipeline_tui.reports.metrics.first_contact import first_contact
from pipeline_tui.reports.metrics.lost import lost_reasons
from pipeline_tui.reports.metrics.repeat import repeat_rate
from pipeline_tui.reports.metrics.window import Window
from tests.metricdata import by_id, chain, config, day, deal, pipeline


def activity(at_day: float, by: str = "alice") -> dict[str, object]:
    return {"at": day(at_day), "kind": "call", "by": by, "note": "hello"}


def test_first_contact_within_sla_and_median_hours() -> None:
    now = day(30)
    records = [
        deal("a", "lead", 0, activities=[activity(5 / 24)]),  # called after 5 hours: met
        deal("b", "qualified", 0),  # left lead after 48 hours: missed
        deal("e", "lead", 29.5),  # 12 hours old, nobody yet: still pending, left out
        deal("f", "lead", 1),  # never contacted, SLA long gone: missed, no hours
        deal("g", "qualified", 3),  # created past the entry stage: contact at creation (0 h)
        deal("h", "lead", 0, activities=[activity(40)]),  # call after now (as of): missed
        deal("i", "lead", 0),  # history moves it on day 35, after now: missed
    ]
    timelines = by_id(
        chain("a", ("lead", 0)),
        chain("b", ("lead", 0), ("qualified", 2)),
        chain("g", ("qualified", 3)),
        chain("i", ("lead", 0), ("qualified", 35)),
    )
    result = first_contact(pipeline(records), timelines, Window(), now)
    # judged: a b f g h i (6); met: a g (2); hours known: a 5, b 48, g 0 -> median 5
    assert result == {"sla_hours": 24, "within_sla": pytest.approx(2 / 6), "median_hours": 5}


def test_first_contact_with_nothing_to_judge_is_null() -> None:
    result = first_contact(pipeline([deal("e", "lead", 29.9)]), {}, Window(), day(30))
    assert result == {"sla_hours": 24, "within_sla": None, "median_hours": None}


def test_first_contact_window_selects_by_creation() -> None:
    records = [deal("a", "lead", 0, activities=[activity(0.1)]), deal("f", "lead", 10)]
    result = first_contact(pipeline(records), {}, Window(day(5), None), day(30))
    assert result["within_sla"] == 0.0  # only f, never contacted


def test_profile_completeness_per_deal_and_owner() -> None:
    records = [
        # industry and size filled; an empty budget is not filled: 2 of 5
        deal("x", owner="王芳", profile={"industry": "SaaS", "size": 50, "budget": ""}),
        deal(
            "y",
            owner="王芳",
            profile={
                "industry": "制造",
                "size": "200+",
                "budget": 10000,
                "decision_maker": "CFO",
                "need": "ERP",
            },
        ),
        # no profile mapping, but a top-level custom field `need`: 1 of 5
        deal("z", owner="bob", need="CRM"),
    ]
    result = profile_completeness(pipeline(records), {}, Window(), day(30))
    assert result["mean"] == pytest.approx((0.4 + 1.0 + 0.2) / 3)
    assert result["by_owner"] == {"bob": pytest.approx(0.2), "王芳": pytest.approx(0.7)}


def test_profile_completeness_without_configured_fields_is_null() -> None:
    pipe = pipeline([deal("x")], config(profile_fields=[]))
    assert profile_completeness(pipe, {}, Window(), day(1)) == {"mean": None, "by_owner": {}}


def test_lost_reasons_by_count_amount_and_stage_lost_from() -> None:
    records = [
        deal("c", "lost", 0, amount=500, lost_reason="price"),
        deal("m", "lost", 0, lost_reason="price"),  # no amount: counts, adds nothing
        deal("n", "lost", 0, amount=2000, lost_reason="competitor"),
        deal("w", "won", 0, amount=999),
    ]
    timelines = by_id(
        chain("c", ("lead", 0), ("lost", 4)),
        chain("m", ("lead", 0), ("negotiation", 3), ("proposal", 6), ("lost", 10)),
        chain("n", ("lead", 0), ("negotiation", 5), ("lost", 9)),
        chain("w", ("lead", 0), ("won", 3)),
    )
    result = lost_reasons(pipeline(records), timelines, Window(), day(30))
    assert result == {
        "price": {"count": 2, "amount": 500, "by_stage": {"lead": 1, "proposal": 1}},
        "competitor": {"count": 1, "amount": 2000, "by_stage": {"negotiation": 1}},
    }
    assert list(result) == ["price", "competitor"]
    later = lost_reasons(pipeline(records), timelines, Window(day(9.5)), day(30))
    assert later == {"price": {"count": 1, "amount": 0, "by_stage": {"proposal": 1}}}
    assert lost_reasons(pipeline(records[3:]), timelines, Window(), day(30)) == {}


def test_repeat_rate_counts_accounts_not_deals() -> None:
    records = [
        deal("w1", "won", 0, account="ACME Corp"),
        deal("w2", "won", 0, account="acme  corp"),  # same customer, spelled differently
        deal("b1", "won", 0, account="Beta"),
        deal("g1", "won", 0, account="Gamma", tags=["Renewal"]),
        deal("d1", "won", 0, account="Delta"),
        deal("d2", "lost", 0, account="Delta", lost_reason="price"),
    ]
    timelines = by_id(
        chain("w1", ("lead", 0), ("won", 5)),
        chain("w2", ("lead", 0), ("won", 20)),
        chain("b1", ("lead", 0), ("won", 15)),
        chain("g1", ("lead", 0), ("won", 25)),
        chain("d1", ("lead", 0), ("won", 8)),
        chain("d2", ("lead", 0), ("lost", 9)),
    )
    pipe = pipeline(records)
    now = day(30)
    # all time: ACME (2 wins) and Gamma (tagged renewal) of ACME, Beta, Gamma, Delta
    assert repeat_rate(pipe, timelines, Window(), now) == {
        "accounts_won": 4,
        "accounts_repeat": 2,
        "rate": 0.5,
    }
    # wins from day 18: ACME (its earlier win counts toward "repeat") and Gamma
    assert repeat_rate(pipe, timelines, Window(day(18)), now)["rate"] == 1.0
    # before day 10: ACME has one win so far, Delta one: nobody has come back yet
    assert repeat_rate(pipe, timelines, Window(day(0), day(10)), now) == {
        "accounts_won": 2,
        "accounts_repeat": 0,
        "rate": 0.0,
    }
    nobody = repeat_rate(pipeline(records[5:]), timelines, Window(), now)
    assert nobody == {"accounts_won": 0, "accounts_repeat": 0, "rate": None}


def test_activities_in_the_future_are_ignored_as_of_now() -> None:
    record = deal("a", "lead", 0, activities=[activity(2)])
    result = first_contact(pipeline([record]), {}, Window(), day(1) + timedelta(hours=1))
    assert result["median_hours"] is None
    assert result["within_sla"] == 0.0
