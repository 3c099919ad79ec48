"""Depreciation: SLN, SYD, DB, DDB, VDB.

Arguments are coerced like arithmetic. Out of range (a negative cost or salvage, a life or
period of 0 or less, a period past the life, a factor of 0 or less) is ``#NUM!``, as Excel.
The declining balance (:func:`_declining`) is the one rule DDB and VDB share, with Excel's
schedule for fractional periods (the oracle workbooks check it).
"""

from __future__ import annotations

import math

from .. import values as V
from ..values import Value, XlFail, to_bool, to_number
from .base import fn
from .maths import _round_half_away

_MAX_PERIODS = 100_000  # a longer schedule is refused (#NUM!) rather than looped through


def _num(v: Value) -> float:
    return to_number(v)


@fn("SLN", min_args=3, max_args=3)
def _sln(cost: Value, salvage: Value, life: Value) -> Value:
    n = _num(life)
    if n == 0:
        raise XlFail(V.DIV0)
    return (_num(cost) - _num(salvage)) / n


@fn("SYD", min_args=4, max_args=4)
def _syd(cost: Value, salvage: Value, life: Value, per: Value) -> Value:
    c, s, n, p = _num(cost), _num(salvage), _num(life), _num(per)
    if n <= 0 or p <= 0 or p > n:
        raise XlFail(V.NUM)
    return (c - s) * (n - p + 1) * 2 / (n * (n + 1))


@fn("DB", min_args=4, max_args=5)
def _db(cost: Value, salvage: Value, life: Value, period: Value, month: Value = 12.0) -> Value:
    """Fixed-declining balance: the rate is 1 - (salvage/cost)^(1/life) rounded to three
    decimals; the first and the extra last period are pro rata of ``month``."""
    c, s, n, p = _num(cost), _num(salvage), _num(life), _num(period)
    m = 12.0 if month is None else _num(month)
    if n > _MAX_PERIODS:
        raise XlFail(V.NUM)
    if c < 0 or s < 0 or n <= 0 or p <= 0 or not 1 <= m <= 12 or p > n + (1 if m < 12 else 0):
        raise XlFail(V.NUM)
    if c == 0:
        return 0.0
    rate = _round_half_away(1 - (s / c) ** (1 / n), 3)
    dep = total = c * rate * m / 12
    for k in range(2, int(p) + 1):
        dep = (c - total) * rate * ((12 - m) / 12 if k > n else 1)
        total += dep
    return dep


def _declining(cost: float, salvage: float, life: float, factor: float, start: float, end: float,
               switch: bool) -> float:
    """Depreciation from ``start`` to ``end`` of a declining balance at ``factor / life`` a
    period, never below salvage, switching to straight line (the rest over the life left) from
    the first period where that is larger, when ``switch``.

    Excel's schedule for a fractional start: the periods run 0, f, f+1, f+2 ... where f is the
    start's fraction (the first, short period depreciates f of a full one); a period only
    partly inside start..end counts pro rata. Checked against the VDB values Excel saves.
    """
    if max(end, life) > _MAX_PERIODS:
        raise XlFail(V.NUM)
    rate = factor / life
    first = start - math.floor(start)
    t, value, total = 0.0, cost, 0.0
    straight: float | None = None  # depreciation per period once switched
    length = first if first > 0 else 1.0
    while t < end and t < life:
        span = min(length, life - t)
        dep = max(min(value * rate * span, value - salvage), 0.0)
        if switch:
            if straight is None and (value - salvage) / (life - t) * span > dep:
                straight = (value - salvage) / (life - t)
            if straight is not None:
                dep = straight * span
        inside = min(t + span, end) - max(t, start)
        if inside > 0:
            total += dep * inside / span
        value -= dep
        t += span
        length = 1.0
    return total


@fn("DDB", min_args=4, max_args=5)
def _ddb(cost: Value, salvage: Value, life: Value, period: Value, factor: Value = 2.0) -> Value:
    c, s, n, p = _num(cost), _num(salvage), _num(life), _num(period)
    f = 2.0 if factor is None else _num(factor)
    if c < 0 or s < 0 or n <= 0 or p <= 0 or f <= 0 or p > n:
        raise XlFail(V.NUM)
    return _declining(c, s, n, f, p - 1, p, switch=False)


@fn("VDB", min_args=5, max_args=7)
def _vdb(cost: Value, salvage: Value, life: Value, start: Value, end: Value, factor: Value = 2.0,
         no_switch: Value = False) -> Value:
    c, s, n, a, b = _num(cost), _num(salvage), _num(life), _num(start), _num(end)
    f = 2.0 if factor is None else _num(factor)
    switch = True if no_switch is None else not to_bool(no_switch)
    if a < 0 or b < a or b > n or c < 0 or s < 0 or s > c or f <= 0 or n <= 0:
        raise XlFail(V.NUM)
    return _declining(c, s, n, f, a, b, switch)
