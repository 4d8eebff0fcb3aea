"""Write sample_repo/events.yaml: the dated history behind the demo pipeline.

Not part of the package.  Each deal below is a short story (who, what, when,
how it moved); this script expands the stories into individual events (create,
set, move, log, close, assign), in time order, with deterministic times of day.
Re-run it after editing a story:

    python tools/sample_events.py          # rewrites sample_repo/events.yaml
    python tools/sample_events.py --check  # prints each deal's end state

The committed YAML is the source of truth for ``pipeline demo``; this script
only saves typing.  Path strings read left to right: ``L2 Q14 P16 N12 W`` is
2 days in lead, 14 in qualified, 16 in proposal, 12 in negotiation, then won.
A path ending in a bare stage letter leaves the deal open there; ``X:price``
closes it as lost with that reason; a stage letter appearing again after a
later one is a move back.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "sample_repo" / "events.yaml"
END = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
UTC0 = UTC
CST = timezone(timedelta(hours=8))
TZ = {"王芳": CST, "李伟": CST}
MANAGER = {"alice": "dana", "bob": "dana", "carlos": "dana", "王芳": "dana", "李伟": "王芳"}
STAGE = {"L": "lead", "Q": "qualified", "P": "proposal", "N": "negotiation"}
MAX_DAYS = {"lead": 14, "qualified": 21, "proposal": 21, "negotiation": 30}


@dataclass
class Deal:
    key: str
    title: str
    account: str
    owner: str
    source: str
    created: str  # "MM-DD HH:MM" in the creator's time zone
    amount: int | None
    path: str
    contact: tuple[str, str, str] | None = None  # name, email, role
    profile: dict[str, str] = field(default_factory=dict)
    won_reason: str | None = None
    zh: bool = False
    first_contact_hours: float | None = 3.0  # None: nobody called yet
    stale: bool = False
    creator: str | None = None  # someone else logged it, then assigned it
    extra: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    notes: str | None = None
    amount_at_create: bool = False


P = dict  # profile shorthand

DEALS: list[Deal] = [
    # ------------------------------------------------------------------ won
    Deal("acme", "CRM rollout for ACME", "ACME Corp", "alice", "referral", "06-02 09:20",
         120000, "L2 Q14 P16 N12 W", ("Jane Roe", "jane@acme.example", "CTO"),
         P(industry="manufacturing", size="200-1000", budget="100k-500k",
           decision_maker="CTO", need="CRM for 40 sales reps"),
         won_reason="fastest rollout", tags=["b2b"],
         extra=[("set", 40, {"amount": 112000})],
         notes="Jane came through Dana's network. Sales team of 40 on spreadsheets;\n"
               "wants pipeline reviews every Monday.\n"),
    Deal("globex", "Helpdesk migration", "Globex Corporation", "bob", "website", "06-05 14:05",
         45000, "L1 Q9 P12 N20 W", ("Hank Scorpio", "hank@globex.example", "COO"),
         P(industry="software", size="50-200", need="helpdesk"),
         won_reason="migration support included"),
    Deal("yunfan", "上海云帆科技 CRM 升级",
         "上海云帆科技有限公司", "李伟", "partner", "06-10 10:30",
         88000, "L3 Q15 P18 N14 W", ("张敏", "zhang.min@yunfan.example", "采购经理"),
         P(industry="制造业", size="200-1000", budget="50k-100k", decision_maker="IT 总监",
           need="销售流程线上化"),
         won_reason="本地化支持", zh=True,
         notes="渠道伙伴华东信息推荐。客户重视中文界面和本地服务团队。\n"),
    Deal("initech", "Field service app pilot", "Initech", "carlos", "outbound", "06-16 11:00",
         18000, "L4 Q12 P9 N7 W", ("Bill Lumbergh", "bill@initech.example", "VP Operations"),
         P(industry="software", size="200-1000"), won_reason="pilot pricing", tags=["pilot"],
         first_contact_hours=30),
    Deal("umbrella", "Analytics add-on", "Umbrella Health", "alice", "event", "07-08 16:40",
         32000, "L1 Q10 P14 N11 W", ("Alice Abernathy", "a.abernathy@umbrella.example",
                                     "Head of Data"),
         P(industry="healthcare", size="1000+", budget="<50k", decision_maker="CFO",
           need="pipeline dashboards"),
         won_reason="existing dashboards reused"),
    Deal("zhizao", "深圳智造 MES 数据对接",
         "深圳智造电子有限公司", "王芳", "referral", "07-20 09:10",
         150000, "L2 Q18 P21 N25 W", ("陈静", "chen.jing@zhizao.example", "信息中心主任"),
         P(industry="电子制造", size="1000+", budget="100k-500k", decision_maker="副总经理",
           need="MES 与销售数据打通"),
         won_reason="集成能力强", zh=True,
         extra=[("set", 45, {"contract_term_months": 36})]),
    Deal("stark", "Support desk seats expansion", "Stark Logistics", "bob", "referral",
         "08-12 13:15", 26000, "L1 Q7 P10 N6 W",
         ("Pepper Potts", "pepper@stark.example", "CEO"), P(industry="logistics"),
         won_reason="seat discount"),
    Deal("baichuan", "杭州百川物流 运输管理系统",
         "杭州百川物流集团", "李伟", "event", "08-25 15:00",
         64000, "L2 Q14 P20 N18 W", ("刘洋", "liu.yang@baichuan.example", "运营总监"),
         P(industry="物流", size="200-1000", need="运输调度可视化"),
         won_reason="上线周期短", zh=True, tags=["展会"]),
    Deal("acme2", "ACME support renewal", "ACME Corp", "alice", "referral", "09-28 10:00",
         40000, "L1 Q5 P12 N14 W", ("Jane Roe", "jane@acme.example", "CTO"),
         P(industry="manufacturing", size="200-1000", budget="<50k", decision_maker="CTO",
           need="support renewal"),
         won_reason="renewal", tags=["renewal"], amount_at_create=True,
         extra=[("set", 1, {"renewal_of": "@acme"})]),
    # ------------------------------------------------------------------ lost
    Deal("hooli", "CRM replacement", "Hooli", "bob", "website", "06-08 10:45",
         95000, "L2 Q12 P15 X:competitor", ("Gavin Belson", "gavin@hooli.example", "CEO"),
         P(industry="software", size="1000+", decision_maker="CEO")),
    Deal("vandelay", "Dispatch tool", "Vandelay Industries", "carlos", "outbound",
         "06-12 09:30", None, "L6 X:no-response", first_contact_hours=50),
    Deal("soylent", "Customer portal", "Soylent Foods", "alice", "website", "06-25 11:20",
         54000, "L1 Q9 P14 N20 X:price", ("Sol Roth", "sol@soylent.example", "CIO"),
         P(industry="food", size="200-1000", budget="50k-100k", need="self-service portal"),
         extra=[("set", 35, {"amount": 48000})]),
    Deal("tianfu", "成都天府医疗 客服系统", "成都天府医疗科技", "李伟", "website", "07-05 14:30",
         38000, "L2 Q20 X:no-budget", ("王强", "wang.qiang@tianfu.example", "客服经理"),
         P(industry="医疗", need="客服工单"), zh=True,
         notes="客户预算冻结到明年第二季度，明年三月再联系。\n"),
    Deal("wonka", "Inventory sync", "Wonka Confectionery", "carlos", "event", "07-28 10:10",
         22000, "L3 Q10 P25 X:timing", ("Charlie Bucket", "charlie@wonka.example", "IT lead"),
         P(industry="food", size="50-200")),
    Deal("massive", "Sales ops rollout", "Massive Dynamic", "bob", "partner", "08-18 15:30",
         70000, "L2 Q11 P9 N16 X:competitor", ("Nina Sharp", "nina@massive.example", "COO"),
         P(industry="biotech", size="1000+", budget="50k-100k", decision_maker="COO",
           need="sales ops")),
    Deal("huaxin", "北京华信 渠道管理平台", "北京华信科技", "王芳", "outbound", "09-03 10:00",
         56000, "L3 Q16 P18 X:price", ("赵磊", "zhao.lei@huaxin.example", "渠道总监"),
         P(industry="软件", budget="50k-100k"), zh=True),
    Deal("bluth", "Website chat widget", "Bluth Company", "carlos", "website", "09-22 17:50",
         None, "L9 X:no-response", first_contact_hours=70),
    # ----------------------------------------------------------- negotiation
    Deal("cyberdyne", "Multi-site rollout", "Cyberdyne Systems", "alice", "referral",
         "08-04 09:00", 210000, "L2 Q15 P22 N",
         ("Miles Dyson", "miles@cyberdyne.example", "Director of Engineering"),
         P(industry="manufacturing", size="1000+", budget="100k-500k",
           decision_maker="CFO", need="one CRM for 6 sites"),
         stale=True, tags=["enterprise"],
         extra=[("set", 20, {"competitor": "Salesforce"}),
                ("log", 75, {"kind": "note", "by": "dana",
                             "note": "Stuck since September: I will call their CFO"})]),
    Deal("tyrell", "Contact center upgrade", "Tyrell Corp", "bob", "partner", "09-08 11:30",
         84000, "L1 Q20 P30 N", ("Rachael Tyrell", "rachael@tyrell.example", "VP Support"),
         P(industry="technology", size="1000+", decision_maker="VP Support")),
    Deal("zhengtong", "广州正通 售后服务系统",
         "广州正通汽车服务", "李伟", "referral", "09-15 09:40",
         72000, "L2 Q18 P24 N", ("黄丽", "huang.li@zhengtong.example", "售后总监"),
         P(industry="汽车服务", size="200-1000", budget="50k-100k", decision_maker="总经理",
           need="售后工单与回访"),
         zh=True, extra=[("set", 50, {"probability": 0.9}),
                         ("log", 52, {"kind": "note", "by": "王芳",
                                      "note": "折扣已批准，本月内签约"})]),
    Deal("piedpiper", "Ops analytics", "Pied Piper", "carlos", "outbound", "09-29 10:20",
         48000, "L3 Q14 P17 N", ("Monica Hall", "monica@piedpiper.example", "COO"),
         P(industry="software", size="50-200")),
    Deal("oscorp", "Regional expansion", "Oscorp", "alice", "event", "08-27 14:00",
         130000, "L2 Q14 P20 N12 P15 N", ("Norman Osborn", "norman@oscorp.example", "CEO"),
         P(industry="chemicals", size="1000+", budget="100k-500k", decision_maker="CEO",
           need="regional sales teams")),
    # -------------------------------------------------------------- proposal
    Deal("wayne", "Service desk for 3 regions", "Wayne Enterprises", "bob", "referral",
         "09-10 10:00", 160000, "L2 Q20 P",
         ("Lucius Fox", "lucius@wayne.example", "CTO"), P(industry="conglomerate"),
         stale=True, tags=["enterprise"]),
    Deal("aperture", "Partner portal", "Aperture Science", "alice", "partner", "10-05 13:00",
         58000, "L1 Q28 P", ("Caroline Johnson", "caroline@aperture.example", "CIO"),
         P(industry="research", size="200-1000", need="partner deal registration")),
    Deal("jinggong", "苏州精工 设备维护平台", "苏州精工机械", "王芳", "event", "10-08 10:30",
         67000, "L2 Q24 P", ("孙伟", "sun.wei@jinggong.example", "设备部经理"),
         P(industry="机械制造", size="200-1000", need="设备巡检与维修"), zh=True, tags=["展会"]),
    Deal("sterling", "Mobile inspections", "Sterling Cooper", "carlos", "outbound",
         "10-12 09:45", 24000, "L3 Q20 P", ("Joan Holloway", "joan@sterling.example",
                                            "Office manager")),
    Deal("nakatomi", "Warehouse KPI dashboards", "Nakatomi Trading", "李伟", "website",
         "10-15 11:15", 36000, "L1 Q21 P", ("Takagi Joseph", "takagi@nakatomi.example", "CFO"),
         P(industry="trading", budget="<50k")),
    Deal("prestige", "Billing integration", "Prestige Worldwide", "bob", "website",
         "10-20 16:00", 15000, "L1 Q16 P", ("Dale Doback", "dale@prestige.example", "Founder"),
         extra=[("assign", 18, {"owner": "carlos", "by": "dana"})]),
    # ------------------------------------------------------------- qualified
    Deal("virtucon", "Onboarding automation", "Virtucon", "alice", "website", "10-22 10:30",
         None, "L2 Q", ("Number Two", "n2@virtucon.example", "COO"),
         P(industry="manufacturing"), stale=True),
    Deal("dunder", "Route planning", "Dunder Mifflin", "bob", "event", "11-03 09:30",
         20000, "L2 Q", ("Michael Scott", "michael@dunder.example", "Regional manager"),
         P(size="50-200"), amount_at_create=True),
    Deal("ruifeng", "南京瑞丰 会员营销系统", "南京瑞丰零售", "李伟", "partner", "10-30 14:00",
         None, "L5 Q", ("周婷", "zhou.ting@ruifeng.example", "市场总监"),
         P(industry="零售", need="会员积分与营销"), zh=True),
    Deal("monsters", "Quality audits app", "Monsters Inc", "carlos", "outbound", "11-02 10:00",
         None, "L4 Q", ("Mike Wazowski", "mike@monsters.example", "Plant manager")),
    Deal("dragon", "Cross-border order tracking", "Dragon Freight (HK)", "王芳", "partner",
         "11-05 11:00", 42000, "L3 Q", ("Kenny Lau", "kenny@dragonfreight.example",
                                        "Operations director"),
         P(industry="logistics", size="50-200"), amount_at_create=True),
    Deal("hooli2", "Team licenses for Hooli XYZ", "Hooli", "alice", "website", "11-06 15:30",
         None, "L2 Q", ("Jared Dunn", "jared@hooli.example", "Head of Business Dev")),
    # ------------------------------------------------------------------ lead
    Deal("kramerica", "Inbound: pricing question", "Kramerica", "bob", "website", "10-20 20:10",
         None, "L", first_contact_hours=None, stale=True),
    Deal("bakersfield", "Demo request", "Bakersfield Farms", "carlos", "website", "11-10 08:30",
         None, "L", ("Tom Bakersfield", "tom@bakersfield.example", "Owner")),
    Deal("xincai", "无锡新材 ERP 对接咨询", "无锡新材料股份", "李伟", "website", "11-12 10:00",
         None, "L", zh=True, creator="王芳"),
    Deal("roe", "Referral from Jane Roe", "Roe & Partners", "alice", "referral", "11-16 12:00",
         None, "L", ("Richard Roe", "richard@roepartners.example", "Managing partner")),
    Deal("haigang", "展会线索：智能仓储", "青岛海港仓储", "王芳", "event", "11-14 16:30",
         None, "L", zh=True, tags=["展会"], first_contact_hours=20),
    Deal("stark2", "Fleet tracking add-on", "Stark Logistics", "bob", "event", "11-18 10:00",
         30000, "L", ("Happy Hogan", "happy@stark.example", "Fleet manager"),
         amount_at_create=True),
]

EN = {
    "first": ["Intro call: walked through their current process",
              "First call, they run this on spreadsheets"],
    "first_inbound": ["Replied to the web form and booked a discovery call",
                      "Called back on the inbound request"],
    "lead": ["Discovery call with the team", "Sent product overview and customer stories"],
    "qualified": ["Demo for the buying team", "Scoping workshop: requirements agreed",
                  "Security questionnaire returned"],
    "proposal": ["Walked them through the proposal", "Answered questions on pricing tiers",
                 "Reference call with an existing customer"],
    "negotiation": ["Redlines from their legal team", "Call on payment terms",
                    "Procurement asked for a multi-year discount"],
    "touch": ["Checked in, decision expected soon", "Sent the updated timeline",
              "Quick call: still on track"],
    "next": {"lead": "Book discovery call", "qualified": "Send proposal draft",
             "proposal": "Follow up on the quote", "negotiation": "Agree contract terms"},
    "won": "Contract signed", "lost": "Closed: they went another way",
    "back": "Scope changed after legal review: re-quoting",
}
ZH = {
    "first": ["首次电话沟通，了解现有流程", "初次拜访，客户目前用 Excel 管理"],
    "first_inbound": ["回复官网咨询，约了需求调研", "回电官网留言客户"],
    "lead": ["需求调研会议", "发送产品介绍和客户案例"],
    "qualified": ["给采购团队做产品演示", "需求梳理会：确认范围", "完成信息安全问卷"],
    "proposal": ["讲解方案和报价", "答复报价细节问题", "安排老客户参考电话"],
    "negotiation": ["法务返回合同修改意见", "沟通付款条件", "采购要求多年折扣"],
    "touch": ["跟进：客户预计近期决策", "发送更新后的时间表", "电话跟进，进展正常"],
    "next": {"lead": "预约需求调研", "qualified": "发送方案初稿", "proposal": "跟进报价反馈",
             "negotiation": "确认合同条款"},
    "won": "合同已签署", "lost": "客户选择了其他方案",
    "back": "法务审核后范围变更，重新报价",
}


def suffix(key: str) -> str:
    digest = hashlib.sha1(key.encode()).hexdigest()
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[int(digest[i : i + 2], 16) % 36] for i in range(0, 8, 2))


def slug(deal: Deal) -> str:
    ascii_title = re.sub(r"[^a-z0-9]+", "-", deal.title.lower()).strip("-")
    base = ascii_title if len(ascii_title) > 6 else deal.key
    return f"{base[:40].strip('-')}-{suffix(deal.key)}"


IDS = {d.key: slug(d) for d in DEALS}


class Story:
    """Builds one deal's events, keeping its clock moving forward."""

    def __init__(self, deal: Deal, rng: random.Random) -> None:
        self.deal, self.rng = deal, rng
        self.text = ZH if deal.zh else EN
        self.id = IDS[deal.key]
        self.tz = TZ.get(deal.owner, UTC0)
        month, rest = deal.created.split("-", 1)
        day, hm = rest.split(" ")
        hour, minute = (int(x) for x in hm.split(":"))
        self.clock = datetime(2026, int(month), int(day), hour, minute, tzinfo=self.tz)
        self.events: list[dict[str, Any]] = []

    def at(self, when: datetime) -> datetime:
        """A working-hours time on ``when``'s day (never before the story's clock)."""
        local = when.astimezone(self.tz)
        if local.hour < 8 or local.hour >= 19:
            local = local.replace(hour=9, minute=self.rng.randrange(0, 60))
        if local.weekday() >= 5:
            local += timedelta(days=7 - local.weekday())
        self.clock = max(self.clock + timedelta(minutes=7), local)
        return self.clock

    def add(self, when: datetime, op: str, arg: str, by: str | None = None, **kw: Any) -> None:
        at = self.at(when)
        assert at <= END, (self.deal.key, op, at)
        self.events.append({"at": at, "by": by or self.deal.owner, op: arg, **kw})

    def later(self, hours: float) -> datetime:
        return self.clock + timedelta(hours=hours)

    def pick(self, pool: str) -> str:
        return self.rng.choice(self.text[pool])


def build(deal: Deal, rng: random.Random) -> list[dict[str, Any]]:
    """One deal's events: create, first contact, then each stage of its path."""
    s = Story(deal, rng)
    fields: dict[str, Any] = {"owner": deal.creator or deal.owner, "source": deal.source,
                              "currency": "USD"}
    if deal.amount_at_create and deal.amount:
        fields["amount"] = deal.amount
    if deal.tags:
        fields["tags"] = deal.tags
    if deal.contact and deal.source == "website":  # the web form gives name and email
        fields["contact.name"], fields["contact.email"] = deal.contact[:2]
    if deal.notes:
        fields["notes"] = deal.notes
    fields["next_step.due"] = (s.clock + timedelta(days=2)).date()
    fields["next_step.action"] = s.text["next"]["lead"]
    if deal.path == "L":  # still a lead: overdue only when neglected
        days = 10 if deal.stale else 7
        fields["next_step.due"] = max(date(2026, 11, 24), (s.clock + timedelta(days=days)).date())
        if deal.stale:
            fields["next_step.due"] = (s.clock + timedelta(days=days)).date()
    s.events.append({"at": s.clock, "by": deal.creator or deal.owner, "create": s.id,
                     "title": deal.title, "account": deal.account, "fields": fields})
    if deal.creator:
        s.add(s.later(0.5), "assign", s.id, by=deal.creator, owner=deal.owner)
    created = entered = s.clock
    if deal.first_contact_hours is not None:
        s.add(s.later(deal.first_contact_hours), "log", s.id,
              kind=rng.choice(["call", "email"]),
              note=s.pick("first_inbound" if deal.source == "website" else "first"))
    extras = sorted(deal.extra, key=lambda e: e[1])
    state = {"stage": "lead", "contact": "contact.email" in fields, "money": False}
    steps = deal.path.split()
    for index, step in enumerate(steps):
        code, days, reason = step[0], step[1:].partition(":")[0], step.partition(":")[2]
        is_last = index == len(steps) - 1
        if code in "WX":
            outcome = "won" if code == "W" else "lost"
            s.add(s.later(2), "close", s.id, outcome=outcome,
                  reason=deal.won_reason if code == "W" else reason)
            break
        span = timedelta(days=int(days)) if days else END - s.clock
        if STAGE[code] != state["stage"]:
            enter_stage(s, state, STAGE[code], span, is_last)
            entered = s.clock
        stage_activities(s, state["stage"], entered, span, is_last)
        for extra in list(extras):
            if created + timedelta(days=extra[1]) <= entered + span:
                extras.remove(extra)
                apply_extra(s, extra[0], created + timedelta(days=extra[1]), extra[2])
        if not is_last:
            s.clock = max(s.clock, entered + span - timedelta(hours=1))
    for op, day, extra in extras:
        apply_extra(s, op, created + timedelta(days=day), extra)
    return s.events


def enter_stage(
    s: Story, state: dict[str, Any], target: str, span: timedelta, is_last: bool
) -> None:
    """Fill what the stage requires (plus the next step), then move."""
    deal, order = s.deal, list(STAGE.values())
    back = order.index(target) < order.index(state["stage"])
    pre: dict[str, Any] = {}
    profile = [(f"profile.{k}", v) for k, v in deal.profile.items()]
    if target == "qualified" and deal.contact:
        if not state["contact"]:
            pre.update(zip(("contact.name", "contact.email"), deal.contact[:2], strict=True))
            state["contact"] = True
        pre["contact.role"] = deal.contact[2]
        pre.update(profile[:2])
    if target == "proposal" and not state["money"]:
        close_by = (s.clock + timedelta(days=45)).date()
        if deal.path.endswith(("P", "N")) and not deal.stale:  # still open, on track
            close_by = max(close_by, date(2026, 12, 4) + timedelta(days=len(deal.key)))
        pre["expected_close"] = close_by
        if deal.amount and not deal.amount_at_create:
            pre["amount"] = deal.amount
        pre.update(profile[2:])
        state["money"] = True
    if is_last and deal.stale:
        pre["next_step.due"] = (s.clock + timedelta(days=10)).date()
    elif is_last:
        pre["next_step.due"] = max(date(2026, 11, 24), (s.clock + timedelta(days=7)).date())
    else:
        pre["next_step.due"] = (s.clock + span * 0.7).date()
    pre["next_step.action"] = s.text["next"][target]
    s.add(s.later(0.3), "set", s.id, fields=pre)
    move: dict[str, Any] = {"stage": target}
    if back:
        move["note"] = s.text["back"]
    s.add(s.later(0.5), "move", s.id, **move)
    state["stage"] = target


def stage_activities(
    s: Story, stage: str, entered: datetime, span: timedelta, is_last: bool
) -> None:
    """A touch in the middle of the stage; a recent one for healthy open deals."""
    if s.deal.stale and is_last:
        if stage == "lead" and s.deal.first_contact_hours is None:
            return  # nobody has called yet: that is the point of this one
        s.add(entered + timedelta(days=4), "log", s.id, kind="email", note=s.pick(stage))
        return
    if stage != "lead" and span.days >= 5:
        s.add(entered + span / 2, "log", s.id, kind=s.rng.choice(["call", "email", "meeting"]),
              note=s.pick(stage))
    if is_last and stage != "lead" and span.days >= 8:
        ago = timedelta(days=s.rng.randrange(1, 5), hours=s.rng.randrange(1, 8))
        s.add(END - ago, "log", s.id, kind="call",
              note=s.pick("touch"))


def apply_extra(s: Story, op: str, when: datetime, extra: dict[str, Any]) -> None:
    extra = dict(extra)
    by = extra.pop("by", None)
    if op == "set":
        values = {k: IDS[v[1:]] if isinstance(v, str) and v.startswith("@") else v
                  for k, v in extra.items()}
        s.add(when, "set", s.id, by=by, fields=values)
    elif op == "log":
        s.add(when, "log", s.id, by=by, kind=extra["kind"], note=extra["note"])
    elif op == "assign":
        s.add(when, "assign", s.id, by=by, owner=extra["owner"])
        s.deal.owner = extra["owner"]


# --------------------------------------------------------------------------- YAML out

_CJK = "\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e"  # ideographs and CJK punctuation
_PLAIN = re.compile(rf"^[A-Za-z\u4e00-\u9fff][\w {_CJK}.,()&'/@+-]*$")
_RESERVED = {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "~"}


def scalar(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED and not text.endswith(" "):
        return text
    return json.dumps(text, ensure_ascii=False)


def render(events: list[dict[str, Any]]) -> str:
    lines = [HEADER]
    month = None
    for event in events:
        at: datetime = event["at"]
        if at.strftime("%B %Y") != month:
            month = at.strftime("%B %Y")
            lines.append(f"\n  # {'-' * 20} {month}\n")
        first = True
        for key, value in event.items():
            lead = "  - " if first else "    "
            first = False
            if key == "fields":
                lines.append(f"{lead}fields:")
                for fk, fv in value.items():
                    if isinstance(fv, str) and "\n" in fv:
                        lines.append(f"      {fk}: |")
                        lines += [f"        {ln}" for ln in fv.rstrip("\n").split("\n")]
                    else:
                        lines.append(f"      {fk}: {scalar(fv)}")
            else:
                lines.append(f"{lead}{key}: {scalar(value)}")
    return "\n".join(lines) + "\n"


HEADER = """\
# The history behind the demo pipeline: every change, in the order it happened.
# `pipeline demo` replays these events into a fresh git repository, one commit
# per event, dated `at` and authored by `by`. See README.md next to this file.
#
# Each event names one operation and the opportunity id it acts on:
#   create: ID   with title, account and fields   (a new deal, in the first stage)
#   set: ID      with fields (dotted keys reach nested fields; null removes)
#   move: ID     with stage (and an optional note)
#   log: ID      with kind (call, email, meeting, note) and note
#   close: ID    with outcome (won or lost) and reason
#   assign: ID   with owner

events:"""


def main() -> None:
    rng = random.Random(20260601)
    events: list[dict[str, Any]] = []
    for order, deal in enumerate(DEALS):
        for n, event in enumerate(build(deal, rng)):
            events.append({**event, "_key": (event["at"], order, n)})
    events.sort(key=lambda e: e["_key"])
    for e in events:
        del e["_key"]
    if "--check" in sys.argv:
        report(events)
        return
    text = render(events)
    check_round_trip(text, events)
    OUT.write_text(text, encoding="utf-8")
    print(f"{len(events)} events for {len(DEALS)} deals -> {OUT}")


def check_round_trip(text: str, events: list[dict[str, Any]]) -> None:
    """The hand-rolled YAML must read back as exactly these events."""
    from ruamel.yaml import YAML  # the project's own dependency

    loaded = YAML(typ="safe").load(text)["events"]
    expected = [
        {k: (dict(v) if isinstance(v, dict) else v) for k, v in e.items()} for e in events
    ]
    assert loaded == expected, next(
        (a, b) for a, b in zip(loaded, expected, strict=True) if a != b
    )


def report(events: list[dict[str, Any]]) -> None:
    state: dict[str, dict[str, Any]] = {}
    for e in events:
        oid = next(e[k] for k in ("create", "set", "move", "log", "close", "assign") if k in e)
        st = state.setdefault(oid, {"stage": "lead", "entered": e["at"], "last": e["at"]})
        if "move" in e:
            st["stage"], st["entered"] = e["stage"], e["at"]
        if "close" in e:
            st["stage"] = e["outcome"]
        if "log" in e:
            st["last"] = e["at"]
        if "set" in e and "next_step.due" in e["fields"]:
            st["due"] = e["fields"]["next_step.due"]
    for oid, st in state.items():
        days = (END - st["entered"]).days
        print(f"{oid:45} {st['stage']:12} in {days:3}d  last act {(END - st['last']).days:3}d "
              f"due {st.get('due')}")


if __name__ == "__main__":
    main()
