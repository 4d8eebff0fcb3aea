"""Finding a deal by a few letters: an id prefix, or words of its title, account or contact.

One pure function (:func:`find_deals`) serves the CLI (every command that
takes an ID), the TUI's ``/`` filter and its "Go to deal" palette, so
``pipeline show acme`` and typing ``acme`` on the board agree.  Rules, first
that matches wins:

1. the id itself;
2. ids that start with the query;
3. deals where every word of the query starts a word of the title, account
   or contact (``ac co`` finds "ACME Corp"), case and accents ignored; a
   Chinese word may be found inside one.

When nothing matches, :func:`closest` names the nearest deals by fuzzy
similarity (rapidfuzz), for a "did you mean" line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

_WORD = re.compile(r"[^\W_]+")
_SUGGEST_CUTOFF = 70.0


@dataclass(frozen=True, slots=True)
class DealKey:
    """What a deal is found by: its id and the words people remember it by."""

    id: str
    title: str = ""
    account: str = ""
    contact: str = ""

    @property
    def label(self) -> str:
        """``id  (account: title)``, the line a candidate is listed as."""
        return f"{self.id}  ({self.account}: {self.title})"

    @property
    def text(self) -> str:
        return " ".join(part for part in (self.title, self.account, self.contact) if part)


def key_of(opp_id: str, data: Mapping[str, Any]) -> DealKey:
    """The :class:`DealKey` of one deal's fields (title, account, contact name and email)."""
    contact = data.get("contact")
    names = []
    if isinstance(contact, Mapping):
        names = [str(contact[k]) for k in ("name", "email") if contact.get(k)]
    return DealKey(
        opp_id, str(data.get("title") or ""), str(data.get("account") or ""), " ".join(names)
    )


def fold(text: str) -> str:
    """Lower case without accents: how both the query and the deals are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def matches_words(query: str, text: str) -> bool:
    """Every word of ``query`` starts some word of ``text`` (an empty query matches all).

    Chinese is written without spaces, so a non-ASCII word may match anywhere
    inside one ("云帆" in "上海云帆科技").
    """
    have = words(text)
    return all(
        any(word.startswith(w) or (not w.isascii() and w in word) for word in have)
        for w in words(query)
    )


def find_deals(query: str, deals: Iterable[DealKey]) -> list[DealKey]:
    """The deals ``query`` names: one when it is unambiguous, several to choose from, or none."""
    keys = list(deals)
    needle = query.strip()
    exact = [k for k in keys if k.id == needle]
    if exact:
        return exact
    folded = fold(needle)
    by_prefix = [k for k in keys if fold(k.id).startswith(folded)]
    if by_prefix or not words(needle):
        return by_prefix
    return [k for k in keys if matches_words(needle, f"{k.text} {k.id}")]


def closest(query: str, deals: Sequence[DealKey], limit: int = 3) -> list[DealKey]:
    """The deals most like ``query`` (for "did you mean"), best first; none if none is close.

    Each of id, title, account and contact is scored on its own (a typo in an
    account name must not be drowned by a long title).
    """
    owners: list[int] = []
    texts: list[str] = []
    for index, key in enumerate(deals):
        for part in (key.id, key.title, key.account, key.contact):
            if part:
                owners.append(index)
                texts.append(part)
    found = process.extract(
        query, texts, scorer=fuzz.WRatio, processor=fold, limit=None, score_cutoff=_SUGGEST_CUTOFF
    )
    picked: list[int] = []
    for _text, _score, position in found:  # best first
        if owners[position] not in picked:
            picked.append(owners[position])
    return [deals[index] for index in picked[:limit]]


def did_you_mean(query: str, deals: Sequence[DealKey]) -> str:
    """`` did you mean: a, b?`` or nothing: the tail of a "no such deal" message."""
    near = closest(query, deals)
    return f"; did you mean {', '.join(k.label for k in near)}?" if near else ""
