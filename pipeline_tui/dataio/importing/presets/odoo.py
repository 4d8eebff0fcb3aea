"""Odoo CRM (``crm.lead``) export, with labels or technical names.

Won is the won stage (``Won``) or probability 100 on an active lead; lost is
an archived lead (``Active`` False) at probability 0, which keeps an ordinary
stage.  Amounts are in the company currency (no per-row currency); naive
date-times are UTC.  An export with zh_CN labels (Odoo 16's
``addons/crm/i18n/zh_CN.po``: 商机, 客户, 阶段, 预期收益, 概率, 销售员,
来源, 创建时间, 关闭日期, 预期结束, 失去原因, 启用, stage 赢得) is read the same.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline_tui.dataio.importing.presets.base import (
    Cells,
    CrmStage,
    Outcome,
    Preset,
    flag,
    headers_present,
)

STAGES = (  # with the names a zh_CN export writes (Odoo 16's catalog) as ids
    CrmStage("New", 0.1, ("新建",)),
    CrmStage("Qualified", 0.3, ("验证",)),
    CrmStage("Proposition", 0.7, ("建议",)),
)

COLUMNS = {
    "external_id": ("External ID", "id"),
    "title": ("Opportunity", "name", "商机"),
    "account": ("Customer", "partner_id", "Company Name", "partner_name", "客户", "公司名称"),
    "stage": ("Stage", "stage_id", "阶段"),
    "amount": ("Expected Revenue", "expected_revenue", "planned_revenue", "预期收益"),
    "currency": ("Currency", "company_currency", "币种"),
    "owner": ("Salesperson", "user_id", "销售员"),
    "source": ("Source", "source_id", "来源"),
    "created": ("Created on", "create_date", "创建时间"),
    "closed": ("Closed Date", "date_closed", "关闭日期"),
    "expected_close": ("Expected Closing", "date_deadline", "预期结束"),
    "probability": ("Probability", "probability", "概率"),
    "lost_reason": ("Lost Reason", "lost_reason_id", "lost_reason", "失去原因"),
    "contact.name": ("Contact Name", "contact_name", "联系人姓名"),
    "contact.email": ("Email", "email_from"),
    "tags": ("Tags", "tag_ids", "标签"),
    "notes": ("Notes", "description", "备注"),
}  # fmt: skip


def _detect(columns: Sequence[str]) -> tuple[str, ...] | None:
    return headers_present(
        columns,
        ("Opportunity", "Expected Revenue", "Expected Closing"),
        ("name", "stage_id", "date_deadline"),
        ("商机", "预期收益", "预期结束"),  # the labels of Odoo 16's zh_CN catalog
    )


def _outcome(cells: Cells) -> Outcome | None:
    active = flag(cells, "Active", "active", "启用")
    probability = cells.get("Probability", "probability", "概率")
    try:
        chance = float(probability) if probability else None
    except ValueError:
        chance = None
    stage = cells.get("Stage", "stage_id", "阶段").lower()
    if stage in ("won", "赢得") or (chance == 100 and active is not False):
        return "won"
    if active is False and (chance is None or chance == 0):
        return "lost"
    if active is not None:
        return "open"
    return None


PRESET = Preset(
    name="odoo",
    label="Odoo CRM",
    columns=COLUMNS,
    detect=_detect,
    stages=STAGES,
    outcome=_outcome,
    won_stages=("Won", "赢得"),
    lost_stages=(),
    signals=("Active", "active", "启用"),
    dropped=("Sales Team", "team_id", "销售团队"),
    naive_utc=True,
)
