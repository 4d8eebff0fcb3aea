"""Interface language selection and the zh_CN catalog."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pipeline_tui import i18n
from pipeline_tui.i18n import _

CORE_INDICATORS = {
    "Source conversion rate": "商机来源转化率",
    "First follow-up timeliness": "首次跟进及时率",
    "Stage cycle time": "关键节点推进周期",
    "Profile completeness": "客户画像完善度",
    "Lost-reason analysis": "商机丢失原因分析",
    "Repeat / renewal rate": "复购/续签比率",
    "Team activity": "销售团队活跃度",
}


@pytest.fixture(autouse=True)
def reset_language() -> Iterator[None]:
    yield
    i18n.set_language(None)


@pytest.mark.parametrize("lang", ["zh_CN.UTF-8", "zh_CN", "zh"])
def test_chinese_locale_from_environment(monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", lang)
    assert i18n.current_language() == "zh_CN"
    assert _("Team activity") == "销售团队活跃度"


def test_lc_all_overrides_lang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    assert i18n.current_language() == "en"
    assert _("Team activity") == "Team activity"


def test_configured_language_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    i18n.set_language("zh_CN")
    assert _("Win rate") == "赢单率"


def test_every_core_indicator_is_translated() -> None:
    catalog = i18n.catalog("zh_CN")
    assert {k: catalog.get(k) for k in CORE_INDICATORS} == CORE_INDICATORS


def test_untranslated_message_falls_back_to_english() -> None:
    i18n.set_language("zh_CN")
    assert _("no such message here") == "no such message here"
