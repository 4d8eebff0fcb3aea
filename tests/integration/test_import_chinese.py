"""`pipeline import` of the exports Chinese-speaking teams bring: no options, real git repos.

The fixtures in ``tests/fixtures/crm_zh`` are written as each tool writes
them (see ``EXPECTED.md`` there): 悟空CRM's 商机 list saved by Excel on
Chinese Windows (GBK, CRLF), a domestic CRM's "CSV UTF-8" (byte-order mark,
every cell quoted) with 万 amounts and 年月日 dates, and Odoo's export with
zh_CN labels.  They are imported into a pipeline made from the zh_CN
template (CNY, stages 初步接触 ... 签约成交 / 输单, team 张伟 and 李娜).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pipeline_tui.cli import cli
from pipeline_tui.sync.setup import init_pipeline
from tests.conftest import RunCli

FIXTURES = Path(__file__).parents[1] / "fixtures" / "crm_zh"


@pytest.fixture(autouse=True)
def utc_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Naive times are read in the machine's zone: pin it."""
    monkeypatch.setenv("TZ", "UTC")


@pytest.fixture
def zh_repo(tmp_path: Path) -> Path:
    """A pipeline as a Chinese team starts one: ``pipeline init --template zh_CN``."""
    return init_pipeline(tmp_path / "商机", template="zh_CN")


@pytest.fixture
def run_zh(zh_repo: Path) -> Iterator[RunCli]:
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(
            cli, ["--repo", str(zh_repo), *args], input=input, catch_exceptions=False
        )

    yield run


def copied(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "export"
    folder.mkdir(exist_ok=True)
    return Path(shutil.copy(FIXTURES / name, folder / name))


def written(tmp_path: Path, name: str, data: bytes) -> Path:
    folder = tmp_path / "export"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def exported(run: RunCli) -> dict[str, dict[str, Any]]:
    result = run("export", "--format", "json")
    assert result.exit_code == 0, result.output
    deals: list[dict[str, Any]] = json.loads(result.stdout)["opportunities"]
    return {d["title"]: d for d in deals}


def commits(repo: Path) -> int:
    out = subprocess.run(
        ["git", "rev-list", "--count", "HEAD"], cwd=repo, check=True, capture_output=True, text=True
    )
    return int(out.stdout)


def test_wukong_export_saved_by_excel_as_gbk_imports_without_options(
    run_zh: RunCli, zh_repo: Path, tmp_path: Path
) -> None:
    source = copied(tmp_path, "wukong_business.csv")
    assert source.read_bytes()[:8] == "商机名称".encode("gbk")  # really GBK, as Excel saves it
    result = run_zh("import", str(source), "--json")
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    assert outcome["preset"] == "wukong"
    assert outcome["outcomes"] == {"won": 2, "lost": 2, "open": 3}
    assert outcome["refused"] == []
    assert "wukong_business.csv: 警告: 已按 GBK（GB18030）读取" in result.stderr  # zh_CN pipeline
    assert outcome["stage_map"] == {
        "验证客户": "初步接触",
        "需求分析": "需求确认",
        "方案/报价": "方案提供",
    }
    deals = exported(run_zh)
    assert len(deals) == 7
    assert Counter(d["stage"] for d in deals.values()) == {
        "签约成交": 2, "输单": 2, "初步接触": 1, "需求确认": 1, "方案提供": 1,
    }  # fmt: skip
    assert Counter(d["owner"] for d in deals.values()) == {"张伟": 2, "李娜": 2, "王芳": 3}
    won = [d for d in deals.values() if d["stage"] == "签约成交"]
    assert sum(d["amount"] for d in won) == 1_325_000 and {d["currency"] for d in won} == {"CNY"}
    crm = deals["CRM实施"]
    assert (crm["amount"], crm["currency"]) == (230000.5, "CNY")
    assert crm["expected_close"] == "2026-01-15"  # 预计成交日期 of an open deal
    assert crm["所属部门"] == "华东销售部"  # the owner's department is never the owner
    erp = deals["华东区ERP升级"]
    assert erp["created"].startswith("2025-01-14T15:32:11")
    assert erp["stage_entered"]["签约成交"].startswith("2025-03-28")
    assert erp["notes"] == "续约，含两年维保"
    assert deals["无效测试商机"]["stage"] == "输单"  # 无效 closes a deal as lost
    assert all(d["lost_reason"] == "未记录" for d in deals.values() if d["stage"] == "输单")
    assert "创建人" not in erp and "更新时间" not in erp  # bookkeeping, named in the summary
    assert run_zh("validate").exit_code == 0
    before = commits(zh_repo)
    again = json.loads(run_zh("import", str(source), "--json").stdout)
    assert len(again["unchanged"]) == 7 and commits(zh_repo) == before  # idempotent


def test_domestic_crm_export_amounts_dates_and_stages(run_zh: RunCli, tmp_path: Path) -> None:
    source = copied(tmp_path, "domestic_opportunities.csv")
    assert source.read_bytes().startswith(b"\xef\xbb\xbf")
    dry = run_zh("import", str(source), "--dry-run")
    assert dry.exit_code == 0, dry.output
    out = dry.stdout
    assert "预设：中文 CRM（通用）（表头含 '商机名称', '客户名称', '销售阶段', '商机金额'）" in out
    assert "'预计成交日期' 中的日期：2024年5月20日, ISO (2024-05-20)" in out
    assert "阶段：初步接洽 -> 初步接触, 方案报价 -> 方案提供, 谈判审核 -> 商务谈判" in out
    result = run_zh("import", str(source), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["outcomes"] == {"won": 1, "lost": 2, "open": 4}
    deals = exported(run_zh)
    money = {t: (d["amount"], d["currency"]) for t, d in deals.items()}
    assert money == {
        "华东区ERP升级": (1_234_567, "CNY"),  # ¥1,234,567.00: ¥ is CNY in a Chinese export
        "数据仓库项目": (480_000, "CNY"),  # 48万
        "智慧园区一期": (12_345_000, "CNY"),  # 1,234.5万: ten-thousands
        "CRM实施": (125_000, "CNY"),  # 12.5万元
        "年度维保合同": (100_000, "CNY"),  # CNY 100000
        "私有云部署": (2_000_000, "CNY"),  # ￥2,000,000
        "办公网络改造": (35_000, "CNY"),  # no mark: the pipeline's currency
    }
    stages = {t: d["stage"] for t, d in deals.items()}
    assert stages == {
        "华东区ERP升级": "签约成交", "数据仓库项目": "输单", "智慧园区一期": "初步接触",
        "CRM实施": "需求确认", "年度维保合同": "方案提供", "私有云部署": "商务谈判",
        "办公网络改造": "输单",
    }  # fmt: skip
    assert deals["智慧园区一期"]["expected_close"] == "2026-11-30"  # 2026年11月30日
    assert deals["CRM实施"]["expected_close"] == "2026-01-15"  # 2026/01/15
    assert deals["年度维保合同"]["expected_close"] == "2025-11-30"  # 2025-11-30 14:05
    assert deals["CRM实施"]["probability"] == 0.3  # 30%
    assert deals["华东区ERP升级"]["stage_entered"]["签约成交"].startswith("2025-03-28")
    assert deals["数据仓库项目"]["lost_reason"] == "价格"
    assert deals["办公网络改造"]["lost_reason"] == "竞品"
    assert deals["CRM实施"]["owner"] == "王芳"
    assert deals["CRM实施"]["所属部门"] == "华东销售部"
    assert deals["CRM实施"]["external_id"] == "SJ-2025-0004"


def test_stage_names_map_through_map_options_over_the_preset(
    run_zh: RunCli, tmp_path: Path
) -> None:
    source = copied(tmp_path, "domestic_opportunities.csv")
    result = run_zh(
        "import", str(source),
        "--map", "stage:初步接洽=需求确认", "--map", "stage:谈判审核=方案提供",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    stages = {t: d["stage"] for t, d in exported(run_zh).items()}
    assert (stages["智慧园区一期"], stages["私有云部署"]) == ("需求确认", "方案提供")


def test_odoo_export_with_chinese_labels(run_zh: RunCli, tmp_path: Path) -> None:
    source = copied(tmp_path, "odoo_zh_crm_lead.csv")
    result = run_zh("import", str(source), "--json")
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    assert outcome["preset"] == "odoo"
    assert outcome["outcomes"] == {"won": 1, "lost": 1, "open": 2}
    deals = exported(run_zh)
    assert deals["华东区ERP升级"]["stage"] == "签约成交"  # 阶段 赢得
    assert deals["数据仓库项目"]["stage"] == "输单"  # 启用 False at 概率 0
    assert deals["数据仓库项目"]["lost_reason"] == "太昂贵"
    assert deals["年度维保合同"]["tags"] == ["维保", "续约"]
    assert deals["年度维保合同"]["expected_close"] == "2025-11-30"


def test_into_an_english_pipeline_the_crm_stages_are_added_with_their_names(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    source = copied(tmp_path, "wukong_business.csv")
    result = run_cli("import", str(source), "--extend-config", "--json")
    assert result.exit_code == 0, result.output
    added = json.loads(result.stdout)["config_added"]["stages"]
    assert added == ["验证客户", "需求分析", "方案-报价"]
    stages = {t: d["stage"] for t, d in exported(run_cli).items()}
    assert stages["年度维保合同"] == "方案-报价"
    assert run_cli("validate").exit_code == 0


def test_bad_cells_are_refused_with_file_row_and_column(
    run_zh: RunCli, zh_repo: Path, tmp_path: Path
) -> None:
    text = (
        "商机名称,客户名称,商机金额,销售阶段,预计成交日期,负责人\r\n"
        "好单,甲公司,12.5万,初步接洽,2026年11月30日,张伟\r\n"
        '坏金额,乙公司,"1,5万",初步接洽,2026年11月30日,张伟\r\n'
        "坏日期,丙公司,8万,初步接洽,2026年13月1日,李娜\r\n"
    )
    source = written(tmp_path, "商机导出.csv", text.encode("utf-8"))
    before = commits(zh_repo)
    result = run_zh("import", str(source))
    assert result.exit_code == 1
    err = result.stderr  # in the pipeline's language, Chinese
    assert (
        "商机导出.csv：第 3 行: 错误: 列 '商机金额'：'1,5万'：以万或亿为单位的金额应使用小数点"
        in err
    )
    assert "商机导出.csv：第 4 行: 错误: 列 '预计成交日期'：'2026年13月1日' 不是日期" in err
    assert "2 行被拒绝：没有写入任何内容" in err
    assert commits(zh_repo) == before
    skipped = run_zh("import", str(source), "--skip-bad")
    assert skipped.exit_code == 0, skipped.output
    assert "第 3 行" in skipped.stderr and "第 4 行" in skipped.stderr  # still listed
    deals = exported(run_zh)
    assert list(deals) == ["好单"] and deals["好单"]["amount"] == 125_000


def test_gbk_file_with_a_byte_that_is_not_gbk_names_row_and_encoding(
    run_zh: RunCli, tmp_path: Path
) -> None:
    good = "商机名称,客户名称\r\n华东项目,上海明达科技\r\n".encode("gbk")
    damaged = good + "数据".encode("gbk") + b"\xff" + ",北京华信\r\n".encode("gbk")
    source = written(tmp_path, "gbk.csv", damaged)
    result = run_zh("import", str(source))
    assert result.exit_code == 1
    at = len(good) + len("数据".encode("gbk"))
    assert (
        "gbk.csv：第 3 行: 错误: 既不是有效的 UTF-8 文本，也不是有效的 GBK（GB18030）文本："
        f"第 {at} 字节 0xff 两者都不是" in result.stderr
    )
    assert "或用 --encoding 指定文件实际的编码" in result.stderr


def test_gbk_is_recognised_but_latin1_is_not_mistaken_for_it(
    run_cli: RunCli, tmp_path: Path
) -> None:
    """``é`` before a letter is a valid GBK pair: ``Réf,Société`` must still read as Latin-1."""
    gbk = written(tmp_path, "gbk.csv", "商机名称,客户名称\n华东项目,上海明达科技\n".encode("gbk"))
    result = run_cli("import", str(gbk))
    assert result.exit_code == 0, result.output
    assert "gbk.csv: warning: read as GBK (GB18030)" in result.stderr  # English pipeline
    assert exported(run_cli)["华东项目"]["account"] == "上海明达科技"
    latin = written(tmp_path, "latin.csv", "Réf,Société\nA,Müller\n".encode("latin-1"))
    result = run_cli("import", str(latin))
    assert result.exit_code == 1
    assert "latin.csv: row 1: error: not valid UTF-8 text (byte 0xe9" in result.stderr
    assert "--encoding latin-1" in result.stderr


def test_explicit_encoding_is_used_as_given(run_zh: RunCli, tmp_path: Path) -> None:
    data = "商机名称,客户名称,商机金额\n华东项目,上海明达科技,100\n".encode("gbk")
    source = written(tmp_path, "gbk.csv", data)
    result = run_zh("import", str(source), "--encoding", "gbk")
    assert result.exit_code == 0, result.output
    assert "read as GBK" not in result.stderr  # said only when it was guessed
    assert exported(run_zh)["华东项目"]["account"] == "上海明达科技"


def test_utf16_unicode_text_from_excel_imports(run_zh: RunCli, tmp_path: Path) -> None:
    text = "商机名称\t客户名称\t商机金额\r\n华东项目\t上海明达科技\t3万\r\n"
    source = written(tmp_path, "unicode.txt", text.encode("utf-16"))
    result = run_zh("import", str(source))
    assert result.exit_code == 0, result.output
    assert exported(run_zh)["华东项目"]["amount"] == 30_000


def test_one_column_in_two_spellings_refuses_the_file(run_zh: RunCli, tmp_path: Path) -> None:
    """``可能性 (%)`` and ``可能性（%）`` (full-width brackets) are one column: neither may hide."""
    header = "商机名称,客户名称,可能性 (%),可能性（%）"
    source = written(tmp_path, "dup.csv", f"{header}\n甲,乙,10%,20%\n".encode())
    result = run_zh("import", str(source))
    assert result.exit_code == 1
    assert (
        "dup.csv：第 1 行: 错误: 列 '可能性（%）'：表头中这一列出现了两次："
        "'可能性 (%)' 是同一个列名" in result.stderr
    )


def test_traditional_chinese_headers_and_stages(run_zh: RunCli, tmp_path: Path) -> None:
    text = (
        "商機名稱,客戶名稱,階段,金額,負責人,結束日期\r\n"
        "台北據點,台北某某股份有限公司,贏單,50萬,張偉,2025年6月30日\r\n"
        '高雄專案,高雄某某公司,輸單,"1,200",李娜,2025/7/31\r\n'
    )
    source = written(tmp_path, "tw.csv", text.encode("utf-8-sig"))
    result = run_zh("import", str(source), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["preset"] == "chinese"
    deals = exported(run_zh)
    taipei, kaohsiung = deals["台北據點"], deals["高雄專案"]
    assert (taipei["stage"], taipei["amount"], taipei["owner"]) == ("签约成交", 500_000, "張偉")
    assert taipei["stage_entered"]["签约成交"].startswith("2025-06-30")
    assert (kaohsiung["stage"], kaohsiung["amount"]) == ("输单", 1_200)


def test_bare_amounts_in_an_english_pipeline_are_flagged_once(
    run_cli: RunCli, tmp_path: Path
) -> None:
    source = copied(tmp_path, "domestic_opportunities.csv")
    dry = run_cli("import", str(source), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert (
        "domestic_opportunities.csv: warning: column '商机金额': 3 amounts name no currency "
        "(rows 3, 4, 8) and are read in the pipeline's USD; an export of this CRM is usually "
        "in CNY: if so, pass --default currency=CNY" in dry.stderr
    )
    result = run_cli("import", str(source), "--default", "currency=CNY")
    assert result.exit_code == 0, result.output
    assert "name no currency" not in result.stderr
    deals = exported(run_cli)
    assert {d["currency"] for d in deals.values()} == {"CNY"}
    assert deals["智慧园区一期"]["amount"] == 12_345_000
