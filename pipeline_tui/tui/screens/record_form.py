"""The field form used for a new deal, an edit, and filling a stage's ``requires``.

It checks as you type: each field is parsed (a date must be a date) and the
would-be record goes through the same validation as ``pipeline validate``
(the caller passes that check in).  Save stays disabled while anything is
refused, and the reason shows under the field it concerns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Select, Static

from pipeline_tui.i18n import N_, _
from pipeline_tui.tui.bindings import translate_bindings
from pipeline_tui.tui.fields import FieldSpec, format_field, parse_field

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

    def _editor(self, index: int, spec: FieldSpec) -> Input | Select[str]:
        value = format_field(spec, self.initial.get(spec.key))
        if spec.kind == "choice":
            options = [(choice, choice) for choice in spec.choices]
            if value and value not in spec.choices:
                options.append((value, value))
            return Select(
                options,
                value=value or Select.NULL,
                prompt="—",
                id=f"field-{index}",
                compact=True,
            )
        suggester = SuggestFromList(spec.suggestions) if spec.suggestions else None
        placeholder = "YYYY-MM-DD" if spec.kind == "date" else ""
        if spec.kind == "tags":
            placeholder = "b2b, renewal"
        return Input(
            value,
            placeholder=placeholder,
            id=f"field-{index}",
            suggester=suggester,
            compact=True,
        )

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
