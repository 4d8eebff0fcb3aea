"""The one-line strip above the board that says a filter is on, and what it is."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from pipeline_tui.i18n import _
from pipeline_tui.tui.board.filtering import BoardFilter


class FilterBar(Static):
    """Hidden without a filter; otherwise names each active part and how to clear it."""

    def show(self, board_filter: BoardFilter, shown: int, total: int) -> None:
        self.display = board_filter.active
        if not board_filter.active:
            return
        text = Text(_("Filter") + ": ", style="bold")
        for index, (label, value) in enumerate(board_filter.describe()):
            if index:
                text.append(" · ")
            text.append(f"{_(label)}=", style="dim")
            text.append(value)
        text.append(f"   {shown}/{total}   ", style="dim")
        text.append(_("/ change · esc clear"), style="dim italic")
        self.update(text)
