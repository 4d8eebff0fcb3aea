"""Working days: weekends plus the configured country's public holidays.

The holiday data comes from the maintained ``holidays`` package (imported on
first use: it costs ~50 ms), which knows China's make-up working days (调休,
a Saturday that is a working day).  Without a country, Monday to Friday are
working days.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any


@dataclass
class WorkCalendar:
    """Which days are working days, for ``+3 working days`` and no-activity rules."""

    country: str | None = None
    subdivision: str | None = None
    _known: dict[date, bool] = field(default_factory=dict, repr=False)
    _by_year: dict[int, Callable[[date], bool]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_config(cls, raw: Any) -> WorkCalendar:
        """From the ``calendar:`` mapping of ``pipeline.yaml`` (None: weekdays only)."""
        if not isinstance(raw, dict):
            return cls()
        country = raw.get("country")
        subdivision = raw.get("subdivision")
        return cls(str(country) if country else None, str(subdivision) if subdivision else None)

    def is_working_day(self, day: date) -> bool:
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = self._year_rule(day.year)(day)
        return known

    def _year_rule(self, year: int) -> Callable[[date], bool]:
        rule = self._by_year.get(year)
        if rule is None:
            rule = self._by_year[year] = _year_rule(self.country, self.subdivision, year)
        return rule

    def add_working_days(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start`` (``start`` itself never counts)."""
        day = start
        remaining = count
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date, at_least: int | None = None) -> int:
        """Working days in (start, end]: how many working days have passed since ``start``.

        With ``at_least``, counting stops once it is reached (a deal quiet for a
        year need not have every day of that year looked up).
        """
        count = 0
        day = start
        while day < end and (at_least is None or count < at_least):
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


def _year_rule(country: str | None, subdivision: str | None, year: int) -> Callable[[date], bool]:
    if country is None:
        return lambda day: day.weekday() < 5
    import holidays  # lazy: only working-day rules with a country pay for it

    calendar = holidays.country_holidays(country, subdiv=subdivision, years=year)
    return lambda day: bool(calendar.is_working_day(day))
