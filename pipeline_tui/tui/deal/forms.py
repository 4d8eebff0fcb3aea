"""The deal forms: fields (new, edit, a stage's ``requires``), log an activity, close.

Forms only collect and check input; they return values and never write.
:class:`~pipeline_tui.tui.deal.actions.DealActions` turns the values into a
:class:`~pipeline_tui.edits.workspace.Workspace` write.

The field form checks as you type: each field is parsed (a date must be a
date) and the would-be record goes through the same validation as ``pipeline
validate`` (the caller passes that check in).  Save stays disabled while
anything is refused, and the reason shows under the field it concerns.
Logging asks what kind of touch it was, when, a note, and the follow-up it
leads to (``pipeline log --next --due --done``); closing as lost asks for a
reason from ``lost_reasons``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Label,
    OptionList,
    Select,
    Static,
    TextArea,
)
from textual.widgets.option_list import Option

from pipeline_tui.core.dates import parse_date, parse_instant
from pipeline_tui.core.model import ACTIVITY_KINDS, NextStep
from pipeline_tui.edits.change import StepPlan
from pipeline_tui.i18n import N_, _
from pipeline_tui.tui.bindings import translate_bindings
from pipeline_tui.tui.deal.fields import FieldSpec, format_field, parse_field

Check = Callable[[dict[str, Any]], dict[str, str]]


class RecordForm(ModalScreen[dict[str, Any] | None]):
    """Fields in a grid; returns the parsed values, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", N_("Cancel")),
        Binding("ctrl+s", "submit", N_("Save"), priority=True),
    ]

    def __init__(
        self,
        heading: str,
        specs: list[FieldSpec],
        initial: Mapping[str, Any],
        check: Check,
        submit_label: str = "",
        explanation: str = "",
    ) -> None:
        super().__init__(classes="form-screen")
        translate_bindings(self)
        self.heading = heading
        self.specs = specs
        self.initial = initial
        self.check = check
        self.submit_label = submit_label or _("Save")
        self.explanation = explanation
        self.errors: dict[str, str] = {}
        self.submitted = False
        self._initial_raw: dict[str, str] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.heading, classes="heading")
            if self.explanation:
                yield Static(self.explanation, classes="explanation")
            with VerticalScroll(classes="fields", can_focus=False), Grid(classes="field-grid"):
                for index, spec in enumerate(self.specs):
                    mark = " *" if spec.required else ""
                    yield Label(spec.label + mark, classes="field-label")
                    with Vertical(classes="field-cell"):
                        yield self._editor(index, spec)
                        yield Static("", classes="field-error", id=f"error-{index}")
            yield Static("", classes="form-status")
            with Horizontal(classes="buttons"):
                yield Button(self.submit_label, variant="primary", id="submit", compact=True)
                yield Button(_("Cancel"), id="cancel", compact=True)

    def _editor(self, index: int, spec: FieldSpec) -> Widget:
        value = format_field(spec, self.initial.get(spec.key))
        if spec.kind == "choice":
            options = [(choice, choice) for choice in spec.choices]
            if value and value not in spec.choices:
                options.append((value, value))
            blank = not (spec.required and value)
            return Select(
                options,
                value=value or Select.NULL,
                prompt="—",
                allow_blank=blank,
                id=f"field-{index}",
                compact=True,
            )
        if spec.kind == "longtext":
            return TextArea(value, id=f"field-{index}", compact=True, classes="field-notes")
        suggester = (
            SuggestFromList(spec.suggestions, case_sensitive=False) if spec.suggestions else None
        )
        return Input(
            value,
            placeholder=_placeholder(spec),
            id=f"field-{index}",
            suggester=suggester,
            compact=True,
        )

    def field_id(self, key: str) -> str:
        """The selector of the input for ``key`` (``contact.email``), wherever the form puts it."""
        index = next(i for i, spec in enumerate(self.specs) if spec.key == key)
        return f"#field-{index}"

    def on_mount(self) -> None:
        self.validate_form()
        if self.specs:
            self.query_one("#field-0").focus()

    def raw_values(self) -> dict[str, str]:
        raw: dict[str, str] = {}
        for index, spec in enumerate(self.specs):
            widget = self.query_one(f"#field-{index}")
            if isinstance(widget, Select):
                raw[spec.key] = "" if widget.is_blank() else str(widget.value)
            elif isinstance(widget, Input):
                raw[spec.key] = widget.value
            elif isinstance(widget, TextArea):
                raw[spec.key] = widget.text
        return raw

    def validate_form(self) -> dict[str, Any]:
        """Parse every field, run the record check, show each error where it belongs."""
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        raw = self.raw_values()
        if self._initial_raw is None:
            self._initial_raw = dict(raw)
        for spec in self.specs:
            try:
                values[spec.key] = parse_field(spec, raw[spec.key])
            except ValueError as exc:
                errors[spec.key] = str(exc)
        if not errors:
            errors = self.check(values)
        self.errors = errors
        keys = {spec.key for spec in self.specs}
        for index, spec in enumerate(self.specs):
            message = errors.get(spec.key, "") if self._shows_errors(spec, raw) else ""
            error = self.query_one(f"#error-{index}", Static)
            error.update(message)
            error.display = bool(message)
        stray = [f"{k or _('file')}: {v}" for k, v in errors.items() if k not in keys]
        status = self.query_one(".form-status", Static)
        status.update("\n".join(stray))
        status.display = bool(stray)
        self.query_one("#submit", Button).disabled = bool(errors)
        return values

    def _shows_errors(self, spec: FieldSpec, raw: dict[str, str]) -> bool:
        """Quiet until the field is touched (or Save is tried), so a new form is not all red."""
        initial = self._initial_raw or {}
        return self.submitted or raw[spec.key] != initial.get(spec.key) or bool(raw[spec.key])

    @on(Input.Changed)
    @on(Select.Changed)
    @on(TextArea.Changed)
    def _changed(self) -> None:
        self.validate_form()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#submit")
    def _save(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    def action_submit(self) -> None:
        self.submitted = True
        values = self.validate_form()
        if self.errors:
            self.notify(_("Fix the highlighted fields first"), severity="warning")
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _placeholder(spec: FieldSpec) -> str:
    """A hint of what the field takes, in the interface language."""
    if spec.kind == "date":
        return _("YYYY-MM-DD, +3d, next monday")
    if spec.kind == "share":
        return _("0.4 or 40%")
    if spec.kind == "tags":
        return "b2b, renewal"
    if spec.suggestions:
        return _("a name from the team")
    return ""


@dataclass(frozen=True)
class LogEntry:
    """What the log form collected: the activity, and what it does to the next step."""

    kind: str
    note: str
    at: datetime | None  # None: now
    follow_up: StepPlan | None  # None: the next step stays as it is


class LogForm(ModalScreen[LogEntry | None]):
    """Kind, time, note, and the follow-up: a new next step and its due date, or "done".

    Dates are typed as anywhere else (``+3d``, ``next monday``, ``明天``; see
    :mod:`pipeline_tui.core.dates`); an empty time is now.  An empty note is
    refused unless the current next step is marked done (the note says so).
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, title: str, current: NextStep | None, now: Callable[[], datetime]) -> None:
        super().__init__(classes="form-screen")
        translate_bindings(self)
        self.deal_title = title
        self.current = current if current and (current.action or current.due) else None
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(_("Log activity") + f": {self.deal_title}", classes="heading")
            with Horizontal(classes="row"):
                yield Label(_("Kind"), classes="field-label")
                yield Select(
                    [(_(kind), kind) for kind in ACTIVITY_KINDS],
                    value=ACTIVITY_KINDS[0],
                    allow_blank=False,
                    id="kind",
                    compact=True,
                )
            yield self._row(_("When"), "at", _("now (or: yesterday 15:30, 2026-11-20T09:00)"))
            yield self._row(_("Note"), "note", _("What happened?"))
            if self.current is not None:
                with Horizontal(classes="row"):
                    yield Label(_("Next step"), classes="field-label")
                    yield Checkbox(
                        _("Done: {step}").format(step=_step_text(self.current)),
                        id="done",
                        compact=True,
                    )
            yield self._row(_("Then"), "next", _("next action, e.g. Send quote"))
            yield self._row(_("Due"), "due", _("+3d, tomorrow, next monday, 2026-11-23"))
            yield Static("", classes="form-status")
            with Horizontal(classes="buttons"):
                yield Button(_("Log"), variant="primary", id="submit", compact=True)
                yield Button(_("Cancel"), id="cancel", compact=True)

    def _row(self, label: str, name: str, placeholder: str) -> Horizontal:
        return Horizontal(
            Label(label, classes="field-label"),
            Input(placeholder=placeholder, id=name, compact=True),
            classes="row",
        )

    def on_mount(self) -> None:
        self.query_one("#note", Input).focus()

    def _text(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    def entry(self) -> LogEntry:
        """The typed values as a :class:`LogEntry`; ValueError says what is wrong."""
        now = self.now().astimezone()
        at = parse_instant(self._text("at"), now) if self._text("at") else None
        due = parse_date(self._text("due"), now.date()) if self._text("due") else None
        done = bool(self.query("#done") and self.query_one("#done", Checkbox).value)
        action = self._text("next") or None
        follow_up = StepPlan(action, due, done) if (action or due or done) else None
        note = self._text("note")
        if not note and not done:
            raise ValueError(_("Write a short note first"))
        return LogEntry(str(self.query_one("#kind", Select).value), note, at, follow_up)

    @on(Input.Submitted)
    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        try:
            entry = self.entry()
        except ValueError as exc:
            self.query_one(".form-status", Static).update(str(exc))
            return
        self.dismiss(entry)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def _step_text(step: NextStep) -> str:
    action = step.action or _("next step")
    return f"{action} ({step.due.isoformat()})" if step.due else action


class CloseForm(ModalScreen[str | None]):
    """Returns the reason ("" for a won deal without one), or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, title: str, outcome: str, reasons: tuple[str, ...]) -> None:
        super().__init__(classes="form-screen")
        translate_bindings(self)
        self.deal_title = title
        self.outcome = outcome
        self.reasons = reasons

    def compose(self) -> ComposeResult:
        heading = _("Close as won") if self.outcome == "won" else _("Close as lost")
        with Vertical(classes="dialog"):
            yield Label(f"{heading}: {self.deal_title}", classes="heading")
            if self.outcome == "lost":
                yield Static(_("Why was it lost?"), classes="explanation")
                yield OptionList(*[Option(r, id=r) for r in self.reasons], id="reasons")
            else:
                with Horizontal(classes="row"):
                    yield Label(_("Why won?"), classes="field-label")
                    yield Input(placeholder=_("optional"), id="reason", compact=True)
            with Horizontal(classes="buttons"):
                yield Button(_("Close deal"), variant="primary", id="submit", compact=True)
                yield Button(_("Cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        if self.outcome == "lost":
            reasons = self.query_one("#reasons", OptionList)
            reasons.highlighted = 0 if self.reasons else None
            reasons.focus()
        else:
            self.query_one("#reason", Input).focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id or "")

    @on(Input.Submitted)
    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        if self.outcome == "won":
            self.dismiss(self.query_one("#reason", Input).value.strip())
            return
        reasons = self.query_one("#reasons", OptionList)
        if reasons.highlighted is None:
            self.notify(_("Pick a reason"), severity="warning")
            return
        self.dismiss(self.reasons[reasons.highlighted])

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmForm(ModalScreen[bool]):
    """Says what is about to happen; True only when the person confirms it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, heading: str, text: str, confirm: str) -> None:
        super().__init__(classes="form-screen")
        translate_bindings(self)
        self.heading = heading
        self.text = text
        self.confirm = confirm

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.heading, classes="heading")
            yield Static(self.text, classes="explanation", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(self.confirm, variant="warning", id="submit", compact=True)
                yield Button(_("Cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()  # Enter alone does not undo

    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
