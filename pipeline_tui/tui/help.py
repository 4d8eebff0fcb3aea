"""The key reference, built from the bindings themselves so it can never drift."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from pipeline_tui.i18n import N_, _
from pipeline_tui.tui.bindings import translate_bindings


class HelpScreen(ModalScreen[None]):
    """Keys of the screen it was opened from, plus a word on badges."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", N_("Close")),
    ]

    def __init__(self, keys: Sequence[tuple[str, str]]) -> None:
        super().__init__(classes="form-screen")
        translate_bindings(self)
        self.keys = keys

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for key, description in self.keys:
            table.add_row(key, description)
        legend = Table.grid(padding=(0, 2))
        legend.add_column(style="bold")
        legend.add_column()
        legend.add_row(_("stale"), _("longer in this stage than its max_days"))
        legend.add_row(_("overdue"), _("the next step's due date has passed"))
        legend.add_row("●", _("changed on disk but not committed yet"))
        with Vertical(classes="dialog help"):
            yield Label(_("Keys"), classes="heading")
            with VerticalScroll():
                yield Static(table)
                yield Label(_("Badges"), classes="heading")
                yield Static(legend)
