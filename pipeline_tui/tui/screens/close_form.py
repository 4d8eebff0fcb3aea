"""Close a deal as won or lost; lost asks for a reason from ``lost_reasons``."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from pipeline_tui.i18n import N_, _
from pipeline_tui.tui.bindings import translate_bindings


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
