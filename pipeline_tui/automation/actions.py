"""The action table: one function per action a rule can take.

Each action gets the deal as planned so far and the rule's arguments and
returns an :class:`Outcome`: field changes (dotted keys) and deliveries
(notifications, commands).  Actions never write files or send anything
themselves: the workspace commits the changes, then the engine hands the
deliveries to :mod:`.notify`.  To add an action: a function here, its row in
:data:`ACTIONS`, and its shape in ``schema/pipeline.schema.json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pipeline_tui.automation.templates import deal_context, render
from pipeline_tui.automation.workdays import WorkCalendar
from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.model import get_dotted, jsonable
from pipeline_tui.i18n import N_, _, ngettext

_DUE = re.compile(r"^\+\s*(\d+)\s*(h|hours?|d|days?|working days?|wd)$")


@dataclass(frozen=True)
class Delivery:
    """One message (or command run) to send once the rule's changes are committed.

    ``target`` is as the rule wrote it with the deal's fields filled in;
    ``${VAR}`` stays unexpanded until sending, so no secret reaches a file.
    """

    rule: str
    opp_id: str
    target: str
    title: str
    body: str

    def to_json(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "deal": self.opp_id,
            "target": self.target,
            "title": self.title,
            "body": self.body,
        }


@dataclass
class Outcome:
    """What an action plans: changes, deliveries, and what it says it does.

    ``said`` is for the commit message (English, like every commit: the
    team's shared audit trail); ``shown`` the same in the interface language,
    for what ``automate run`` prints.
    """

    changes: dict[str, Any] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)


def saying(
    outcome: Outcome,
    ctx: ActionContext,
    template: str,
    plural: str | None = None,
    count: int = 1,
    **values: Any,
) -> Outcome:
    """``outcome`` saying ``template``: English in ``said``, translated in ``shown``."""
    english = template if plural is None or count == 1 else plural
    shown = ctx.tr(template) if plural is None else ngettext(template, plural, count)
    outcome.said.append(english.format(**values))
    outcome.shown.append(shown.format(**values))
    return outcome


@dataclass(frozen=True)
class ActionContext:
    """What an action may know: the rule, the deal as planned, config, calendar and time.

    ``open_deals_by_owner`` is called only by actions that balance work
    (round robin), because counting needs the whole pipeline loaded.
    """

    rule: str
    opp_id: str
    data: Mapping[str, Any]
    config: PipelineConfig
    calendar: WorkCalendar
    now: datetime
    open_deals_by_owner: Callable[[], Mapping[str, int]]
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: The interface language's version of a message (memoized by the engine for a run).
    tr: Callable[[str], str] = _

    def context(self) -> Mapping[str, Any]:
        return deal_context(self.data, self.config, rule=self.rule, **self.extra)


ActionFn = Callable[[ActionContext, Any], Outcome]


@dataclass(frozen=True)
class ActionSpec:
    """An action's function plus what rule checks need to know about it."""

    run: ActionFn
    writes: Callable[[Any], list[str]] = lambda _args: []
    targets: Callable[[Any], list[str]] = lambda _args: []
    check: Callable[[Any, PipelineConfig], list[str]] = lambda _args, _config: []


def due_date(spec: str, now: datetime, calendar: WorkCalendar) -> date:
    """``+24h``, ``+2d``, ``+3 working days`` from ``now``, as the due date."""
    match = _DUE.match(spec.strip())
    if match is None:
        raise ValueError(
            _("{spec!r} is not a due time like +24h, +2d or +3 working days").format(spec=spec)
        )
    count, unit = int(match.group(1)), match.group(2)
    if unit.startswith("h"):
        return (now + timedelta(hours=count)).date()
    if unit.startswith("w"):
        return calendar.add_working_days(now.date(), count)
    return now.date() + timedelta(days=count)


# --------------------------------------------------------------------------- actions


def set_fields(ctx: ActionContext, args: Mapping[str, Any]) -> Outcome:
    changes = dict(args)
    said = [f"{key} {jsonable(value)}" for key, value in changes.items()]
    return Outcome(changes=changes, said=said, shown=said)  # field keys and values: data


def assign(ctx: ActionContext, args: Mapping[str, Any]) -> Outcome:
    """Round robin (the candidate with the fewest open deals, list order breaking ties) or map."""
    if "round_robin" in args:
        candidates = [str(name) for name in args["round_robin"]]
        load = ctx.open_deals_by_owner()
        owner: str | None = min(
            candidates, key=lambda name: (load.get(name, 0), candidates.index(name))
        )
    else:
        value = get_dotted(ctx.data, str(args["by"]))
        mapping = {str(k): str(v) for k, v in (args.get("map") or {}).items()}
        owner = mapping.get(str(value), args.get("default"))
    if owner is None:
        by = str(args.get("by"))
        return Outcome(problems=[f"{ctx.rule}: no owner for {by}={get_dotted(ctx.data, by)!r}"])
    if ctx.data.get("owner") == owner:
        return Outcome()
    return saying(Outcome(changes={"owner": owner}), ctx, N_("owner {owner}"), owner=owner)


def next_step(ctx: ActionContext, args: Mapping[str, Any]) -> Outcome:
    action = render(str(args["action"]), ctx.context())
    due = due_date(str(args["due"]), ctx.now, ctx.calendar)
    return saying(
        Outcome(changes={"next_step": {"action": action, "due": due}}),
        ctx,
        N_("next step {action!r} due {due}"),
        action=action,
        due=due.isoformat(),
    )


def add_tag(ctx: ActionContext, args: str) -> Outcome:
    tags = [str(t) for t in ctx.data.get("tags") or ()]
    if args in tags:
        return Outcome()
    return saying(Outcome(changes={"tags": [*tags, args]}), ctx, N_("tag {tag!r}"), tag=args)


def require_review(ctx: ActionContext, args: Mapping[str, Any] | None) -> Outcome:
    """A next step for the owner, closed by the engine once the reason and a note are in."""
    args = args or {}
    reason_field = "lost_reason" if ctx.data.get("stage") == ctx.config.lost_stage else "won_reason"
    default = ctx.tr("Review: fill {field} and log a note").replace("{field}", reason_field)
    action = render(str(args.get("action") or default), ctx.context())
    due = due_date(str(args.get("due") or "+2 working days"), ctx.now, ctx.calendar)
    review = {
        "rule": ctx.rule,
        "opened": ctx.now.isoformat(),
        "action": action,
        "field": reason_field,
    }
    return saying(
        Outcome(changes={"next_step": {"action": action, "due": due}, "automation.review": review}),
        ctx,
        N_("review {action!r} due {due}"),
        action=action,
        due=due.isoformat(),
    )


def escalate(ctx: ActionContext, args: Mapping[str, Any]) -> Outcome:
    """Tell the owner's manager (from ``team``) through each target."""
    owner = ctx.data.get("owner")
    manager = ctx.config.manager_of(owner if isinstance(owner, str) else None)
    if manager is None:
        return Outcome(
            problems=[f"{ctx.rule}: {ctx.opp_id}: owner {owner!r} has no manager in team"]
        )
    context = ctx.context()
    title = render(ctx.tr("Escalation: {title} needs a follow-up"), context)
    body = render(str(args.get("message") or _escalation_text(ctx)), context)
    deliveries = [
        Delivery(ctx.rule, ctx.opp_id, render(str(t), context), title, body) for t in args["to"]
    ]
    return saying(
        Outcome(deliveries=deliveries), ctx, N_("escalation to {manager}"), manager=manager
    )


def _escalation_text(ctx: ActionContext) -> str:
    """The default escalation, saying of the next step only what the deal has."""
    step = ctx.data.get("next_step")
    step = step if isinstance(step, Mapping) else {}
    action, due = step.get("action"), step.get("due")
    if action and due:
        return ctx.tr(
            "{title} ({account}, {stage}) has had no follow-up. Owner: {owner}; "
            "next step: {next_step.action} due {next_step.due}."
        )
    if action:
        return ctx.tr(
            "{title} ({account}, {stage}) has had no follow-up. Owner: {owner}; "
            "next step: {next_step.action}, with no due date."
        )
    if due:
        return ctx.tr(
            "{title} ({account}, {stage}) has had no follow-up. Owner: {owner}; "
            "a next step is due {next_step.due}."
        )
    return ctx.tr(
        "{title} ({account}, {stage}) has had no follow-up. Owner: {owner}; no next step."
    )


def notify(ctx: ActionContext, args: Mapping[str, Any]) -> Outcome:
    context = ctx.context()
    title = render(str(args.get("title") or ctx.tr("Deal update: {title}")), context)
    body = render(
        str(args.get("message") or ctx.tr("{title} ({account}) is in {stage}; owner {owner}.")),
        context,
    )
    deliveries = [
        Delivery(ctx.rule, ctx.opp_id, render(str(t), context), title, body) for t in args["to"]
    ]
    count = len(deliveries)  # said before sending: what goes out, not that it arrived
    return saying(
        Outcome(deliveries=deliveries),
        ctx,
        N_("notification to {n} target"),
        "notification to {n} targets",
        count,
        n=count,
    )


def run_command(ctx: ActionContext, args: Mapping[str, Any]) -> Outcome:
    """An integration: the command gets the deal as JSON on stdin."""
    spec = {"command": list(args["command"]), "timeout": args.get("timeout")}
    target = "run:" + json.dumps(spec, ensure_ascii=False)
    body = json.dumps(jsonable(ctx.data), ensure_ascii=False)
    return saying(
        Outcome(deliveries=[Delivery(ctx.rule, ctx.opp_id, target, ctx.rule, body)]),
        ctx,
        N_("command {command}"),
        command=args["command"][0],
    )


def _targets(args: Any) -> list[str]:
    return [str(t) for t in args.get("to", ())]


def _owners_check(args: Any, config: PipelineConfig) -> list[str]:
    names = list(args.get("round_robin") or ()) + list((args.get("map") or {}).values())
    if args.get("default"):
        names.append(args["default"])
    if not config.team:
        return []
    return [f"{name!r} is not in the team list" for name in names if name not in config.team]


ACTIONS: dict[str, ActionSpec] = {
    "set": ActionSpec(set_fields, writes=lambda args: [str(k) for k in args]),
    "assign": ActionSpec(
        assign,
        writes=lambda _args: ["owner"],
        check=_owners_check,
    ),
    "next_step": ActionSpec(next_step, writes=lambda _args: ["next_step"]),
    "tag": ActionSpec(add_tag, writes=lambda _args: ["tags"]),
    "require_review": ActionSpec(require_review, writes=lambda _args: ["next_step"]),
    "escalate": ActionSpec(escalate, targets=_targets),
    "notify": ActionSpec(notify, targets=_targets),
    "run": ActionSpec(run_command),
}


def run_actions(ctx: ActionContext, actions: Sequence[tuple[str, Any]]) -> Outcome:
    """Apply a rule's actions in order, each seeing the changes of the ones before."""
    total = Outcome()
    data = dict(ctx.data)
    for kind, args in actions:
        step_ctx = ActionContext(
            ctx.rule,
            ctx.opp_id,
            data,
            ctx.config,
            ctx.calendar,
            ctx.now,
            ctx.open_deals_by_owner,
            ctx.extra,
            ctx.tr,
        )
        outcome = ACTIONS[kind].run(step_ctx, args)
        for key, value in outcome.changes.items():
            set_plain(data, key, value)
        total.changes.update(outcome.changes)
        total.deliveries.extend(outcome.deliveries)
        total.said.extend(outcome.said)
        total.shown.extend(outcome.shown)
        total.problems.extend(outcome.problems)
    return total


def set_plain(data: dict[str, Any], key: str, value: Any) -> None:
    """The plain-dict twin of the YAML editor's ``set_dotted``, for planning."""
    *parents, last = key.split(".")
    node = data
    for part in parents:
        child = node.get(part)
        child = dict(child) if isinstance(child, Mapping) else {}
        node[part] = child
        node = child
    if value is None:
        node.pop(last, None)
    else:
        node[last] = value
