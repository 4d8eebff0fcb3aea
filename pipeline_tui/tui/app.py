"""The Textual application: a thin shell that builds screens and routes messages.

Screens post messages up (:mod:`pipeline_tui.tui.messages`); the app builds
the screen a message asks for from the board's state, or hands a deal action
to the board, which owns the data and the one write path.  The board lives in
``board/``, one deal's screens and actions in ``deal/``, the metrics in
``metrics/``; widgets paint (``widgets/``), styles live in ``styles/*.tcss``.
:func:`run` is what ``pipeline tui`` calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import cached_property, partial
from typing import ClassVar

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.filter import LineFilter
from textual.notifications import SeverityLevel
from textual.screen import Screen

from pipeline_tui.automation import wire
from pipeline_tui.core.clock import now
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.i18n import N_, _, set_pipeline_language
from pipeline_tui.settings import agenda_first
from pipeline_tui.terminal_text import printable
from pipeline_tui.tui.bindings import translate_bindings
from pipeline_tui.tui.board.screen import BoardScreen
from pipeline_tui.tui.deal.detail import DetailScreen
from pipeline_tui.tui.deal.finder import DealFinder
from pipeline_tui.tui.deal.keys import DealScreen
from pipeline_tui.tui.head_start import head_start
from pipeline_tui.tui.messages import (
    BoardChanged,
    CloseDeal,
    DealMessage,
    EditDeal,
    LogDeal,
    MoveDeal,
    OpenAgenda,
    OpenDeal,
    OpenMetrics,
    RestartBoard,
    UndoChange,
)
from pipeline_tui.tui.screen_guard import ControlGuard

DARK, LIGHT = "textual-dark", "textual-light"


class PipelineApp(App[None]):
    """Board first; detail, metrics and forms are pushed on top of it."""

    CSS_PATH = [  # noqa: RUF012 (Textual reads it as a class attribute)
        "styles/agenda.tcss",
        "styles/app.tcss",
        "styles/board.tcss",
        "styles/detail.tcss",
        "styles/forms.tcss",
        "styles/metrics.tcss",
    ]
    TITLE = "pipeline"
    COMMANDS = App.COMMANDS | {DealFinder}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "toggle_theme", N_("Theme")),
        # Textual's own ctrl+p binding, declared here so its footer label is translated
        Binding("ctrl+p", "command_palette", N_("palette"), show=False, priority=True),
    ]

    def __init__(
        self,
        workspace: Workspace,
        clock: Callable[[], datetime] = now,
        poll_interval: float = 1.0,
        dark: bool = True,
        agenda: bool | None = None,
    ) -> None:
        super().__init__()
        set_pipeline_language(workspace.config.language)  # the team's default, before any label
        translate_bindings(self)
        self.workspace = workspace
        self.clock = clock
        self.poll_interval = poll_interval
        self.start_dark = dark
        self.agenda_first = agenda_first() if agenda is None else agenda
        head_start(workspace)  # already started by `pipeline tui`: then nothing
        self._guard = ControlGuard()

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, then the guard: no painted line keeps a raw control character."""
        return [*super().get_line_filters(), self._guard]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast's text escaped (commit messages and automation lines carry deal titles)."""
        super().notify(
            printable(message),
            title=printable(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    def on_mount(self) -> None:
        self.theme = DARK if self.start_dark else LIGHT
        self.push_screen(self.new_board())
        if self.agenda_first:  # `agenda: true` in the user's settings; the board stays below
            self._open_agenda()

    def new_board(self) -> BoardScreen:
        return BoardScreen(self.workspace, self.clock, self.poll_interval)

    @property
    def board(self) -> BoardScreen:
        for screen in self.screen_stack:
            if isinstance(screen, BoardScreen):
                return screen
        raise LookupError("the board is not open")

    @on(OpenDeal)
    def _open_deal(self, message: OpenDeal) -> None:
        view = self.board.state.deal_view(message.opp_id)
        if view is not None:
            self.push_screen(DetailScreen(view, self.clock))

    @on(OpenAgenda)
    def _open_agenda(self) -> None:
        from pipeline_tui.tui.agenda.screen import AgendaScreen  # not needed for the first paint

        state = self.board.state
        loading = not state.settled
        screen = AgendaScreen(state.pipeline, state.timelines, self.clock, self.me, loading)
        self.push_screen(screen)

    @cached_property
    def me(self) -> str | None:
        """The person at the keyboard as a team name (asked of git once)."""
        return self.workspace.keyboard_owner()

    @on(OpenMetrics)
    def _open_metrics(self) -> None:
        from pipeline_tui.tui.metrics.screen import MetricsScreen  # charts: after the first paint

        state = self.board.state
        self.push_screen(MetricsScreen(state.pipeline, state.timelines, self.clock))

    @on(EditDeal)
    @on(LogDeal)
    @on(MoveDeal)
    @on(CloseDeal)
    def _deal_action(self, message: DealMessage) -> None:
        """From the board or a detail screen: the board owns the data and writes."""
        self.board.deals.handle(message)

    @on(UndoChange)
    def _undo(self, message: UndoChange) -> None:
        self.board.deals.undo(message.opp_id)

    @on(BoardChanged)
    def _board_changed(self) -> None:
        """Hand fresh data down to every open detail and agenda screen."""
        board = self.board
        for screen in self.screen_stack:
            if isinstance(screen, DealScreen) and screen is not board:
                screen.follow_board(board.state)

    @on(RestartBoard)
    def _restart_board(self) -> None:
        """Open a fresh board (after pipeline.yaml changed its stages)."""
        self.workspace = Workspace(self.workspace.root, self.workspace.author_name)
        wire(self.workspace)
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
    PipelineApp(workspace).run()
