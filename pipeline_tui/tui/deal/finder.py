"""The command palette's "Go to deal": fuzzy search over titles, accounts and contacts.

A Textual command :class:`~textual.command.Provider` over the board's records;
choosing a hit opens the deal's detail, as Enter on its card does.  The
words rule of ``pipeline show acme`` (:mod:`pipeline_tui.core.finding`) ranks
first, Textual's fuzzy matcher catches the rest ("inch" for "Initech").
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from pipeline_tui.core.finding import find_deals, key_of
from pipeline_tui.core.model import Opportunity
from pipeline_tui.i18n import _
from pipeline_tui.terminal_text import printable
from pipeline_tui.tui.messages import OpenDeal

_MAX_HITS = 30
#: Added to the score of a deal the words rule finds, so it sorts above fuzzy hits.
_WORDS_FIRST = 1000.0


class DealFinder(Provider):
    """``ctrl+p`` then a few letters: the deals whose title, account or contact match."""

    def _records(self) -> list[Opportunity]:
        board = getattr(self.app, "board", None)
        if board is None:
            return []
        return list(board.state.pipeline.opportunities)

    def _open(self, opp_id: str) -> None:
        self.app.post_message(OpenDeal(opp_id))

    @staticmethod
    def _line(record: Opportunity) -> str:
        contact = record.contact.get("name")
        tail = f" · {contact}" if contact else ""
        line = _("Go to deal: {title} · {account}").format(
            title=record.title, account=record.account
        )
        return printable(line + tail)

    async def discover(self) -> Hits:
        for record in self._records()[:_MAX_HITS]:
            yield DiscoveryHit(self._line(record), partial(self._open, record.id), help=record.id)

    async def search(self, query: str) -> Hits:
        records = self._records()

        keys = [key_of(r.id, r.data) for r in records]
        exact = {k.id for k in find_deals(query, keys)}
        matcher = self.matcher(query)
        hits = 0
        for record in records:
            line = self._line(record)
            score = matcher.match(line)
            if record.id in exact:  # above any fuzzy score (those are not capped at 1)
                score += _WORDS_FIRST
            if score > 0:
                hits += 1
                yield Hit(
                    score, matcher.highlight(line), partial(self._open, record.id), help=record.id
                )
            if hits >= _MAX_HITS * 10:
                break
