"""AGGREGATE: one of 19 functions over ranges, optionally ignoring error values and nested
SUBTOTAL/AGGREGATE cells.

``function_num`` 1-13 take ranges (AVERAGE, COUNT, COUNTA, MAX, MIN, PRODUCT, STDEV.S, STDEV.P,
SUM, VAR.S, VAR.P, MEDIAN, MODE.SNGL); 14-19 take an array and ``k`` (LARGE, SMALL,
PERCENTILE.INC, QUARTILE.INC, PERCENTILE.EXC, QUARTILE.EXC; ``k`` missing is ``#VALUE!``).
``options``: 0-3 leave out cells that are SUBTOTAL or AGGREGATE formulas themselves; 2, 3, 6
and 7 leave out error values. Hidden rows are not known headlessly, so options that ignore
them count every row (as SUBTOTAL's 101-111 do).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import values as V
from ..ranges import Ref
from ..values import Err, Value, XlFail, to_number
from .base import FUNCTIONS, _check, fn

_FUNCTIONS = {1: "AVERAGE", 2: "COUNT", 3: "COUNTA", 4: "MAX", 5: "MIN", 6: "PRODUCT", 7: "STDEV.S",
              8: "STDEV.P", 9: "SUM", 10: "VAR.S", 11: "VAR.P", 12: "MEDIAN", 13: "MODE.SNGL", 14: "LARGE",
              15: "SMALL", 16: "PERCENTILE.INC", 17: "QUARTILE.INC", 18: "PERCENTILE.EXC", 19: "QUARTILE.EXC"}
_NESTED = ("SUBTOTAL(", "AGGREGATE(")


def _is_nested(ev: Any, sheet: int, row: int, col: int) -> bool:
    i = ev.cells.get((sheet, row, col))
    if i is None:
        return False
    text = ev.book.formulas[i].text.lstrip("=").upper().replace("_XLFN.", "")
    return text.startswith(_NESTED)


def _cleaned(ev: Any, a: Any, skip_errors: bool, skip_nested: bool) -> Any:
    if isinstance(a, Ref):
        arr = ev.array(a).copy()
        if skip_nested:
            for i, j in np.ndindex(arr.shape):
                if _is_nested(ev, a.sheet, a.r1 + i, a.c1 + j):
                    arr[i, j] = None
    elif isinstance(a, np.ndarray):
        arr = a.copy()
    else:
        return a
    if skip_errors:
        for idx, v in np.ndenumerate(arr):
            if isinstance(v, Err):
                arr[idx] = None
    return arr


@fn("AGGREGATE", "raw", 3)
def _aggregate(ev: Any, function_num: Any, options: Any, *refs: Any) -> Value:
    k = math.trunc(to_number(ev.deref(function_num)))
    opt = 0 if ev.deref(options) is None else math.trunc(to_number(ev.deref(options)))
    name = _FUNCTIONS.get(k)
    if name is None or not 0 <= opt <= 7:
        raise XlFail(V.VALUE)
    skip_errors, skip_nested = opt in (2, 3, 6, 7), opt <= 3
    if k >= 14:
        if len(refs) != 2:
            raise XlFail(V.VALUE)
        out = FUNCTIONS[name].impl(ev, _cleaned(ev, refs[0], skip_errors, skip_nested), refs[1])
    else:
        out = FUNCTIONS[name].impl(ev, *[_cleaned(ev, r, skip_errors, skip_nested) for r in refs])
    return _check(out) if isinstance(out, float) else out  # type: ignore[no-any-return]
