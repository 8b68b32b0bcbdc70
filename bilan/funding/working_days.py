"""French working days (jours ouvrés: Monday to Friday, public holidays excepted), from the
`holidays` library rather than a hand-written list."""

from __future__ import annotations

import datetime as dt
from functools import cache

import holidays


@cache
def _france(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("FR", years=year)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _france(day.year)


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day` (the deadline of « within n working days »)."""
    current = day
    left = n
    while left > 0:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            left -= 1
    return current
