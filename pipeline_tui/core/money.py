"""Amounts the way people read them at a glance: ``$120k`` in English, ``¥12.5万`` in Chinese.

For cards, column totals and chart axes, where space is short; tables and
exports keep every digit.  Chinese readers group by ten thousands (万) and
hundred millions (亿), not by thousands, so ``¥125,000`` is ``¥12.5万`` and
``¥120,000,000`` is ``¥1.2亿`` when the interface language is zh_CN.
"""

from __future__ import annotations

from pipeline_tui.i18n import current_language

CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "CNY": "¥", "JPY": "¥", "RMB": "¥"}


def compact_amount(amount: float | None, currency: str | None) -> str:
    """``$120k``, ``¥1.2M``, ``950 CHF``; ``¥12.5万``, ``¥1.2亿`` under zh_CN."""
    if amount is None:
        return "—"
    return with_currency(compact_number(amount), currency)


def compact_number(amount: float) -> str:
    """The number part of :func:`compact_amount` (also a chart's tick labels)."""
    if current_language() == "zh_CN":
        if abs(amount) >= 100_000_000:
            return _trim(amount / 100_000_000) + "亿"
        if abs(amount) >= 10_000:
            return _trim(amount / 10_000) + "万"
        return f"{amount:.0f}"
    if abs(amount) >= 1_000_000:
        return _trim(amount / 1_000_000) + "M"
    if abs(amount) >= 10_000:
        return f"{amount / 1000:.0f}k"
    if abs(amount) >= 1_000:
        return _trim(amount / 1000) + "k"
    return f"{amount:.0f}"


def with_currency(number: str, currency: str | None) -> str:
    """``$`` before the number for currencies with a sign, else the code after it."""
    code = (currency or "").upper()
    symbol = CURRENCY_SIGNS.get(code)
    if symbol:
        return f"{symbol}{number}"
    return f"{number} {code}" if code else number


def _trim(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")
