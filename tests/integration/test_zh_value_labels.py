"""Sources and lost reasons shown by per-language labels (``value_labels:``, issue 15).

The value in the files stays what the team wrote (``website``); a Chinese
reader sees 官网咨询 in reports and may type it, English readers see the value.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pipeline_tui import i18n
from pipeline_tui.cli import cli
from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.validation import config_problems

LABELS = """
value_labels:
  source:
    website: {zh_CN: 官网咨询}
  lost_reason:
    no-budget: {en: No budget, zh_CN: 无预算}
    price: 价格因素
"""


def run(repo: Path, lang: str, *args: str) -> str:
    result = CliRunner(env={"LANG": lang}).invoke(
        cli, ["--repo", str(repo), *args], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_labels_show_in_reports_and_name_the_value(repo: Path) -> None:
    config = repo / "pipeline.yaml"
    config.write_text(config.read_text(encoding="utf-8") + LABELS, encoding="utf-8")
    run(repo, "C.UTF-8", "validate")
    deal = run(repo, "zh_CN.UTF-8", "new", "云迁移", "--account", "华为", "--source", "官网咨询")
    run(repo, "zh_CN.UTF-8", "close", deal.strip(), "lost", "--reason", "无预算")
    stored = json.loads(run(repo, "C.UTF-8", "show", deal.strip(), "--json"))
    assert stored["source"] == "website" and stored["lost_reason"] == "no-budget"

    chinese = run(repo, "zh_CN.UTF-8", "report", "sources", "lost")
    assert "官网咨询" in chinese and "无预算" in chinese and "website" not in chinese
    english = run(repo, "C.UTF-8", "report", "sources", "lost")
    assert "website" in english and "No budget" in english and "官网咨询" not in english
    assert "website" in run(repo, "zh_CN.UTF-8", "report", "sources", "--json")  # data keeps values


def test_value_display_order() -> None:
    data = {
        "stages": [
            {"name": "lead"},
            {"name": "won", "terminal": True, "probability": 1.0},
            {"name": "lost", "terminal": True, "probability": 0.0},
        ],
        "sources": ["website", "event"],
        "value_labels": {"source": {"website": {"zh_CN": "官网咨询"}, "event": "Trade fair"}},
    }
    assert config_problems(data, "pipeline.yaml") == []
    config = PipelineConfig.from_mapping(data)
    i18n.set_language("zh_CN")
    assert config.value_display("source", "website") == "官网咨询"
    assert config.value_display("source", "event") == "Trade fair"  # one label for all
    assert config.value_display("source", "other") == "other"
    i18n.set_language("en")
    assert config.value_display("source", "website") == "website"
    assert config.resolve_value("source", "官网咨询") == "website"


def test_labels_for_unknown_fields_are_refused() -> None:
    data = {
        "stages": [
            {"name": "lead"},
            {"name": "won", "terminal": True, "probability": 1.0},
            {"name": "lost", "terminal": True, "probability": 0.0},
        ],
        "value_labels": {"owner": {"alice": "Alice"}},
    }
    assert [p.field for p in config_problems(data, "pipeline.yaml")] == ["value_labels"]
