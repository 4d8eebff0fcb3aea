"""Messages widgets post upward; the screen that owns the data handles them.

Widgets never change data themselves: a click on a card says "this card was
chosen" and the board screen decides what that means.
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
