"""Turning spreadsheet cells into typed values: dates, amounts, currencies, probabilities.

Pure functions.  Each returns the value or raises :class:`ValueError` with a
message a person can act on; the row mapper attaches the row and column.
Date columns are read with one convention per column (see
:func:`detect_dates`), because guessing day-first or month-first row by row
would silently swap days and months in half the file; probability columns
likewise get one scale per column (:func:`probability_scale`), because a
``1`` in a 0-100 column is 1 %, not 100 %.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Literal

from pipeline_tui.core.dates import chinese_date
from pipeline_tui.core.validation import MAX_AMOUNT
from pipeline_tui.i18n import N_, _

SlashOrder = Literal["mdy", "dmy"]
ProbabilityScale = Literal["fraction", "percent"]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}")
_YMD_SLASH = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})$")
_CLOCK = re.compile(
    r"^(?P<day>\S+(?:\s+\d{1,2},?\s+\d{4})?)[ T,]+(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})"
    r"(?:\.\d+)?)?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?$"
)
_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")
_ZH_DAY = re.compile(r"^\d{4}\s*年")  # 2026年11月30日: year first, never ambiguous
_TEXT_FORMATS = ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%d-%b-%Y")
_EXCEL_EPOCH = datetime(1899, 12, 30)  # Excel's day 0 (it counts a 29 Feb 1900 that never was)
_EXCEL_SERIAL_MIN, _EXCEL_SERIAL_MAX = 20_000, 80_000  # 1954..2119: other numbers are not dates

DATE_HELP = N_(
    "use 2017-03-01, 3/1/2017, 1.3.2017, 1 Mar 2017, Mar 1, 2017 10:30 AM or 2017-03-01T10:00"
)


# --------------------------------------------------------------------------- date columns


@dataclass(frozen=True, slots=True)
class DateColumn:
    """How a date column is read, decided once from all its values.

    ``order`` is how ``a/b/y`` cells are read; ``evidence`` is the cell that
    settled it; ``ambiguous`` is true when slash dates could be read either
    way and nothing in the column says which (the import asks, once).
    """

    order: SlashOrder
    kinds: tuple[str, ...]
    evidence: str | None = None
    ambiguous: bool = False

    def describe(self) -> str:
        shown = ", ".join(_KIND_LABELS[k](self.order) for k in self.kinds) or "empty"
        if self.evidence:
            return f"{shown} ({self.evidence})"
        return shown


_KIND_LABELS: dict[str, Callable[[SlashOrder], str]] = {
    "iso": lambda order: "ISO (2024-05-20)",
    "chinese": lambda order: "2024年5月20日",
    "slash": lambda order: "m/d/y" if order == "mdy" else "d/m/y",
    "dotted": lambda order: "d.m.y",
    "text": lambda order: "text (May 20, 2024)",
    "serial": lambda order: "Excel serial numbers",
}


def detect_dates(values: Iterable[str], forced: SlashOrder | None = None) -> DateColumn:
    """Read every value of a column and decide its convention (``forced``: --date-format)."""
    kinds: dict[str, None] = {}
    day_first: str | None = None
    month_first: str | None = None
    either = False
    for raw in values:
        value = raw.strip()
        if not value:
            continue
        kind = _kind(value)
        kinds[kind] = None
        if kind != "slash":
            continue
        match = _SLASH.match(_day_part(value))
        if match is None:
            continue
        first, second = int(match.group(1)), int(match.group(2))
        if first > 12 and day_first is None:
            day_first = value
        elif second > 12 and month_first is None:
            month_first = value
        elif first != second:
            either = True
    found = tuple(kinds)
    if forced is not None:
        return DateColumn(forced, found, "--date-format")
    if day_first and month_first:
        return DateColumn("mdy", found, f"both {month_first!r} and {day_first!r}", True)
    if day_first:
        return DateColumn("dmy", found, f"{day_first!r} has a day above 12 first")
    if month_first:
        return DateColumn("mdy", found, f"{month_first!r} has a day above 12 second")
    return DateColumn("mdy", found, None, either)


def _kind(value: str) -> str:
    if _ISO_DATE.match(value) or _ISO_TIME.match(value) or _YMD_SLASH.match(value):
        return "iso"
    if _ZH_DAY.match(value):
        return "chinese"
    if _SERIAL.match(value):
        return "serial"
    day = _day_part(value)
    if _SLASH.match(day):
        return "slash"
    if _DOTTED.match(day):
        return "dotted"
    return "text"


def _day_part(value: str) -> str:
    match = _CLOCK.match(value)
    return match.group("day").rstrip(",") if match else value


# --------------------------------------------------------------------------- cells


def parse_datetime(text: str, order: SlashOrder = "mdy", tz: tzinfo | None = UTC) -> datetime:
    """A date or date-time cell as an aware datetime.

    A cell without a zone is in ``tz`` (``None``: this machine's local zone,
    daylight saving included); a date without a time is midnight there.
    """
    value = text.strip()
    try:
        naive = _parse_naive(value, order)
    except ValueError:
        raise ValueError(
            _("{text!r} is not a date ({DATE_HELP})").format(text=text, DATE_HELP=_(DATE_HELP))
        ) from None
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=tz) if tz is not None else naive.astimezone()


def parse_date(text: str, order: SlashOrder = "mdy") -> date:
    """A date cell in any of the common spreadsheet spellings (a time is dropped)."""
    value = text.strip()
    try:
        return _parse_naive(value, order).date()
    except ValueError:
        raise ValueError(
            _("{text!r} is not a date ({DATE_HELP})").format(text=text, DATE_HELP=_(DATE_HELP))
        ) from None


def has_time(text: str) -> bool:
    """Whether a cell carries a time of day (a serial number with a fraction counts)."""
    value = text.strip()
    if _SERIAL.match(value):
        return "." in value
    return bool(_ISO_TIME.match(value) or _CLOCK.match(value))


def _parse_naive(value: str, order: SlashOrder) -> datetime:
    if _ISO_TIME.match(value):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    if _SERIAL.match(value):
        serial = float(value)
        if not _EXCEL_SERIAL_MIN <= serial <= _EXCEL_SERIAL_MAX:
            raise ValueError(value)
        return _EXCEL_EPOCH + timedelta(days=serial)
    clock = _CLOCK.match(value)
    if clock is None:
        return datetime.combine(_parse_day(value, order), time())
    day = _parse_day(clock.group("day").rstrip(","), order)
    hour, minute = int(clock.group("h")), int(clock.group("m"))
    second = int(clock.group("s") or 0)
    ampm = (clock.group("ampm") or "").lower().replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            raise ValueError(value)
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    return datetime.combine(day, time(hour, minute, second))


def _parse_day(value: str, order: SlashOrder) -> date:
    if _ISO_DATE.match(value):
        return date.fromisoformat(value)
    match = _YMD_SLASH.match(value)
    if match:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    match = _SLASH.match(value)
    if match:
        first, second, year = (int(g) for g in match.groups())
        month, day = (first, second) if order == "mdy" else (second, first)
        return date(_full_year(year), month, day)
    match = _DOTTED.match(value)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return date(_full_year(year), month, day)
    chinese = chinese_date(value)
    if chinese is not None:
        return chinese
    for fmt in _TEXT_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def _full_year(year: int) -> int:
    """Two-digit years as spreadsheets read them: 00-68 are 2000s, 69-99 1900s."""
    if year >= 100:
        return year
    return year + (2000 if year < 69 else 1900)


# --------------------------------------------------------------------------- money

#: Currency names as CRMs spell them (Dynamics writes the name, not the code).
CURRENCY_NAMES = {
    "us dollar": "USD", "dollar": "USD", "us dollars": "USD", "euro": "EUR", "euros": "EUR",
    "pound sterling": "GBP", "british pound": "GBP", "pound": "GBP", "japanese yen": "JPY",
    "yen": "JPY", "chinese yuan": "CNY", "yuan renminbi": "CNY", "renminbi": "CNY",
    "yuan": "CNY", "canadian dollar": "CAD", "australian dollar": "AUD", "swiss franc": "CHF",
    "indian rupee": "INR", "swedish krona": "SEK", "norwegian krone": "NOK",
    "danish krone": "DKK", "polish zloty": "PLN", "brazilian real": "BRL",
    "mexican peso": "MXN", "singapore dollar": "SGD", "hong kong dollar": "HKD",
    "new zealand dollar": "NZD", "south african rand": "ZAR", "korean won": "KRW",
    "人民币": "CNY", "人民幣": "CNY", "元": "CNY", "美元": "USD", "欧元": "EUR", "歐元": "EUR",
    "英镑": "GBP", "英鎊": "GBP", "日元": "JPY", "日圆": "JPY", "港币": "HKD", "港元": "HKD",
    "港幣": "HKD", "新台币": "TWD", "新台幣": "TWD", "台币": "TWD", "新加坡元": "SGD",
}  # fmt: skip

#: Full-width digits and marks as a Chinese input method types them (``１２.５万``, ``３０％``).
_HALF_WIDTH = str.maketrans("０１２３４５６７８９，．％", "0123456789,.%")

#: Chinese counting units written after an amount (``1,234.5万``, ``12.5万元``): 万 is ten
#: thousand, 亿 a hundred million.  A sales export in China writes big amounts this way.
_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}

#: Symbol -> the currencies it can stand for, most common first; the pipeline's
#: own currency wins when it is one of them (``$`` in a CAD pipeline is CAD).
CURRENCY_SYMBOLS = {
    "US$": ("USD",), "C$": ("CAD",), "A$": ("AUD",), "CA$": ("CAD",), "AU$": ("AUD",),
    "HK$": ("HKD",), "S$": ("SGD",), "NZ$": ("NZD",), "R$": ("BRL",), "CN¥": ("CNY",),
    "JP¥": ("JPY",), "RMB": ("CNY",), "$": ("USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN"),
    "€": ("EUR",), "£": ("GBP",), "¥": ("JPY", "CNY"), "￥": ("CNY", "JPY"),
    "₹": ("INR",), "₩": ("KRW",), "₽": ("RUB",), "zł": ("PLN",), "CHF": ("CHF",),
}  # fmt: skip

_MONEY = re.compile(
    r"^(?P<neg>[-(])?\s*(?P<pre>[^\d.,()+-]*?)\s*(?P<neg2>-)?\s*(?P<num>[\d][\d\s.,'\u00a0\u202f]*)"
    r"\s*(?P<post>[^\d.,()]*?)\s*\)?$"
)
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_EU_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")
_SPACE_GROUPED = re.compile(r"^\d{1,3}([ '\u00a0\u202f]\d{3})+([.,]\d+)?$")


def parse_currency(text: str, preferred: str = "USD", hint: str | None = None) -> str:
    """An ISO code, a currency name (``US Dollar``, ``人民币``) or a symbol (``€``) as an ISO code.

    A symbol several currencies use (``¥``, ``$``) is ``preferred`` (the
    pipeline's currency) when it can be, else ``hint`` (the currency of the
    export's country: a Chinese CRM's ``¥`` is CNY, not JPY), else the most
    common one.
    """
    value = text.strip()
    options = CURRENCY_SYMBOLS.get(value.upper()) or CURRENCY_SYMBOLS.get(value)
    if options:  # before the ISO-code rule: ``RMB`` is three letters but no ISO code
        if preferred in options:
            return preferred
        return hint if hint in options else options[0]
    if re.fullmatch(r"[A-Za-z]{3}", value):
        return value.upper()
    named = CURRENCY_NAMES.get(re.sub(r"\s+", " ", value.lower()))
    if named:
        return named
    raise ValueError(
        _("{text!r} is not a currency (a code like USD, a name like Euro, or €)").format(text=text)
    )


def parse_money(
    text: str, preferred: str = "USD", hint: str | None = None
) -> tuple[int | float, str | None]:
    """A money cell as (amount, currency the cell names, if any).

    ``$1,054.50``, ``€8.900,00``, ``1 054 €``, ``CNY 500``, ``500 US Dollar``,
    ``¥1,234,567.00``, ``1,234.5万``, ``12.5万元``: a currency written in the
    cell is returned, never dropped (``hint``: see :func:`parse_currency`).
    """
    value = text.strip().replace("\u00a0", " ").lstrip("'").translate(_HALF_WIDTH)
    match = _MONEY.match(value)
    bad = _("{text!r} is not an amount (a number like 1054 or 1,054.50)").format(text=text)
    if match is None:
        raise ValueError(bad)
    pre, post = match.group("pre").strip(), match.group("post").strip()
    unit = _UNITS.get(post[:1], 1)
    post = post[1:].strip() if unit != 1 else post
    marks = [m for m in (pre, post) if m]
    currency = None
    if len(marks) > 1:
        raise ValueError(bad)
    if marks:
        try:
            currency = parse_currency(marks[0], preferred, hint)
        except ValueError:
            raise ValueError(bad) from None
    digits = match.group("num").strip()
    if unit != 1 and not _UNIT_NUMBER.match(digits):
        raise ValueError(
            _(
                "{text!r}: an amount in 万 or 亿 is written with a decimal point and comma "
                "groups (1,234.5万); write it so, or as the full number"
            ).format(text=text)
        )
    number = _number(digits, bad) * unit
    negative = bool(match.group("neg") or match.group("neg2"))
    if negative and number != 0:
        raise ValueError(_("{text!r} is negative; amounts must be 0 or more").format(text=text))
    if number > MAX_AMOUNT:
        raise ValueError(
            _("{text!r} is too large; amounts must be at most {MAX_AMOUNT:,}").format(
                text=text, MAX_AMOUNT=MAX_AMOUNT
            )
        )
    amount = int(number) if number == number.to_integral_value() else float(number)
    return amount, currency


#: The number before 万/亿, as Chinese software writes it: plain or comma-grouped, a point
#: for decimals.  ``1,5万`` (a decimal comma, or a typo for 15万) is refused, not guessed.
_UNIT_NUMBER = re.compile(r"^(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")


def _number(digits: str, bad: str) -> Decimal:
    if _GROUPED.match(digits):
        digits = digits.replace(",", "")
    elif _EU_GROUPED.match(digits):
        digits = digits.replace(".", "").replace(",", ".")
    elif _SPACE_GROUPED.match(digits):
        digits = re.sub(r"[ '\u00a0\u202f]", "", digits).replace(",", ".")
    try:
        number = Decimal(digits)
    except InvalidOperation:
        raise ValueError(bad) from None
    if not number.is_finite():
        raise ValueError(bad)
    return number


def parse_amount(text: str) -> int | float:
    """A money cell's number: ``1054``, ``1,054.50``, ``$1 054``; negative refused."""
    return parse_money(text)[0]


# --------------------------------------------------------------------------- probability


def probability_scale(values: Iterable[str]) -> ProbabilityScale:
    """``percent`` if any plain number in the column is above 1, else ``fraction``."""
    for raw in values:
        value = raw.strip()
        if not value or value.endswith("%"):
            continue
        try:
            if float(value) > 1:
                return "percent"
        except ValueError:
            continue
    return "fraction"


def parse_probability(text: str, scale: ProbabilityScale | None = None) -> float:
    """``0.4``, ``40%`` or ``40`` as a fraction between 0 and 1.

    ``scale`` is the column's (see :func:`probability_scale`); without it a
    number above 1 is read as a percentage.
    """
    value = text.strip().translate(_HALF_WIDTH)
    percent = value.endswith("%")
    try:
        number = float(value.rstrip("%").strip())
    except ValueError:
        message = _("{text!r} is not a probability (0.4 or 40%)").format(text=text)
        raise ValueError(message) from None
    if percent or scale == "percent" or (scale is None and number > 1):
        number /= 100
    if not 0 <= number <= 1:
        raise ValueError(
            _("{text!r} is not a probability between 0 and 1 (or 0% and 100%)").format(text=text)
        )
    return number


def parse_bool(text: str) -> bool | None:
    """``true``/``1``/``yes`` and their opposites; ``None`` for anything else or blank."""
    value = text.strip().lower()
    if value in ("true", "1", "yes", "y", "t", "1.0"):
        return True
    if value in ("false", "0", "no", "n", "f", "0.0"):
        return False
    return None


def parse_tags(text: str) -> list[str]:
    """Tags separated by commas or semicolons."""
    return [t.strip() for t in re.split(r"[;,]", text) if t.strip()]


def slash_order(values: Iterable[str]) -> SlashOrder:
    """Month-first (US) unless some value in the column can only be day-first (13/2/2017)."""
    return detect_dates(values).order
