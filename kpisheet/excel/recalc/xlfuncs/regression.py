"""Paired data and regression: CORREL, PEARSON, RSQ, COVAR, COVARIANCE.P/.S, SLOPE, INTERCEPT,
STEYX, FORECAST, FORECAST.LINEAR, SUMX2MY2, SUMX2PY2, SUMXMY2, and the least-squares
functions returning arrays (LINEST, LOGEST, TREND, GROWTH).

Pairs (:func:`pairs`): the two arguments must hold as many values (else ``#N/A``); a pair
counts only when both are numbers (text, logical values and empty cells drop the pair);
an error in either is the result. Too few pairs or no spread is ``#DIV/0!``.
The least-squares functions take y and x as ranges or arrays: one x column (or row) is a
simple regression, several are a multiple regression; an x whose columns are collinear is
``#NUM!`` (Excel would drop a column; recalc refuses rather than guess).
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from .. import values as V
from ..values import Err, Value, XlFail, to_bool, to_number
from .base import _flat, fn, numeric_matrix, seqsum


def pairs(ev: Any, ys: Any, xs: Any) -> tuple[np.ndarray, np.ndarray]:
    """The numeric pairs of two equally long arguments (see the module's rule)."""
    a, b = _flat(ev, ys), _flat(ev, xs)
    if len(a) != len(b):
        raise XlFail(V.NA)
    ya: list[float] = []
    xa: list[float] = []
    for y, x in zip(a, b):
        if isinstance(y, Err):
            raise XlFail(y)
        if isinstance(x, Err):
            raise XlFail(x)
        if isinstance(y, float) and isinstance(x, float):
            ya.append(y)
            xa.append(x)
    return np.array(ya, float), np.array(xa, float)


def _centred(ev: Any, ys: Any, xs: Any, least: int = 1) -> tuple[np.ndarray, np.ndarray]:
    y, x = pairs(ev, ys, xs)
    if y.size < least:
        raise XlFail(V.DIV0)
    return y - seqsum(y) / y.size, x - seqsum(x) / x.size


def _correlation(ev: Any, ys: Any, xs: Any) -> float:
    dy, dx = _centred(ev, ys, xs, 2)
    sxx, syy = seqsum(dx * dx), seqsum(dy * dy)
    if sxx == 0 or syy == 0:
        raise XlFail(V.DIV0)
    return seqsum(dx * dy) / math.sqrt(sxx * syy)


@fn("CORREL PEARSON", "raw", 2, 2)
def _correl(ev: Any, a: Any, b: Any) -> Value:
    return _correlation(ev, a, b)


@fn("RSQ", "raw", 2, 2)
def _rsq(ev: Any, ys: Any, xs: Any) -> Value:
    return _correlation(ev, ys, xs) ** 2


@fn("COVAR COVARIANCE.P", "raw", 2, 2)
def _covar(ev: Any, a: Any, b: Any) -> Value:
    da, db = _centred(ev, a, b)
    return seqsum(da * db) / da.size


@fn("COVARIANCE.S", "raw", 2, 2)
def _covariance_s(ev: Any, a: Any, b: Any) -> Value:
    da, db = _centred(ev, a, b, 2)
    return seqsum(da * db) / (da.size - 1)


def _line(ev: Any, ys: Any, xs: Any) -> tuple[float, float]:
    """Slope and intercept of the least-squares line through the pairs."""
    y, x = pairs(ev, ys, xs)
    if not y.size:
        raise XlFail(V.DIV0)
    my, mx = seqsum(y) / y.size, seqsum(x) / x.size
    dx = x - mx
    sxx = seqsum(dx * dx)
    if sxx == 0:
        raise XlFail(V.DIV0)
    slope = seqsum(dx * (y - my)) / sxx
    return slope, my - slope * mx


@fn("SLOPE", "raw", 2, 2)
def _slope(ev: Any, ys: Any, xs: Any) -> Value:
    return _line(ev, ys, xs)[0]


@fn("INTERCEPT", "raw", 2, 2)
def _intercept(ev: Any, ys: Any, xs: Any) -> Value:
    return _line(ev, ys, xs)[1]


@fn("FORECAST FORECAST.LINEAR", "raw", 3, 3)
def _forecast(ev: Any, x: Any, ys: Any, xs: Any) -> Value:
    at = to_number(ev.deref(x))
    slope, intercept = _line(ev, ys, xs)
    return intercept + slope * at


@fn("STEYX", "raw", 2, 2)
def _steyx(ev: Any, ys: Any, xs: Any) -> Value:
    dy, dx = _centred(ev, ys, xs, 3)
    sxx, syy, sxy = seqsum(dx * dx), seqsum(dy * dy), seqsum(dx * dy)
    if sxx == 0:
        raise XlFail(V.DIV0)
    return math.sqrt(max(syy - sxy * sxy / sxx, 0.0) / (dy.size - 2))


def _sum_pairs(ev: Any, a: Any, b: Any, kind: str) -> float:
    x, y = pairs(ev, a, b)
    if kind == "x2my2":
        return seqsum(x * x - y * y)
    if kind == "x2py2":
        return seqsum(x * x + y * y)
    return seqsum((x - y) ** 2)


@fn("SUMX2MY2", "raw", 2, 2)
def _sumx2my2(ev: Any, a: Any, b: Any) -> Value:
    return _sum_pairs(ev, a, b, "x2my2")


@fn("SUMX2PY2", "raw", 2, 2)
def _sumx2py2(ev: Any, a: Any, b: Any) -> Value:
    return _sum_pairs(ev, a, b, "x2py2")


@fn("SUMXMY2", "raw", 2, 2)
def _sumxmy2(ev: Any, a: Any, b: Any) -> Value:
    return _sum_pairs(ev, a, b, "xmy2")


# --- least squares returning arrays ------------------------------------------------------------


def _design(y: np.ndarray, x: Optional[np.ndarray]) -> tuple[np.ndarray, bool]:
    """The x values as one column per variable, and whether y runs along a row."""
    by_row = y.shape[0] == 1 and y.shape[1] > 1
    n = y.size
    if x is None:
        return np.arange(1, n + 1, dtype=float).reshape(n, 1), by_row
    if x.shape == y.shape:
        return x.reshape(n, 1), by_row
    if not by_row and x.shape[0] == n:
        return x, by_row
    if by_row and x.shape[1] == n:
        return x.T, by_row
    raise XlFail(V.REF)


def _fit(yv: np.ndarray, xm: np.ndarray, const: bool) -> tuple[np.ndarray, float]:
    """Least-squares coefficients (one per x column, then the constant) and residual sum."""
    n, k = xm.shape
    design = np.hstack([xm, np.ones((n, 1))]) if const else xm
    if n < design.shape[1] or np.linalg.matrix_rank(design) < design.shape[1]:
        raise XlFail(V.NUM)
    if k == 1:  # one variable: the same sums as SLOPE and INTERCEPT, so both agree to the last digit
        x = xm[:, 0]
        if const:
            mx, my = seqsum(x) / n, seqsum(yv) / n
            slope = seqsum((x - mx) * (yv - my)) / seqsum((x - mx) ** 2)
            coef = np.array([slope, my - slope * mx])
        else:
            coef = np.array([seqsum(x * yv) / seqsum(x * x)])
    else:
        coef = np.linalg.lstsq(design, yv, rcond=None)[0]
    resid = yv - design @ coef
    b = coef[:k]
    c = float(coef[k]) if const else 0.0
    return np.append(b, c), float(resid @ resid)  # numpy floats: callers hand out float() of them


def _const(ev: Any, v: Any) -> bool:
    if v is None:
        return True
    x = ev.deref(v)
    return True if x is None else to_bool(x)


def _linest(ev: Any, ys: Any, xs: Any, const: Any, stats: Any, log: bool) -> np.ndarray:
    y = numeric_matrix(ev, ys)
    if log:
        if (y <= 0).any():
            raise XlFail(V.NUM)
        y = np.log(y)
    xm, _ = _design(y, numeric_matrix(ev, xs) if xs is not None else None)
    yv = y.ravel()
    has_const = _const(ev, const)
    coef, ssresid = _fit(yv, xm, has_const)
    k = xm.shape[1]
    first = [float(c) for c in (*coef[:k][::-1], coef[k])]  # the slopes, last variable first, then b
    if log:
        first = [math.exp(c) for c in first]
    with_stats = stats is not None and ev.deref(stats) is not None and to_bool(ev.deref(stats))
    if not with_stats:
        out = np.empty((1, k + 1), dtype=object)
        out[0, :] = first
        return out
    n = yv.size
    df = n - k - (1 if has_const else 0)
    ymean = seqsum(yv) / n if has_const else 0.0
    sstotal = float(((yv - ymean) ** 2).sum())
    ssreg = sstotal - ssresid
    r2 = ssreg / sstotal if sstotal else 1.0
    sey = math.sqrt(ssresid / df) if df > 0 else V.NUM
    design = np.hstack([xm, np.ones((n, 1))]) if has_const else xm
    out = np.full((5, k + 1), V.NA, dtype=object)
    out[0, :] = first
    if df > 0:
        cov = np.linalg.inv(design.T @ design) * (ssresid / df)
        se = np.sqrt(np.maximum(np.diag(cov), 0.0))
        out[1, :k] = [float(v) for v in se[:k][::-1]]
        out[1, k] = float(se[k]) if has_const else V.NA
        out[3, 0] = (ssreg / k) / (ssresid / df) if ssresid else V.NUM
    else:
        out[1, :] = V.NUM
        out[3, 0] = V.NUM
    out[2, 0], out[2, 1] = r2, sey
    out[3, 1] = float(df)
    out[4, 0], out[4, 1] = ssreg, ssresid
    return out


@fn("LINEST", "raw", 1, 4)
def _linest_fn(ev: Any, ys: Any, xs: Any = None, const: Any = None, stats: Any = None) -> Any:
    return _linest(ev, ys, xs, const, stats, log=False)


@fn("LOGEST", "raw", 1, 4)
def _logest_fn(ev: Any, ys: Any, xs: Any = None, const: Any = None, stats: Any = None) -> Any:
    return _linest(ev, ys, xs, const, stats, log=True)


def _trend(ev: Any, ys: Any, xs: Any, new_xs: Any, const: Any, log: bool) -> np.ndarray:
    y = numeric_matrix(ev, ys)
    if log:
        if (y <= 0).any():
            raise XlFail(V.NUM)
        y = np.log(y)
    known = numeric_matrix(ev, xs) if xs is not None else None
    xm, by_row = _design(y, known)
    coef, _ = _fit(y.ravel(), xm, _const(ev, const))
    k = xm.shape[1]
    if new_xs is None:
        new = xm
        shape = y.shape
    else:
        raw = numeric_matrix(ev, new_xs)
        if k == 1:
            new, shape = raw.reshape(-1, 1), raw.shape
        elif by_row:
            new, shape = raw.T, (1, raw.shape[1])
        else:
            new, shape = raw, (raw.shape[0], 1)
        if new.shape[1] != k:
            raise XlFail(V.REF)
    fitted = new @ coef[:k] + coef[k]
    if log:
        fitted = np.exp(fitted)
    out = np.empty(shape, dtype=object)
    out.ravel()[:] = [float(v) for v in fitted]
    return out


@fn("TREND", "raw", 1, 4)
def _trend_fn(ev: Any, ys: Any, xs: Any = None, new_xs: Any = None, const: Any = None) -> Any:
    return _trend(ev, ys, xs, new_xs, const, log=False)


@fn("GROWTH", "raw", 1, 4)
def _growth_fn(ev: Any, ys: Any, xs: Any = None, new_xs: Any = None, const: Any = None) -> Any:
    return _trend(ev, ys, xs, new_xs, const, log=True)
