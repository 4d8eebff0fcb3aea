"""Snapshots of a pipeline made by ``init --template zh_CN``: Chinese stage names, amounts in 万.

The English snapshots (test_snapshots.py) stay as they are; these show the
board and metrics a Chinese team sees at 80x24 and 160x48, every column
aligned with double-width characters.  The interface language comes from the
template's ``language: zh_CN``.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from pipeline_tui.sync.setup import init_pipeline

from .conftest import Story, git_home, make_app, tell
from .test_snapshots import SIZES, SnapCompare, after

#: Five deals through the Chinese stages; dates fixed so every run paints the same.
ZH_DEALS = (
    Story(
        "hua-wei-yun-qian-yi-xiang-mu-k3f9a0b2c1d",
        "华为云迁移项目",
        "华为技术",
        "2026-10-01",
        {"amount": 1_250_000, "owner": "张伟", "source": "线下展会"},
    ),
    Story(
        "a-li-ba-ba-erp-dui-jie-p0q9r8s7t6u",
        "阿里巴巴 ERP 对接",
        "阿里巴巴",
        "2026-11-12",
        {"amount": 125_000, "owner": "李娜", "source": "官网咨询"},
    ),
    Story(
        "teng-xun-hui-yi-shi-sheng-ji-a1b2c3d4e5f",
        "腾讯会议室升级",
        "腾讯科技",
        "2026-09-15",
        {
            "amount": 120_000_000,
            "owner": "张伟",
            "source": "渠道伙伴推荐",
            "contact": {"name": "马化", "phone": "13800000000"},
            "expected_close": date(2027, 1, 31),
        },
        moves=(("需求确认", "2026-09-20"), ("方案提供", "2026-10-08")),
    ),
    Story(
        "jing-dong-wu-liu-kan-ban-z9y8x7w6v5u",
        "京东物流看板",
        "京东物流",
        "2026-07-01",
        {"amount": 380_000, "owner": "李娜", "source": "线上广告"},
        closed=("won", "上线周期短", "2026-10-15"),
    ),
    Story(
        "xiao-mi-men-dian-xi-tong-m1n2o3p4q5r",
        "小米门店系统",
        "小米",
        "2026-07-05",
        {"amount": 90_000, "owner": "张伟", "source": "官网咨询"},
        closed=("lost", "价格", "2026-08-20"),
    ),
)


@pytest.fixture(scope="session")
def zh_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with git_home(tmp_path_factory):
        root = init_pipeline(tmp_path_factory.mktemp("zh") / "deals", None, "flat", "zh_CN")
        return tell(root, ZH_DEALS)


@pytest.fixture
def zh_deals(zh_template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(zh_template, tmp_path / "deals", symlinks=True))


@pytest.mark.parametrize("size", SIZES)
def test_zh_board(snap_compare: SnapCompare, zh_deals: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(zh_deals), terminal_size=size, run_before=after())


@pytest.mark.parametrize("size", SIZES)
def test_zh_metrics(snap_compare: SnapCompare, zh_deals: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(zh_deals), terminal_size=size, run_before=after("m"))
