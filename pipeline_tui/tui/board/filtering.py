"""The board filter: which opportunities the board shows (owner, source, tag, text).

A frozen value the board screen owns and the filter form returns; matching
follows ``pipeline list --owner/--source/--tag/--query`` so the board and the
CLI agree on what a filter means.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    """Free text in title, account, id, notes and contact (as ``list --query``)."""
    needle = query.casefold()
    haystack = [record.title, record.account, record.notes or "", record.id]
    haystack += [str(v) for v in record.contact.values()]
    return any(needle in text.casefold() for text in haystack)
