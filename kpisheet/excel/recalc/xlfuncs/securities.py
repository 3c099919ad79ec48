"""Bonds and bills: the coupon dates and days (COUPPCD, COUPNCD, COUPNUM, COUPDAYBS, COUPDAYS,
COUPDAYSNC), PRICE, YIELD, DURATION, MDURATION, ACCRINTM, DISC, INTRATE, RECEIVED, PRICEDISC,
YIELDDISC, PRICEMAT, YIELDMAT, TBILLPRICE, TBILLYIELD, TBILLEQ; ACCRINT, the odd-period prices and
yields (ODDFPRICE, ODDFYIELD, ODDLPRICE, ODDLYIELD), and the French depreciation AMORLINC and AMORDEGRC.

Dates are truncated; a settlement on or after maturity, a frequency other than 1, 2 or 4, a
basis outside 0-4 (:mod:`.daycount`), a negative rate or yield, or a price or redemption of 0
or less is ``#NUM!``, as Excel. Coupon dates run back from maturity by 12/frequency months,
on the last day of the month when maturity is. PRICE and YIELD follow the formulas of
Microsoft's documentation (one coupon period left: simple interest; more: compounding), and
YIELD solves PRICE for the yield.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from typing import Any

import numpy as np

from .. import values as V
from ..values import Value, XlFail, to_number
from .base import fn
from .daycount import basis_of, day_of, days360_us, european_30_360, year_fraction
from .maths import _round_half_away


def _num(ev: Any, v: Any) -> float:
    return to_number(ev.deref(v))


def _opt_basis(ev: Any, v: Any) -> int:
    return basis_of(None if v is None else ev.deref(v))


def _frequency(ev: Any, v: Any) -> int:
    f = math.trunc(_num(ev, v))
    if f not in (1, 2, 4):
        raise XlFail(V.NUM)
    return f


def _span(ev: Any, settlement: Any, maturity: Any) -> tuple[dt.date, dt.date]:
    s, m = day_of(ev, settlement), day_of(ev, maturity)
    if s >= m:
        raise XlFail(V.NUM)
    return s, m


def _coupon(maturity: dt.date, months_back: int) -> dt.date:
    y, m = divmod(maturity.year * 12 + maturity.month - 1 - months_back, 12)
    last = calendar.monthrange(y, m + 1)[1]
    at_end = maturity.day == calendar.monthrange(maturity.year, maturity.month)[1]
    return dt.date(y, m + 1, last if at_end else min(maturity.day, last))


def coupons(settlement: dt.date, maturity: dt.date, freq: int) -> tuple[dt.date, dt.date, int]:
    """The coupon dates around settlement (previous <= settlement < next) and the number of
    coupons still to be paid."""
    step = 12 // freq
    months = (maturity.year - settlement.year) * 12 + maturity.month - settlement.month
    k = max(months // step, 0)
    while _coupon(maturity, k * step) > settlement:
        k += 1
    while k > 0 and _coupon(maturity, (k - 1) * step) <= settlement:
        k -= 1
    return _coupon(maturity, k * step), _coupon(maturity, (k - 1) * step), k


def _days(a: dt.date, b: dt.date, basis: int) -> float:
    if basis == 0:
        return days360_us(a, b)
    if basis == 4:
        return european_30_360(a, b)
    return float((b - a).days)


def _period_days(pcd: dt.date, ncd: dt.date, freq: int, basis: int) -> float:
    if basis == 1:
        return float((ncd - pcd).days)
    return (365.0 if basis == 3 else 360.0) / freq


def _to_next(settlement: dt.date, pcd: dt.date, ncd: dt.date, freq: int, basis: int) -> float:
    if basis == 0:  # Excel: the period's days less those since the last coupon
        return _period_days(pcd, ncd, freq, basis) - days360_us(pcd, settlement)
    return _days(settlement, ncd, basis)


def _coupon_args(ev: Any, settlement: Any, maturity: Any, frequency: Any,
                 basis: Any) -> tuple[dt.date, dt.date, int, int, dt.date, dt.date, int]:
    s, m = _span(ev, settlement, maturity)
    f, b = _frequency(ev, frequency), _opt_basis(ev, basis)
    pcd, ncd, n = coupons(s, m, f)
    return s, m, f, b, pcd, ncd, n


def _serial(ev: Any, d: dt.date) -> float:
    return V.datetime_to_serial(d, ev.date1904)


@fn("COUPPCD", "raw", 3, 4)
def _couppcd(ev: Any, settlement: Any, maturity: Any, frequency: Any, basis: Any = None) -> Value:
    return _serial(ev, _coupon_args(ev, settlement, maturity, frequency, basis)[4])


@fn("COUPNCD", "raw", 3, 4)
def _coupncd(ev: Any, settlement: Any, maturity: Any, frequency: Any, basis: Any = None) -> Value:
    return _serial(ev, _coupon_args(ev, settlement, maturity, frequency, basis)[5])


@fn("COUPNUM", "raw", 3, 4)
def _coupnum(ev: Any, settlement: Any, maturity: Any, frequency: Any, basis: Any = None) -> Value:
    return float(_coupon_args(ev, settlement, maturity, frequency, basis)[6])


@fn("COUPDAYBS", "raw", 3, 4)
def _coupdaybs(ev: Any, settlement: Any, maturity: Any, frequency: Any, basis: Any = None) -> Value:
    s, _m, _f, b, pcd, _ncd, _n = _coupon_args(ev, settlement, maturity, frequency, basis)
    return _days(pcd, s, b)


@fn("COUPDAYS", "raw", 3, 4)
def _coupdays(ev: Any, settlement: Any, maturity: Any, frequency: Any, basis: Any = None) -> Value:
    _s, _m, f, b, pcd, ncd, _n = _coupon_args(ev, settlement, maturity, frequency, basis)
    return _period_days(pcd, ncd, f, b)


@fn("COUPDAYSNC", "raw", 3, 4)
def _coupdaysnc(ev: Any, settlement: Any, maturity: Any, frequency: Any, basis: Any = None) -> Value:
    s, _m, f, b, pcd, ncd, _n = _coupon_args(ev, settlement, maturity, frequency, basis)
    return _to_next(s, pcd, ncd, f, b)


def _price(s: dt.date, m: dt.date, rate: float, yld: float, redemption: float, f: int, b: int) -> float:
    pcd, ncd, n = coupons(s, m, f)
    e = _period_days(pcd, ncd, f, b)
    a = _days(pcd, s, b)
    dsc = _to_next(s, pcd, ncd, f, b)
    coupon = 100 * rate / f
    if n == 1:  # one period left: simple interest
        return (redemption + coupon) / (1 + dsc / e * yld / f) - a / e * coupon
    base = 1 + yld / f
    price = redemption / base ** (n - 1 + dsc / e)
    price += float((coupon / base ** (np.arange(n) + dsc / e)).sum())
    return price - coupon * a / e


def _bond_args(ev: Any, settlement: Any, maturity: Any, rate: Any, frequency: Any,
               basis: Any) -> tuple[dt.date, dt.date, float, int, int]:
    s, m = _span(ev, settlement, maturity)
    r = _num(ev, rate)
    f, b = _frequency(ev, frequency), _opt_basis(ev, basis)
    if r < 0:
        raise XlFail(V.NUM)
    return s, m, r, f, b


@fn("PRICE", "raw", 6, 7)
def _price_fn(ev: Any, settlement: Any, maturity: Any, rate: Any, yld: Any, redemption: Any, frequency: Any,
              basis: Any = None) -> Value:
    s, m, r, f, b = _bond_args(ev, settlement, maturity, rate, frequency, basis)
    y, red = _num(ev, yld), _num(ev, redemption)
    if y < 0 or red <= 0:
        raise XlFail(V.NUM)
    return _price(s, m, r, y, red, f, b)


@fn("YIELD", "raw", 6, 7)
def _yield(ev: Any, settlement: Any, maturity: Any, rate: Any, pr: Any, redemption: Any, frequency: Any,
           basis: Any = None) -> Value:
    s, m, r, f, b = _bond_args(ev, settlement, maturity, rate, frequency, basis)
    price, red = _num(ev, pr), _num(ev, redemption)
    if price <= 0 or red <= 0:
        raise XlFail(V.NUM)
    lo, hi = 0.0, 1.0
    while _price(s, m, r, hi, red, f, b) > price:  # the price falls as the yield rises
        hi *= 2
        if hi > 1e6:
            raise XlFail(V.NUM)
    if _price(s, m, r, lo, red, f, b) < price:
        lo = -f + 1e-9  # a price above par at a zero yield: the yield is negative
        if _price(s, m, r, lo, red, f, b) < price:
            raise XlFail(V.NUM)
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        if _price(s, m, r, mid, red, f, b) > price:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _duration(ev: Any, settlement: Any, maturity: Any, coupon: Any, yld: Any, frequency: Any,
              basis: Any) -> float:
    """Macaulay duration in years: the coupons left, each at its time in periods from
    settlement (the first after DSC/E of a period), weighted by its present value."""
    s, m, c, f, b = _bond_args(ev, settlement, maturity, coupon, frequency, basis)
    y = _num(ev, yld)
    if y < 0:
        raise XlFail(V.NUM)
    pcd, ncd, n = coupons(s, m, f)
    shift = _to_next(s, pcd, ncd, f, b) / _period_days(pcd, ncd, f, b) - 1
    pay = c * 100 / f
    base = 1 + y / f
    times = [t + shift for t in range(1, n + 1)]
    flows = [pay] * (n - 1) + [pay + 100]
    weighted = sum(t * cf / base ** t for t, cf in zip(times, flows))
    value = sum(cf / base ** t for t, cf in zip(times, flows))
    return weighted / value / f


@fn("DURATION", "raw", 5, 6)
def _duration_fn(ev: Any, settlement: Any, maturity: Any, coupon: Any, yld: Any, frequency: Any,
                 basis: Any = None) -> Value:
    return _duration(ev, settlement, maturity, coupon, yld, frequency, basis)


@fn("MDURATION", "raw", 5, 6)
def _mduration(ev: Any, settlement: Any, maturity: Any, coupon: Any, yld: Any, frequency: Any,
               basis: Any = None) -> Value:
    d = _duration(ev, settlement, maturity, coupon, yld, frequency, basis)
    return d / (1 + _num(ev, yld) / _frequency(ev, frequency))


def _fraction(ev: Any, start: Any, end: Any, basis: Any) -> float:
    a, b = _span(ev, start, end)
    return year_fraction(a, b, _opt_basis(ev, basis))


def _positive(ev: Any, v: Any) -> float:
    x = _num(ev, v)
    if x <= 0:
        raise XlFail(V.NUM)
    return x


@fn("ACCRINTM", "raw", 3, 5)
def _accrintm(ev: Any, issue: Any, settlement: Any, rate: Any, par: Any = None, basis: Any = None) -> Value:
    r = _positive(ev, rate)
    p = 1000.0 if par is None or ev.deref(par) is None else _positive(ev, par)
    return p * r * _fraction(ev, issue, settlement, basis)


@fn("DISC", "raw", 4, 5)
def _disc(ev: Any, settlement: Any, maturity: Any, pr: Any, redemption: Any, basis: Any = None) -> Value:
    price, red = _positive(ev, pr), _positive(ev, redemption)
    return (1 - price / red) / _fraction(ev, settlement, maturity, basis)


@fn("INTRATE", "raw", 4, 5)
def _intrate(ev: Any, settlement: Any, maturity: Any, investment: Any, redemption: Any, basis: Any = None) -> Value:
    inv, red = _positive(ev, investment), _positive(ev, redemption)
    return (red / inv - 1) / _fraction(ev, settlement, maturity, basis)


@fn("RECEIVED", "raw", 4, 5)
def _received(ev: Any, settlement: Any, maturity: Any, investment: Any, discount: Any, basis: Any = None) -> Value:
    inv, d = _positive(ev, investment), _positive(ev, discount)
    left = 1 - d * _fraction(ev, settlement, maturity, basis)
    if left <= 0:
        raise XlFail(V.NUM)
    return inv / left


@fn("PRICEDISC", "raw", 4, 5)
def _pricedisc(ev: Any, settlement: Any, maturity: Any, discount: Any, redemption: Any, basis: Any = None) -> Value:
    d, red = _positive(ev, discount), _positive(ev, redemption)
    return red * (1 - d * _fraction(ev, settlement, maturity, basis))


@fn("YIELDDISC", "raw", 4, 5)
def _yielddisc(ev: Any, settlement: Any, maturity: Any, pr: Any, redemption: Any, basis: Any = None) -> Value:
    price, red = _positive(ev, pr), _positive(ev, redemption)
    return (red / price - 1) / _fraction(ev, settlement, maturity, basis)


def _at_maturity(ev: Any, settlement: Any, maturity: Any, issue: Any, basis: Any) -> tuple[float, float, float]:
    s, m = _span(ev, settlement, maturity)
    i = day_of(ev, issue)
    b = _opt_basis(ev, basis)
    if i > s:
        raise XlFail(V.NUM)
    return year_fraction(i, m, b), year_fraction(i, s, b), year_fraction(s, m, b)


@fn("PRICEMAT", "raw", 5, 6)
def _pricemat(ev: Any, settlement: Any, maturity: Any, issue: Any, rate: Any, yld: Any, basis: Any = None) -> Value:
    r, y = _num(ev, rate), _num(ev, yld)
    if r < 0 or y < 0:
        raise XlFail(V.NUM)
    im, is_, sm = _at_maturity(ev, settlement, maturity, issue, basis)
    return 100 * ((1 + im * r) / (1 + sm * y) - is_ * r)


@fn("YIELDMAT", "raw", 5, 6)
def _yieldmat(ev: Any, settlement: Any, maturity: Any, issue: Any, rate: Any, pr: Any, basis: Any = None) -> Value:
    r, price = _num(ev, rate), _positive(ev, pr)
    if r < 0:
        raise XlFail(V.NUM)
    im, is_, sm = _at_maturity(ev, settlement, maturity, issue, basis)
    return ((1 + im * r) / (price / 100 + is_ * r) - 1) / sm


def _bill_days(ev: Any, settlement: Any, maturity: Any) -> int:
    s, m = _span(ev, settlement, maturity)
    days = (m - s).days
    if days > 366 or (days == 366 and not _leap_span(s, m)):  # more than a year
        raise XlFail(V.NUM)
    return days


def _leap_span(s: dt.date, m: dt.date) -> bool:
    return any(calendar.isleap(y) and s <= dt.date(y, 2, 29) <= m for y in (s.year, m.year))


@fn("TBILLPRICE", "raw", 3, 3)
def _tbillprice(ev: Any, settlement: Any, maturity: Any, discount: Any) -> Value:
    d = _positive(ev, discount)
    price = 100 * (1 - d * _bill_days(ev, settlement, maturity) / 360)
    if price <= 0:
        raise XlFail(V.NUM)
    return price


@fn("TBILLYIELD", "raw", 3, 3)
def _tbillyield(ev: Any, settlement: Any, maturity: Any, pr: Any) -> Value:
    price = _positive(ev, pr)
    return (100 - price) / price * 360 / _bill_days(ev, settlement, maturity)


@fn("TBILLEQ", "raw", 3, 3)
def _tbilleq(ev: Any, settlement: Any, maturity: Any, discount: Any) -> Value:
    """The bond-equivalent yield of a bill: 365 x rate / (360 - rate x days), the formula of
    Microsoft's documentation (as LibreOffice), whatever the bill's length."""
    d = _positive(ev, discount)
    return 365 * d / (360 - d * _bill_days(ev, settlement, maturity))


# --- ACCRINT, and the French depreciation (AMORLINC, AMORDEGRC): dated, hence here -------------


def _shifted(anchor: dt.date, months: int) -> dt.date:
    """``anchor`` moved by ``months`` (either way), on the month's last day when ``anchor`` is."""
    return _coupon(anchor, -months)


@fn("ACCRINT", "raw", 6, 8)
def _accrint(ev: Any, issue: Any, first_interest: Any, settlement: Any, rate: Any, par: Any, frequency: Any,
             basis: Any = None, calc_method: Any = None) -> Value:
    """Interest accrued from ``issue`` to settlement: over each quasi-coupon period (dated from
    the first interest date by 12/frequency months) the days accrued in it over its days, times
    ``par * rate / frequency``. With ``calc_method`` FALSE and settlement past the first
    interest date, Microsoft's page ("from first_interest to settlement") and Excel are known
    to disagree, and no documented number settles it: ``#N/A``, not a guess."""
    i, first, s = day_of(ev, issue), day_of(ev, first_interest), day_of(ev, settlement)
    r, p = _positive(ev, rate), _positive(ev, par)
    f, b = _frequency(ev, frequency), _opt_basis(ev, basis)
    whole = True if calc_method is None or ev.deref(calc_method) is None else V.to_bool(ev.deref(calc_method))
    if i >= s:
        raise XlFail(V.NUM)
    if not whole and s > first:
        raise XlFail(V.NA)
    start = i
    step = 12 // f
    k = 0  # the quasi-coupon period [c(k-1), c(k)] holding start
    while _shifted(first, (k - 1) * step) > start:
        k -= 1
    while _shifted(first, k * step) <= start:
        k += 1
    total = 0.0
    while True:
        a, z = _shifted(first, (k - 1) * step), _shifted(first, k * step)
        if a >= s:
            break
        lo, hi = max(a, start), min(z, s)
        total += _days(lo, hi, b) / _period_days(a, z, f, b)
        k += 1
    return p * r / f * total


def _amor_args(ev: Any, cost: Any, purchased: Any, first_period: Any, salvage: Any, period: Any, rate: Any,
               basis: Any) -> tuple[float, float, float, int, float]:
    c, v, r = _num(ev, cost), _num(ev, salvage), _num(ev, rate)
    per = math.trunc(_num(ev, period))
    b = _opt_basis(ev, basis)
    a, z = day_of(ev, purchased), day_of(ev, first_period)
    if b == 2 or r <= 0 or c < 0 or v < 0 or v > c or per < 0 or a > z:  # basis 2 is none of theirs
        raise XlFail(V.NUM)
    return c, v, r, per, year_fraction(a, z, b)


@fn("AMORLINC", "raw", 6, 7)
def _amorlinc(ev: Any, cost: Any, purchased: Any, first_period: Any, salvage: Any, period: Any, rate: Any,
              basis: Any = None) -> Value:
    """Straight-line depreciation, the first period prorated by the fraction of a year to its end."""
    c, v, r, per, frac = _amor_args(ev, cost, purchased, first_period, salvage, period, rate, basis)
    full, first = c * r, frac * r * c
    n = math.trunc((c - v - first) / full)
    if per == 0:
        return first
    if per <= n:
        return full
    if per == n + 1:
        return c - v - full * n - first
    return 0.0


@fn("AMORDEGRC", "raw", 6, 7)
def _amordegrc(ev: Any, cost: Any, purchased: Any, first_period: Any, salvage: Any, period: Any, rate: Any,
               basis: Any = None) -> Value:
    """Declining balance at ``rate`` times the coefficient of the asset's life (1/rate: 1.5 for 3
    to 4 years, 2 for 5 to 6, 2.5 past 6), each period's amount rounded to a whole number; the
    period that would go below salvage and the next take half of what is left."""
    c, v, r, per, frac = _amor_args(ev, cost, purchased, first_period, salvage, period, rate, basis)
    life = 1 / r
    if any(lo < life < lo + 1 for lo in (0, 1, 2, 4)):  # the lives Excel has no coefficient for
        raise XlFail(V.NUM)
    coefficient = 1.0 if life < 3 else 1.5 if life < 5 else 2.0 if life <= 6 else 2.5
    r *= coefficient
    amount = _round_half_away(frac * r * c, 0)
    c -= amount
    rest = c - v
    for n in range(per):
        amount = _round_half_away(r * c, 0)
        rest -= amount
        if rest < 0:
            return _round_half_away(c * 0.5, 0) if per - n <= 1 else 0.0
        c -= amount
    return amount


# --- odd first and last periods (ODDFPRICE, ODDFYIELD, ODDLPRICE, ODDLYIELD) -------------------
# Microsoft's formulas: the odd period is cut into quasi-coupon periods (stepped by 12/frequency
# months from the first coupon back, or from the last interest date on); in each, DC is the
# days of the odd period in it, NL its normal length (basis 1: its actual days), A the days
# accrued before settlement, DSC the days from settlement on.


def _odd_common(ev: Any, rate: Any, frequency: Any, basis: Any, redemption: Any) -> tuple[float, int, int, float]:
    r = _num(ev, rate)
    red = _positive(ev, redemption)
    f, b = _frequency(ev, frequency), _opt_basis(ev, basis)
    if r < 0:
        raise XlFail(V.NUM)
    return r, f, b, red


def _oddf_terms(s: dt.date, m: dt.date, i: dt.date, first: dt.date, f: int, b: int) -> tuple[float, float, float, int]:
    """For an odd first period: the odd coupon in periods (sum of DC/NL), the accrued part (sum
    of A/NL), the periods from settlement to the first coupon, and the coupons after it."""
    step = 12 // f
    dc = acc = 0.0
    to_first = 0.0
    k = 0
    while True:  # quasi-coupon periods [q(k-1), q(k)] back from the first coupon, until past issue
        a, z = _shifted(first, (k - 1) * step), _shifted(first, k * step)
        nl = _period_days(a, z, f, b)
        lo = max(a, i)
        dc += _days(lo, z, b) / nl
        if s > lo:
            acc += _days(lo, min(s, z), b) / nl
        if s < z:
            to_first += 1.0 if s <= a else _days(s, z, b) / nl
        if a <= i:
            break
        k -= 1
    _pcd, _ncd, after = coupons(first, m, f)
    return dc, acc, to_first, after


def _oddf_price(s: dt.date, m: dt.date, i: dt.date, first: dt.date, r: float, y: float, red: float, f: int,
                b: int) -> float:
    dc, acc, t, n = _oddf_terms(s, m, i, first, f, b)
    c = 100 * r / f
    v = 1 + y / f
    price = red / v ** (n + t) + c * dc / v ** t
    price += math.fsum(c / v ** (k + t) for k in range(1, n + 1))
    return price - c * acc


def _oddf_dates(ev: Any, settlement: Any, maturity: Any, issue: Any, first_coupon: Any) -> tuple[dt.date, ...]:
    s, m, i, first = (day_of(ev, x) for x in (settlement, maturity, issue, first_coupon))
    if not m > first > s > i:
        raise XlFail(V.NUM)
    return s, m, i, first


@fn("ODDFPRICE", "raw", 8, 9)
def _oddfprice(ev: Any, settlement: Any, maturity: Any, issue: Any, first_coupon: Any, rate: Any, yld: Any,
               redemption: Any, frequency: Any, basis: Any = None) -> Value:
    s, m, i, first = _oddf_dates(ev, settlement, maturity, issue, first_coupon)
    r, f, b, red = _odd_common(ev, rate, frequency, basis, redemption)
    y = _num(ev, yld)
    if y < 0:
        raise XlFail(V.NUM)
    return _oddf_price(s, m, i, first, r, y, red, f, b)


def _solve_yield(price_at: Any, target: float) -> float:
    """The yield at which ``price_at`` gives ``target`` (prices fall as yields rise): bisection
    to a double's precision, ``#NUM!`` when no yield in 0..1000% gives the price."""
    lo, hi = -0.999, 10.0
    if not price_at(hi) <= target <= price_at(lo):
        raise XlFail(V.NUM)
    for _ in range(200):
        mid = (lo + hi) / 2
        if price_at(mid) > target:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-15:
            break
    return (lo + hi) / 2


@fn("ODDFYIELD", "raw", 8, 9)
def _oddfyield(ev: Any, settlement: Any, maturity: Any, issue: Any, first_coupon: Any, rate: Any, pr: Any,
               redemption: Any, frequency: Any, basis: Any = None) -> Value:
    s, m, i, first = _oddf_dates(ev, settlement, maturity, issue, first_coupon)
    r, f, b, red = _odd_common(ev, rate, frequency, basis, redemption)
    price = _positive(ev, pr)
    return _solve_yield(lambda y: _oddf_price(s, m, i, first, r, y, red, f, b), price)


def _oddl_terms(ev: Any, settlement: Any, maturity: Any, last_interest: Any, frequency: Any,
                basis: Any) -> tuple[float, float, float]:
    """For an odd last period: the sums of DC/NL, A/NL and DSC/NL over its quasi-coupon periods."""
    s, m, last = (day_of(ev, x) for x in (settlement, maturity, last_interest))
    if not m > s > last:
        raise XlFail(V.NUM)
    f, b = _frequency(ev, frequency), _opt_basis(ev, basis)
    step = 12 // f
    dc = acc = dsc = 0.0
    k = 1
    while True:
        a, z = _shifted(last, (k - 1) * step), _shifted(last, k * step)
        nl = _period_days(a, z, f, b)
        end = min(z, m)
        dc += _days(a, end, b) / nl
        if s > a:
            acc += _days(a, min(s, end), b) / nl
        if s < end:
            dsc += _days(max(s, a), end, b) / nl
        if z >= m:
            break
        k += 1
    return dc, acc, dsc


@fn("ODDLPRICE", "raw", 7, 8)
def _oddlprice(ev: Any, settlement: Any, maturity: Any, last_interest: Any, rate: Any, yld: Any, redemption: Any,
               frequency: Any, basis: Any = None) -> Value:
    r, f, _b, red = _odd_common(ev, rate, frequency, basis, redemption)
    y = _num(ev, yld)
    if y < 0:
        raise XlFail(V.NUM)
    dc, acc, dsc = _oddl_terms(ev, settlement, maturity, last_interest, frequency, basis)
    c = 100 * r / f
    return (red + dc * c) / (1 + dsc * y / f) - acc * c


@fn("ODDLYIELD", "raw", 7, 8)
def _oddlyield(ev: Any, settlement: Any, maturity: Any, last_interest: Any, rate: Any, pr: Any, redemption: Any,
               frequency: Any, basis: Any = None) -> Value:
    r, f, _b, red = _odd_common(ev, rate, frequency, basis, redemption)
    price = _positive(ev, pr)
    dc, acc, dsc = _oddl_terms(ev, settlement, maturity, last_interest, frequency, basis)
    c = 100 * r / f
    paid = price + acc * c
    return ((red + dc * c) - paid) / paid * f / dsc
