"""Cells as Chinese exports write them: 万 amounts, ¥ and 元, 年月日 dates, Chinese stage names."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from pipeline_tui.core.config import ZH_CN_CONFIG_TEXT, PipelineConfig
from pipeline_tui.core.dates import chinese_date, parse_date, parse_instant
from pipeline_tui.dataio.importing.stagemap import map_stages, stage_slug
from pipeline_tui.dataio.importing.values import (
    detect_dates,
    parse_currency,
    parse_datetime,
    parse_money,
    parse_probability,
)
from pipeline_tui.yaml.read import parse_fast


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¥1,234,567.00", (1_234_567, "CNY")),
        ("￥8,000", (8_000, "CNY")),
        ("1,234.5万", (12_345_000, None)),
        ("12.5万元", (125_000, "CNY")),
        ("48万", (480_000, None)),
        ("3亿", (300_000_000, None)),
        ("1.5億", (150_000_000, None)),
        ("CNY 100000", (100_000, "CNY")),
        ("RMB 5万", (50_000, "CNY")),  # RMB is three letters but not an ISO code
        ("100000 人民币", (100_000, "CNY")),
        ("5万美元", (50_000, "USD")),
        ("0.01万", (100, None)),
        ("１２．５万", (125_000, None)),  # full-width, as an input method types it
    ],
)
def test_chinese_amounts(text: str, expected: tuple[int, str | None]) -> None:
    assert parse_money(text, "USD", "CNY") == expected


@pytest.mark.parametrize("text", ["1,5万", "1.234,5万", "1 234,5万", "1,5亿"])
def test_wan_with_a_decimal_comma_is_refused_not_guessed(text: str) -> None:
    with pytest.raises(ValueError, match="written with a decimal point and comma groups"):
        parse_money(text, "USD", "CNY")


def test_negative_wan_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        parse_money("-5万", "CNY")


def test_yen_sign_is_the_pipelines_currency_else_the_exports() -> None:
    assert parse_currency("¥", "JPY", "CNY") == "JPY"  # a JPY pipeline keeps its reading
    assert parse_currency("¥", "USD", "CNY") == "CNY"  # a Chinese export: yuan
    assert parse_currency("¥", "USD") == "JPY"  # no hint: as before
    assert parse_currency("人民币") == parse_currency("元") == "CNY"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026年11月30日", datetime(2026, 11, 30, tzinfo=UTC)),
        ("2026年1月5日 14:05", datetime(2026, 1, 5, 14, 5, tzinfo=UTC)),
        ("2026 年 11 月 30 日", datetime(2026, 11, 30, tzinfo=UTC)),
        ("2026年11月30号", datetime(2026, 11, 30, tzinfo=UTC)),
        ("2026/11/30", datetime(2026, 11, 30, tzinfo=UTC)),
        ("2026-11-30 14:05", datetime(2026, 11, 30, 14, 5, tzinfo=UTC)),
    ],
)
def test_chinese_dates(text: str, expected: datetime) -> None:
    assert parse_datetime(text, "mdy", UTC) == expected


def test_impossible_chinese_date_is_not_a_date() -> None:
    assert chinese_date("2026年2月30日") is None
    with pytest.raises(ValueError, match="is not a date"):
        parse_datetime("2026年13月1日", "mdy", UTC)


def test_a_chinese_date_column_needs_no_month_day_question() -> None:
    column = detect_dates(["2026年11月30日", "2026年1月2日", ""])
    assert column.kinds == ("chinese",) and not column.ambiguous
    assert column.describe() == "2024年5月20日"


def test_typed_dates_read_what_long_date_writes() -> None:
    today = date(2026, 11, 20)
    assert parse_date("2026年12月1日", today) == date(2026, 12, 1)
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert parse_instant("2026年12月1日 15:30", now) == datetime(2026, 12, 1, 15, 30, tzinfo=UTC)


def test_chinese_stage_slugs_keep_their_names() -> None:
    assert stage_slug("方案/报价") == "方案-报价"
    assert stage_slug("Proposal/Price Quote") == "proposal-price-quote"


def test_chinese_stages_anchor_on_a_shared_two_character_word() -> None:
    config = PipelineConfig.from_mapping(parse_fast(ZH_CN_CONFIG_TEXT))
    crm = [("初步接洽", 0.1), ("需求确认", 0.25), ("方案报价", 0.5), ("谈判审核", 0.75)]
    found = map_stages(crm, config)
    assert [found.get(name) for name, _p in crm] == ["初步接触", "需求确认", "方案提供", "商务谈判"]
    assert found.why == {
        "初步接洽": "similar name", "需求确认": "same name", "方案报价": "similar name",
        "谈判审核": "similar name",
    }  # fmt: skip
    unrelated = map_stages([("验证客户", None), ("需求分析", None)], config)
    assert unrelated.get("验证客户") == "初步接触"  # before the first anchor: the entry stage
    assert unrelated.get("需求分析") == "需求确认"


def test_full_width_probability() -> None:
    assert parse_probability("３０％") == 0.3
