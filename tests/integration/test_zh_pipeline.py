"""A Chinese team's pipeline end to end, under ``LANG=zh_CN.UTF-8`` (issue 15).

``init`` picks the zh_CN template from the locale; deals get pinyin ids, move
through Chinese stages by name, one closes 输单 with a reason; report, CSV
export with a BOM and the HTML report come out in Chinese.  Plus the pieces:
stage-name rules, slugs, the language order and amounts in 万/亿.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pipeline_tui import i18n
from pipeline_tui.cli import cli
from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.money import compact_amount
from pipeline_tui.core.slug import slugify
from pipeline_tui.core.validation import config_problems
from pipeline_tui.edits.ids import SUFFIX_LENGTH
from pipeline_tui.settings import settings_path
from pipeline_tui.sync.setup import init_pipeline
from pipeline_tui.tui.formatting import days_label, long_date


def zh(repo: Path, *args: str) -> Result:
    runner = CliRunner(env={"LANG": "zh_CN.UTF-8"})
    return runner.invoke(cli, ["--repo", str(repo), *args], catch_exceptions=False)


@pytest.fixture
def zh_repo(tmp_path: Path) -> Path:
    result = CliRunner(env={"LANG": "zh_CN.UTF-8"}).invoke(
        cli, ["init", str(tmp_path / "团队")], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "已在" in result.output  # the confirmation is in Chinese too
    return tmp_path / "团队"


def new(repo: Path, title: str, *options: str) -> str:
    result = zh(repo, "new", title, "--account", "华为技术", *options)
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


def test_a_chinese_team_end_to_end(zh_repo: Path, tmp_path: Path) -> None:
    config_text = (zh_repo / "pipeline.yaml").read_text(encoding="utf-8")
    assert "name: 初步接触" in config_text and "currency: CNY" in config_text
    assert "layout: sharded" in config_text

    won = new(zh_repo, "华为云迁移项目", "--amount", "1250000", "--source", "线下展会")
    lost = new(zh_repo, "小米门店系统", "--amount", "90000", "--source", "官网咨询")
    assert re.fullmatch(rf"hua-wei-yun-qian-yi-xiang-mu-[a-z0-9]{{{SUFFIX_LENGTH}}}", won)

    assert zh(zh_repo, "set", won, 'contact.phone="13800000000"').exit_code == 0
    assert zh(zh_repo, "move", won, "需求确认").exit_code == 0
    refused = zh(zh_repo, "move", won, "方案提供")
    assert refused.exit_code != 0 and "expected_close" in refused.stderr
    assert zh(zh_repo, "set", won, "expected_close=2026-12-31").exit_code == 0
    assert zh(zh_repo, "move", won, "方案提供").exit_code == 0
    assert zh(zh_repo, "close", won, "won").exit_code == 0
    assert zh(zh_repo, "close", lost, "lost", "--reason", "价格").exit_code == 0

    shown = json.loads(zh(zh_repo, "show", lost, "--json").stdout)
    assert shown["stage"] == "输单" and shown["lost_reason"] == "价格"
    assert json.loads(zh(zh_repo, "show", won, "--json").stdout)["stage"] == "签约成交"

    html = tmp_path / "报告.html"
    report = zh(zh_repo, "report", "--html", str(html))
    assert report.exit_code == 0, report.stderr
    assert "赢单率" in report.stdout
    assert "已写入" in report.stderr
    page = html.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "截至" in page

    out = tmp_path / "商机.csv"
    exported = zh(zh_repo, "export", "--bom", "-o", str(out))
    assert exported.exit_code == 0 and "已将 2 条商机写入" in exported.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "华为云迁移项目" in text and "输单" in text and "1250000" in text


def test_init_template_is_explicit_or_follows_the_locale(tmp_path: Path) -> None:
    english = CliRunner(env={"LANG": "zh_CN.UTF-8"}).invoke(
        cli, ["init", "--template", "en", str(tmp_path / "en")], catch_exceptions=False
    )
    assert english.exit_code == 0
    assert "name: lead" in (tmp_path / "en" / "pipeline.yaml").read_text(encoding="utf-8")
    root = init_pipeline(tmp_path / "default")  # no locale asked for: English, unchanged
    assert "currency: USD" in (root / "pipeline.yaml").read_text(encoding="utf-8")


def test_the_chinese_help_text(zh_repo: Path) -> None:
    assert "初始 pipeline.yaml 模板" in zh(zh_repo, "init", "--help").stdout


STAGES = [
    {"name": "lead"},
    {"name": "won", "terminal": True, "probability": 1.0},
    {"name": "lost", "terminal": True, "probability": 0.0},
]


@pytest.mark.parametrize("name", ["初步接触", "Closed Won", "方案/报价", "x"])
def test_stage_names_in_any_language(name: str) -> None:
    data = {"stages": [{"name": name}, *STAGES[1:]], "sources": [name]}
    assert config_problems(data, "pipeline.yaml") == []


@pytest.mark.parametrize("name", [" lead", "lead ", "le\tad", "lead\n", "a\x1bb", ""])
def test_stage_names_without_control_characters_or_outer_spaces(name: str) -> None:
    data = {"stages": [{"name": name}, *STAGES[1:]], "lost_reasons": [name]}
    fields = {p.field for p in config_problems(data, "pipeline.yaml")}
    assert fields and fields <= {"stages.0.name", "lost_reasons.0", "stages"}


def test_stage_labels_show_in_the_interface_language() -> None:
    config = PipelineConfig.from_mapping(
        {
            "stages": [
                {"name": "proposal", "label": "Proposal", "labels": {"zh_CN": "方案提供"}},
                *STAGES[1:],
            ]
        }
    )
    i18n.set_language("en")
    assert config.stage_display("proposal") == "Proposal"
    i18n.set_language("zh_CN")
    assert config.stage_display("proposal") == "方案提供"
    assert config.resolve_stage("方案提供") == "proposal"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("华为云迁移项目", "hua-wei-yun-qian-yi-xiang-mu"),
        ("重庆银行 CRM 2.0 升级", "chong-qing-yin-hang-crm-2-0-sheng-ji"),
        ("Café Müller GmbH", "cafe-muller-gmbh"),
        ("CRM rollout for ACME", "crm-rollout-for-acme"),
        ("南京瑞丰 会员营销系统 二期 扩容", "nan-jing-rui-feng-hui-yuan-ying-xiao-xi"),
    ],
)
def test_slugs_are_readable_ascii(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_language_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    i18n.set_pipeline_language("zh_CN")
    assert i18n.current_language() == "zh_CN"  # LANG=C.UTF-8 names no language
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert i18n.current_language() == "en"  # the locale beats the team default
    settings = settings_path()
    settings.parent.mkdir(parents=True)
    settings.write_text("language: zh_CN  # mine\n", encoding="utf-8")
    i18n.user_language.cache_clear()
    assert i18n.current_language() == "zh_CN"  # the person's setting beats the locale


def test_amounts_in_wan_and_yi_under_chinese() -> None:
    i18n.set_language("zh_CN")
    assert compact_amount(125_000, "CNY") == "¥12.5万"
    assert compact_amount(120_000_000, "CNY") == "¥1.2亿"
    assert compact_amount(9_000, "CNY") == "¥9000"
    assert days_label(12) == "12天"
    assert long_date(__import__("datetime").date(2026, 11, 20)) == "2026年11月20日"
    i18n.set_language("en")
    assert compact_amount(125_000, "USD") == "$125k"
    assert days_label(12) == "12d"


@pytest.mark.long
def test_the_demo_in_chinese(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["demo", "--lang", "zh_CN", str(tmp_path / "demo")], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "演示商机管道位于" in result.output
    listed = CliRunner(env={"LANG": "zh_CN.UTF-8"}).invoke(
        cli, ["--repo", str(tmp_path / "demo"), "list", "--json"], catch_exceptions=False
    )
    deals = json.loads(listed.stdout)
    assert {d["stage"] for d in deals} >= {"初步接触", "方案提供", "签约成交", "输单"}
    assert "san-da-qu-fu-wu-tai-fk2n" in {d["id"] for d in deals}  # 三大区服务台, same suffix
    assert all(d["id"].isascii() for d in deals)
