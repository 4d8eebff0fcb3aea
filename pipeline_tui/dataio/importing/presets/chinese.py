"""Any Chinese CRM's opportunity (商机) export, read by the words such exports use.

Assumed, not a vendor's documented format: 纷享销客, 销售易, 励销云,
简道云 and 钉钉 publish no export column list, so these are the common
names of their fields and their variants (商机名称 / 机会名称, 预计成交日期
/ 预计签单日期, 负责人 / 销售负责人 ...), plus the labels of Salesforce and
HubSpot in Chinese where they differ (商机所有人, 结束日期, 可能性 (%),
潜在客户来源, 交易名称, 交易阶段, 交易所有者, 成交日期).  ``所属部门`` is a
department, never the owner.  A closed deal is told by its stage (赢单,
输单 ...) or by a status column (商机状态: 进行中 / 赢单 / 输单).  The stage
list is a typical one (初步接洽, 需求确认, 方案报价, 谈判审核); others are
added as the file has them, and ``--map stage:VALUE=STAGE`` decides any.
Traditional spellings (商機名稱, 客戶名稱, 階段, 負責人, 贏單 ...) are read too.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline_tui.dataio.importing.columns import compact, find_column
from pipeline_tui.dataio.importing.presets.base import Cells, CrmStage, Outcome, Preset
from pipeline_tui.i18n import N_

STAGES = (
    CrmStage("初步接洽", 0.1),
    CrmStage("需求确认", 0.25),
    CrmStage("方案报价", 0.5),
    CrmStage("谈判审核", 0.75),
)

COLUMNS = {
    "external_id": ("商机编号", "商机ID", "商机编码", "机会编号", "记录ID", "商機編號"),
    "title": ("商机名称", "机会名称", "销售机会名称", "商业机会名称", "交易名称", "项目名称",
              "商机标题", "商机", "商機名稱", "機會名稱", "交易名稱"),
    "account": ("客户名称", "客户", "客户全称", "公司名称", "关联公司", "客户名", "客戶名稱",
                "客戶", "公司名稱"),
    "stage": ("销售阶段", "商机阶段", "交易阶段", "机会阶段", "阶段", "銷售階段", "商機階段",
              "交易階段", "階段"),
    "amount": ("商机金额", "成交金额", "预计金额", "销售金额", "交易金额", "机会金额", "金额",
               "预计销售金额", "商機金額", "金額"),
    "currency": ("币种", "货币", "币别", "幣別", "貨幣"),
    "owner": ("负责人", "销售负责人", "商机负责人", "商机所有人", "交易所有者", "所有人",
              "销售员", "销售人员", "销售代表", "跟进人", "負責人", "商機擁有者", "擁有者"),
    "source": ("商机来源", "潜在客户来源", "线索来源", "客户来源", "来源", "原始来源", "來源",
               "潛在客戶來源"),
    "created": ("创建时间", "创建日期", "新建时间", "录入时间", "建立日期", "建立時間", "創建時間"),
    "closed": ("成交日期", "实际成交日期", "赢单日期", "签单日期", "结单日期", "关闭日期",
               "结束日期", "結束日期", "預計成交日期", "预计成交日期", "预计签单日期"),
    "expected_close": ("预计成交日期", "预计签单日期", "预计结单日期", "预计成交时间",
                       "预计关闭日期", "预计结束日期", "預計成交日期"),
    "probability": ("赢率", "赢单率", "成交概率", "赢单概率", "可能性 (%)", "可能性", "概率",
                    "贏率", "成交機率", "機率"),
    "lost_reason": ("输单原因", "丢单原因", "失败原因", "输单理由", "輸單原因", "丟單原因"),
    "won_reason": ("赢单原因", "贏單原因"),
    "contact.name": ("联系人", "联系人姓名", "关联联系人", "聯絡人"),
    "contact.phone": ("联系电话", "手机", "电话", "電話"),
    "contact.email": ("邮箱", "电子邮箱", "电子邮件", "電子郵件"),
    "next_step.action": ("下一步", "下一步计划"),
    "notes": ("备注", "描述", "商机描述", "说明", "備註", "說明"),
    "tags": ("标签", "標籤"),
}  # fmt: skip

WON = ("赢单", "已赢单", "成交", "已成交", "签约成交", "赢得", "已签约", "贏單", "已贏單")
LOST = ("输单", "已输单", "丢单", "已丢单", "失败", "丢失", "无效", "已失效",
        "輸單", "已輸單", "丟單", "失敗", "無效")  # fmt: skip
_OPEN = ("进行中", "跟进中", "未结束", "开放", "打开", "進行中")
_STATUS = ("商机状态", "输赢状态", "赢单状态", "状态", "商機狀態", "狀態")


def _detect(columns: Sequence[str]) -> tuple[str, ...] | None:
    """A Chinese title column and one more of account, stage or amount."""
    found = []
    for fld in ("title", "account", "stage", "amount"):
        column = find_column(columns, COLUMNS[fld])
        if column is not None:
            found.append(column)
        elif fld == "title":
            return None
    return tuple(found) if len(found) >= 2 else None


#: The outcome words as :func:`compact` makes them, made once (each row is checked).
_OUTCOMES: tuple[tuple[frozenset[str], Outcome], ...] = (
    (frozenset(map(compact, WON)), "won"),
    (frozenset(map(compact, LOST)), "lost"),
    (frozenset(map(compact, _OPEN)), "open"),
)


def _outcome(cells: Cells) -> Outcome | None:
    status = compact(cells.get(*_STATUS))
    return next((outcome for words, outcome in _OUTCOMES if status in words), None)


PRESET = Preset(
    name="chinese",
    label=N_("Chinese CRM (generic)"),
    columns=COLUMNS,
    detect=_detect,
    stages=STAGES,
    outcome=_outcome,
    won_stages=(*WON, "Closed Won", "Won"),
    lost_stages=(*LOST, "Closed Lost", "Lost"),
    signals=_STATUS,
    currency_hint="CNY",
    lost_reason_default="未记录",
)
