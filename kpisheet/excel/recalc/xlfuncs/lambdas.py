"""The functions that call a LAMBDA: BYROW, BYCOL, MAP, REDUCE, SCAN, MAKEARRAY, and ISOMITTED
inside one.

A LAMBDA is called with exactly as many arguments as it has parameters (else ``#VALUE!``, as
Excel); BYROW and BYCOL pass each row or column of a range as a reference to it (of an array,
as an array), MAP, REDUCE and SCAN each item as a value. Where Excel wants one value from each
call (BYROW, BYCOL, MAP, SCAN, MAKEARRAY) an array result is ``#CALC!``; REDUCE's accumulator
may be an array. A function named in a LAMBDA's place (``BYROW(r, SUM)``, written ``_xleta.SUM``)
is called with the same arguments; an argument that is neither is ``#VALUE!``.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Union

import numpy as np

from .... import limits
from .. import values as V
from ..compiler import Eta, Lambda
from ..ranges import Ref
from ..values import Err, Value, XlFail, to_number
from .base import FUNCTIONS, fn


def _callable(f: Any, arity: int) -> Union[Lambda, Eta]:
    if isinstance(f, Err):
        raise XlFail(f)
    if isinstance(f, Eta):
        fn_ = FUNCTIONS[f.name]
        if not fn_.min_args <= arity <= fn_.max_args:
            raise XlFail(V.VALUE)
        return f
    if not isinstance(f, Lambda):
        raise XlFail(V.VALUE)
    if len(f.slots) != arity:
        raise XlFail(V.VALUE)
    return f


def _call_eta(ev: Any, f: Eta, args: list[Any]) -> Any:
    """A function named as a LAMBDA, called as a formula would call it with these values."""
    fn_ = FUNCTIONS[f.name]
    try:
        if fn_.kind == "lazy":
            return fn_.impl(ev, *[(lambda v=v: v) for v in args])
        if fn_.kind == "raw":
            return fn_.impl(ev, *args)
        vals = [ev.deref(v) for v in args]
        for v in vals:  # a scalar function's first error argument is its result
            if isinstance(v, Err):
                return v
        return fn_.impl(*vals)
    except XlFail as e:
        return e.err


def call(ev: Any, f: Union[Lambda, Eta], args: list[Any]) -> Any:
    """``f`` called with ``args`` bound to its parameters for the time of the call, as the
    compiler's own ``LAMBDA(...)(...)`` call binds them (recursion keeps its own values)."""
    if isinstance(f, Eta):
        return _call_eta(ev, f, args)
    return ev.call_lambda(f, args)


def _one(ev: Any, v: Any) -> Value:
    """A call's result where Excel wants one value: an array of several is ``#CALC!``."""
    if isinstance(v, Ref):
        return ev.deref(v) if v.is_cell else V.CALC  # type: ignore[no-any-return]
    if isinstance(v, np.ndarray):
        return v.flat[0] if v.size == 1 else V.CALC  # type: ignore[no-any-return]
    if isinstance(v, (Lambda, Eta)):
        return V.CALC
    return ev.deref(v)  # type: ignore[no-any-return]


def _grid(ev: Any, a: Any) -> np.ndarray:
    if isinstance(a, Err):
        raise XlFail(a)
    return ev.array(a)  # type: ignore[no-any-return]


def _lines(ev: Any, a: Any, by_row: bool) -> list[Any]:
    """The rows (or columns) of ``a``: references to them when ``a`` is a range."""
    g = _grid(ev, a)
    h, w = g.shape
    if isinstance(a, Ref):
        if by_row:
            return [Ref(a.sheet, a.r1 + i, a.c1, a.r1 + i, a.c1 + w - 1) for i in range(h)]
        return [Ref(a.sheet, a.r1, a.c1 + j, a.r1 + h - 1, a.c1 + j) for j in range(w)]
    return [g[i:i + 1, :] for i in range(h)] if by_row else [g[:, j:j + 1] for j in range(w)]


@fn("BYROW", "raw", 2, 2)
def _byrow(ev: Any, array: Any, f: Any) -> Value:
    lam = _callable(f, 1)
    rows = _lines(ev, array, True)
    out = np.empty((len(rows), 1), dtype=object)
    for i, r in enumerate(rows):
        out[i, 0] = _one(ev, call(ev, lam, [r]))
    return out  # type: ignore[return-value]


@fn("BYCOL", "raw", 2, 2)
def _bycol(ev: Any, array: Any, f: Any) -> Value:
    lam = _callable(f, 1)
    cols = _lines(ev, array, False)
    out = np.empty((1, len(cols)), dtype=object)
    for j, c in enumerate(cols):
        out[0, j] = _one(ev, call(ev, lam, [c]))
    return out  # type: ignore[return-value]


@fn("MAP", "raw", 2)
def _map(ev: Any, *args: Any) -> Value:
    lam = _callable(args[-1], len(args) - 1)
    grids = [_grid(ev, a) for a in args[:-1]]
    h = max(g.shape[0] for g in grids)
    w = max(g.shape[1] for g in grids)
    out = np.empty((h, w), dtype=object)
    for i in range(h):
        for j in range(w):
            items = []
            for g in grids:  # a single row or column (or one value) is repeated, as Excel broadcasts
                gi = 0 if g.shape[0] == 1 else i
                gj = 0 if g.shape[1] == 1 else j
                items.append(g[gi, gj] if gi < g.shape[0] and gj < g.shape[1] else V.NA)
            out[i, j] = _one(ev, call(ev, lam, items))
    return out  # type: ignore[return-value]


def _fold(ev: Any, initial: Any, array: Any, f: Any, step: Callable[[Any], None]) -> Any:
    lam = _callable(f, 2)
    acc = None if initial is None else initial
    if isinstance(acc, Ref):
        acc = ev.deref(acc) if acc.is_cell else ev.array(acc)
    for v in _grid(ev, array).flat:
        acc = call(ev, lam, [acc, v])
        if isinstance(acc, Ref):
            acc = ev.deref(acc) if acc.is_cell else ev.array(acc)
        step(acc)
    return acc


@fn("REDUCE", "raw", 3, 3)
def _reduce(ev: Any, initial: Any, array: Any, f: Any) -> Value:
    return _fold(ev, initial, array, f, lambda acc: None)  # type: ignore[no-any-return]


@fn("SCAN", "raw", 3, 3)
def _scan(ev: Any, initial: Any, array: Any, f: Any) -> Value:
    g = _grid(ev, array)
    seen: list[Value] = []
    _fold(ev, initial, array, f, lambda acc: seen.append(_one(ev, acc)))
    out = np.empty(g.shape, dtype=object)
    out.flat[:] = seen
    return out  # type: ignore[return-value]


@fn("MAKEARRAY", "raw", 3, 3)
def _makearray(ev: Any, rows: Any, cols: Any, f: Any) -> Value:
    lam = _callable(f, 2)
    r, c = (math.trunc(to_number(ev.deref(x))) for x in (rows, cols))
    if r < 1 or c < 1:
        raise XlFail(V.VALUE)
    if limits.array_too_big(r, c):
        raise XlFail(V.NUM)
    out = np.empty((r, c), dtype=object)
    for i in range(r):
        for j in range(c):
            out[i, j] = _one(ev, call(ev, lam, [float(i + 1), float(j + 1)]))
    return out  # type: ignore[return-value]


@fn("ISOMITTED", "raw", 1, 1)
def _isomitted(ev: Any, v: Any) -> Value:
    """TRUE for a LAMBDA parameter whose argument was left empty (``f(1,)``)."""
    return v is None
