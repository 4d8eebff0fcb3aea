"""Turning spreadsheet cells into typed values: dates, amounts, probabilities.

Pure functions.  Each returns the value or raises :class:`ValueError` with a
message a person can act on; the row mapper attaches the row and column.
Date columns are read with one convention per column (see
:func:`slash_order`), because guessing day-first or month-first row by row
would silently swap days and months in half the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Literal

from pipeline_tui.core.validation import MAX_AMOUNT

SlashOrder = Literal["mdy", "dmy"]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YMD_SLASH = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_TEXT_FORMATS = ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%d-%b-%Y")
_CURRENCY_MARKS = "$€£¥₹"
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_EXCEL_SERIAL_MAX = 80_000  # 2119-01-11: larger numbers are not spreadsheet dates

DATE_HELP = "use 2017-03-01, 3/1/2017, 1.3.2017, 1 Mar 2017 or 2017-03-01T10:00"


def slash_order(values: Iterable[str]) -> SlashOrder:
    """Month-first (US) unless some value in the column can only be day-first (13/2/2017)."""
    for value in values:
        match = _SLASH.match(value.strip())
        if match and int(match.group(1)) > 12:
            return "dmy"
    return "mdy"


def parse_datetime(text: str, order: SlashOrder = "mdy") -> datetime:
    """A date or date-time cell as an aware datetime (UTC when the cell has no zone)."""
    value = text.strip()
    if "T" in value or (" " in value and ":" in value):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{text!r} is not a date ({DATE_HELP})") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    day = parse_date(value, order)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def parse_date(text: str, order: SlashOrder = "mdy") -> date:
    """A date cell in any of the common spreadsheet spellings."""
    value = text.strip()
    try:
        return _parse_date(value, order)
    except ValueError:
        raise ValueError(f"{text!r} is not a date ({DATE_HELP})") from None


def _parse_date(value: str, order: SlashOrder) -> date:
    if _ISO_DATE.match(value):
        return date.fromisoformat(value)
    if "T" in value or (" " in value and ":" in value):
        return parse_datetime(value).date()
    match = _YMD_SLASH.match(value)
    if match:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    match = _SLASH.match(value)
    if match:
        first, second, year = (int(g) for g in match.groups())
        year += 2000 if year < 100 else 0
        month, day = (first, second) if order == "mdy" else (second, first)
        return date(year, month, day)
    match = _DOTTED.match(value)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return date(year, month, day)
    for fmt in _TEXT_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def parse_amount(text: str) -> int | float:
    """A money cell: ``1054``, ``1,054.50``, ``$1 054``; negative and non-numeric refused."""
    value = text.strip().replace("\u00a0", " ")
    negative = value.startswith("-") or (value.startswith("(") and value.endswith(")"))
    digits = value.strip("()-+").strip(_CURRENCY_MARKS).strip()
    digits = digits.rstrip(_CURRENCY_MARKS).strip().replace(" ", "")
    if _GROUPED.match(digits):
        digits = digits.replace(",", "")
    try:
        number = Decimal(digits)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount (a number like 1054 or 1,054.50)") from None
    if not number.is_finite():
        raise ValueError(f"{text!r} is not an amount (a number like 1054 or 1,054.50)")
    if negative and number != 0:
        raise ValueError(f"{text!r} is negative; amounts must be 0 or more")
    if number > MAX_AMOUNT:
        raise ValueError(f"{text!r} is too large; amounts must be at most {MAX_AMOUNT:,}")
    return int(number) if number == number.to_integral_value() else float(number)


def parse_probability(text: str) -> float:
    """``0.4``, ``40%`` or ``40`` (a whole percentage) as a fraction between 0 and 1."""
    value = text.strip()
    percent = value.endswith("%")
    try:
        number = float(value.rstrip("%").strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a probability (0.4 or 40%)") from None
    if percent or number > 1:
        number /= 100
    if not 0 <= number <= 1:
        raise ValueError(f"{text!r} is not a probability between 0 and 1 (or 0% and 100%)")
    return number


def parse_tags(text: str) -> list[str]:
    """Tags separated by commas or semicolons."""
    return [t.strip() for t in re.split(r"[;,]", text) if t.strip()]
