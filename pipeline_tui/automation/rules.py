"""The ``automations:`` list of ``pipeline.yaml`` as typed rules, and what is wrong with it.

The JSON Schema checks the shape (with file:line errors, like every other
part of the file); :func:`rule_problems` checks what needs the rest of the
config: stages and fields that exist, owners in the team, targets of a known
kind, and rules whose own action would trigger them again.  Pure: the text
and its line locator come from the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline_tui.automation.schemes import is_apprise_scheme
from pipeline_tui.core.config import CONFIG_FILE, PipelineConfig
from pipeline_tui.core.model import KNOWN_FIELDS, Problem
from pipeline_tui.core.validation import Locator, no_line

EVENT_TRIGGERS = ("created", "entered", "closed", "changed")
TIME_TRIGGERS = ("next_step_overdue", "no_activity", "first_contact_sla", "before_close")
#: Nested fields a rule may name without declaring them.
_NESTED = {
    "contact": ("name", "email", "role", "phone"),
    "next_step": ("action", "due"),
}
#: Target kinds built here (``kind:https://...``); anything with ``://`` goes to apprise.
SHAPED_TARGETS = ("slack", "teams", "dingtalk", "wecom", "feishu", "webhook", "run")


@dataclass(frozen=True, slots=True)
class Trigger:
    """What makes a rule fire: an event (a write) or a condition of time."""

    kind: str
    stage: str | None = None
    from_stage: str | None = None
    outcome: str | None = None
    field: str | None = None
    days: int = 0
    working: bool = False
    hours: float | None = None

    @property
    def is_time(self) -> bool:
        return self.kind in TIME_TRIGGERS


@dataclass(frozen=True, slots=True)
class Condition:
    """``field op value``: ``source in [website, event]``, ``amount gte 50000``."""

    field: str
    op: str
    value: Any


@dataclass(frozen=True, slots=True)
class Action:
    kind: str
    args: Any


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    trigger: Trigger
    conditions: tuple[Condition, ...]
    actions: tuple[Action, ...]
    index: int
    enabled: bool = True


def parse_rules(raw: Any) -> tuple[Rule, ...]:
    """Rules from an ``automations:`` value that passed the schema."""
    if not isinstance(raw, Sequence):
        return ()
    return tuple(_rule(index, entry) for index, entry in enumerate(raw))


def _rule(index: int, entry: Mapping[str, Any]) -> Rule:
    return Rule(
        name=str(entry["name"]),
        trigger=parse_trigger(entry["trigger"]),
        conditions=tuple(
            _condition(str(field), spec) for field, spec in (entry.get("when") or {}).items()
        ),
        actions=tuple(
            Action(str(kind), args) for action in entry["actions"] for kind, args in action.items()
        ),
        index=index,
        enabled=bool(entry.get("enabled", True)),
    )


def parse_trigger(raw: Mapping[str, Any]) -> Trigger:
    ((kind, spec),) = raw.items()
    if kind == "entered":
        if isinstance(spec, str):
            return Trigger(kind, stage=spec)
        return Trigger(kind, stage=spec["stage"], from_stage=spec.get("from"))
    if kind == "closed":
        return Trigger(kind, outcome=str(spec))
    if kind == "changed":
        return Trigger(kind, field=str(spec))
    if kind == "first_contact_sla":
        hours = (spec or {}).get("hours")
        return Trigger(kind, hours=None if hours is None else float(hours))
    if kind in TIME_TRIGGERS:
        working = "working_days" in spec
        return Trigger(
            kind, days=int(spec.get("working_days", spec.get("days", 0))), working=working
        )
    return Trigger(kind)


def _condition(field: str, spec: Any) -> Condition:
    if isinstance(spec, Mapping):
        ((op, value),) = list(spec.items())[:1]
        return Condition(field, str(op), value)
    return Condition(field, "eq", spec)


# --------------------------------------------------------------------------- checks


def rule_problems(
    raw: Any,
    config: PipelineConfig,
    custom_fields: Sequence[str] = (),
    path: str = CONFIG_FILE,
    locate: Locator = no_line,
) -> list[Problem]:
    """Everything wrong with schema-valid ``automations:`` that the schema cannot see."""
    if not isinstance(raw, Sequence):
        return []
    from pipeline_tui.automation.actions import ACTIONS

    checker = _Checker(config, frozenset(custom_fields), path, locate)
    seen: dict[str, int] = {}
    for index, entry in enumerate(raw):
        rule = _rule(index, entry)
        where: list[str | int] = ["automations", index]
        if rule.name in seen:
            checker.add([*where, "name"], f"rule {rule.name!r} is defined twice")
        seen.setdefault(rule.name, index)
        checker.trigger(rule, [*where, "trigger"])
        for condition in rule.conditions:
            checker.field(condition.field, [*where, "when", condition.field], rule.name)
            if condition.field == "stage":
                values = condition.value if isinstance(condition.value, list) else [condition.value]
                for value in values:
                    checker.stage(value, [*where, "when", "stage"], rule.name)
        for number, action in enumerate(rule.actions):
            spot = [*where, "actions", number]
            spec = ACTIONS[action.kind]
            for message in spec.check(action.args, config):
                checker.add(spot, f"rule {rule.name!r}, {action.kind}: {message}", "warning")
            for field in spec.writes(action.args):
                checker.field(field, spot, rule.name)
                if field == "stage" or field.startswith("automation"):
                    checker.add(spot, f"rule {rule.name!r}: {action.kind} may not set {field!r}")
            if rule.trigger.kind == "changed" and rule.trigger.field is not None:
                looped = [f for f in spec.writes(action.args) if _overlaps(f, rule.trigger.field)]
                if looped:
                    checker.add(
                        spot,
                        f"rule {rule.name!r}: its action {action.kind!r} changes {looped[0]}, "
                        f"which triggers the rule again (a loop); trigger on another field",
                    )
            for target in spec.targets(action.args):
                checker.target(target, spot, rule.name)
    return checker.problems


def _has_host(url: str) -> bool:
    """``http(s)://`` followed by a host (or a ``${NAME}`` standing for one)."""
    scheme, slashes, tail = url.partition("://")
    return scheme in ("http", "https") and bool(slashes) and bool(tail.split("/", 1)[0].strip())


def _overlaps(written: str, watched: str) -> bool:
    return (
        written == watched or written.startswith(watched + ".") or watched.startswith(written + ".")
    )


@dataclass
class _Checker:
    config: PipelineConfig
    custom: frozenset[str]
    path: str
    locate: Locator

    def __post_init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, key_path: list[str | int], message: str, severity: str = "error") -> None:
        line = None
        for depth in range(len(key_path), 0, -1):
            line = self.locate(key_path[:depth])
            if line is not None:
                break
        self.problems.append(
            Problem(
                self.path,
                message,
                line,
                "automations",
                "warning" if severity == "warning" else "error",
            )
        )

    def trigger(self, rule: Rule, where: list[str | int]) -> None:
        trigger = rule.trigger
        for stage in (trigger.stage, trigger.from_stage):
            if stage is not None:
                self.stage(stage, [*where, trigger.kind], rule.name)
        if trigger.field is not None:
            self.field(trigger.field, [*where, trigger.kind], rule.name)

    def stage(self, stage: Any, where: list[str | int], rule: str) -> None:
        if not self.config.has_stage(str(stage)):
            stages = ", ".join(self.config.stage_names)
            self.add(where, f"rule {rule!r}: unknown stage {stage!r} (stages: {stages})")

    def field(self, field: str, where: list[str | int], rule: str) -> None:
        if not self.known(field):
            self.add(
                where,
                f"rule {rule!r}: unknown field {field!r} (a custom field must be listed "
                "in custom_fields: in pipeline.yaml)",
            )

    def known(self, field: str) -> bool:
        head, _, rest = field.partition(".")
        if field in self.custom or head in self.custom:
            return True
        if head not in KNOWN_FIELDS or head == "automation":
            return False
        if not rest:
            return True
        if head == "profile":
            return True
        return rest in _NESTED.get(head, ())

    def target(self, target: str, where: list[str | int], rule: str) -> None:
        """A target that can never be delivered is an error now, not a retry forever later."""
        kind, sep, rest = target.partition(":")
        if kind in SHAPED_TARGETS and sep and (kind == "run" or _has_host(rest)):
            return
        scheme, slashes, tail = target.partition("://")
        if slashes and kind not in SHAPED_TARGETS:
            if "{" in scheme or (tail.strip() and is_apprise_scheme(scheme)):
                return  # a scheme filled in at sending time cannot be checked here
            if tail.strip():
                self.add(
                    where,
                    f"rule {rule!r}: {target!r}: {scheme}:// is not a kind of target apprise "
                    "knows (mailto://, mailtos://, json://, ...: see apprise's list of services)",
                )
                return
        shaped = ", ".join(f"{k}:https://..." for k in SHAPED_TARGETS if k != "run")
        self.add(
            where,
            f"rule {rule!r}: {target!r} is not a notification target "
            f"(use mailto://..., {shaped}, or another apprise URL)",
        )
