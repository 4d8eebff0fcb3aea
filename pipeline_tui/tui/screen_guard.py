"""The TUI's last guard: no raw control character from a file reaches the terminal.

Why: the screens escape deal text with :func:`~pipeline_tui.terminal_text.printable`
where they build it (a title shows ``\\u001b`` and the user sees what the file
holds), but a new screen, a notification or a third-party widget could forget.
Textual passes every line every widget paints through the app's line filters,
so this one filter, installed by :class:`~pipeline_tui.tui.app.PipelineApp`,
drops whatever unsafe character is still there: a screen cannot forget it.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from pipeline_tui.terminal_text import without_unsafe


class ControlGuard(LineFilter):
    """Drops C0/C1 controls and bidi overrides from painted text (styles and controls kept)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        """The line as painted, minus unsafe characters (they take no cell: widths stay)."""
        joined = "".join(segment.text for segment in segments)
        if without_unsafe(joined) == joined:  # the common case: one scan of the line
            return segments
        return [
            segment if segment.control else Segment(without_unsafe(segment.text), segment.style)
            for segment in segments
        ]
