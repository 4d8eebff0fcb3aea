"""Metrics panes (filled in once pipeline_tui.reports lands)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from pipeline_tui.i18n import _
from pipeline_tui.model import Pipeline

if TYPE_CHECKING:
    from pipeline_tui.tui.screens.board import BoardScreen


class MetricsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,m", "app.pop_screen", _("Back"))]

    def __init__(self, board: BoardScreen, pipeline: Pipeline, now: Callable[[], datetime]) -> None:
        super().__init__()
        self.board = board
        self.pipeline = pipeline
        self.now = now

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        yield Static(_("Metrics are on their way."))
        yield Footer()
