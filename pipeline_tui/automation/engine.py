"""The automation engine: rules from ``pipeline.yaml`` applied through a workspace.

Event rules: :class:`EventRules` is what the front ends add to
``Workspace.automations``; after each write it returns the follow-ups the
write calls for, which the workspace commits as the automation right after
the write, then delivers.  Time rules: :func:`plan_run` finds, for every open
deal, the rules whose time condition holds in an episode not yet acted on;
:func:`claim` commits their changes together with the episode key
(``automation.fired`` in the deal file); :func:`deliver` sends what they
said to send and records failures (``automation.retry``) for the next run.
Keeping the state in the deal files is what makes a run idempotent across
clones: after a sync every clone knows what was already done.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from ruamel.yaml.error import YAMLError

from pipeline_tui.automation import has_rules
from pipeline_tui.automation.actions import ActionContext, Delivery, run_actions, set_plain
from pipeline_tui.automation.conditions import all_hold, explain
from pipeline_tui.automation.delivery import (
    MAX_TRIES,
    STATE,
    DeliveryReport,
    delivering,
    failed_subject,
    queued_retries,
    retried_delivery,
    retry_due,
    retry_entry,
    send_all,
    undelivered_entry,
)
from pipeline_tui.automation.notify import DEFAULT_TIMEOUT_S, describe_target
from pipeline_tui.automation.rules import Rule, parse_rules, rule_problems
from pipeline_tui.automation.triggers import episode, event_fires
from pipeline_tui.automation.workdays import WorkCalendar
from pipeline_tui.core.config import CONFIG_FILE, PipelineConfig
from pipeline_tui.core.model import Opportunity, Pipeline, Problem, get_dotted, jsonable
from pipeline_tui.edits.change import FollowUp
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.history import current_stays
from pipeline_tui.i18n import N_, _
from pipeline_tui.storage.store import Store
from pipeline_tui.yaml.read import parse_fast, roundtrip_locator, top_level_scalar


@dataclass(frozen=True)
class RuleSet:
    """The rules of one pipeline, the problems found in them, and their calendar."""

    rules: tuple[Rule, ...]
    problems: tuple[Problem, ...] = ()
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    timeout: float = DEFAULT_TIMEOUT_S

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    def active(self, *, time: bool) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.enabled and r.trigger.is_time == time)

    def named(self, name: str) -> Rule | None:
        return next((r for r in self.rules if r.name == name), None)


def load_rules(store: Store, config: PipelineConfig) -> RuleSet:
    """Rules and their problems, with line numbers, from ``pipeline.yaml`` (schema-valid)."""
    text = store.config_path.read_text("utf-8")
    return _rules_from_text(text, config)


def _rules_from_text(text: str, config: PipelineConfig) -> RuleSet:
    data = parse_fast(text) or {}
    raw = data.get("automations") or []
    custom = [str(f) for f in data.get("custom_fields") or ()]
    problems = rule_problems(raw, config, custom)
    if problems:
        problems = rule_problems(raw, config, custom, CONFIG_FILE, roundtrip_locator(text))
    timeout = float(data.get("notify_timeout_seconds") or DEFAULT_TIMEOUT_S)
    return RuleSet(
        parse_rules(raw), tuple(problems), WorkCalendar.from_config(data.get("calendar")), timeout
    )


# --------------------------------------------------------------------------- planning


@dataclass
class Planned:
    """What the rules that fired for one deal will do: one automation commit, then deliveries."""

    opp_id: str
    rules: list[str]
    changes: dict[str, Any]
    deliveries: list[Delivery]
    said: list[str]
    problems: list[str]
    episodes: dict[str, str] = field(default_factory=dict)
    shown: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        """The commit message (English, as every commit's)."""
        return "; ".join(self.said) + f" ({self.opp_id})"

    @property
    def text(self) -> str:
        """The same for a person, in the interface language."""
        return "; ".join(self.shown or self.said) + f" ({self.opp_id})"

    def to_json(self) -> dict[str, Any]:
        return {
            "deal": self.opp_id,
            "rules": self.rules,
            "episodes": self.episodes,
            "changes": jsonable(self.changes),
            "deliveries": [
                {"rule": d.rule, "target": describe_target(d.target), "title": d.title}
                for d in self.deliveries
            ],
            "message": self.message,
            "text": self.text,
            "problems": self.problems,
        }


def plan_rules(
    fired: Sequence[tuple[Rule, str | None]],
    record: Opportunity,
    ruleset: RuleSet,
    config: PipelineConfig,
    now: datetime,
    open_deals_by_owner: Callable[[], Mapping[str, int]],
    translate: Callable[[str], str] = _,
) -> Planned:
    """Run the actions of each rule that fired (in rule order) on the deal's data."""
    planned = Planned(record.id, [], {}, [], [], [])
    data: dict[str, Any] = dict(record.data)
    for rule, key in fired:
        ctx = ActionContext(
            rule.name,
            record.id,
            data,
            config,
            ruleset.calendar,
            now,
            open_deals_by_owner,
            tr=translate,
        )
        try:
            outcome = run_actions(ctx, [(a.kind, a.args) for a in rule.actions])
        except ValueError as exc:
            planned.problems.append(f"rule {rule.name!r}: {exc}")
            continue
        data = _with(data, outcome.changes)
        planned.rules.append(rule.name)
        planned.changes.update(outcome.changes)
        if key is not None:
            planned.episodes[rule.name] = key
            planned.changes[f"{STATE}.fired.{rule.name}"] = key
        planned.deliveries.extend(outcome.deliveries)
        planned.problems.extend(outcome.problems)
        planned.said.append(f"automation '{rule.name}': " + (", ".join(outcome.said) or "fired"))
        planned.shown.append(
            translate(N_("automation '{rule}': {actions}")).format(
                rule=rule.name, actions=", ".join(outcome.shown) or translate(N_("fired"))
            )
        )
    return planned


def _with(data: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(data)
    for key, value in changes.items():
        set_plain(result, key, value)
    return result


def open_counts(pipeline: Pipeline) -> dict[str, int]:
    """Open deals per owner (round robin gives the next deal to the least loaded)."""
    return dict(Counter(r.owner for r in pipeline.opportunities if r.owner and pipeline.is_open(r)))


# --------------------------------------------------------------------------- event rules


class EventRules:
    """Event rules for a workspace: implements ``edits.workspace.Automations``."""

    def __init__(
        self,
        ws: Workspace,
        ruleset: RuleSet,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC).replace(microsecond=0),
    ) -> None:
        self.ws = ws
        self.ruleset = ruleset
        self.clock = clock
        # What was sent or failed is shown by the front end with the write's other news.
        self.report = DeliveryReport(sent=ws.automation_log, failed=ws.automation_problems)
        self.rules = ruleset.active(time=False)
        self.reviews = any(a.kind == "require_review" for r in ruleset.rules for a in r.actions)
        watched = {"stage"} | {
            str(r.trigger.field) for r in self.rules if r.trigger.kind == "changed"
        }
        self.before_keys = sorted(watched)

    def _before(self, text: str) -> Mapping[str, Any]:
        """The old fields the rules need, read one line each when they are one-line scalars.

        A full parse of a deal with activities costs tens of milliseconds (the
        pure-Python parser): only a nested or multi-line watched field needs it.
        """
        fields: dict[str, Any] = {}
        for key in self.before_keys:
            if "." in key:
                return _parse_or_empty(text)
            if re.search(rf"^{re.escape(key)}:", text, re.MULTILINE) is None:
                continue  # absent before the write
            value = top_level_scalar(text, key)
            if value is None:
                return _parse_or_empty(text)
            fields[key] = value
        return fields

    def after_change(
        self, before_text: str | None, after: Opportunity, at: datetime | None = None
    ) -> list[FollowUp]:
        config = self.ws.config
        now = at or self.clock()
        before = None if before_text is None else self._before(before_text)
        fired = [
            (rule, None)
            for rule in self.rules
            if event_fires(rule.trigger, before, after.data, config)
            and all_hold(rule.conditions, after.data)
        ]
        follow_ups: list[FollowUp] = []
        if fired:
            planned = plan_rules(
                fired, after, self.ruleset, config, now, lambda: open_counts(self.ws.load())
            )
            self.ws.automation_problems.extend(planned.problems)
            if planned.rules:
                deliver = delivering(
                    self.ws, after.id, planned.deliveries, self.ruleset.timeout, self.report
                )
                follow_ups.append(
                    FollowUp(after.id, planned.changes, planned.message, deliver, planned.text)
                )
        if self.reviews:
            done = review_done(after)
            if done is not None:
                follow_ups.append(done)
        return follow_ups


def _parse_or_empty(text: str) -> Mapping[str, Any]:
    try:
        parsed = parse_fast(text)
    except YAMLError:  # the write repaired a file that did not parse
        return {}
    return parsed if isinstance(parsed, Mapping) else {}


def review_done(record: Opportunity) -> FollowUp | None:
    """The follow-up that closes an open review once its reason and a note are filled."""
    review = get_dotted(record.data, f"{STATE}.review")
    if not isinstance(review, Mapping):
        return None
    reason_field = str(review.get("field") or "lost_reason")
    if not record.data.get(reason_field):
        return None
    opened = datetime.fromisoformat(str(review.get("opened")))
    if not any(a.kind == "note" and a.at >= opened for a in record.activities):
        return None
    changes: dict[str, Any] = {f"{STATE}.review": None}
    step = record.next_step
    if step is not None and step.action == review.get("action"):
        changes["next_step"] = None
    message = f"automation '{review.get('rule')}': review done ({record.id})"
    return FollowUp(record.id, changes, message)


def install(ws: Workspace) -> RuleSet | None:
    """Wire the pipeline's event rules into ``ws`` (the CLI and the TUI call this).

    Free when ``pipeline.yaml`` has no ``automations:``.  Rules with errors
    are not run; their problems go to ``ws.automation_problems`` so the front
    end shows them, and the write itself goes ahead.
    """
    if not has_rules(ws.store.config_path):
        return None
    ruleset = load_rules(ws.store, ws.config)
    if ruleset.errors:
        ws.automation_problems.append(
            _("automations are off until pipeline.yaml is fixed (see `pipeline validate`)")
        )
        return ruleset
    if ruleset.active(time=False) or any(
        a.kind == "require_review" for r in ruleset.rules for a in r.actions
    ):
        ws.automations.append(EventRules(ws, ruleset))
    return ruleset


# --------------------------------------------------------------------------- time rules


@dataclass
class RunPlan:
    """What ``automate run`` will do: the rules that fire, and the deliveries to retry.

    ``retries`` are the queued deliveries due now; ``waiting`` the ones of the
    same deals still waiting (they stay queued when the due ones are taken).
    """

    now: datetime
    planned: list[Planned] = field(default_factory=list)
    retries: dict[str, list[Mapping[str, Any]]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    waiting: dict[str, list[Mapping[str, Any]]] = field(default_factory=dict)

    def left_queued(self, opp_id: str) -> list[dict[str, Any]] | None:
        """What a deal's ``automation.retry`` holds once its due retries are taken."""
        return [dict(e) for e in self.waiting.get(opp_id, ())] or None

    def to_json(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(),
            "fired": [p.to_json() for p in self.planned],
            "retries": [
                {
                    "deal": opp_id,
                    "rule": e.get("rule"),
                    "target": describe_target(str(e["target"])),
                    "error": e.get("error"),
                    "tries": e.get("tries"),
                }
                for opp_id, entries in self.retries.items()
                for e in entries
            ],
            "problems": self.problems,
        }


def plan_run(
    ws: Workspace, ruleset: RuleSet, now: datetime, pipeline: Pipeline | None = None
) -> RunPlan:
    """Every time rule that fires now, per open deal, in an episode not yet acted on.

    ``pipeline`` is ``ws.load()`` unless the caller loaded it already (the CLI
    loads it with the collector paused, as for reports).
    """
    pipeline = ws.load() if pipeline is None else pipeline
    config = pipeline.config
    plan = RunPlan(now)
    rules = ruleset.active(time=True)
    needs_stays = any(r.trigger.kind == "no_activity" for r in rules)
    stays = current_stays(ws.root, pipeline, now=now) if needs_stays else {}
    counts: dict[str, int] | None = None
    translate = cache(_)  # the language cannot change during one run

    def load() -> Mapping[str, int]:
        nonlocal counts
        if counts is None:
            counts = open_counts(pipeline)
        return counts

    for record in pipeline.opportunities:
        due: list[Mapping[str, Any]] = []
        waiting: list[Mapping[str, Any]] = []
        for entry in queued_retries(record.data):
            (due if retry_due(entry, now) else waiting).append(entry)
        if due:  # a run while every retry waits makes no commit for them
            plan.retries[record.id] = due
            plan.waiting[record.id] = waiting
        if not rules or not pipeline.is_open(record):
            continue
        fired_state = get_dotted(record.data, f"{STATE}.fired")
        done = fired_state if isinstance(fired_state, Mapping) else {}
        stay = stays.get(record.id)
        entered = stay.entered if stay is not None and not stay.uncommitted else None
        fired: list[tuple[Rule, str | None]] = []
        for rule in rules:
            if not all_hold(rule.conditions, record.data):
                continue
            key = episode(rule.trigger, record, entered, config, ruleset.calendar, now)
            if key is not None and str(done.get(rule.name)) != key:
                fired.append((rule, key))
        if fired:
            planned = plan_rules(fired, record, ruleset, config, now, load, translate)
            plan.problems.extend(planned.problems)
            if planned.rules:
                plan.planned.append(planned)
    return plan


def claim(ws: Workspace, plan: RunPlan, at: datetime | None = None) -> list[str]:
    """Commit each deal's planned changes and episode keys, and take its queued retries.

    Nothing is sent yet: with a remote these commits are published first
    (:mod:`.publish`), so the clone whose claim reaches the remote first is
    the one that sends.  Taking the retries (removing them from the queue in
    the same commit) is what makes a retry, too, happen in one clone only.
    A deal whose claim could not be committed (its file has uncommitted
    edits, say; the workspace reports why) leaves the plan: what is not
    recorded is not sent, and the next run tries again.
    """
    commits = []
    claimed: list[Planned] = []
    for planned in plan.planned:
        changes = dict(planned.changes)
        if planned.opp_id in plan.retries:
            changes[f"{STATE}.retry"] = plan.left_queued(planned.opp_id)
        follow_up = FollowUp(planned.opp_id, changes, planned.message, text=planned.text)
        change = ws.apply_follow_up(follow_up, at)
        if change is not None:
            commits.append(change.commit)
            claimed.append(planned)
        else:
            plan.retries.pop(planned.opp_id, None)
    fired = {p.opp_id for p in plan.planned}
    plan.planned = claimed
    for opp_id, entries in list(plan.retries.items()):
        if opp_id in fired:
            continue
        message = f"automation: retrying {len(entries)} deliveries ({opp_id})"
        taken = {f"{STATE}.retry": plan.left_queued(opp_id)}
        change = ws.apply_follow_up(FollowUp(opp_id, taken, message), at)
        if change is not None:
            commits.append(change.commit)
        else:
            del plan.retries[opp_id]
    return commits


def deliver(
    ws: Workspace, plan: RunPlan, ruleset: RuleSet, at: datetime | None = None
) -> DeliveryReport:
    """Send what the claimed rules said to send and retry earlier failures; queue the rest.

    Runs after :func:`claim`: every delivery that fails again goes back into
    the deal's ``automation.retry`` queue (tries counted, the wait doubled) in
    one commit per deal; one that failed its last try moves to
    ``automation.undelivered`` in that commit instead, and is never sent again.
    """
    report = DeliveryReport()
    deliveries: dict[str, list[tuple[Delivery, int]]] = {}
    for planned in plan.planned:
        deliveries.setdefault(planned.opp_id, []).extend((d, 1) for d in planned.deliveries)
    for opp_id, entries in plan.retries.items():
        deliveries.setdefault(opp_id, []).extend(
            (retried_delivery(opp_id, entry), int(entry.get("tries") or 1) + 1) for entry in entries
        )
    for opp_id, items in deliveries.items():
        tries = {id(d): n for d, n in items}
        failed = send_all([d for d, _n in items], ruleset.timeout, report, tries)
        if failed:
            data = ws.get(opp_id).data
            queued = [dict(e) for e in queued_retries(data)]
            entries = [retry_entry(d, why, tries[id(d)], plan.now) for d, why in failed]
            again = [e for e in entries if e["tries"] < MAX_TRIES]
            dropped = [undelivered_entry(e, plan.now) for e in entries if e["tries"] >= MAX_TRIES]
            changes: dict[str, Any] = {f"{STATE}.retry": (queued + again) or None}
            if dropped:
                kept = get_dotted(data, f"{STATE}.undelivered")
                earlier = [dict(e) for e in kept] if isinstance(kept, list) else []
                changes[f"{STATE}.undelivered"] = earlier + dropped
            message = failed_subject(
                opp_id,
                [d for d, _why in failed if tries[id(d)] < MAX_TRIES],
                [d for d, _why in failed if tries[id(d)] >= MAX_TRIES],
            )
            ws.apply_follow_up(FollowUp(opp_id, changes, message), at)
    return report


# --------------------------------------------------------------------------- explaining


def explain_rule(
    ws: Workspace, ruleset: RuleSet, rule: Rule, opp_id: str, now: datetime
) -> dict[str, Any]:
    """For ``automate test``: which conditions pass for one deal, and would the rule fire."""
    record = ws.get(opp_id)
    config = ws.config
    conditions = [explain(c, record.data) for c in rule.conditions]
    passes = all_hold(rule.conditions, record.data)
    result: dict[str, Any] = {
        "rule": rule.name,
        "deal": opp_id,
        "trigger": rule.trigger.kind,
        "conditions": conditions,
        "conditions_pass": passes,
    }
    if rule.trigger.is_time:
        stays = current_stays(ws.root, Pipeline(config, (record,)), now=now)
        stay = stays.get(record.id)
        entered = stay.entered if stay is not None and not stay.uncommitted else None
        key = episode(rule.trigger, record, entered, config, ruleset.calendar, now)
        done = get_dotted(record.data, f"{STATE}.fired.{rule.name}")
        result.update(
            episode=key,
            already_fired=key is not None and str(done) == key,
            would_fire=bool(passes and config.is_open(record.stage) and key and str(done) != key),
        )
    else:
        result["would_fire"] = None  # an event rule fires on a write, not now
    if passes:
        planned = plan_rules(
            [(rule, None)], record, ruleset, config, now, lambda: open_counts(ws.load())
        )
        result["actions"] = planned.to_json()
    return result
