"""Per-deal facts shared by a report's sections: the same answers, computed once per report.

The story (days from T0):
  w  lead 0 -> qualified 2 -> won 9
  l  lead 0 -> lost 3                     (lost from the entry stage)
  o  lead 1 -> proposal 4, still there     (skipped qualified)
  n  no history at all                    (created on day 5, still a lead)
"""

from __future__ import annotations

from pipeline_tui.core.model import Pipeline
from pipeline_tui.core.timeline import Timeline
from pipeline_tui.reports.build import build_report
from pipeline_tui.reports.metrics.lifecycle import (
    closed_deals,
    deal_facts,
    furthest_open_index,
    shared_facts,
    stays,
)
from pipeline_tui.reports.metrics.window import Window
from tests.metricdata import by_id, chain, day, deal, pipeline

NOW = day(20)


def story() -> tuple[Pipeline, dict[str, Timeline]]:
    records = [
        deal("w", "won", 0),
        deal("l", "lost", 0, lost_reason="price"),
        deal("o", "proposal", 1),
        deal("n", "lead", 5),
    ]
    timelines = dict(
        by_id(
            chain("w", ("lead", 0), ("qualified", 2), ("won", 9)),
            chain("l", ("lead", 0), ("lost", 3)),
            chain("o", ("lead", 1), ("proposal", 4)),
        )
    )
    return pipeline(records), timelines


def test_facts_answer_what_the_one_deal_functions_answer() -> None:
    data, timelines = story()
    facts = deal_facts(data, timelines, NOW)
    assert facts.histories == [stays(r, timelines, NOW) for r in data.opportunities]
    assert facts.furthest == [
        furthest_open_index(r, stays(r, timelines, NOW), facts.stages) for r in data.opportunities
    ]
    assert facts.furthest == [4, 0, 2, 0]  # won passed all four open stages; l never left lead
    assert [c.record.id for c in facts.closed] == ["w", "l"]
    assert [c.at for c in facts.closed] == [day(9), day(3)]
    assert [data.opportunities[i].id for i in facts.open_positions] == ["o", "n"]
    assert facts.account_keys == ["account w", "account l", "account o", "account n"]


def test_created_in_a_window_leaves_out_deals_created_after_now() -> None:
    data, timelines = story()
    facts = deal_facts(data, timelines, day(3))
    assert [data.opportunities[i].id for i in facts.created_in(Window())] == ["w", "l", "o"]
    assert [data.opportunities[i].id for i in facts.created_in(Window(day(1)))] == ["o"]


def test_sections_of_one_report_share_one_set_of_facts() -> None:
    data, timelines = story()
    with shared_facts():
        first = deal_facts(data, timelines, NOW)
        assert deal_facts(data, timelines, NOW) is first
        assert closed_deals(data, timelines, NOW) is first.closed
        assert deal_facts(data, timelines, day(19)) is not first  # another instant
        assert deal_facts(data, dict(timelines), NOW) is not first  # another history
    assert deal_facts(data, timelines, NOW) is not first  # outside a report: computed afresh


def test_a_later_report_sees_history_changed_in_place() -> None:
    data, timelines = story()
    before = build_report(data, timelines, Window(), NOW, ["stages"])
    timelines["o"] = chain("o", ("lead", 1), ("proposal", 4), ("negotiation", 6))
    after = build_report(data, timelines, Window(), NOW, ["stages"])
    assert (before["stages"]["proposal"]["count"], after["stages"]["proposal"]["count"]) == (0, 1)
