"""The TUI's pure parts: card values, filters, formatting, field parsing, change detection."""

from __future__ import annotations

import dataclasses
import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.model import Opportunity, Pipeline
from pipeline_tui.core.timeline import StageInterval, Timeline
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.storage.store import Store
from pipeline_tui.tui.board.cards import CardCache, build_columns
from pipeline_tui.tui.board.filtering import BoardFilter
from pipeline_tui.tui.board.live import (
    apply_file_changes,
    changed_snapshot,
    compare,
    take_snapshot,
)
from pipeline_tui.tui.deal.fields import FieldSpec, changed_values, merged, parse_field
from pipeline_tui.tui.formatting import compact_amount, full_amount

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def record(opp_id: str, stage: str, **fields: object) -> Opportunity:
    data: dict[str, object] = {"id": opp_id, "title": opp_id.title(), "account": "Acme"}
    data |= {"stage": stage, "created": "2026-10-01T00:00:00+00:00", **fields}
    return Opportunity.from_mapping(data, f"opportunities/{opp_id}.yaml")


def config() -> PipelineConfig:
    return PipelineConfig.from_mapping(
        {
            "stages": [
                {"name": "lead", "probability": 0.1, "max_days": 14},
                {"name": "proposal", "probability": 0.5, "max_days": 21},
                {"name": "won", "probability": 1.0, "terminal": True},
                {"name": "lost", "probability": 0.0, "terminal": True},
            ],
            "currency": "EUR",
        }
    )


def stay(opp_id: str, stage: str, entered: str) -> Timeline:
    interval = StageInterval(stage, datetime.fromisoformat(entered), None, "abc", "alice")
    return Timeline(opp_id, f"opportunities/{opp_id}.yaml", (interval,))


def test_columns_order_totals_and_badges() -> None:
    records = (
        record("small", "lead", amount=10),
        record("big", "lead", amount=500, next_step={"due": "2026-11-19"}),
        record("fresh", "lead"),
        record("later", "proposal", amount=7, next_step={"due": "2026-11-20"}),
        record("gone", "lost", lost_reason="price"),
        record("odd", "nowhere"),  # an unknown stage shows in problems, not on the board
    )
    timelines = {
        "small": stay("small", "lead", "2026-11-01T12:00:00+00:00"),  # 19 days > 14
        "big": stay("big", "lead", "2026-11-10T12:00:00+00:00"),  # 10 days
        "later": stay("later", "lead", "2026-11-01T12:00:00+00:00"),  # history lags
    }
    columns = build_columns(
        Pipeline(config(), records), timelines, {"opportunities/fresh.yaml"}, BoardFilter(), NOW
    )
    assert [c.stage for c in columns] == ["lead", "proposal", "won", "lost"]
    lead = columns[0]
    assert [card.id for card in lead.cards] == ["big", "small", "fresh"]
    assert lead.total == 510
    big, small, fresh = lead.cards
    assert (big.days, big.stale, big.overdue) == (10.0, False, True)  # due yesterday
    assert (small.days, small.stale, small.overdue) == (19.0, True, False)
    assert (fresh.days, fresh.uncommitted, fresh.currency) == (None, True, "EUR")
    later = columns[1].cards[0]
    assert later.days is None and not later.overdue  # due today is not overdue yet
    assert [card.id for card in columns[3].cards] == ["gone"]


def test_card_cache_reuses_cards_until_an_input_changes() -> None:
    cache = CardCache()
    first = record("a", "lead", amount=1)
    pipeline = Pipeline(config(), (first,))
    one = build_columns(pipeline, None, set(), BoardFilter(), NOW, cache)[0].cards[0]
    again = build_columns(pipeline, None, set(), BoardFilter(), NOW, cache)[0].cards[0]
    assert one is again
    dirty = build_columns(pipeline, None, {first.path}, BoardFilter(), NOW, cache)[0].cards[0]
    assert dirty is not one and dirty.uncommitted
    changed = Pipeline(config(), (record("a", "lead", amount=2),))
    assert build_columns(changed, None, set(), BoardFilter(), NOW, cache)[0].cards[0].amount == 2


def test_cards_take_days_from_the_stays_until_the_timelines_are_in() -> None:
    records = (record("a", "lead"), record("b", "lead"), record("moved", "proposal"))
    pipeline = Pipeline(config(), records)
    stays = {
        "a": stay("a", "lead", "2026-11-01T12:00:00+00:00").current,  # 19 days > 14
        "b": None,  # began before a shallow clone's history
        "moved": stay("moved", "lead", "2026-11-10T12:00:00+00:00").current,  # history lags
    }
    cache = CardCache()

    early = build_columns(pipeline, None, set(), BoardFilter(), NOW, cache, stays=stays)

    lead = {card.id: card for card in early[0].cards}
    assert (lead["a"].days, lead["a"].stale, lead["b"].days) == (19.0, True, None)
    assert early[1].cards[0].days is None
    timelines = {"a": stay("a", "lead", "2026-11-10T12:00:00+00:00")}  # the timelines win
    later = build_columns(pipeline, timelines, set(), BoardFilter(), NOW, cache, stays=stays)
    assert {card.id: card.days for card in later[0].cards} == {"a": 10.0, "b": None}


def test_only_rebuilds_the_named_stages() -> None:
    pipeline = Pipeline(config(), (record("a", "lead"), record("b", "proposal")))
    columns = build_columns(pipeline, None, set(), BoardFilter(), NOW, only={"proposal"})
    assert [c.stage for c in columns] == ["proposal"]


def test_filter_matches_like_pipeline_list() -> None:
    deal = record(
        "acme",
        "lead",
        owner="alice",
        source="web",
        tags=["b2b"],
        notes="Budget 预算 approved",
        contact={"email": "jane@acme.example"},
    )
    assert BoardFilter(owner="alice", tag="b2b", text="预算").matches(deal)
    assert BoardFilter(text="JANE@").matches(deal)  # contact, case-insensitive
    assert not BoardFilter(owner="bob").matches(deal)
    assert not BoardFilter(source="event").matches(deal)
    assert not BoardFilter(text="globex").matches(deal)
    assert not BoardFilter(text="  ").active
    assert BoardFilter(source="web").describe() == [("source", "web")]


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (None, "USD", "—"),
        (950, "USD", "$950"),
        (1500, "EUR", "€1.5k"),
        (120000, "CNY", "¥120k"),
        (2_500_000, "USD", "$2.5M"),
        (3000, "CHF", "3k CHF"),
        (12, None, "12"),
    ],
)
def test_compact_amount(amount: float | None, currency: str | None, expected: str) -> None:
    assert compact_amount(amount, currency) == expected


def test_full_amount_keeps_every_digit() -> None:
    assert full_amount(1234567.5, "USD") == "$1,234,567.50"
    assert full_amount(300000, "CNY") == "¥300,000"


def test_parse_field_by_kind() -> None:
    assert parse_field(FieldSpec("amount", "Amount", "number"), "12,500") == 12500
    assert parse_field(FieldSpec("amount", "Amount", "number"), "0.5") == 0.5
    assert parse_field(FieldSpec("d", "Due", "date"), " 2026-12-01 ") == date(2026, 12, 1)
    assert parse_field(FieldSpec("tags", "Tags", "tags"), "b2b, , renewal") == ["b2b", "renewal"]
    assert parse_field(FieldSpec("owner", "Owner"), "   ") is None
    with pytest.raises(ValueError, match="number"):
        parse_field(FieldSpec("amount", "Amount", "number"), "12k")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_field(FieldSpec("d", "Due", "date"), "12/01/2026")
    with pytest.raises(ValueError, match="required"):
        parse_field(FieldSpec("title", "Title", required=True), "")


def test_merged_and_changed_values() -> None:
    base = {"id": "a", "contact": {"name": "Jane"}, "amount": 5}
    values = {"contact.email": "j@x.example", "amount": None}
    assert merged(base, values) == {"id": "a", "contact": {"name": "Jane", "email": "j@x.example"}}
    specs = [FieldSpec("amount", "A", "number"), FieldSpec("contact.name", "N")]
    assert changed_values(specs, base, {"amount": 5, "contact.name": "Jane"}) == {}
    assert changed_values(specs, base, {"amount": 6, "contact.name": "Jane"}) == {"amount": 6}


def test_snapshot_sees_new_changed_and_removed_files(repo: Path) -> None:
    ws = Workspace(repo)
    store = Store(repo)
    ws.create("One", "Acme", opp_id="one")
    ws.create("Two", "Acme", opp_id="two")
    before = take_snapshot(store, repo / ".git")
    (repo / "opportunities" / "two.yaml").unlink()
    (repo / "opportunities" / "one.yaml").write_text(
        "id: one\ntitle: Uno\naccount: Acme\nstage: lead\ncreated: 2026-10-01\n", encoding="utf-8"
    )
    (repo / "opportunities" / "bad.yaml").write_text("id: [\n", encoding="utf-8")
    after = take_snapshot(store, repo / ".git")
    changes = compare(before, after)
    assert changes.files == {
        "opportunities/one.yaml",
        "opportunities/two.yaml",
        "opportunities/bad.yaml",
    }
    assert not changes.config and not changes.git
    updated = apply_file_changes(ws.load(), store, set())  # nothing asked: same pipeline
    assert {r.id for r in updated.opportunities} == {"one"}
    old = Pipeline(ws.config, (record("one", "lead"), record("two", "lead")))
    fresh = apply_file_changes(old, store, changes.files)
    assert [r.title for r in fresh.opportunities] == ["Uno"]
    assert [p.path for p in fresh.problems] == ["opportunities/bad.yaml"]


def test_a_poll_between_walks_looks_only_at_folders_config_and_git(repo: Path) -> None:
    ws = Workspace(repo)
    store = Store(repo)
    ws.create("One", "Acme", opp_id="one")
    one = repo / "opportunities" / "one.yaml"
    walked = take_snapshot(store, repo / ".git")
    recent = dataclasses.replace(walked, cost=3600.0)  # its next full walk is an hour away
    assert str(repo / "opportunities") in walked.folders

    one.write_text(one.read_text(encoding="utf-8") + "# edited in place\n", encoding="utf-8")
    os.utime(one, (1_000_000_000, 1_000_000_000))  # a new stamp, the folder's left as it was
    assert changed_snapshot(store, repo / ".git", recent) is None  # not seen before the walk
    due = changed_snapshot(store, repo / ".git", dataclasses.replace(walked, cost=0.0))
    assert due is not None and compare(walked, due).files == {"opportunities/one.yaml"}

    (repo / "opportunities" / "two.yaml").write_text("id: two\n", encoding="utf-8")
    created = changed_snapshot(store, repo / ".git", recent)  # the folder's time moved
    assert created is not None and "opportunities/two.yaml" in compare(walked, created).files

    config = repo / "pipeline.yaml"
    fresh = dataclasses.replace(take_snapshot(store, repo / ".git"), cost=3600.0)
    config.write_text(config.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    moved = changed_snapshot(store, repo / ".git", fresh)
    assert moved is not None and compare(fresh, moved).config

    fresh = dataclasses.replace(take_snapshot(store, repo / ".git"), cost=3600.0)
    ws.create("Three", "Acme", opp_id="three")  # a commit: git's index and ref move
    committed = changed_snapshot(store, repo / ".git", fresh)
    assert committed is not None and compare(fresh, committed).git
