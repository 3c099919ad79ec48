"""Dynamic-array functions that reshape: TAKE, DROP, CHOOSEROWS, CHOOSECOLS, VSTACK, HSTACK,
TOCOL, TOROW, WRAPROWS, WRAPCOLS, EXPAND, SORTBY.

Arguments are ranges, arrays or single values (a 1x1 array). A count that leaves nothing
(``TAKE(a,0)``, ``DROP`` of every row) is ``#CALC!``; an index outside the array is
``#VALUE!``; stacking arrays of different sizes pads with ``#N/A``, as Excel. ``ignore``
(TOCOL/TOROW): 0 keep all, 1 skip blanks, 2 skip errors, 3 skip both.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Optional

import numpy as np

from .... import limits
from .. import values as V
from ..ranges import Ref
from ..values import Err, XlFail, to_number
from .base import fn



def _arr(ev: Any, a: Any) -> np.ndarray:
    out: np.ndarray = ev.array(a)
    return out


def _int(ev: Any, v: Any, default: Optional[int] = None) -> int:
    x = None if v is None else ev.deref(v)
    if x is None:
        if default is None:
            raise XlFail(V.VALUE)
        return default
    return math.trunc(to_number(x))


def _sized(shape: tuple[int, int]) -> None:
    if shape[0] < 1 or shape[1] < 1:
        raise XlFail(V.CALC)
    if shape[0] * shape[1] > limits.MAX_ARRAY_CELLS:  # README#hostile-and-broken-input: a larger array is #NUM!
        raise XlFail(V.NUM)


def _ends(n: int, count: int) -> slice:
    """The first ``n`` (or last ``-n``) of ``count`` items."""
    return slice(0, min(n, count)) if n >= 0 else slice(max(count + n, 0), count)


@fn("TAKE", "raw", 2, 3, array_args=True)
def _take(ev: Any, a: Any, rows: Any, cols: Any = None) -> Any:
    arr = _arr(ev, a)
    r = _int(ev, rows, arr.shape[0])
    c = _int(ev, cols, arr.shape[1])
    if r == 0 or c == 0:
        raise XlFail(V.CALC)
    out = arr[_ends(r, arr.shape[0]), _ends(c, arr.shape[1])]
    _sized(out.shape)
    return out.copy()


@fn("DROP", "raw", 2, 3, array_args=True)
def _drop(ev: Any, a: Any, rows: Any, cols: Any = None) -> Any:
    arr = _arr(ev, a)
    r, c = _int(ev, rows, 0), _int(ev, cols, 0)
    rs = slice(r, None) if r >= 0 else slice(0, arr.shape[0] + r)
    cs = slice(c, None) if c >= 0 else slice(0, arr.shape[1] + c)
    out = arr[rs, cs]
    _sized(out.shape)
    return out.copy()


def _choose(ev: Any, a: Any, picks: tuple[Any, ...], axis: int) -> np.ndarray:
    arr = _arr(ev, a)
    n = arr.shape[axis]
    idx: list[int] = []
    for p in picks:
        for v in _arr(ev, p).ravel() if isinstance(p, (Ref, np.ndarray)) else [ev.deref(p)]:
            k = math.trunc(to_number(v))
            if k == 0 or abs(k) > n:
                raise XlFail(V.VALUE)
            idx.append(k - 1 if k > 0 else n + k)
    return arr[idx, :] if axis == 0 else arr[:, idx]


@fn("CHOOSEROWS", "raw", 2, array_args=True)
def _chooserows(ev: Any, a: Any, *rows: Any) -> Any:
    return _choose(ev, a, rows, 0)


@fn("CHOOSECOLS", "raw", 2, array_args=True)
def _choosecols(ev: Any, a: Any, *cols: Any) -> Any:
    return _choose(ev, a, cols, 1)


def _stack(ev: Any, parts: tuple[Any, ...], vertical: bool) -> np.ndarray:
    arrays = [_arr(ev, p) for p in parts]
    across = max(x.shape[1 if vertical else 0] for x in arrays)
    along = sum(x.shape[0 if vertical else 1] for x in arrays)
    shape = (along, across) if vertical else (across, along)
    _sized(shape)
    out = np.full(shape, V.NA, dtype=object)
    at = 0
    for x in arrays:
        h, w = x.shape
        if vertical:
            out[at:at + h, :w] = x
            at += h
        else:
            out[:h, at:at + w] = x
            at += w
    return out


@fn("VSTACK", "raw", 1, array_args=True)
def _vstack(ev: Any, *parts: Any) -> Any:
    return _stack(ev, parts, vertical=True)


@fn("HSTACK", "raw", 1, array_args=True)
def _hstack(ev: Any, *parts: Any) -> Any:
    return _stack(ev, parts, vertical=False)


def _flatten(ev: Any, a: Any, ignore: Any, by_col: Any) -> list[Any]:
    arr = _arr(ev, a)
    mode = _int(ev, ignore, 0)
    if not 0 <= mode <= 3:
        raise XlFail(V.VALUE)
    cols = by_col is not None and ev.deref(by_col) is not None and to_number(ev.deref(by_col)) != 0
    items = list((arr.T if cols else arr).ravel())
    keep = [v for v in items if not ((mode & 1 and v is None) or (mode & 2 and isinstance(v, Err)))]
    if not keep:
        raise XlFail(V.CALC)
    return keep


@fn("TOCOL", "raw", 1, 3, array_args=True)
def _tocol(ev: Any, a: Any, ignore: Any = None, by_col: Any = None) -> Any:
    items = _flatten(ev, a, ignore, by_col)
    out = np.empty((len(items), 1), dtype=object)
    out[:, 0] = items
    return out


@fn("TOROW", "raw", 1, 3, array_args=True)
def _torow(ev: Any, a: Any, ignore: Any = None, by_col: Any = None) -> Any:
    items = _flatten(ev, a, ignore, by_col)
    out = np.empty((1, len(items)), dtype=object)
    out[0, :] = items
    return out


def _wrap(ev: Any, a: Any, count: Any, pad: Any, by_rows: bool) -> np.ndarray:
    arr = _arr(ev, a)
    if arr.shape[0] != 1 and arr.shape[1] != 1:
        raise XlFail(V.VALUE)
    items = list(arr.ravel())
    n = _int(ev, count)
    if n < 1:
        raise XlFail(V.NUM)
    filler = V.NA if pad is None else ev.deref(pad)
    lines = -(-len(items) // n)
    shape = (lines, n) if by_rows else (n, lines)
    _sized(shape)
    out = np.full(shape, filler, dtype=object)
    for i, v in enumerate(items):
        if by_rows:
            out[i // n, i % n] = v
        else:
            out[i % n, i // n] = v
    return out


@fn("WRAPROWS", "raw", 2, 3, array_args=True)
def _wraprows(ev: Any, a: Any, count: Any, pad: Any = None) -> Any:
    return _wrap(ev, a, count, pad, by_rows=True)


@fn("WRAPCOLS", "raw", 2, 3, array_args=True)
def _wrapcols(ev: Any, a: Any, count: Any, pad: Any = None) -> Any:
    return _wrap(ev, a, count, pad, by_rows=False)


@fn("EXPAND", "raw", 2, 4, array_args=True)
def _expand(ev: Any, a: Any, rows: Any, cols: Any = None, pad: Any = None) -> Any:
    arr = _arr(ev, a)
    r, c = _int(ev, rows, arr.shape[0]), _int(ev, cols, arr.shape[1])
    if r < arr.shape[0] or c < arr.shape[1]:
        raise XlFail(V.VALUE)
    _sized((r, c))
    out = np.full((r, c), V.NA if pad is None else ev.deref(pad), dtype=object)
    out[:arr.shape[0], :arr.shape[1]] = arr
    return out


@fn("SORTBY", "raw", 2, array_args=True)
def _sortby(ev: Any, a: Any, *keys: Any) -> Any:
    """Rows (or columns) of ``a`` ordered by one or more key arrays, each with an optional
    order (1 ascending, -1 descending); ties keep their order."""
    from ..operators import compare
    arr = _arr(ev, a)
    pairs: list[tuple[np.ndarray, int]] = []
    for i in range(0, len(keys), 2):
        key = _arr(ev, keys[i])
        order = _int(ev, keys[i + 1], 1) if i + 1 < len(keys) else 1
        if order not in (1, -1):
            raise XlFail(V.VALUE)
        pairs.append((key, order))
    by_col = pairs[0][0].shape[0] == 1 and pairs[0][0].shape[1] > 1
    n = arr.shape[1] if by_col else arr.shape[0]
    vectors = []
    for key, order in pairs:
        v = key.ravel()
        if v.size != n or (key.shape[0] != 1 and key.shape[1] != 1):
            raise XlFail(V.VALUE)
        vectors.append((v, order))

    def cmp(i: int, j: int) -> int:
        for v, order in vectors:
            c = compare(v[i], v[j])
            if isinstance(c, Err):
                continue
            if c:
                return int(c) * order
        return 0
    idx = sorted(range(n), key=functools.cmp_to_key(cmp))
    return (arr[:, idx] if by_col else arr[idx, :]).copy()
