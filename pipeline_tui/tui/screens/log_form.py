"""Log an activity: what kind of touch it was and a note (``pipeline log``)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from pipeline_tui.core.model import ACTIVITY_KINDS
from pipeline_tui.i18n import N_, _
from pipeline_tui.tui.bindings import translate_bindings


class LogForm(ModalScreen[tuple[str, str] | None]):
    """Returns (kind, note), or None when cancelled; an empty note is refused."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, title: str) -> None:
        super().__init__(classes="form-screen")
        translate_bindings(self)
        self.deal_title = title

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
            with Horizontal(classes="row"):
                yield Label(_("Note"), classes="field-label")
                yield Input(placeholder=_("What happened?"), id="note", compact=True)
            yield Static("", classes="form-status")
            with Horizontal(classes="buttons"):
                yield Button(_("Log"), variant="primary", id="submit", compact=True)
                yield Button(_("Cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#note", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        note = self.query_one("#note", Input).value.strip()
        if not note:
            status = self.query_one(".form-status", Static)
            status.update(_("Write a short note first"))
            return
        kind = str(self.query_one("#kind", Select).value)
        self.dismiss((kind, note))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
