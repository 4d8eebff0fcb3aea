"""The pipeline's configuration (``pipeline.yaml``) as a typed, frozen value.

Pure: parsing YAML and validating against the JSON Schema happen in storage;
this module turns the validated mapping into :class:`PipelineConfig` and
answers questions about stages ("what comes after proposal?").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from difflib import get_close_matches
from typing import Any

from pipeline_tui.core.errors import NotFound
from pipeline_tui.i18n import _, current_language

CONFIG_FILE = "pipeline.yaml"
OPPORTUNITIES_DIR = "opportunities"

#: Written by ``pipeline init``: commented so a founder can edit it by hand.
DEFAULT_CONFIG_TEXT = """\
# Pipeline configuration: edit freely, comments are kept.
# Schema: schema/pipeline.schema.json (pipeline-tui).

stages:                      # ordered; the first is where new deals start
  - {name: lead,        probability: 0.1,  max_days: 14}
  - {name: qualified,   probability: 0.25, max_days: 21, requires: [contact.email]}
  - {name: proposal,    probability: 0.5,  max_days: 21, requires: [amount, expected_close]}
  - {name: negotiation, probability: 0.75, max_days: 30}
  - {name: won,  probability: 1.0, terminal: true}
  - {name: lost, probability: 0.0, terminal: true}

currency: USD                # default currency for amounts and reports
first_contact_sla_hours: 24  # first activity or move out of the entry stage within this
stale_after_days: 14         # no activity for this long marks a deal stale

sources: [website, referral, event, outbound, partner]
lost_reasons: [price, competitor, no-budget, timing, no-response]
profile_fields: [industry, size, budget, decision_maker, need]

team:                        # owner -> manager, used for escalation
  alice: {manager: dana}

layout: sharded              # deal files: sharded = opportunities/<xx>/<id>.yaml, or flat
"""


#: ``pipeline init --template zh_CN``: the same shape, as a Chinese SMB sales team names it.
ZH_CN_CONFIG_TEXT = """\
# 商机管道配置：可直接手工编辑，注释会被保留。
# 结构说明：schema/pipeline.schema.json（pipeline-tui）。
# 阶段名可以用中文（也可含空格和 /），命令行里照写即可：pipeline move ID 方案提供

language: zh_CN              # 界面语言（个人设置 settings.yaml 或 LANG/LC_ALL 可覆盖）

stages:                      # 按推进顺序排列；新商机从第一个阶段开始
  # 初步接触：已建立联系，了解客户基本情况
  - {name: 初步接触, probability: 0.1,  max_days: 14}
  # 需求确认：明确痛点、预算和决策人，留下联系人电话
  - {name: 需求确认, probability: 0.25, max_days: 21, requires: [contact.phone]}
  # 方案提供：已提交方案或报价，须填写金额和预计成交日期
  - {name: 方案提供, probability: 0.5,  max_days: 21, requires: [amount, expected_close]}
  # 商务谈判：价格、条款、合同细节谈判中
  - {name: 商务谈判, probability: 0.75, max_days: 30}
  - {name: 签约成交, probability: 1.0, terminal: true}   # 赢单
  - {name: 输单,     probability: 0.0, terminal: true}   # 输单须填写丢单原因

currency: CNY                # 金额与报表的默认币种（人民币）
first_contact_sla_hours: 24  # 新商机须在 24 小时内首次跟进（记录活动或推进阶段）
stale_after_days: 14         # 超过这么多天没有跟进记录即视为停滞

sources: [线上广告, 线下展会, 官网咨询, 渠道伙伴推荐]       # 商机来源
lost_reasons: [价格, 竞品, 无预算, 时机不对, 无响应]        # 丢单原因
profile_fields: [客户规模, 预算范围, 决策链角色, 产品需求]  # 客户画像字段

team:                        # 销售 -> 主管，用于超时升级提醒
  张伟: {manager: 王芳}
  李娜: {manager: 王芳}

layout: sharded              # 商机文件位置：sharded = opportunities/<xx>/<id>.yaml，或 flat
"""

#: Template name -> config text; ``en`` is the default.
CONFIG_TEMPLATES: dict[str, str] = {"en": DEFAULT_CONFIG_TEXT, "zh_CN": ZH_CN_CONFIG_TEXT}


def default_config_text(layout: str = "sharded", template: str = "en") -> str:
    """The template's text (:data:`CONFIG_TEMPLATES`) with the deal-file ``layout`` set."""
    return CONFIG_TEMPLATES[template].replace("layout: sharded", f"layout: {layout}", 1)


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    probability: float
    max_days: int | None = None
    requires: tuple[str, ...] = ()
    terminal: bool = False
    label: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def display(self) -> str:
        """What people read: the label in the interface language, else ``label``, else the name.

        The name stays what files, ids of moves and the CLI use; a label only
        changes how the stage is shown.
        """
        return self.labels.get(current_language()) or self.label or self.name


@dataclass(frozen=True, slots=True)
class TeamMember:
    name: str
    manager: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    """Stages, probabilities, limits, lists and team from ``pipeline.yaml``."""

    stages: tuple[Stage, ...]
    currency: str = "USD"
    first_contact_sla_hours: float = 24.0
    stale_after_days: int = 14
    sources: tuple[str, ...] = ()
    lost_reasons: tuple[str, ...] = ()
    profile_fields: tuple[str, ...] = ()
    team: Mapping[str, TeamMember] = field(default_factory=dict)
    language: str | None = None
    layout: str = "flat"
    #: field -> value -> language -> label (``""``: every language), from ``value_labels:``.
    value_labels: Mapping[str, Mapping[str, Mapping[str, str]]] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> PipelineConfig:
        """Build from a mapping that passed ``pipeline.schema.json``."""
        team_raw = data.get("team") or {}
        return cls(
            stages=tuple(
                Stage(
                    name=str(s["name"]),
                    probability=float(s.get("probability", 0.0)),
                    max_days=s.get("max_days"),
                    requires=tuple(s.get("requires") or ()),
                    terminal=bool(s.get("terminal", False)),
                    label=s.get("label"),
                    labels={str(k): str(v) for k, v in (s.get("labels") or {}).items()},
                )
                for s in data["stages"]
            ),
            currency=str(data.get("currency", "USD")),
            first_contact_sla_hours=float(data.get("first_contact_sla_hours", 24)),
            stale_after_days=int(data.get("stale_after_days", 14)),
            sources=tuple(str(s) for s in data.get("sources") or ()),
            lost_reasons=tuple(str(s) for s in data.get("lost_reasons") or ()),
            profile_fields=tuple(str(s) for s in data.get("profile_fields") or ()),
            team={
                str(name): TeamMember(
                    name=str(name),
                    manager=(info or {}).get("manager"),
                    email=(info or {}).get("email"),
                )
                for name, info in team_raw.items()
            },
            language=data.get("language"),
            layout=str(data.get("layout", "flat")),
            value_labels={
                str(name): {
                    str(value): (
                        {str(k): str(v) for k, v in label.items()}
                        if isinstance(label, Mapping)
                        else {"": str(label)}
                    )
                    for value, label in (values or {}).items()
                }
                for name, values in (data.get("value_labels") or {}).items()
            },
        )

    def value_display(self, field_key: str, value: str) -> str:
        """A source or lost reason as people read it, like :attr:`Stage.display`.

        The label for the interface language, else the one for every language,
        else the value itself, which stays what files, filters and the CLI use.
        """
        labels = self.value_labels.get(field_key, {}).get(value, {})
        return labels.get(current_language()) or labels.get("") or value

    def resolve_value(self, field_key: str, text: str) -> str:
        """The configured value ``text`` means: the value, or one of its labels."""
        for value, labels in self.value_labels.get(field_key, {}).items():
            if text == value or text in labels.values():
                return value
        return text

    @property
    def stage_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages)

    @property
    def open_stages(self) -> tuple[Stage, ...]:
        return tuple(s for s in self.stages if not s.terminal)

    @property
    def entry_stage(self) -> Stage:
        return self.stages[0]

    @property
    def won_stage(self) -> str:
        """The terminal stage that means won: the most probable terminal one."""
        terminal = [s for s in self.stages if s.terminal] or [self.stages[-1]]
        return max(terminal, key=lambda s: s.probability).name

    @property
    def lost_stage(self) -> str:
        """The terminal stage that means lost: the least probable terminal one."""
        terminal = [s for s in self.stages if s.terminal] or [self.stages[-1]]
        return min(terminal, key=lambda s: s.probability).name

    def stage(self, name: str) -> Stage:
        for s in self.stages:
            if s.name == name:
                return s
        raise NotFound(
            _("unknown stage {name!r} (stages: {join})").format(
                name=name, join=", ".join(self.stage_names)
            )
        )

    def stage_display(self, name: str) -> str:
        """The stage's label for display (the name itself for stages not configured)."""
        return self.stage(name).display if self.has_stage(name) else name

    def resolve_stage(self, text: str) -> str:
        """The stage name ``text`` means: a name, or else a label in any language.

        So ``pipeline move ID 方案提供`` works whether 方案提供 is the stored name
        or the Chinese label of ``proposal``.
        """
        if self.has_stage(text):
            return text
        for s in self.stages:
            if text in (s.label, *s.labels.values()):
                return s.name
        raise NotFound(
            _("unknown stage {text!r} (stages: {join})").format(
                text=text, join=", ".join(self.stage_names)
            )
        )

    def has_stage(self, name: str) -> bool:
        return name in self.stage_names

    def is_open(self, stage: str) -> bool:
        return self.has_stage(stage) and not self.stage(stage).terminal

    def next_open_stage(self, name: str, step: int) -> str | None:
        """The open stage ``step`` places after (or before) ``name``, if any."""
        names = [s.name for s in self.open_stages]
        if name not in names:
            return None
        index = names.index(name) + step
        return names[index] if 0 <= index < len(names) else None

    def stage_index(self, name: str) -> int:
        """Position in the configured order; unknown stages sort last."""
        names = self.stage_names
        return names.index(name) if name in names else len(names)

    def member_for(self, name: str | None, email: str | None = None) -> str | None:
        """The team name of the person git knows as ``name`` <``email``>, if any.

        ``team`` keys are short names (``alice``) while git's ``user.name`` is
        often the full one (``Alice Martin``): an exact name, the same name in
        another case, the member's e-mail, or the full name's first word all
        count.  Managers are people of the team too (:attr:`team_names`).
        None when nobody in the team matches.
        """
        if not name and not email:
            return None
        folded = (name or "").strip().casefold()
        first = folded.split()[0] if folded.split() else ""
        mail = (email or "").casefold()

        def keys(member: TeamMember) -> tuple[bool, ...]:
            """Each way this member can match, best first."""
            return (
                member.name == name,
                member.name.casefold() == folded,
                bool(mail) and (member.email or "").casefold() == mail,
                bool(first) and member.name.casefold() == first,
            )

        people = [*self.team.values()]
        people += [TeamMember(n) for n in self.team_names if n not in self.team]
        for rank in range(4):
            found = next((m.name for m in people if keys(m)[rank]), None)
            if found is not None:
                return found
        return None

    @property
    def team_names(self) -> tuple[str, ...]:
        """Everyone ``team:`` names, members and their managers, in file order.

        A manager is a person deals can be given to (``dana`` in the default
        ``alice: {manager: dana}``), so an owner is checked against both.
        """
        names = dict.fromkeys(self.team)
        names.update(dict.fromkeys(m.manager for m in self.team.values() if m.manager))
        return tuple(names)

    def owner_problem(self, owner: str) -> str | None:
        """Why ``owner`` cannot own a deal, or None when it can.

        Without a ``team:`` in ``pipeline.yaml`` there is nothing to check
        against and every name is accepted (a pipeline kept by one founder
        needs no team list).  Otherwise the name must be one of
        :attr:`team_names`; the message lists them and the closest one, so a
        typo (``alcie``) is one keystroke from fixed.
        """
        names = self.team_names
        if not names or owner in names:
            return None
        message = _("unknown owner {owner!r}; the team is: {team}").format(
            owner=owner, team=", ".join(names)
        )
        near = get_close_matches(owner, names, n=1, cutoff=0.5)
        if not near:
            near = [n for n in names if n.casefold() == owner.casefold()]
        if near:
            message += _("; did you mean {name}?").format(name=near[0])
        return message

    def check_owner(self, owner: str) -> None:
        """Refuse an owner outside the team (:meth:`owner_problem`) as :class:`NotFound`."""
        problem = self.owner_problem(owner)
        if problem is not None:
            raise NotFound(problem)

    def manager_of(self, owner: str | None) -> str | None:
        member = self.team.get(owner or "")
        return member.manager if member else None
