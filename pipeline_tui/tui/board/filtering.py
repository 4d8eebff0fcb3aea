"""The board filter: which opportunities the board shows (owner, source, tag, text).

A frozen value the board screen owns and the filter form returns; matching
follows ``pipeline list --owner/--source/--tag/--query`` so the board and the
CLI agree on what a filter means.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline_tui.core.finding import fold, key_of, matches_words
from pipeline_tui.core.model import Opportunity


@dataclass(frozen=True, slots=True)
class BoardFilter:
    owner: str | None = None
    source: str | None = None
    tag: str | None = None
    text: str = ""

    @property
    def active(self) -> bool:
        return bool(self.owner or self.source or self.tag or self.text.strip())

    def matches(self, record: Opportunity) -> bool:
        if self.owner and record.owner != self.owner:
            return False
        if self.source and record.source != self.source:
            return False
        if self.tag and self.tag not in record.tags:
            return False
        return not self.text.strip() or _text_matches(record, self.text.strip())

    def describe(self) -> list[tuple[str, str]]:
        """(label, value) pairs of the active parts, for the filter bar."""
        parts = [("owner", self.owner), ("source", self.source), ("tag", self.tag)]
        found = [(label, value) for label, value in parts if value]
        if self.text.strip():
            found.append(("text", self.text.strip()))
        return found


def _text_matches(record: Opportunity, query: str) -> bool:
    """A few letters, as ``pipeline show`` finds a deal: an id prefix, or words of it.

    Words of the title, account, contact and notes (see :mod:`pipeline_tui.core.finding`).
    """
    if fold(record.id).startswith(fold(query)):
        return True
    key = key_of(record.id, record.data)
    contact = " ".join(str(v) for v in record.contact.values())
    return matches_words(query, f"{key.text} {contact} {record.notes or ''} {record.id}")
