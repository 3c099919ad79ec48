"""Day-count conventions (Excel's ``basis``) and the functions built on them: YEARFRAC and
DAYS360.

``basis``: 0 US (NASD) 30/360, 1 actual/actual, 2 actual/360, 3 actual/365, 4 European
30/360; it is truncated, and outside 0..4 it is ``#NUM!``. Dates are truncated to whole days;
the order of the two dates does not matter to YEARFRAC.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from typing import Any

from .. import values as V
from ..values import Value, XlFail, to_bool, to_number
from .base import fn
from .dates import _date


def basis_of(v: Value) -> int:
    """The day-count basis argument: omitted is 0, outside 0..4 is ``#NUM!``."""
    b = 0 if v is None else math.trunc(to_number(v))
    if not 0 <= b <= 4:
        raise XlFail(V.NUM)
    return b


def _last_of_february(d: dt.date) -> bool:
    return d.month == 2 and d.day == calendar.monthrange(d.year, 2)[1]


def _thirty_360(y1: int, m1: int, d1: int, y2: int, m2: int, d2: int) -> float:
    return float((y2 - y1) * 360 + (m2 - m1) * 30 + (d2 - d1))


def _us_30_360(a: dt.date, b: dt.date) -> float:
    """YEARFRAC's basis 0 day count (the NASD rules as Excel applies them, February included)."""
    d1, d2 = a.day, b.day
    if d1 == 31 and d2 == 31:
        d1 = d2 = 30
    elif d1 == 31:
        d1 = 30
    elif d1 == 30 and d2 == 31:
        d2 = 30
    elif _last_of_february(a) and _last_of_february(b):
        d1 = d2 = 30
    elif _last_of_february(a):
        d1 = 30
    return _thirty_360(a.year, a.month, d1, b.year, b.month, d2)


def european_30_360(a: dt.date, b: dt.date) -> float:
    return _thirty_360(a.year, a.month, min(a.day, 30), b.year, b.month, min(b.day, 30))


def _actual_actual(a: dt.date, b: dt.date) -> float:
    """Basis 1: days over the length of the year when the span is at most a year (366 when it
    holds a 29 February or sits in a leap year), else over the average length of the years
    it touches."""
    days = (b - a).days
    if days == 0:
        return 0.0
    within_year = a.year == b.year or (b.year == a.year + 1 and (a.month, a.day) >= (b.month, b.day))
    if within_year:
        if a.year == b.year:
            leap = calendar.isleap(a.year)
        else:
            leap = any(calendar.isleap(y) and a <= dt.date(y, 2, 29) <= b for y in (a.year, b.year))
        return days / (366 if leap else 365)
    years = b.year - a.year + 1
    span = (dt.date(b.year + 1, 1, 1) - dt.date(a.year, 1, 1)).days
    return days / (span / years)


def year_fraction(a: dt.date, b: dt.date, basis: int) -> float:
    """The fraction of a year from ``a`` to ``b`` (``a`` <= ``b``) under ``basis``."""
    if basis == 0:
        return _us_30_360(a, b) / 360
    if basis == 1:
        return _actual_actual(a, b)
    if basis == 4:
        return european_30_360(a, b) / 360
    return (b - a).days / (360 if basis == 2 else 365)


def day_of(ev: Any, v: Any) -> dt.date:
    """A date argument as a date (truncated; a logical value is ``#VALUE!``)."""
    x = ev.deref(v)
    if isinstance(x, V.Err):
        raise XlFail(x)
    if isinstance(x, bool):
        raise XlFail(V.VALUE)
    d = _date(ev, x)
    return dt.date(d.year, d.month, d.day)


@fn("YEARFRAC", "raw", 2, 3)
def _yearfrac(ev: Any, start: Any, end: Any, basis: Any = None) -> Value:
    a, b = sorted((day_of(ev, start), day_of(ev, end)))
    return year_fraction(a, b, basis_of(ev.deref(basis) if basis is not None else None))


@fn("DAYS360", "raw", 2, 3)
def _days360(ev: Any, start: Any, end: Any, method: Any = None) -> Value:
    """DAYS360: the US method (default) moves a start on the last day of the month (February
    included) to the 30th, and an end on the 31st to the 30th when the start is then the 30th;
    the European method (TRUE) moves any 31st to the 30th."""
    a, b = day_of(ev, start), day_of(ev, end)
    m = ev.deref(method) if method is not None else None
    if m is not None and to_bool(m):
        return european_30_360(a, b)
    return days360_us(a, b)


def days360_us(a: dt.date, b: dt.date) -> float:
    """DAYS360's US (NASD) day count, also the coupon functions' for basis 0."""
    d1, d2 = a.day, b.day
    if d1 == calendar.monthrange(a.year, a.month)[1]:
        d1 = 30
    if d2 == 31 and d1 >= 30:
        d2 = 30
    return _thirty_360(a.year, a.month, d1, b.year, b.month, d2)
