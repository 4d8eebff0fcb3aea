"""Which currency a deal's amount is in, against the pipeline's: the ISO 4217 codes and hints.

Amounts are summed as written (there are no rates to convert them with), so
a deal whose ``currency`` is not the pipeline's is counted as if it were:
``validate`` warns about each one and the reports say how many they summed.
One rule for both (:func:`is_other_currency`), so the count a report prints
is the number of warnings ``validate`` shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from pipeline_tui.core.model import Opportunity

#: What people write for a currency instead of its ISO 4217 code, and the
#: code(s) they mean; two codes where the sign alone does not say which.
COMMON_SPELLINGS: dict[str, tuple[str, ...]] = {
    "RMB": ("CNY",),
    "US$": ("USD",),
    "$": ("USD",),
    "€": ("EUR",),
    "¥": ("CNY", "JPY"),
    "￥": ("CNY", "JPY"),
    "元": ("CNY",),
    "£": ("GBP",),
    "NTD": ("TWD",),
    "NT$": ("TWD",),
    "HK$": ("HKD",),
}


def is_other_currency(currency: object, pipeline_currency: str) -> bool:
    """Whether a deal's ``currency`` field names a currency other than the pipeline's.

    No currency (empty or absent) means the pipeline's.  Cheap on purpose:
    it runs for every file of a load (a comparison; the code list is read
    only for a deal that differs).
    """
    return currency is not None and currency != pipeline_currency


def deals_in_other_currencies(records: Iterable[Opportunity], pipeline_currency: str) -> int:
    """How many of ``records`` are in another currency, yet summed as the pipeline's."""
    return sum(1 for r in records if is_other_currency(r.currency, pipeline_currency))


def is_iso_code(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 currency code (current or historic)."""
    return code in iso_codes()


@cache
def iso_codes() -> frozenset[str]:
    """The ISO 4217 codes, as CLDR lists them (``babel.numbers.list_currencies``).

    Why babel's list and not one of ours: it is already a dependency (the
    translations), and CLDR follows ISO 4217's amendments (current codes and
    withdrawn ones a deal may still hold, such as DEM).  Read on first use
    only: a pipeline whose deals all use its own currency never loads it.
    """
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def suggested_codes(text: str) -> tuple[str, ...]:
    """The ISO codes ``text`` likely means: ``CNY`` for ``RMB``, ``USD`` for ``usd``; () if none."""
    known = COMMON_SPELLINGS.get(text.strip()) or COMMON_SPELLINGS.get(text.strip().upper())
    if known:
        return known
    upper = text.strip().upper()
    return (upper,) if upper != text and is_iso_code(upper) else ()
