"""Messages screens and widgets post upward; whoever owns the data handles them.

Attributes go down, messages go up: a widget or screen never changes data
itself and never holds a reference to the screen that owns it.  A click on a
card says "this card was chosen" and the board decides what that means; the
detail screen's ``e`` says "edit this deal" and the app hands it to the
board, which owns the data and the one write path.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class CardChosen(Message):
    """A card was clicked (``open`` is True for a double click)."""

    stage: str
    index: int
    open: bool = False


@dataclass
class ColumnToggled(Message):
    """A collapsed won/lost column was clicked: show or hide closed deals."""

    stage: str


# ---------------------------------------------------------------------- screens


@dataclass
class OpenDeal(Message):
    """Show this deal's detail screen (from the board, or a metrics row)."""

    opp_id: str


@dataclass
class OpenMetrics(Message):
    """Show the metrics screen for the data the board holds now."""


@dataclass
class OpenAgenda(Message):
    """Show the agenda (today's work) for the data the board holds now."""


@dataclass
class BoardChanged(Message):
    """The board's data changed (a write, a reload, history): open details refresh."""


@dataclass
class RestartBoard(Message):
    """pipeline.yaml changed its stages: the board must be built again."""


# ---------------------------------------------------------------------- deal actions


@dataclass
class EditDeal(Message):
    """Open the edit form for this deal."""

    opp_id: str


@dataclass
class LogDeal(Message):
    """Log an activity on this deal."""

    opp_id: str


@dataclass
class MoveDeal(Message):
    """Move this deal ``step`` open stages on (negative: back)."""

    opp_id: str
    step: int


@dataclass
class CloseDeal(Message):
    """Close this deal as ``outcome`` ("won" or "lost")."""

    opp_id: str
    outcome: str


@dataclass
class UndoChange(Message):
    """Undo the last change to this deal, or (``opp_id`` None) the last one from this clone."""

    opp_id: str | None


#: Every message that asks for a change to one deal (handled by the data's owner).
DealMessage = EditDeal | LogDeal | MoveDeal | CloseDeal
