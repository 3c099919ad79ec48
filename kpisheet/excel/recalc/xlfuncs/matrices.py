"""Matrices and arrays of numbers: MMULT, MINVERSE, MDETERM, MUNIT, RANDARRAY.

Matrix arguments are ranges or arrays holding only numbers (anything else, an empty cell
included, is ``#VALUE!``); shapes that do not fit are ``#VALUE!``, a singular matrix ``#NUM!``.
numpy does the linear algebra (LU decomposition, as Excel's own).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .... import limits
from .. import values as V
from ..values import XlFail, to_bool, to_number
from .base import fn, numeric_matrix


def _cells(m: np.ndarray) -> np.ndarray:
    out = np.empty(m.shape, dtype=object)
    out.ravel()[:] = [float(x) for x in m.ravel()]
    return out


@fn("MMULT", "raw", 2, 2, array_args=True)
def _mmult(ev: Any, a: Any, b: Any) -> Any:
    x, y = numeric_matrix(ev, a), numeric_matrix(ev, b)
    if x.shape[1] != y.shape[0]:
        raise XlFail(V.VALUE)
    return _cells(x @ y)


def _square(ev: Any, a: Any) -> np.ndarray:
    m = numeric_matrix(ev, a)
    if m.shape[0] != m.shape[1]:
        raise XlFail(V.VALUE)
    return m


@fn("MINVERSE", "raw", 1, 1, array_args=True)
def _minverse(ev: Any, a: Any) -> Any:
    m = _square(ev, a)
    if np.linalg.matrix_rank(m) < m.shape[0]:
        raise XlFail(V.NUM)
    return _cells(np.linalg.inv(m))


@fn("MDETERM", "raw", 1, 1, array_args=True)
def _mdeterm(ev: Any, a: Any) -> Any:
    d = float(np.linalg.det(_square(ev, a)))
    return float(f"{d:.15g}")  # shown to Excel's 15 digits: LU's last-bit noise (88.00000000000003) dropped


@fn("MUNIT", "raw", 1, 1)
def _munit(ev: Any, n: Any) -> Any:
    k = math.trunc(to_number(ev.deref(n)))
    if k < 1:
        raise XlFail(V.VALUE)
    if limits.array_too_big(k, k):  # README#hostile-and-broken-input
        raise XlFail(V.NUM)
    return _cells(np.eye(k))


@fn("RANDARRAY", "raw", 0, 5)
def _randarray(ev: Any, rows: Any = None, cols: Any = None, low: Any = None, high: Any = None,
               whole: Any = None) -> Any:
    def arg(v: Any, default: float) -> float:
        x = None if v is None else ev.deref(v)
        return default if x is None else to_number(x)
    r, c = math.trunc(arg(rows, 1)), math.trunc(arg(cols, 1))
    lo, hi = arg(low, 0), arg(high, 1)
    integers = whole is not None and ev.deref(whole) is not None and to_bool(ev.deref(whole))
    if r < 1 or c < 1 or lo > hi:
        raise XlFail(V.VALUE)
    if limits.array_too_big(r, c):  # README#hostile-and-broken-input
        raise XlFail(V.NUM)
    rng = np.random.default_rng()
    if integers:
        a, b = math.ceil(lo), math.floor(hi)
        if a > b:
            raise XlFail(V.VALUE)
        drawn = rng.integers(a, b + 1, size=(r, c)).astype(float)
    else:
        drawn = lo + (hi - lo) * rng.random((r, c))
    return drawn.astype(object)
