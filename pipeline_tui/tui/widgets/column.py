"""One stage column: a bordered box whose body paints only the visible cards.

:class:`CardList` is a line-API scroll view: with 10,000 deals a column holds
10,000 cards, but each frame renders just the rows on screen (cached per
card), so painting and moving stay fast.  The board screen owns the data and
pushes it down with :meth:`StageColumn.show`; a click posts
:class:`CardChosen` back up.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.cache import LRUCache
from textual.containers import Vertical
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from pipeline_tui.i18n import _
from pipeline_tui.tui.board.cards import ColumnData
from pipeline_tui.tui.formatting import compact_amount
from pipeline_tui.tui.messages import CardChosen, ColumnToggled
from pipeline_tui.tui.widgets.card import CARD_HEIGHT, CARD_LINES, CardPalette, card_lines


class CardList(ScrollView, can_focus=False):
    """The scrolling body of a column (line API: only visible rows are rendered)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "card",
        "card--cursor",
        "card--muted",
        "card--title",
        "card--bar",
        "card--bar-cursor",
        "badge--stale",
        "badge--overdue",
        "badge--dirty",
    }

    def __init__(self, stage: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.stage = stage
        self.column = ColumnData(stage, False, (), 0.0)
        self.cursor: int | None = None
        self.loaded = False
        self._cache: LRUCache[tuple[int, int, bool], list[Strip]] = LRUCache(1024)
        self._palette: CardPalette | None = None

    def show(self, column: ColumnData, cursor: int | None, loaded: bool = True) -> None:
        """Take new cards and a cursor (None: this column is not the active one).

        ``loaded`` is False while the files are still being read: an empty
        column then says so, rather than "(empty)", which would read as lost deals.
        """
        self.column = column
        self.cursor = cursor
        self.loaded = loaded
        self._cache.clear()
        if self.is_mounted:
            self._layout_cards()

    def on_mount(self) -> None:
        self._layout_cards()

    def _layout_cards(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self._height())
        if self.cursor is not None:
            self.scroll_to_card(self.cursor)
        self.refresh()

    def scroll_to_card(self, index: int) -> None:
        region = Region(0, index * CARD_HEIGHT, 1, CARD_LINES)
        self.scroll_to_region(region, animate=False, force=True, immediate=True)

    def _height(self) -> int:
        return max(1, len(self.column.cards) * CARD_HEIGHT - 1)

    def on_resize(self, event: events.Resize) -> None:
        self._cache.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, self._height())
        if self.cursor is not None:
            self.scroll_to_card(self.cursor)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._palette = None
        self._cache.clear()

    def palette(self) -> CardPalette:
        if self._palette is None:
            get = self.get_component_rich_style
            fg = self._foreground
            self._palette = CardPalette(
                base=get("card"),
                cursor=get("card--cursor"),
                muted=fg("card--muted"),
                title=fg("card--title"),
                bar=fg("card--bar"),
                bar_cursor=fg("card--bar-cursor"),
                stale=fg("badge--stale"),
                overdue=fg("badge--overdue"),
                dirty=fg("badge--dirty"),
            )
        return self._palette

    def _foreground(self, name: str) -> Style:
        """Only the color and weight of a component class, resolved against the card.

        Theme colors such as ``$text-muted`` are "auto" or translucent; resolving
        the full style blends them on the card background, so they read in the
        light theme as well as the dark one.
        """
        full = self.get_component_rich_style(name)
        return Style(color=full.color, bold=full.bold, italic=full.italic)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        virtual_y = y + int(self.scroll_offset.y)
        index, row = divmod(virtual_y, CARD_HEIGHT)
        cards = self.column.cards
        if not cards and virtual_y == 0:
            placeholder = _("(empty)") if self.loaded else _("reading…")
            return self._text_strip(Text(placeholder, style=self.palette().muted), width)
        if index >= len(cards) or row >= CARD_LINES:
            return Strip.blank(width, self.rich_style)
        return self._card_strips(index, width)[row]

    def _card_strips(self, index: int, width: int) -> list[Strip]:
        selected = index == self.cursor
        key = (index, width, selected)
        cached = self._cache.get(key)
        if cached is None:
            lines = card_lines(self.column.cards[index], width, self.palette(), selected)
            cached = [self._text_strip(line, width) for line in lines]
            self._cache[key] = cached
        return cached

    def _text_strip(self, text: Text, width: int) -> Strip:
        # Every segment gets a style: Textual's NO_COLOR filter cannot handle None.
        segments = [
            Segment(segment.text, segment.style or self.rich_style)
            for segment in text.render(self.app.console)
        ]
        return Strip(segments).adjust_cell_length(width, self.rich_style)

    def on_click(self, event: events.Click) -> None:
        index = (event.y + int(self.scroll_offset.y)) // CARD_HEIGHT
        if 0 <= index < len(self.column.cards):
            event.stop()
            self.post_message(CardChosen(self.stage, index, open=event.chain >= 2))


class StageColumn(Vertical, can_focus=False):
    """A stage: border title with name and count, total below, cards inside.

    Won and lost start collapsed to a narrow summary; clicking one (or the
    ``c`` key) shows the closed deals.
    """

    def __init__(self, stage: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.stage = stage
        self.column = ColumnData(stage, False, (), 0.0)
        self.summary = Static("", classes="summary")
        self.cards = CardList(stage)

    def compose(self) -> ComposeResult:
        yield self.summary
        yield self.cards

    def show(
        self,
        column: ColumnData,
        cursor: int | None,
        currency: str,
        collapsed: bool,
        loaded: bool = True,
    ) -> None:
        """Paint ``column``; ``cursor`` is the selected card when this column is active.

        While ``loaded`` is False (files still being read) the count carries
        an ellipsis: it is the count so far, not the column's.
        """
        self.column = column
        count = f"{len(column.cards)}" if loaded else f"{len(column.cards)}…"
        total = compact_amount(column.total, currency)
        self.set_class(collapsed, "-collapsed")
        self.set_class(cursor is not None, "-active")
        self.set_class(column.terminal, "-terminal")
        if collapsed:
            self.border_title = None
            self.border_subtitle = None
            summary = Text.assemble(
                (column.heading, Style(bold=True)), "\n", count, "\n", total, "\n", "▸"
            )
            self.summary.update(summary)
        else:
            self.border_title = column.heading
            self.border_subtitle = f"{count} · {total}"
        self.cards.show(column, cursor, loaded)

    def on_click(self, event: events.Click) -> None:
        if self.has_class("-collapsed"):
            event.stop()
            self.post_message(ColumnToggled(self.stage))
