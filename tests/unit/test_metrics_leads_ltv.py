"""Lead-to-opportunity conversion and customer lifetime value (METRICS.md), by hand."""

from __future__ import annotations

from pipeline_tui.reports.metrics.leads import lead_conversion
from pipeline_tui.reports.metrics.lifetime import lifetime_value
from pipeline_tui.reports.metrics.window import Window
from tests.metricdata import by_id, chain, day, deal, pipeline


def test_lead_conversion_counts_leads_that_moved_past_the_entry_stage() -> None:
    records = [
        deal("a", "qualified", 1, source="website", tags=["campaign:expo"]),
        deal("b", "lead", 2, source="website", tags=["campaign:expo"]),
        deal("c", "won", 3, source="event"),  # skipped stages: still qualified
        deal("d", "lost", 4, source="event"),  # lost from lead: not qualified
        deal("e", "proposal", 40, source="website"),  # outside the window
    ]
    timelines = by_id(
        chain("a", ("lead", 1), ("qualified", 5)),
        chain("b", ("lead", 2)),
        chain("c", ("lead", 3), ("won", 9)),
        chain("d", ("lead", 4), ("lost", 6)),
        chain("e", ("lead", 40), ("proposal", 41)),
    )
    result = lead_conversion(pipeline(records), timelines, Window(day(0), day(30)), day(50))
    assert (result["leads"], result["qualified"], result["rate"]) == (4, 2, 0.5)
    assert result["by_source"] == [
        {"source": "event", "leads": 2, "qualified": 1, "rate": 0.5},
        {"source": "website", "leads": 2, "qualified": 1, "rate": 0.5},
    ]
    assert result["by_campaign"] == [{"campaign": "expo", "leads": 2, "qualified": 1, "rate": 0.5}]
    # History is cut at ``now``: on day 4.5 "a" had not left the lead stage yet.
    early = lead_conversion(pipeline(records[:2]), timelines, Window(day(0), day(30)), day(4.5))
    assert (early["leads"], early["qualified"]) == (2, 0)


def test_lifetime_value_sums_wins_per_account() -> None:
    records = [
        deal("a1", "won", 1, account="ACME", amount=100, source="referral"),
        deal("a2", "won", 20, account="acme ", amount=50, source="website"),
        deal("a3", "lost", 25, account="ACME", amount=999),
        deal("b1", "won", 5, account="Globex", amount=30, source="website"),
        deal("c1", "lead", 6, account="Initech", amount=70),  # never won: not counted
    ]
    timelines = by_id(
        chain("a1", ("lead", 1), ("won", 10)),
        chain("a2", ("lead", 20), ("won", 30)),
        chain("a3", ("lead", 25), ("lost", 26)),
        chain("b1", ("lead", 5), ("won", 8)),
    )
    result = lifetime_value(pipeline(records), timelines, Window(), day(40))
    assert result["accounts"] == 2
    assert result["by_account"] == [
        {"account": "ACME", "value": 150.0},
        {"account": "Globex", "value": 30.0},
    ]
    assert (result["mean"], result["median"]) == (90.0, 90.0)
    assert result["by_source"] == [
        {"source": "referral", "accounts": 1, "mean": 150.0, "median": 150.0},
        {"source": "website", "accounts": 1, "mean": 30.0, "median": 30.0},
    ]
    before = lifetime_value(pipeline(records), timelines, Window(day(0), day(15)), day(40))
    assert before["by_account"] == [
        {"account": "ACME", "value": 100.0},
        {"account": "Globex", "value": 30.0},
    ]
