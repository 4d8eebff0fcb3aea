"""Report assembly and rendering: JSON rounding, filters, tables, CSV, Markdown, HTML, charts."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import click
import pytest
from wcwidth import wcswidth

from pipeline_tui import i18n
from pipeline_tui.reports import build
from pipeline_tui.reports.build import build_report, rounded, scoped
from pipeline_tui.reports.charts import terminal_charts
from pipeline_tui.reports.html import render_html
from pipeline_tui.reports.metrics.window import Window
from pipeline_tui.reports.sections import SECTIONS
from pipeline_tui.reports.tables import (
    format_cell,
    format_money,
    render_csv,
    render_text,
    section_tables,
)
from tests.metricdata import by_id, chain, day, deal, pipeline


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language(None)


def sample_report() -> dict[str, object]:
    records = [
        deal("a", "proposal", 0, amount=1234.5, owner="王芳", expected_close="2026-02-01"),
        deal("b", "won", 0, amount=3000, owner="alice", account="ACME"),
        deal("c", "lost", 0, owner="bob", lost_reason="price"),
    ]
    timelines = by_id(
        chain("a", ("lead", 0), ("proposal", 3)),
        chain("b", ("lead", 0), ("won", 10)),
        chain("c", ("lead", 0), ("lost", 5)),
    )
    return build_report(pipeline(records), timelines, Window(), day(20))


def test_build_report_has_one_key_per_section_in_order() -> None:
    report = sample_report()
    assert list(report) == [section.key for section in SECTIONS]
    assert "first_contact" in report
    assert report["summary"]["win_rate"] == 0.5  # type: ignore[index]
    partial = build_report(pipeline([]), {}, Window(), day(1), ["stale", "summary"])
    assert list(partial) == ["summary", "stale"]


def test_rounding_keeps_rates_readable() -> None:
    assert rounded({"a": [2 / 3, 1.0, None, 3]}) == {"a": [0.6667, 1.0, None, 3]}


def test_scoped_filters_by_owner_and_unset_source() -> None:
    pipe = pipeline([deal("a", owner="alice", source="website"), deal("b", owner="bob")])
    assert [r.id for r in scoped(pipe, owner="alice").opportunities] == ["a"]
    assert [r.id for r in scoped(pipe, source="(none)").opportunities] == ["b"]
    assert scoped(pipe) is pipe


def test_money_and_cells() -> None:
    assert format_money(120000, "USD") == "$120,000"
    assert format_money(1234.5, "CNY") == "¥1,234.50"
    assert format_money(99, "CHF") == "99 CHF"
    assert format_cell(None, "rate", "USD") == "–"  # undefined is not zero
    assert format_cell(0.25, "rate", "USD") == "25.0%"
    assert format_cell(3.14159, "days", "USD") == "3.1"


def test_text_tables_align_chinese_by_display_width() -> None:
    text = render_text({"leaderboard": sample_report()["leaderboard"]}, "USD")
    lines = text.splitlines()[2:]  # after the heading and its underline
    assert any("王芳" in line for line in lines)
    assert len({wcswidth(line) for line in lines}) == 1, lines


def test_every_heading_and_label_is_translated_to_chinese() -> None:
    i18n.set_language("zh_CN")
    tables = section_tables(sample_report())
    english_titles = {section.title for section in SECTIONS}
    for table in tables:
        assert table.title not in english_titles
        for column in table.columns:
            assert column.label == "ID" or not column.label.isascii(), column.label
    assert tables[1].title == "商机来源转化率"


def test_csv_single_section_is_plain_csv_with_raw_numbers() -> None:
    text = render_csv({"summary": sample_report()["summary"]})
    rows = {r["key"]: r["value"] for r in csv.DictReader(io.StringIO(text))}
    assert rows["win_rate"] == "0.5"
    assert rows["won_amount"] == "3000"
    assert rows["avg_won_amount"] == "3000"


def test_markdown_and_html_and_charts() -> None:
    report = sample_report()
    markdown = render_text(report, "USD", markdown=True)
    assert markdown.startswith("## Summary\n\n|")
    page = render_html(report, "USD", "as of 2026-01-21")
    assert page.count("data-chart=") == 3 and "<script" not in page and "<svg" not in page
    assert ">王芳</td>" in page
    tricky = {"forecast": {"<script>": {"weighted": 1.0, "count": 1}}}
    assert "<script>" not in render_html(tricky, "USD", "")
    charts = terminal_charts(report, width=60, color=False)
    assert "Funnel" in charts and "\x1b[" not in charts


def test_cli_section_choices_are_the_report_sections() -> None:
    from pipeline_tui.cli.report import report_command

    choices = report_command.params[0].type
    assert isinstance(choices, click.Choice)
    assert tuple(choices.choices) == tuple(section.name for section in SECTIONS)
    assert all(section.name in (report_command.help or "") for section in SECTIONS)


def test_offloaded_sections_give_the_same_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sections computed by an offload (or here again, when it fails) are the same values."""
    records = [
        deal("a", "proposal", 0, amount=1234.5, owner="alice", account="ACME"),
        deal("b", "proposal", 1, amount=99, owner="bob", account="acme"),
        deal("c", "lost", 0, owner="bob", lost_reason="price"),
    ]
    timelines = by_id(
        chain("a", ("lead", 0), ("proposal", 3)), chain("c", ("lead", 0), ("lost", 5))
    )
    data = pipeline(records)
    alone = build_report(data, timelines, Window(), day(20))
    monkeypatch.setattr(build, "OFFLOAD_FROM", 0)
    asked: list[list[str]] = []

    def inline(names: Sequence[str], compute: Callable[[str], Any]) -> Callable[[], list[Any]]:
        asked.append(list(names))
        values = [compute(name) for name in names]
        return lambda: values

    assert build_report(data, timelines, Window(), day(20), offload=inline) == alone
    assert [sorted(names) for names in asked] == [sorted(build.OFFLOADED)]
    failed = build_report(data, timelines, Window(), day(20), offload=lambda n, c: lambda: None)
    assert failed == alone
    assert list(failed) == list(alone)
    not_started = build_report(data, timelines, Window(), day(20), offload=lambda n, c: None)
    assert not_started == alone
