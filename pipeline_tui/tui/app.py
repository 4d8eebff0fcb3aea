"""The Textual application: a thin shell that opens the board and holds app-wide keys.

Screens do the work (``screens/``), widgets paint (``widgets/``), styles live
in ``styles/*.tcss``.  :func:`run` is what ``pipeline tui`` calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from pipeline_tui.core.clock import now
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.i18n import N_, _, set_language
from pipeline_tui.tui.bindings import translate_bindings
from pipeline_tui.tui.screens.board import BoardScreen

DARK, LIGHT = "textual-dark", "textual-light"


class PipelineApp(App[None]):
    """Board first; detail, metrics and forms are pushed on top of it."""

    CSS_PATH = [  # noqa: RUF012 (Textual reads it as a class attribute)
        "styles/app.tcss",
        "styles/board.tcss",
        "styles/detail.tcss",
        "styles/forms.tcss",
        "styles/metrics.tcss",
    ]
    TITLE = "pipeline"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("t", "toggle_theme", N_("Theme"))]

    def __init__(
        self,
        workspace: Workspace,
        clock: Callable[[], datetime] = now,
        poll_interval: float = 1.0,
        dark: bool = True,
    ) -> None:
        super().__init__()
        translate_bindings(self)
        self.workspace = workspace
        self.clock = clock
        self.poll_interval = poll_interval
        self.start_dark = dark

    def on_mount(self) -> None:
        self.theme = DARK if self.start_dark else LIGHT
        self.push_screen(self.new_board())

    def new_board(self) -> BoardScreen:
        return BoardScreen(self.workspace, self.clock, self.poll_interval)

    @property
    def board(self) -> BoardScreen:
        for screen in self.screen_stack:
            if isinstance(screen, BoardScreen):
                return screen
        raise LookupError("the board is not open")

    def action_restart_board(self) -> None:
        """Open a fresh board (after pipeline.yaml changed its stages)."""
        self.workspace = Workspace(self.workspace.root, self.workspace.author_name)
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(self.new_board())

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every binding of the current screen, by name, in the command palette."""
        yield from super().get_system_commands(screen)
        seen: set[str] = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            help_text = _("Key: {key}").format(key=self.get_key_display(binding))
            action = partial(self.run_action, binding.action, active.node)
            yield SystemCommand(binding.description, help_text, action)
            del key


def run(workspace: Workspace) -> None:
    """Open the TUI on ``workspace`` (``pipeline tui``)."""
    set_language(workspace.config.language)
    PipelineApp(workspace).run()
