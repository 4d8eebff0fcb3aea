"""The deal keys, declared once: the board and the detail screen both splice them in.

Each key only says which deal and what to do, as a message
(:mod:`pipeline_tui.tui.messages`); the app hands it to the board, which owns
the data and the one write path (:class:`~pipeline_tui.tui.deal.actions.DealActions`).
Being ordinary bindings, they show in the footer, the help screen and the
command palette of both screens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding, BindingType
from textual.screen import Screen

from pipeline_tui.i18n import N_
from pipeline_tui.tui.messages import CloseDeal, EditDeal, LogDeal, MoveDeal, UndoChange

if TYPE_CHECKING:
    from pipeline_tui.tui.board.state import BoardState

DEAL_BINDINGS: list[BindingType] = [
    Binding("e", "edit", N_("Edit")),
    Binding("a", "log", N_("Log")),
    Binding("shift+right,L", "move(1)", N_("Move →")),
    Binding("shift+left,H", "move(-1)", N_("Move ←")),
    Binding("w", "close('won')", N_("Won")),
    Binding("x", "close('lost')", N_("Lost")),
    Binding("u", "undo", N_("Undo")),
]


class DealScreen(Screen[None]):
    """A screen whose deal keys act on the deal :meth:`chosen_deal` names.

    It declares no ``BINDINGS`` itself, so each screen places
    :data:`DEAL_BINDINGS` where it reads best in its own footer.
    """

    def chosen_deal(self) -> str | None:
        """The id the deal keys act on; None (after saying why) when there is none."""
        raise NotImplementedError

    def follow_board(self, state: BoardState) -> None:
        """The board's data changed (a write, a reload, history): show it (if this screen does).

        The app calls this on every screen above the board, so it never needs
        to know (or import) which kinds of screen are open.
        """

    def undo_scope(self) -> str | None:
        """Whose last change ``u`` undoes: None, the last one made from this clone."""
        return None

    def action_undo(self) -> None:
        self.post_message(UndoChange(self.undo_scope()))

    def action_edit(self) -> None:
        if opp_id := self.chosen_deal():
            self.post_message(EditDeal(opp_id))

    def action_log(self) -> None:
        if opp_id := self.chosen_deal():
            self.post_message(LogDeal(opp_id))

    def action_move(self, step: int) -> None:
        if opp_id := self.chosen_deal():
            self.post_message(MoveDeal(opp_id, step))

    def action_close(self, outcome: str) -> None:
        if opp_id := self.chosen_deal():
            self.post_message(CloseDeal(opp_id, outcome))
