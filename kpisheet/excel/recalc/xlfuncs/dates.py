"""Date and time functions (1900 or 1904 date system, as the workbook says)."""

from __future__ import annotations

import calendar
import datetime as dt
import math
from typing import Any, Callable


from .. import values as V
from ..values import Value, XlFail, to_number, to_text
from .base import FUNCTIONS, Fn, elementwise, fn

# --- dates ------------------------------------------------------------------------------------


def _date(ev: Any, v: Value) -> dt.datetime:
    if isinstance(v, str):
        x = V.parse_number(v, ev.date1904)
        if x is None:
            raise XlFail(V.VALUE)
        v = x
    n = to_number(v)
    return V.serial_to_datetime(n, ev.date1904)


def _serial(ev: Any, d: dt.datetime | dt.date) -> float:
    return V.datetime_to_serial(d, ev.date1904)


@fn("DATE", "raw", 3, 3)
@elementwise
def _datef(ev: Any, y: Any, m: Any, d: Any) -> Value:
    year, month, day = (int(math.floor(to_number(ev.deref(x)))) for x in (y, m, d))
    if 0 <= year < 1900:
        year += 1900
    if year < 0 or year > 9999:
        raise XlFail(V.NUM)
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    base = _serial(ev, dt.date(year, month, 1)) if 1 <= year <= 9999 else None
    if base is None:
        raise XlFail(V.NUM)
    out = base + day - 1
    if out < 0 or out > (2957003 if ev.date1904 else 2958465):  # past 9999-12-31
        raise XlFail(V.NUM)
    return out


def _serial_arg(ev: Any, v: Any) -> float:
    """A date argument as a serial: numbers, date or time text (``"1:23"``), blank 0."""
    x = ev.deref(v)
    if isinstance(x, str):
        n = V.parse_number(x, ev.date1904)
        if n is None:
            raise XlFail(V.VALUE)
        return n
    return to_number(x)


for _name, _part in {"YEAR": 0, "MONTH": 1, "DAY": 2}.items():
    def _make_day(part: int) -> Callable[[Any, Any], Value]:
        def f(ev: Any, v: Any) -> Value:
            return float(V.serial_ymd(_serial_arg(ev, v), ev.date1904)[part])
        return f
    FUNCTIONS[_name] = Fn(elementwise(_make_day(_part)), "raw", 1, 1)

for _name, _part in {"HOUR": 0, "MINUTE": 1, "SECOND": 2}.items():
    def _make_time(part: int) -> Callable[[Any, Any], Value]:
        def f(ev: Any, v: Any) -> Value:
            return float(V.serial_hms(_serial_arg(ev, v))[part])
        return f
    FUNCTIONS[_name] = Fn(elementwise(_make_time(_part)), "raw", 1, 1)


@fn("TODAY", "raw", 0, 0)
def _today(ev: Any) -> Value:
    return _serial(ev, dt.date.today())


@fn("NOW", "raw", 0, 0)
def _now(ev: Any) -> Value:
    return _serial(ev, dt.datetime.now())


def _add_months(ev: Any, start: Any, months: Any, end_of_month: bool) -> Value:
    d = _date(ev, ev.deref(start))  # a logical argument: xlfuncs/toolpak.py
    k = int(to_number(ev.deref(months)))
    y, m = divmod(d.month - 1 + k, 12)
    year, month = d.year + y, m + 1
    if not 1900 <= year <= 9999:
        raise XlFail(V.NUM)
    last = calendar.monthrange(year, month)[1]
    day = last if end_of_month else min(d.day, last)
    return _serial(ev, dt.date(year, month, day))


@fn("EDATE", "raw", 2, 2)
@elementwise
def _edate(ev: Any, start: Any, months: Any) -> Value:
    return _add_months(ev, start, months, False)


@fn("EOMONTH", "raw", 2, 2)
@elementwise
def _eomonth(ev: Any, start: Any, months: Any) -> Value:
    return _add_months(ev, start, months, True)


@fn("WEEKDAY", "raw", 1, 2)
@elementwise
def _weekday(ev: Any, v: Any, kind: Any = 1.0) -> Value:
    k = int(to_number(ev.deref(kind))) if kind is not None else 1
    serial = _serial_arg(ev, v)
    V.serial_ymd(serial, ev.date1904)  # #NUM! outside Excel's dates
    iso = (V.serial_weekday(serial, ev.date1904) + 5) % 7 + 1  # Monday 1 .. Sunday 7, on Excel's count
    if k == 1 or k == 17:
        return float(iso % 7 + 1)
    if k in (2, 11):
        return float(iso)
    if k == 3:
        return float(iso - 1)
    if 12 <= k <= 16:
        first = k - 10  # 12: Tuesday first
        return float((iso - first) % 7 + 1)
    raise XlFail(V.NUM)


@fn("ISOWEEKNUM", "raw", 1, 1)
@elementwise
def _isoweeknum(ev: Any, v: Any) -> Value:
    return float(_date(ev, ev.deref(v)).isocalendar()[1])


@fn("WEEKNUM", "raw", 1, 2)
@elementwise
def _weeknum(ev: Any, v: Any, kind: Any = 1.0) -> Value:
    d = _date(ev, ev.deref(v))
    k = int(to_number(ev.deref(kind))) if kind is not None else 1
    if k not in (1, 2, 11, 12, 13, 14, 15, 16, 17, 21):
        raise XlFail(V.NUM)
    if k == 21:
        return float(d.isocalendar()[1])
    start = 7 if k in (1, 17) else (k - 10 if 11 <= k <= 16 else 1)  # isoweekday of the first day
    jan1 = dt.date(d.year, 1, 1)
    offset = (jan1.isoweekday() - start) % 7
    return float((d.timetuple().tm_yday - 1 + offset) // 7 + 1)


@fn("DATEVALUE", "raw", 1, 1)
@elementwise
def _datevalue(ev: Any, v: Any) -> Value:
    text = to_text(ev.deref(v))
    x = V.parse_date_text(text)
    if x is None:
        raise XlFail(V.VALUE)
    if ev.date1904:
        x = V.parse_number(text, True)
        if x is None:
            raise XlFail(V.VALUE)
    return float(math.floor(x))


@fn("DAYS", "raw", 2, 2)
@elementwise
def _days(ev: Any, end: Any, start: Any) -> Value:
    return float(math.floor(to_number(ev.deref(end))) - math.floor(to_number(ev.deref(start))))


@fn("TIME", "raw", 3, 3)
@elementwise
def _time(ev: Any, h: Any, m: Any, s: Any) -> Value:
    total = to_number(ev.deref(h)) * 3600 + to_number(ev.deref(m)) * 60 + to_number(ev.deref(s))
    if total < 0:
        raise XlFail(V.NUM)
    return (total % 86400) / 86400


@fn("DATEDIF", "raw", 3, 3)
@elementwise
def _datedif(ev: Any, a: Any, b: Any, unit: Any) -> Value:
    """On Excel's own calendar (serial 0 is 1900-01-00, serial 60 is 1900-02-29), with its
    documented quirks: "YD" moves the end date into the start date's year (the year after,
    when it falls before the start), rolling 29 February over to 1 March as DATE does; "MD"
    borrows the days of the month before the end date's month, so that it can be negative
    (``DATEDIF("1/31/2015","3/1/2015","MD")`` is -2)."""
    s1, s2 = (math.floor(_serial_arg(ev, x)) for x in (a, b))
    (y1, m1, d1), (y2, m2, d2) = V.serial_ymd(s1, ev.date1904), V.serial_ymd(s2, ev.date1904)
    if s1 > s2:
        raise XlFail(V.NUM)
    u = to_text(ev.deref(unit)).upper()
    months = (y2 - y1) * 12 + m2 - m1 - (1 if d2 < d1 else 0)
    if u == "D":
        return float(s2 - s1)
    if u == "M":
        return float(months)
    if u == "Y":
        return float(months // 12)
    if u == "YM":
        return float(months % 12)
    if u == "YD":
        end = _day_serial(ev, y1, m2, d2)
        if end < s1:
            end = _day_serial(ev, y1 + 1, m2, d2)
        return float(end - s1)
    if u == "MD":
        if d2 >= d1:
            return float(d2 - d1)
        before = (y2, m2 - 1) if m2 > 1 else (y2 - 1, 12)
        days_before = _day_serial(ev, y2, m2, 1) - _day_serial(ev, *before, 1)
        return float(days_before - d1 + d2)
    raise XlFail(V.NUM)


def _day_serial(ev: Any, year: int, month: int, day: int) -> float:
    """DATE(year, month, day) on the book's calendar: days past the month's end roll over."""
    return _serial(ev, dt.date(year, month, 1)) + day - 1
