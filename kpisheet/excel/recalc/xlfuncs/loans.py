"""Loans, annuities and rates: NPER, RATE, IPMT, PPMT, ISPMT, CUMIPMT, CUMPRINC, EFFECT,
NOMINAL, PDURATION, RRI, MIRR, FVSCHEDULE, and fractional prices (DOLLARDE, DOLLARFR).

Sign convention as in PMT and FV (money paid out is negative); ``type`` nonzero means
payments at the start of each period. The annuity rules themselves are PMT's and FV's
(:func:`.finance.payment`, :func:`.finance.future_value`). Arguments are coerced like
arithmetic; an impossible argument (a period outside 1..nper, a rate at or below -1 where a
power of it is taken, no sign change in MIRR's flows) is ``#NUM!``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import values as V
from ..cellguard import OverLimit
from ..values import Value, XlFail, to_number
from .base import _numbers, fn
from .finance import _solve, future_value, payment


def _opt(v: Value, default: float) -> float:
    return default if v is None else to_number(v)


def _interest(r: float, per: float, n: float, p: float, f: float, t: float) -> float:
    """The interest part of payment ``per`` (LibreOffice's and Excel's IPMT rule)."""
    if not 1 <= per <= n:
        raise XlFail(V.NUM)
    pmt = payment(r, n, p, f, t)
    if per == 1:
        value = 0.0 if t else -p
    elif t:
        value = future_value(r, per - 2, pmt, p, 1.0) - pmt
    else:
        value = future_value(r, per - 1, pmt, p, 0.0)
    return value * r


@fn("IPMT", min_args=4, max_args=6)
def _ipmt(rate: Value, per: Value, nper: Value, pv: Value, fv: Value = None, kind: Value = None) -> Value:
    return _interest(to_number(rate), to_number(per), to_number(nper), to_number(pv), _opt(fv, 0.0),
                     _opt(kind, 0.0))


@fn("PPMT", min_args=4, max_args=6)
def _ppmt(rate: Value, per: Value, nper: Value, pv: Value, fv: Value = None, kind: Value = None) -> Value:
    r, k, n, p, f, t = (to_number(rate), to_number(per), to_number(nper), to_number(pv), _opt(fv, 0.0),
                        _opt(kind, 0.0))
    return payment(r, n, p, f, t) - _interest(r, k, n, p, f, t)


@fn("ISPMT", min_args=4, max_args=4)
def _ispmt(rate: Value, per: Value, nper: Value, pv: Value) -> Value:
    """Interest of period ``per`` (counted from 0) of a loan repaid in even principal parts."""
    n = to_number(nper)
    if n == 0:
        raise XlFail(V.DIV0)
    return to_number(pv) * to_number(rate) * (to_number(per) / n - 1)


_MOST_PERIODS = 100_000  # periods CUMIPMT/CUMPRINC count one by one (about 50 ms); more is #NUM! with a warning


def _cumulative(rate: Value, nper: Value, pv: Value, start: Value, end: Value, kind: Value,
                principal: bool) -> float:
    r, n, p = to_number(rate), to_number(nper), to_number(pv)
    a, b, t = math.trunc(to_number(start)), math.trunc(to_number(end)), to_number(kind)
    if r <= 0 or n <= 0 or p <= 0 or a < 1 or b < a or b > n or t not in (0.0, 1.0):
        raise XlFail(V.NUM)
    if b - a >= _MOST_PERIODS:  # a hostile nper of 1E300 would loop for ever
        raise OverLimit(V.NUM, f"CUMIPMT/CUMPRINC over {b - a + 1:,} periods: recalc counts at most "
                               f"{_MOST_PERIODS:,} (a monthly loan of 8,000 years)")
    pmt = payment(r, n, p, 0.0, t)
    # Excel's (the Analysis ToolPak's) count, period by period: a payment at the end of period
    # i pays the interest on the balance owed after i-1 payments; one at its start pays, from
    # period 2 on, the interest accrued on the balance after i-2 payments less the payment made
    # then, and none in period 1 (future_value is minus the balance owed)
    interest = 0.0
    for i in range(a, b + 1):
        if not t:
            interest += future_value(r, i - 1, pmt, p, 0.0) * r
        elif i > 1:
            interest += (future_value(r, i - 2, pmt, p, 1.0) - pmt) * r
    return pmt * (b - a + 1) - interest if principal else interest


@fn("CUMIPMT", min_args=6, max_args=6)
def _cumipmt(rate: Value, nper: Value, pv: Value, start: Value, end: Value, kind: Value) -> Value:
    return _cumulative(rate, nper, pv, start, end, kind, principal=False)


@fn("CUMPRINC", min_args=6, max_args=6)
def _cumprinc(rate: Value, nper: Value, pv: Value, start: Value, end: Value, kind: Value) -> Value:
    return _cumulative(rate, nper, pv, start, end, kind, principal=True)


@fn("NPER", min_args=3, max_args=5)
def _nper(rate: Value, pmt: Value, pv: Value, fv: Value = None, kind: Value = None) -> Value:
    r, m, p, f, t = to_number(rate), to_number(pmt), to_number(pv), _opt(fv, 0.0), _opt(kind, 0.0)
    if r == 0:
        if m == 0:
            raise XlFail(V.NUM)
        return -(p + f) / m
    if r <= -1:
        raise XlFail(V.NUM)
    due = m * (1 + r * (1 if t else 0))
    num, den = due - f * r, due + p * r
    if den == 0 or num / den <= 0:
        raise XlFail(V.NUM)
    return math.log(num / den) / math.log(1 + r)


@fn("RATE", min_args=3, max_args=6)
def _rate(nper: Value, pmt: Value, pv: Value, fv: Value = None, kind: Value = None, guess: Value = None) -> Value:
    """The rate per period, by Newton's method from ``guess`` (10 %); no root is ``#NUM!``."""
    n, m, p, f = to_number(nper), to_number(pmt), to_number(pv), _opt(fv, 0.0)
    t = 1.0 if _opt(kind, 0.0) else 0.0
    if n <= 0:
        raise XlFail(V.NUM)

    def balance(r: float) -> float:
        if r <= -1:
            return math.nan  # (1 + r) ** n has no real value: the solver gives up (#NUM!)
        if abs(r) < 1e-12:
            return p + m * n + f
        g = (1 + r) ** n
        return p * g + m * (1 + r * t) * (g - 1) / r + f

    def slope(r: float) -> float:
        h = 1e-7 * max(1.0, abs(r))
        return (balance(r + h) - balance(r - h)) / (2 * h)

    # over many periods Newton's steps from 10 % are short ((1 + r) / nper each): 1,500 periods
    # take 114 of them to the rate Excel finds (RATE(1500,-200,8000) is 2.5 %)
    r = _solve(balance, slope, _opt(guess, 0.1), steps=1000)
    if abs(balance(r)) > 1e-7 * max(1.0, abs(p), abs(f), abs(m * n)):
        raise XlFail(V.NUM)
    return r


@fn("EFFECT", min_args=2, max_args=2)
def _effect(nominal: Value, npery: Value) -> Value:
    r, k = to_number(nominal), math.trunc(to_number(npery))
    if r <= 0 or k < 1:
        raise XlFail(V.NUM)
    return (1 + r / k) ** k - 1


@fn("NOMINAL", min_args=2, max_args=2)
def _nominal(effect: Value, npery: Value) -> Value:
    r, k = to_number(effect), math.trunc(to_number(npery))
    if r <= 0 or k < 1:
        raise XlFail(V.NUM)
    return ((1 + r) ** (1 / k) - 1) * k


@fn("PDURATION", min_args=3, max_args=3)
def _pduration(rate: Value, pv: Value, fv: Value) -> Value:
    r, p, f = to_number(rate), to_number(pv), to_number(fv)
    if r <= 0 or p <= 0 or f <= 0:
        raise XlFail(V.NUM)
    return (math.log(f) - math.log(p)) / math.log(1 + r)


@fn("RRI", min_args=3, max_args=3)
def _rri(nper: Value, pv: Value, fv: Value) -> Value:
    n, p, f = to_number(nper), to_number(pv), to_number(fv)
    if n <= 0 or p == 0:
        raise XlFail(V.NUM)
    ratio = f / p
    if ratio < 0:
        raise XlFail(V.NUM)
    return ratio ** (1 / n) - 1


@fn("MIRR", "raw", 3, 3)
def _mirr(ev: Any, flows: Any, finance_rate: Any, reinvest_rate: Any) -> Value:
    """Modified IRR: outflows discounted at ``finance_rate``, inflows compounded at
    ``reinvest_rate``; numbers in the range count, text and blanks do not."""
    v = _numbers(ev, (flows,))
    fr, rr = to_number(ev.deref(finance_rate)), to_number(ev.deref(reinvest_rate))
    n = v.size
    if n < 2 or not (v > 0).any() or not (v < 0).any():
        raise XlFail(V.DIV0)
    if fr <= -1 or rr <= -1:
        raise XlFail(V.NUM)
    t = np.arange(n)
    inflow = float(np.where(v > 0, v, 0.0) @ (1 + rr) ** (n - 1 - t))
    outflow = float(np.where(v < 0, v, 0.0) @ (1 + fr) ** -t)
    return (-inflow / outflow) ** (1 / (n - 1)) - 1


@fn("FVSCHEDULE", "raw", 2, 2)
def _fvschedule(ev: Any, principal: Any, schedule: Any) -> Value:
    value = to_number(ev.deref(principal))
    for r in _numbers(ev, (schedule,)):
        value *= 1 + float(r)
    return value


def _fraction_base(fraction: Value) -> tuple[int, float]:
    f = math.trunc(to_number(fraction))
    if f < 0:
        raise XlFail(V.NUM)
    if f == 0:
        raise XlFail(V.DIV0)
    return f, 10.0 ** math.ceil(math.log10(f))


@fn("DOLLARDE", min_args=2, max_args=2)
def _dollarde(price: Value, fraction: Value) -> Value:
    """A price written as whole.numerator (1.02 with fraction 16: 1 and 2/16) as a decimal."""
    x = to_number(price)
    f, scale = _fraction_base(fraction)
    whole = math.trunc(x)
    return whole + (x - whole) * scale / f


@fn("DOLLARFR", min_args=2, max_args=2)
def _dollarfr(price: Value, fraction: Value) -> Value:
    """A decimal price written as whole.numerator over ``fraction`` (1.125 with 16: 1.02)."""
    x = to_number(price)
    f, scale = _fraction_base(fraction)
    whole = math.trunc(x)
    return whole + (x - whole) * f / scale
