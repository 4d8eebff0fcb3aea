"""How numbers and dates read on screen: compact amounts, day counts.

Kept apart from widgets so every screen formats an amount the same way and
tests can pin the rules down without a terminal.
"""

from __future__ import annotations

from datetime import date, datetime

from pipeline_tui.core.dates import long_date
from pipeline_tui.core.money import compact_amount, with_currency
from pipeline_tui.i18n import _

__all__ = ["compact_amount", "days_label", "full_amount", "long_date", "short_date"]


def full_amount(amount: float | None, currency: str | None) -> str:
    """``$120,000``: every digit, for the detail screen."""
    if amount is None:
        return "—"
    number = f"{amount:,.2f}".removesuffix(".00")
    return with_currency(number, currency)


def days_label(days: float | None) -> str:
    """``12d``; ``12天`` in Chinese (the unit is translated, the number is not)."""
    return "" if days is None else _("{days}d").format(days=int(days))


def short_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()
