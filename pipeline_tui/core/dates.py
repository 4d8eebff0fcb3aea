"""Dates as people type them: ``2026-11-20``, ``today``, ``+3d``, ``next monday``, ``明天``.

One parser for every place that asks for a date (``--due``, ``--at``,
``--since``, the TUI's date fields), so "tomorrow" means the same in the CLI
and in a form.  Pure: the caller says what today is (from
:func:`pipeline_tui.core.clock.now`), nothing here reads the clock.

Absolute forms: ISO (``2026-11-20``) and the Chinese ``2026年11月20日``
(:func:`chinese_date`, also what the importer reads such cells with).
Relative forms, in English and Chinese:

* ``today`` ``tomorrow`` ``yesterday`` / ``今天`` ``明天`` ``后天`` ``昨天`` ``前天``;
* ``+3d`` ``+2w`` ``-1d`` / ``in 3 days`` ``2 weeks ago`` / ``3天后`` ``2周后`` ``3天前``;
* ``monday`` ``next monday`` (the first Monday after today, ``mon`` too) /
  ``周一`` ``星期一`` (the same) and ``下周一`` (Monday to Sunday of next week).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from pipeline_tui.i18n import N_, _, current_language

#: What a refused date says it expected (shown by the CLI and the forms).
EXPECTED = N_("a date such as 2026-11-20, today, tomorrow, +3d, +2w, next monday, 明天 or 3天后")

_WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS_ZH = "一二三四五六日"
_NAMED_EN = {"today": 0, "tomorrow": 1, "yesterday": -1, "now": 0}
_NAMED_ZH = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "昨天": -1, "前天": -2}
_UNIT_DAYS = {"d": 1, "day": 1, "days": 1, "w": 7, "week": 7, "weeks": 7, "天": 1, "日": 1}
_UNIT_DAYS |= {"周": 7, "星期": 7, "礼拜": 7}

_SIGNED = re.compile(r"^([+-])\s*(\d+)\s*(d|w|days?|weeks?)$")
_IN = re.compile(r"^in\s+(\d+)\s*(d|w|days?|weeks?)$")
_AGO = re.compile(r"^(\d+)\s*(d|w|days?|weeks?)\s+ago$")
_ZH_OFFSET = re.compile(r"^(\d+)\s*(?:个)?(天|日|周|星期|礼拜)\s*(后|以后|之后|前|以前|之前)$")
_ZH_WEEKDAY = re.compile(r"^(下+|这|本|上)?(?:周|星期|礼拜)([一二三四五六日天])$")
_EN_WEEKDAY = re.compile(r"^(next\s+|this\s+)?([a-z]+)$")
_TIME = re.compile(r"^(.*?)\s*(?:^|\s|T)(\d{1,2}):(\d{2})$")
_ZH_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]$")


def parse_date(text: str, today: date) -> date:
    """The date ``text`` names, counted from ``today``; ValueError saying what would do."""
    found = relative_date(text, today)
    if found is None:
        raise ValueError(
            _("{strip!r} is not {EXPECTED}").format(strip=text.strip(), EXPECTED=_(EXPECTED))
        )
    return found


def relative_date(text: str, today: date) -> date | None:
    """``parse_date`` without the error: None when ``text`` is no date this module reads."""
    cleaned = " ".join(text.strip().casefold().split())
    if not cleaned:
        return None
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        pass
    found = chinese_date(cleaned)
    if found is not None:
        return found
    for reader in (_named, _offset, _weekday_en, _weekday_zh):
        found = reader(cleaned, today)
        if found is not None:
            return found
    return None


def chinese_date(text: str) -> date | None:
    """``2026年11月30日`` (what :func:`long_date` writes, and Chinese exports hold) as a date.

    ``号`` for ``日`` too (``2026年11月30号``, as people type it).  None when
    ``text`` is not this form or names no real day (``2026年2月30日``): the
    caller's own "not a date" message then says what would do.
    """
    match = _ZH_DATE.match(text.strip())
    if match is None:
        return None
    year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_instant(text: str, now: datetime) -> datetime:
    """An instant: ISO (``2026-11-20``, ``2026-11-20T15:30``) or a relative day and time.

    ``now`` is aware, in the zone relative days are counted in (the local
    one); naive ISO values are taken in the local zone too.  An ISO date
    alone is its midnight; a relative day without a time (``yesterday``)
    keeps ``now``'s time of day, so "yesterday" is a day ago, not last
    midnight.  ValueError says what would do.
    """
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return _relative_instant(value, now)
    if len(value) == 10:
        parsed = datetime.combine(parsed.date(), time(0, 0))
    return parsed if parsed.tzinfo else parsed.astimezone()


def _relative_instant(value: str, now: datetime) -> datetime:
    day_text, clock_time = split_time(value)
    day = relative_date(day_text, now.date()) if day_text.strip() else now.date()
    if day is None:
        raise ValueError(
            _(
                "{value!r} is not an ISO date or datetime (e.g. 2026-11-20T15:30), nor "
                "{EXPECTED}, optionally with a time (yesterday 15:30)"
            ).format(value=value, EXPECTED=_(EXPECTED))
        )
    at = clock_time or now.time().replace(microsecond=0)
    return datetime.combine(day, at, tzinfo=now.tzinfo)


def split_time(text: str) -> tuple[str, time | None]:
    """``"tomorrow 14:30"`` -> ``("tomorrow", 14:30)``; without a trailing time: kept whole."""
    match = _TIME.match(text.strip())
    if match is None:
        return text, None
    hour, minute = int(match.group(2)), int(match.group(3))
    if hour > 23 or minute > 59:
        return text, None
    return match.group(1), time(hour, minute)


def _named(text: str, today: date) -> date | None:
    offset = _NAMED_EN.get(text, _NAMED_ZH.get(text))
    return None if offset is None else today + timedelta(days=offset)


def _offset(text: str, today: date) -> date | None:
    if match := _SIGNED.match(text):
        sign = -1 if match.group(1) == "-" else 1
        return today + timedelta(days=sign * int(match.group(2)) * _days(match.group(3)))
    if match := _IN.match(text):
        return today + timedelta(days=int(match.group(1)) * _days(match.group(2)))
    if match := _AGO.match(text):
        return today - timedelta(days=int(match.group(1)) * _days(match.group(2)))
    if match := _ZH_OFFSET.match(text):
        sign = -1 if match.group(3).endswith("前") else 1
        return today + timedelta(days=sign * int(match.group(1)) * _UNIT_DAYS[match.group(2)])
    return None


def _days(unit: str) -> int:
    return _UNIT_DAYS[unit]


def _weekday_en(text: str, today: date) -> date | None:
    """``monday``, ``next mon``: the first such day after today; ``this monday``: this week's."""
    match = _EN_WEEKDAY.match(text)
    if match is None or len(match.group(2)) < 3:
        return None
    day = next((i for i, name in enumerate(_WEEKDAYS_EN) if name.startswith(match.group(2))), None)
    if day is None:
        return None
    if (match.group(1) or "").startswith("this"):
        return today + timedelta(days=day - today.weekday())
    return today + timedelta(days=(day - today.weekday() - 1) % 7 + 1)


def _weekday_zh(text: str, today: date) -> date | None:
    """``周三``: the first Wednesday after today; ``下周三``: next week's; ``本周三``: this."""
    match = _ZH_WEEKDAY.match(text)
    if match is None:
        return None
    day = _WEEKDAYS_ZH.index("日" if match.group(2) == "天" else match.group(2))
    prefix = match.group(1) or ""
    if not prefix:
        return today + timedelta(days=(day - today.weekday() - 1) % 7 + 1)
    weeks = len(prefix) if prefix.startswith("下") else -1 if prefix == "上" else 0
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(days=7 * weeks + day)


def long_date(value: date) -> str:
    """A date in prose (a sentence, a heading): ``2026年11月20日`` in Chinese.

    English keeps the ISO date it has always printed there (``2026-11-20``),
    which is also what a user types back; tables keep ISO in every language.
    """
    if current_language() == "zh_CN":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()


def long_datetime(value: datetime) -> str:
    """An instant in prose: ``2026年11月20日 15:30``; English keeps ISO to the minute."""
    if current_language() == "zh_CN":
        return f"{long_date(value.date())} {value:%H:%M}"
    return value.isoformat(timespec="minutes")
