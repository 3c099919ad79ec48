"""Finance and statistics functions finance workbooks lean on: PMT, PV, FV, NPV, IRR, XNPV,
XIRR, RANK, PERCENTILE, QUARTILE, SUBTOTAL (NETWORKDAYS and WORKDAY are in :mod:`.workdays`)."""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .. import values as V
from ..ranges import Ref
from ..values import Value, XlFail, to_number
from .base import FUNCTIONS, _numbers, elementwise, fn, seqsum


def _opt(ev: Any, v: Any, default: float) -> float:
    x = ev.deref(v) if v is not None else None
    return default if x is None else to_number(x)


def _annuity(rate: float, n: float) -> float:
    """(1 + rate) ** n, or ``#NUM!`` where it is 0 (a rate of -1: PMT, PV and FV divide by it),
    not finite, or not real (a fractional power of a negative number)."""
    try:
        g = (1 + rate) ** n
    except (ZeroDivisionError, OverflowError):
        raise XlFail(V.NUM) from None
    if isinstance(g, complex) or not math.isfinite(g) or g == 0:
        raise XlFail(V.NUM)
    return g


@fn("PMT", "raw", 3, 5)
@elementwise
def _pmt(ev: Any, rate: Any, nper: Any, pv: Any, fv: Any = None, kind: Any = None) -> Value:
    r, n, p = to_number(ev.deref(rate)), to_number(ev.deref(nper)), to_number(ev.deref(pv))
    return payment(r, n, p, _opt(ev, fv, 0.0), _opt(ev, kind, 0.0))


def payment(r: float, n: float, p: float, f: float = 0.0, t: float = 0.0) -> float:
    """PMT's rule: the payment each period (``t`` nonzero: at the start of the period)."""
    if n == 0:
        raise XlFail(V.NUM)
    if r == 0:
        return -(p + f) / n
    g = _annuity(r, n)
    return -(r * (p * g + f)) / ((1 + r * (1 if t else 0)) * (g - 1))


@fn("FV", "raw", 3, 5)
@elementwise
def _fv(ev: Any, rate: Any, nper: Any, pmt: Any, pv: Any = None, kind: Any = None) -> Value:
    r, n, m = to_number(ev.deref(rate)), to_number(ev.deref(nper)), to_number(ev.deref(pmt))
    return future_value(r, n, m, _opt(ev, pv, 0.0), _opt(ev, kind, 0.0))


def future_value(r: float, n: float, m: float, p: float = 0.0, t: float = 0.0) -> float:
    """FV's rule: the value after ``n`` periods of payment ``m`` on present value ``p``."""
    if r == 0:
        return -(p + m * n)
    g = _annuity(r, n)
    return -(p * g + m * (1 + r * (1 if t else 0)) * (g - 1) / r)


@fn("PV", "raw", 3, 5)
@elementwise
def _pv(ev: Any, rate: Any, nper: Any, pmt: Any, fv: Any = None, kind: Any = None) -> Value:
    r, n, m = to_number(ev.deref(rate)), to_number(ev.deref(nper)), to_number(ev.deref(pmt))
    f, t = _opt(ev, fv, 0.0), _opt(ev, kind, 0.0)
    if r == 0:
        return -(f + m * n)
    g = _annuity(r, n)
    return -(f + m * (1 + r * (1 if t else 0)) * (g - 1) / r) / g


@fn("NPV", "raw", 2)
def _npv(ev: Any, rate: Any, *flows: Any) -> Value:
    r = to_number(ev.deref(rate))
    if r == -1:
        raise XlFail(V.DIV0)
    values = _numbers(ev, flows)
    return seqsum(values / (1 + r) ** np.arange(1, values.size + 1))


def _solve(f: Callable[[float], float], df: Callable[[float], float], guess: float, steps: int = 100) -> float:
    """Newton's method from ``guess``, at most ``steps`` steps; no convergence is ``#NUM!``."""
    x = guess
    for _ in range(steps):
        y = f(x)
        d = df(x)
        if d == 0 or not math.isfinite(y) or not math.isfinite(d):
            break
        step = y / d
        x -= step
        if x <= -1:
            x = (x + step - 1) / 2  # stay where (1 + x) ** t is defined
        if abs(step) < 1e-12 * max(1.0, abs(x)):
            return x
    raise XlFail(V.NUM)


@fn("IRR", "raw", 1, 2)
def _irr(ev: Any, flows: Any, guess: Any = None) -> Value:
    v = _numbers(ev, (flows,))
    if not (v > 0).any() or not (v < 0).any():
        raise XlFail(V.NUM)
    t = np.arange(v.size)
    return _solve(lambda r: float((v / (1 + r) ** t).sum()),
                  lambda r: float((-t * v / (1 + r) ** (t + 1)).sum()), _opt(ev, guess, 0.1))


def _dated(ev: Any, flows: Any, dates: Any) -> tuple[np.ndarray, np.ndarray]:
    v = _numbers(ev, (flows,))
    d = np.floor(_numbers(ev, (dates,)))
    if v.size != d.size or not v.size:
        raise XlFail(V.NUM)
    if (d < d[0]).any():
        raise XlFail(V.NUM)
    return v, (d - d[0]) / 365.0


@fn("XNPV", "raw", 3, 3)
def _xnpv(ev: Any, rate: Any, flows: Any, dates: Any) -> Value:
    r = to_number(ev.deref(rate))
    v, t = _dated(ev, flows, dates)
    return seqsum(v / (1 + r) ** t)


@fn("XIRR", "raw", 2, 3)
def _xirr(ev: Any, flows: Any, dates: Any, guess: Any = None) -> Value:
    v, t = _dated(ev, flows, dates)
    if not (v > 0).any() or not (v < 0).any():
        raise XlFail(V.NUM)
    return _solve(lambda r: float((v / (1 + r) ** t).sum()),
                  lambda r: float((-t * v / (1 + r) ** (t + 1)).sum()), _opt(ev, guess, 0.1))


@fn("RANK RANK.EQ", "raw", 2, 3)
def _rank(ev: Any, x: Any, ref: Any, order: Any = None) -> Value:
    n = to_number(ev.deref(x))
    values = _numbers(ev, (ref,))
    if not (values == n).any():
        raise XlFail(V.NA)
    ascending = _opt(ev, order, 0.0) != 0
    return float((values < n).sum() + 1 if ascending else (values > n).sum() + 1)


def _percentile(values: np.ndarray, k: float) -> float:
    if not values.size or not 0 <= k <= 1:
        raise XlFail(V.NUM)
    s = np.sort(values)
    pos = k * (s.size - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, s.size - 1)
    return float(s[lo] + (pos - lo) * (s[hi] - s[lo]))


@fn("PERCENTILE PERCENTILE.INC", "raw", 2, 2)
def _percentile_fn(ev: Any, a: Any, k: Any) -> Value:
    return _percentile(_numbers(ev, (a,)), to_number(ev.deref(k)))


@fn("QUARTILE QUARTILE.INC", "raw", 2, 2)
def _quartile(ev: Any, a: Any, q: Any) -> Value:
    k = int(to_number(ev.deref(q)))
    if not 0 <= k <= 4:
        raise XlFail(V.NUM)
    return _percentile(_numbers(ev, (a,)), k / 4)


_SUBTOTAL = {1: "AVERAGE", 2: "COUNT", 3: "COUNTA", 4: "MAX", 5: "MIN", 6: "PRODUCT", 7: "STDEV", 8: "STDEV.P",
             9: "SUM", 10: "VAR", 11: "VAR.P"}


@fn("SUBTOTAL", "raw", 2)
def _subtotal(ev: Any, num: Any, *refs: Any) -> Value:
    """SUBTOTAL over its ranges, leaving out cells that are SUBTOTALs themselves (hidden rows
    are not known headlessly: 101-111 count them like 1-11)."""
    k = int(to_number(ev.deref(num)))
    name = _SUBTOTAL.get(k % 100 if k > 100 else k)
    if name is None or name not in FUNCTIONS:
        raise XlFail(V.VALUE)
    args: list[Any] = []
    for r in refs:
        if isinstance(r, Ref) and _has_subtotals(ev, r):
            arr = ev.array(r).copy()
            for i in range(arr.shape[0]):
                for j in range(arr.shape[1]):
                    idx = ev.cells.get((r.sheet, r.r1 + i, r.c1 + j))
                    if idx is not None and ev.book.formulas[idx].text.lstrip("=").upper().startswith("SUBTOTAL("):
                        arr[i, j] = None
            args.append(arr)
        else:
            args.append(r)
    return FUNCTIONS[name].impl(ev, *args)  # type: ignore[no-any-return]


def _has_subtotals(ev: Any, r: Ref) -> bool:
    return any(ev.book.formulas[i].text.upper().startswith("SUBTOTAL(")
               for i in ev.formulas_in(r.sheet, r.r1, r.c1, r.r2, r.c2))
