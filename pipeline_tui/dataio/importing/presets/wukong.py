"""悟空CRM (WukongCRM 11, open source) opportunity export: ``商机`` exported from the list.

The columns and their order are the list head of the ``商机`` (business)
module: the fields ``wk_crm_field`` seeds for it (商机名称, 客户名称,
商机金额, 预计成交日期, 备注), then the ones ``CrmFieldSortServiceImpl``
adds (商机状态组, 商机阶段, 最后跟进时间, 负责人, 相关团队, 所属部门,
更新时间, 创建时间, 创建人).  The stage of a closed deal is ``赢单``, ``输单``
or ``无效`` (set in ``CrmBusinessServiceImpl``); the default stage group
(销售流程商机组) is 验证客户 20 %, 需求分析 30 %, 方案/报价 80 %.  The only
date besides the creation is the expected deal date, so it is also the close
of a closed deal (as Zoho's ``Closing Date``).  ``所属部门`` is the owner's
department, not the owner: it stays a custom field.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline_tui.dataio.importing.presets.base import CrmStage, Preset, headers_present

STAGES = (
    CrmStage("验证客户", 0.2),
    CrmStage("需求分析", 0.3),
    CrmStage("方案/报价", 0.8),
)

COLUMNS = {
    "title": ("商机名称",),
    "account": ("客户名称",),
    "amount": ("商机金额",),
    "stage": ("商机阶段",),
    "owner": ("负责人",),
    "created": ("创建时间",),
    "closed": ("预计成交日期",),
    "notes": ("备注",),
}


def _detect(columns: Sequence[str]) -> tuple[str, ...] | None:
    return headers_present(columns, ("商机名称", "商机阶段", "商机状态组"))


PRESET = Preset(
    name="wukong",
    label="悟空CRM (WukongCRM)",
    columns=COLUMNS,
    detect=_detect,
    stages=STAGES,
    won_stages=("赢单",),
    lost_stages=("输单", "无效"),
    dropped=("创建人", "更新时间"),
    currency_hint="CNY",
    lost_reason_default="未记录",
)
