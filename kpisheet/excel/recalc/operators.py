"""Excel's operators on scalars, and applying them over arrays (with Excel's broadcasting)."""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ... import xlrules
from ...limits import MAX_TEXT
from . import values as V
from .cellguard import check_array
from .values import Err, Value, XlFail


def map_array(a: np.ndarray, fn: Callable[[Value], Value]) -> np.ndarray:
    out = np.empty(a.shape, dtype=object)
    for idx, v in np.ndenumerate(a):
        out[idx] = fn(v)
    return out


def broadcast(fn: Callable[[Value, Value], Value], a: Any, b: Any) -> np.ndarray:
    A = a if isinstance(a, np.ndarray) else None
    B = b if isinstance(b, np.ndarray) else None
    ha, wa = A.shape if A is not None else (1, 1)
    hb, wb = B.shape if B is not None else (1, 1)
    h = max(ha, hb)
    w = max(wa, wb)
    check_array(h, w)
    out = np.empty((h, w), dtype=object)
    for i in range(h):
        for j in range(w):
            if A is not None:
                if (ha > 1 and i >= ha) or (wa > 1 and j >= wa):
                    out[i, j] = V.NA
                    continue
                x = A[i if ha > 1 else 0, j if wa > 1 else 0]
            else:
                x = a
            if B is not None:
                if (hb > 1 and i >= hb) or (wb > 1 and j >= wb):
                    out[i, j] = V.NA
                    continue
                y = B[i if hb > 1 else 0, j if wb > 1 else 0]
            else:
                y = b
            out[i, j] = fn(x, y)
    return out


def broadcast_n(fn: Callable[..., Value], args: list[Any]) -> np.ndarray:
    shapes = [a.shape for a in args if isinstance(a, np.ndarray)]
    h = max(s[0] for s in shapes)
    w = max(s[1] for s in shapes)
    check_array(h, w)
    out = np.empty((h, w), dtype=object)
    for i in range(h):
        for j in range(w):
            vals = []
            bad = False
            for a in args:
                if isinstance(a, np.ndarray):
                    ah, aw = a.shape
                    if (ah > 1 and i >= ah) or (aw > 1 and j >= aw):
                        bad = True
                        break
                    vals.append(a[i if ah > 1 else 0, j if aw > 1 else 0])
                else:
                    vals.append(a)
            if bad:
                out[i, j] = V.NA
                continue
            try:
                out[i, j] = fn(*vals)
            except XlFail as e:
                out[i, j] = e.err
    return out


def first_error_wins(fn: Callable[..., Value]) -> Callable[..., Value]:
    """A scalar function as Excel calls it: the first error among its arguments, left to right,
    is the result, before the function runs (``FIND(#N/A, #DIV/0!)`` is ``#N/A``)."""
    def call(*args: Value) -> Value:
        for a in args:
            if isinstance(a, Err):
                return a
        return fn(*args)
    return call


# --- operators on scalars ---------------------------------------------------------------

def _arith(op: str) -> Callable[[Value, Value], Value]:
    def f(a: Value, b: Value) -> Value:
        try:
            x = V.to_number(a)
            y = V.to_number(b)
        except XlFail as e:
            return e.err
        if op == "+":
            r = x + y
        elif op == "-":
            r = x - y
        elif op == "*":
            r = x * y
        elif op == "/":
            if y == 0:
                return V.DIV0
            r = x / y
        else:
            if x == 0 and y == 0:
                return V.NUM
            if x == 0 and y < 0:
                return V.DIV0
            try:
                r = x ** y
            except (OverflowError, ZeroDivisionError):
                return V.NUM
            if isinstance(r, complex):
                return V.NUM
        if math.isinf(r) or math.isnan(r):
            return V.NUM
        return r
    return f


def _concat(a: Value, b: Value) -> Value:
    try:
        left, right = V.to_text(a), V.to_text(b)
    except XlFail as e:
        return e.err
    if len(left) + len(right) > MAX_TEXT:  # Excel: a text longer than 32,767 characters is #VALUE!
        return V.VALUE
    return left + right


def compare(a: Value, b: Value) -> Any:
    """-1, 0, 1 as Excel orders values (:func:`kpisheet.xlrules.compare`: numbers < text <
    logicals, text ignoring case, empty as 0, "" or FALSE), or the first error of the two."""
    if isinstance(a, Err):
        return a
    if isinstance(b, Err):
        return b
    return xlrules.compare(a, b)


def _cmp(op: str) -> Callable[[Value, Value], Value]:
    def f(a: Value, b: Value) -> Value:
        c = compare(a, b)
        if isinstance(c, Err):
            return c
        return {"=": c == 0, "<>": c != 0, "<": c < 0, ">": c > 0, "<=": c <= 0, ">=": c >= 0}[op]
    return f


OPERATORS: dict[str, Callable[[Value, Value], Value]] = {
    **{op: _arith(op) for op in "+-*/^"}, "&": _concat,
    **{op: _cmp(op) for op in ("=", "<>", "<", ">", "<=", ">=")}}
