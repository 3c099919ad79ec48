"""Working days: NETWORKDAYS, WORKDAY and their .INTL forms with any weekend.

One rule for all four: a day is a working day unless its weekday is in the weekend (Saturday
and Sunday unless told: a code 1-7 or 11-17, or seven 0/1 characters from Monday) or it is one
of the holidays. Weekdays follow the serial number, as Excel's do (serial 1 is a Sunday).
Dates are truncated; holidays may be numbers or date text. A weekend of seven days is
``#VALUE!``; a result outside Excel's dates is ``#NUM!``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import values as V
from ..ranges import Ref
from ..values import Err, Value, XlFail, to_number
from .base import _flat, fn

_CODES = {1: "0000011", 2: "1000001", 3: "1100000", 4: "0110000", 5: "0011000", 6: "0001100", 7: "0000110",
          11: "0000001", 12: "1000000", 13: "0100000", 14: "0010000", 15: "0001000", 16: "0000100", 17: "0000010"}
_LAST_SERIAL = 2958465  # 9999-12-31


def weekend_of(ev: Any, v: Any) -> tuple[bool, ...]:
    """Which weekdays (Monday first) are weekend days."""
    x = None if v is None else ev.deref(v)
    if x is None:
        pattern = _CODES[1]
    elif isinstance(x, str):
        pattern = x
        if len(pattern) != 7 or set(pattern) - {"0", "1"} or pattern == "1111111":
            raise XlFail(V.VALUE)
    else:
        found = _CODES.get(math.trunc(to_number(x)))
        if found is None:
            raise XlFail(V.NUM)
        pattern = found
    return tuple(ch == "1" for ch in pattern)


def holidays_of(ev: Any, v: Any) -> set[int]:
    out: set[int] = set()
    if v is None:
        return out
    for h in _flat(ev, v) if isinstance(v, (Ref, np.ndarray)) else [ev.deref(v)]:
        if h is None:
            continue
        if isinstance(h, Err):
            raise XlFail(h)
        out.add(math.trunc(to_number(h)))
    return out


def _monday0(ev: Any, serial: int) -> int:
    return (serial + (1462 if ev.date1904 else 0) + 5) % 7


def _day(ev: Any, v: Any) -> int:
    x = ev.deref(v)
    if isinstance(x, bool):
        raise XlFail(V.VALUE)
    d = math.trunc(to_number(x))
    if not 0 <= d <= _LAST_SERIAL:
        raise XlFail(V.NUM)
    return d


def _count(ev: Any, start: Any, end: Any, weekend: Any, holidays: Any) -> Value:
    a, b = _day(ev, start), _day(ev, end)
    off = weekend_of(ev, weekend)
    sign = 1
    if a > b:
        a, b, sign = b, a, -1
    days = b - a + 1
    weeks, rest = divmod(days, 7)
    first = _monday0(ev, a)
    work = weeks * off.count(False) + sum(1 for i in range(rest) if not off[(first + weeks * 7 + i) % 7])
    work -= sum(1 for h in holidays_of(ev, holidays) if a <= h <= b and not off[_monday0(ev, h)])
    return float(sign * work)


def _step(ev: Any, start: Any, days: Any, weekend: Any, holidays: Any) -> Value:
    s = _day(ev, start)
    n = math.trunc(to_number(ev.deref(days)))
    off = weekend_of(ev, weekend)
    hol = holidays_of(ev, holidays)
    step = 1 if n >= 0 else -1
    if abs(n) > _LAST_SERIAL:  # each working day takes at least a day
        raise XlFail(V.NUM)
    per_week = off.count(False)
    weeks = max(abs(n) // per_week - 1, 0)  # whole weeks first, then day by day
    if weeks:
        end = s + step * weeks * 7
        lost = sum(1 for h in hol if min(s, end) < h <= max(s, end) and not off[_monday0(ev, h)])
        s, n = end, n - step * (weeks * per_week - lost)
    while n:
        s += step
        if not 0 <= s <= _LAST_SERIAL:
            raise XlFail(V.NUM)
        if not off[_monday0(ev, s)] and s not in hol:
            n -= step
    return float(s)


@fn("NETWORKDAYS", "raw", 2, 3)
def _networkdays(ev: Any, start: Any, end: Any, holidays: Any = None) -> Value:
    return _count(ev, start, end, None, holidays)


@fn("NETWORKDAYS.INTL", "raw", 2, 4)
def _networkdays_intl(ev: Any, start: Any, end: Any, weekend: Any = None, holidays: Any = None) -> Value:
    return _count(ev, start, end, weekend, holidays)


@fn("WORKDAY", "raw", 2, 3)
def _workday(ev: Any, start: Any, days: Any, holidays: Any = None) -> Value:
    return _step(ev, start, days, None, holidays)


@fn("WORKDAY.INTL", "raw", 2, 4)
def _workday_intl(ev: Any, start: Any, days: Any, weekend: Any = None, holidays: Any = None) -> Value:
    return _step(ev, start, days, weekend, holidays)
