"""Significance tests: T.TEST (TTEST), Z.TEST (ZTEST), F.TEST (FTEST), CHISQ.TEST (CHITEST).

Each returns a probability (p-value). Values are read like the aggregates' (numbers in ranges);
T.TEST pairs its two arrays for the paired test (type 1, arrays of different lengths ``#N/A``),
and uses the two samples' own sizes otherwise (type 2 pooled variance, type 3 Welch's test with
its fractional degrees of freedom). Too few values or no spread is ``#DIV/0!``.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np

from .. import values as V
from ..values import Value, XlFail, to_number
from .base import _numbers, fn, seqsum
from .descriptive import _variance
from .regression import pairs
from .special import beta_i, gamma_q


def _t_tail(t: float, df: float) -> float:
    """P(T > |t|) for Student's t with ``df`` degrees of freedom."""
    return 0.5 * beta_i(df / 2, 0.5, df / (df + t * t))


def _mean(x: np.ndarray) -> float:
    return seqsum(x) / x.size


@fn("T.TEST TTEST", "raw", 4, 4)
def _t_test(ev: Any, a: Any, b: Any, tails: Any, kind: Any) -> Value:
    k, n_tails = math.trunc(to_number(ev.deref(kind))), math.trunc(to_number(ev.deref(tails)))
    if k not in (1, 2, 3) or n_tails not in (1, 2):
        raise XlFail(V.NUM)
    if k == 1:
        x, y = pairs(ev, a, b)
        d = x - y
        if d.size < 2:
            raise XlFail(V.DIV0)
        s2 = _variance(d, sample=True)
        if s2 == 0:
            raise XlFail(V.DIV0)
        t, df = _mean(d) / math.sqrt(s2 / d.size), d.size - 1.0
    else:
        x, y = _numbers(ev, (a,)), _numbers(ev, (b,))
        if x.size < 2 or y.size < 2:
            raise XlFail(V.DIV0)
        v1, v2 = _variance(x, sample=True), _variance(y, sample=True)
        n1, n2 = x.size, y.size
        if k == 2:
            df = n1 + n2 - 2.0
            pooled = ((n1 - 1) * v1 + (n2 - 1) * v2) / df
            se = math.sqrt(pooled * (1 / n1 + 1 / n2))
        else:
            q1, q2 = v1 / n1, v2 / n2
            se = math.sqrt(q1 + q2)
            if se == 0:
                raise XlFail(V.DIV0)
            df = (q1 + q2) ** 2 / (q1 * q1 / (n1 - 1) + q2 * q2 / (n2 - 1))
        if se == 0:
            raise XlFail(V.DIV0)
        t = (_mean(x) - _mean(y)) / se
    return n_tails * _t_tail(t, df)


@fn("Z.TEST ZTEST", "raw", 2, 3)
def _z_test(ev: Any, a: Any, x: Any, sigma: Any = None) -> Value:
    values = _numbers(ev, (a,))
    if values.size < 1:
        raise XlFail(V.NA)
    s = math.sqrt(_variance(values, sample=True)) if sigma is None or ev.deref(sigma) is None \
        else to_number(ev.deref(sigma))
    if s <= 0:
        raise XlFail(V.DIV0)
    z = (_mean(values) - to_number(ev.deref(x))) / (s / math.sqrt(values.size))
    return 1 - NormalDist().cdf(z)


@fn("F.TEST FTEST", "raw", 2, 2)
def _f_test(ev: Any, a: Any, b: Any) -> Value:
    x, y = _numbers(ev, (a,)), _numbers(ev, (b,))
    if x.size < 2 or y.size < 2:
        raise XlFail(V.DIV0)
    v1, v2 = _variance(x, sample=True), _variance(y, sample=True)
    if v1 == 0 or v2 == 0:
        raise XlFail(V.DIV0)
    d1, d2 = x.size - 1.0, y.size - 1.0
    f = v1 / v2
    left = beta_i(d1 / 2, d2 / 2, d1 * f / (d1 * f + d2))
    return 2 * min(left, 1 - left)


@fn("CHISQ.TEST CHITEST", "raw", 2, 2)
def _chisq_test(ev: Any, actual: Any, expected: Any) -> Value:
    obs, exp = ev.array(actual), ev.array(expected)
    if obs.shape != exp.shape:
        raise XlFail(V.NA)
    o, e = pairs(ev, actual, expected)
    if (e <= 0).any():
        raise XlFail(V.DIV0 if (e == 0).any() else V.NUM)
    rows, cols = obs.shape
    df = (rows - 1) * (cols - 1) if rows > 1 and cols > 1 else max(rows, cols) - 1
    if df < 1:
        raise XlFail(V.NA)
    chi = seqsum((o - e) ** 2 / e)
    return gamma_q(df / 2, chi / 2)
