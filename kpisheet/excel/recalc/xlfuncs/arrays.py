"""Dynamic-array functions: SEQUENCE, TRANSPOSE, UNIQUE, SORT, FILTER."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import values as V
from ..cellguard import check_array
from ..ranges import lookup_key
from ..values import Err, Value, XlFail, to_bool, to_number
from .base import fn

# --- dynamic arrays ---------------------------------------------------------------------------


def _arr(ev: Any, a: Any) -> np.ndarray:
    out = ev.array(a)
    return out  # type: ignore[no-any-return]


@fn("SEQUENCE", "raw", 1, 4)
def _sequence(ev: Any, rows: Any, cols: Any = None, start: Any = None, step: Any = None) -> Any:
    r = int(to_number(ev.deref(rows)))
    c = int(to_number(ev.deref(cols))) if cols is not None else 1
    s = to_number(ev.deref(start)) if start is not None else 1.0
    k = to_number(ev.deref(step)) if step is not None else 1.0
    if r < 1 or c < 1:
        raise XlFail(V.CALC)
    check_array(r, c)  # SEQUENCE(1048576,16384): #NUM!, not 128 GiB
    out = np.empty((r, c), dtype=object)
    for i in range(r):
        for j in range(c):
            out[i, j] = s + (i * c + j) * k
    return out


@fn("TRANSPOSE", "raw", 1, 1, array_args=True)
def _transpose(ev: Any, a: Any) -> Any:
    return _arr(ev, a).T.copy()


@fn("UNIQUE", "raw", 1, 3, array_args=True)
def _unique(ev: Any, a: Any, by_col: Any = None, once: Any = None) -> Any:
    arr = _arr(ev, a)
    cols = by_col is not None and to_bool(ev.deref(by_col))
    exactly_once = once is not None and to_bool(ev.deref(once))
    items = arr.T if cols else arr
    keys = [tuple(lookup_key(v) for v in row) for row in items]
    counts: dict[Any, int] = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    seen: set[Any] = set()
    rows = []
    for k, row in zip(keys, items):
        if k in seen or (exactly_once and counts[k] > 1):
            continue
        seen.add(k)
        rows.append(row)
    if not rows:
        raise XlFail(V.CALC)
    out = np.array(rows, dtype=object)
    return out.T.copy() if cols else out


@fn("SORT", "raw", 1, 4, array_args=True)
def _sort(ev: Any, a: Any, index: Any = None, order: Any = None, by_col: Any = None) -> Any:
    from ..operators import compare
    import functools
    arr = _arr(ev, a)
    cols = by_col is not None and to_bool(ev.deref(by_col))
    items = arr.T if cols else arr
    k = int(to_number(ev.deref(index))) - 1 if index is not None else 0
    desc = order is not None and to_number(ev.deref(order)) < 0
    if not 0 <= k < items.shape[1]:
        raise XlFail(V.VALUE)

    def cmp(x: Any, y: Any) -> int:
        c = compare(x[k], y[k])
        return 0 if isinstance(c, Err) else int(c)
    rows = sorted(list(items), key=functools.cmp_to_key(cmp), reverse=desc)
    out = np.array(rows, dtype=object).reshape(items.shape)
    return out.T.copy() if cols else out


@fn("FILTER", "raw", 2, 3, array_args=True)
def _filter(ev: Any, a: Any, include: Any, if_empty: Any = None) -> Any:
    arr = _arr(ev, a)
    inc = _arr(ev, include)
    if inc.shape[1] == 1 and inc.shape[0] == arr.shape[0]:
        keep = [i for i in range(arr.shape[0]) if _truthy(inc[i, 0])]
        out = arr[keep, :]
    elif inc.shape[0] == 1 and inc.shape[1] == arr.shape[1]:
        keep = [j for j in range(arr.shape[1]) if _truthy(inc[0, j])]
        out = arr[:, keep]
    else:
        raise XlFail(V.VALUE)
    if out.size == 0:
        if if_empty is None:
            raise XlFail(V.CALC)
        return if_empty
    return out


def _truthy(v: Value) -> bool:
    if isinstance(v, Err):
        raise XlFail(v)
    if isinstance(v, str):
        raise XlFail(V.VALUE)
    return bool(v)
