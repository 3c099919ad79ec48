"""Lookup and reference functions."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import values as V
from ..ranges import RangeData, Ref, lookup_key
from ..values import Err, Value, XlFail, to_bool, to_number, to_text
from .base import fn

# --- lookup and reference ---------------------------------------------------------------------


def _match_pos(ev: Any, needle: Value, hay: Any, mode: float) -> int:
    """0-based position of needle in a one-row or one-column range/array, or raise #N/A."""
    if isinstance(needle, Err):
        raise XlFail(needle)
    if isinstance(hay, Ref):
        rd = ev.data(hay)
    elif isinstance(hay, np.ndarray):
        rd = RangeData(hay)
    else:
        rd = RangeData(ev.array(hay))
    h, w = rd.shape
    if h != 1 and w != 1:
        raise XlFail(V.NA)
    if needle is None:
        needle = 0.0
    if mode == 0:
        if isinstance(needle, str) and any(ch in needle for ch in "*?~"):
            m = rd.mask("=" + needle)
            hits = np.flatnonzero(m)
            if hits.size:
                return int(hits[0])
            raise XlFail(V.NA)
        pos = rd.exact_index().get(lookup_key(needle))
        if pos is None:
            raise XlFail(V.NA)
        return pos
    return _approx(rd.flat, needle, mode > 0)


def _approx(items: np.ndarray, needle: Value, ascending: bool) -> int:
    """Binary search as Excel does on (assumed) sorted data, skipping other types."""
    from ..operators import compare
    lo, hi = 0, len(items) - 1
    best = -1
    while lo <= hi:
        mid = (lo + hi) // 2
        v = items[mid]
        # step over values of another type, as Excel's search does
        probe = mid
        while probe <= hi and (v is None or type(v) is not type(needle) and not (
                isinstance(v, float) and isinstance(needle, float))):
            probe += 1
            v = items[probe] if probe <= hi else None
        if probe > hi:
            hi = mid - 1
            continue
        c = compare(v, needle)
        if isinstance(c, Err):
            hi = mid - 1
            continue
        if (c <= 0) if ascending else (c >= 0):
            best = probe
            lo = probe + 1
        else:
            hi = mid - 1
    if best < 0:
        raise XlFail(V.NA)
    return best


@fn("MATCH", "raw", 2, 3)
def _match(ev: Any, needle: Any, hay: Any, mode: Any = 1.0) -> Value:
    m = to_number(ev.deref(mode)) if mode is not None else 1.0
    return float(_match_pos(ev, ev.deref(needle), hay, m) + 1)


@fn("XMATCH", "raw", 2, 4)
def _xmatch(ev: Any, needle: Any, hay: Any, mode: Any = 0.0, search: Any = 1.0) -> Value:
    m = to_number(ev.deref(mode)) if mode is not None else 0.0
    if m != 0:
        raise XlFail(V.VALUE)  # only exact matching is supported
    return float(_match_pos(ev, ev.deref(needle), hay, 0) + 1)


def _table_values(ev: Any, a: Any) -> np.ndarray:
    return ev.array(a)  # type: ignore[no-any-return]


@fn("VLOOKUP", "raw", 3, 4)
def _vlookup(ev: Any, needle: Any, table: Any, col: Any, approx: Any = True) -> Value:
    n = ev.deref(needle)
    c = int(to_number(ev.deref(col)))
    exact = approx is not None and not to_bool(ev.deref(approx)) if approx is not True else False
    if isinstance(table, Ref):
        first = Ref(table.sheet, table.r1, table.c1, table.r2, table.c1)
        if c < 1:
            raise XlFail(V.VALUE)
        if c > table.width:
            raise XlFail(V.REF)
        i = _match_pos(ev, n, first, 0 if exact else 1)
        return ev.cell(table.sheet, table.r1 + i, table.c1 + c - 1)  # type: ignore[no-any-return]
    arr = _table_values(ev, table)
    if c < 1:
        raise XlFail(V.VALUE)
    if c > arr.shape[1]:
        raise XlFail(V.REF)
    i = _match_pos(ev, n, arr[:, :1], 0 if exact else 1)
    return arr[i, c - 1]  # type: ignore[no-any-return]


@fn("HLOOKUP", "raw", 3, 4)
def _hlookup(ev: Any, needle: Any, table: Any, row: Any, approx: Any = True) -> Value:
    n = ev.deref(needle)
    r = int(to_number(ev.deref(row)))
    exact = approx is not None and not to_bool(ev.deref(approx)) if approx is not True else False
    arr = _table_values(ev, table)
    if r < 1:
        raise XlFail(V.VALUE)
    if r > arr.shape[0]:
        raise XlFail(V.REF)
    i = _match_pos(ev, n, arr[:1, :], 0 if exact else 1)
    return arr[r - 1, i]  # type: ignore[no-any-return]


@fn("XLOOKUP", "raw", 3, 6)
def _xlookup(ev: Any, needle: Any, hay: Any, ret: Any, missing: Any = None, mode: Any = 0.0,
             search: Any = 1.0) -> Any:
    n = ev.deref(needle)
    m = to_number(ev.deref(mode)) if mode is not None else 0.0
    try:
        if m == 0 or m == 2:
            i = _match_pos(ev, n, hay, 0)
        else:
            items = ev.array(hay).ravel()
            best = -1
            from ..operators import compare
            for k, v in enumerate(items):
                c = compare(v, n)
                if isinstance(c, Err) or v is None:
                    continue
                if c == 0:
                    best = k
                    break
                if m == -1 and c < 0 and (best < 0 or compare(v, items[best]) == 1):
                    best = k
                if m == 1 and c > 0 and (best < 0 or compare(v, items[best]) == -1):
                    best = k
            if best < 0:
                raise XlFail(V.NA)
            i = best
    except XlFail as e:
        if e.err is V.NA and missing is not None:
            return missing
        raise
    if isinstance(ret, Ref):
        if ret.height == 1 and (not isinstance(hay, Ref) or hay.height == 1):
            return Ref(ret.sheet, ret.r1, ret.c1 + i, ret.r2, ret.c1 + i)
        return Ref(ret.sheet, ret.r1 + i, ret.c1, ret.r1 + i, ret.c2)
    arr = ev.array(ret)
    return arr[i:i + 1, :] if arr.shape[0] > 1 else arr[:, i:i + 1]


@fn("LOOKUP", "raw", 2, 3)
def _lookup(ev: Any, needle: Any, hay: Any, ret: Any = None) -> Value:
    n = ev.deref(needle)
    arr = ev.array(hay)
    vec = arr[:, 0] if arr.shape[1] == 1 or arr.shape[0] > arr.shape[1] else arr[0, :]
    i = _approx(vec, n, True)
    if ret is None:
        res = arr[:, -1] if arr.shape[0] >= arr.shape[1] else arr[-1, :]
    else:
        res = ev.array(ret).ravel()
    if i >= len(res):
        raise XlFail(V.NA)
    return res[i]  # type: ignore[no-any-return]


@fn("INDEX", "raw", 2, 4)
def _index(ev: Any, a: Any, row: Any, col: Any = None, area: Any = None) -> Any:
    r = int(to_number(ev.deref(row))) if row is not None else 0
    c = int(to_number(ev.deref(col))) if col is not None else 0
    if isinstance(a, Ref):
        h, w = a.height, a.width
        if col is None and h == 1:
            r, c = 1, r
        if r < 0 or c < 0 or r > h or c > w:
            raise XlFail(V.REF)
        if r == 0 and c == 0:
            return a
        if r == 0:
            return Ref(a.sheet, a.r1, a.c1 + c - 1, a.r2, a.c1 + c - 1)
        if c == 0:
            if w == 1:
                return Ref(a.sheet, a.r1 + r - 1, a.c1, a.r1 + r - 1, a.c1)
            return Ref(a.sheet, a.r1 + r - 1, a.c1, a.r1 + r - 1, a.c2)
        return Ref(a.sheet, a.r1 + r - 1, a.c1 + c - 1, a.r1 + r - 1, a.c1 + c - 1)
    arr = ev.array(a)
    h, w = arr.shape
    if col is None and h == 1:
        r, c = 1, r
    if r < 0 or c < 0 or r > h or c > w:
        raise XlFail(V.REF)
    if r == 0 and c == 0:
        return arr
    if r == 0:
        return arr[:, c - 1:c]
    if c == 0:
        return arr[r - 1:r, :] if w > 1 else arr[r - 1, 0]
    return arr[r - 1, c - 1]


@fn("ROW", "raw", 0, 1)
def _row(ev: Any, ref: Any = None) -> Value:
    if ref is None:
        return float(ev.cur.row)
    if not isinstance(ref, Ref):
        raise XlFail(V.VALUE)
    return float(ref.r1)


@fn("COLUMN", "raw", 0, 1)
def _column(ev: Any, ref: Any = None) -> Value:
    if ref is None:
        return float(ev.cur.col)
    if not isinstance(ref, Ref):
        raise XlFail(V.VALUE)
    return float(ref.c1)


@fn("ROWS", "raw", 1, 1)
def _rows(ev: Any, a: Any) -> Value:
    return float(a.height if isinstance(a, Ref) else ev.array(a).shape[0])


@fn("COLUMNS", "raw", 1, 1)
def _columns(ev: Any, a: Any) -> Value:
    return float(a.width if isinstance(a, Ref) else ev.array(a).shape[1])


@fn("OFFSET", "raw", 3, 5)
def _offset(ev: Any, ref: Any, rows: Any, cols: Any, height: Any = None, width: Any = None) -> Any:
    if not isinstance(ref, Ref):
        raise XlFail(V.VALUE)
    dr, dc = int(to_number(ev.deref(rows))), int(to_number(ev.deref(cols)))
    h = int(to_number(ev.deref(height))) if height is not None else ref.height
    w = int(to_number(ev.deref(width))) if width is not None else ref.width
    if h < 1 or w < 1:
        raise XlFail(V.REF)
    r1, c1 = ref.r1 + dr, ref.c1 + dc
    if r1 < 1 or c1 < 1:
        raise XlFail(V.REF)
    return Ref(ref.sheet, r1, c1, r1 + h - 1, c1 + w - 1)


@fn("INDIRECT", "raw", 1, 2)
def _indirect(ev: Any, text: Any, a1style: Any = True) -> Any:
    from ..parser import FormulaSyntaxError, parse
    t = to_text(ev.deref(text))
    try:
        node = parse(t)
    except FormulaSyntaxError:
        raise XlFail(V.REF) from None
    if node[0] != "ref":
        if node[0] == "name":
            key = (None, node[2].upper())
            named = ev.book.names.get(key)
            if named:
                node = parse(named)
        if node[0] != "ref":
            raise XlFail(V.REF)
    _, sheet, r1, c1, r2, c2, _rel = node
    si = ev.cur.sheet if sheet is None else ev.sheet_index(sheet)
    if si is None:
        raise XlFail(V.REF)
    return Ref(si, r1, c1, r2, c2)


@fn("ANCHORARRAY", "raw", 1, 1)
def _anchorarray(ev: Any, ref: Any) -> Any:
    if not isinstance(ref, Ref):
        raise XlFail(V.REF)
    ev.cell(ref.sheet, ref.r1, ref.c1)
    i = ev.cells.get((ref.sheet, ref.r1, ref.c1))
    if i is None:
        raise XlFail(V.REF)
    f = ev.book.formulas[i]
    area = f.spill_area or f.area or (f.row, f.col, f.row, f.col)
    return Ref(ref.sheet, *area)


@fn("SINGLE", "raw", 1, 1)
def _single(ev: Any, x: Any) -> Value:
    return ev.deref(x)  # type: ignore[no-any-return]


