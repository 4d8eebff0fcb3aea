"""Painting one card as three lines of styled text.

Cards are not widgets: a column may hold thousands of deals, so the column
(a line-API scroll view) asks for the lines of the cards that are visible and
nothing else.  Width is measured in terminal cells, so Chinese titles are
cut on a character boundary, never in the middle of a wide glyph.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from pipeline_tui.i18n import _
from pipeline_tui.tui.board.cards import CardData
from pipeline_tui.tui.formatting import compact_amount, days_label

CARD_LINES = 3
CARD_HEIGHT = CARD_LINES + 1  # one blank line between cards
BAR = "▎"


@dataclass(frozen=True, slots=True)
class CardPalette:
    """Rich styles resolved from the column's component classes (CSS decides colors)."""

    base: Style
    cursor: Style
    muted: Style
    title: Style
    bar: Style
    bar_cursor: Style
    stale: Style
    overdue: Style
    dirty: Style


def card_lines(card: CardData, width: int, palette: CardPalette, selected: bool) -> list[Text]:
    """The card's three lines, each exactly ``width`` cells wide."""
    base = palette.cursor if selected else palette.base
    bar = Text(BAR, style=base + (palette.bar_cursor if selected else _bar_style(card, palette)))
    inner = max(1, width - 1)
    who = " · ".join(part for part in (card.account, card.owner) if part)
    lines = [
        _fit(Text(card.title, style=base + palette.title), inner, base),
        _fit(Text(who, style=base + palette.muted), inner, base),
        _fit(_bottom_line(card, inner, palette, base), inner, base),
    ]
    return [Text.assemble(bar, line) for line in lines]


def _bar_style(card: CardData, palette: CardPalette) -> Style:
    if card.overdue:
        return palette.overdue
    if card.stale:
        return palette.stale
    return palette.bar


def _bottom_line(card: CardData, width: int, palette: CardPalette, base: Style) -> Text:
    """Amount and days on the left, badges pushed to the right when they fit."""
    left = Text(compact_amount(card.amount, card.currency), style=base)
    if card.days is not None:
        left.append(" " + days_label(card.days), style=base + palette.muted)
    badges = _badges(card, palette, base, width - cell_len(left.plain) - 1)
    gap = width - cell_len(left.plain) - cell_len(badges.plain)
    if gap < 1:
        return left
    return Text.assemble(left, Text(" " * gap, style=base), badges)


def _badges(card: CardData, palette: CardPalette, base: Style, room: int) -> Text:
    """Worded badges when there is room, else one-letter ones."""
    wanted = [
        (card.stale, _("stale"), "S", palette.stale),
        (card.overdue, _("overdue"), "D", palette.overdue),
        (card.uncommitted, "●", "●", palette.dirty),
    ]
    chosen = [(long, short, style) for on, long, short, style in wanted if on]
    for use_long in (True, False):
        text = Text(style=base)
        for index, (long, short, style) in enumerate(chosen):
            if index:
                text.append(" ", style=base)
            text.append(long if use_long else short, style=base + style)
        if cell_len(text.plain) <= room:
            return text
    return Text("")


def _fit(text: Text, width: int, base: Style) -> Text:
    """Cut to ``width`` cells (ellipsis) and pad, so every line is the same width."""
    text = text.copy()
    text.truncate(width, overflow="ellipsis", pad=True)
    if cell_len(text.plain) < width:
        text.append(" " * (width - cell_len(text.plain)), style=base)
    return text
