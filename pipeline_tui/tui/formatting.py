"""How numbers and dates read on screen: compact amounts, day counts.

Kept apart from widgets so every screen formats an amount the same way and
tests can pin the rules down without a terminal.
"""

from __future__ import annotations

from datetime import date, datetime

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CNY": "¥", "JPY": "¥", "RMB": "¥"}


def compact_amount(amount: float | None, currency: str | None) -> str:
    """``$120k``, ``¥1.2M``, ``950 CHF``: short enough for a narrow card."""
    if amount is None:
        return "—"
    if amount >= 1_000_000:
        number = _trim(amount / 1_000_000) + "M"
    elif amount >= 10_000:
        number = f"{amount / 1000:.0f}k"
    elif amount >= 1_000:
        number = _trim(amount / 1000) + "k"
    else:
        number = f"{amount:.0f}"
    return _with_currency(number, currency)


def full_amount(amount: float | None, currency: str | None) -> str:
    """``$120,000``: every digit, for the detail screen."""
    if amount is None:
        return "—"
    number = f"{amount:,.2f}".removesuffix(".00")
    return _with_currency(number, currency)


def days_label(days: float | None) -> str:
    return "" if days is None else f"{int(days)}d"


def short_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def _trim(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _with_currency(number: str, currency: str | None) -> str:
    code = (currency or "").upper()
    symbol = _SYMBOLS.get(code)
    if symbol:
        return f"{symbol}{number}"
    return f"{number} {code}" if code else number
