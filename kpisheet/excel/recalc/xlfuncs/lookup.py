"""Lookup and reference functions."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import values as V
from ..ranges import Areas, RangeData, Ref, lookup_key
from ..values import Err, Value, XlFail, to_bool, to_number, to_text
from .base import fn, lifting

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
    if mode < 0:
        return _descending(rd.flat, needle)
    return _approx(rd.flat, needle, True)


def _descending(items: np.ndarray, needle: Value) -> int:
    """MATCH(..., -1): Excel walks the (assumed descending) values from the start and stops at
    the first one smaller than the needle: the position before it (values of another type are
    stepped over). On unsorted data this is Excel's answer, not a binary search's."""
    from ..operators import compare
    best = -1
    for i, v in enumerate(items):
        if v is None or isinstance(v, Err) or (type(v) is not type(needle)):
            continue
        c = compare(v, needle)
        if c == 0:
            return i
        if c < 0:
            break
        best = i
    if best < 0:
        raise XlFail(V.NA)
    return best


def _approx(items: np.ndarray, needle: Value, ascending: bool) -> int:
    """Binary search as Excel does on (assumed) sorted data, skipping other types; where a probe
    finds the needle itself, the last of the equal values that follow it is the answer, without
    searching further (``MATCH(3,{5,4,3,2,1},1)`` is 3 on that unsorted data, as in Excel)."""
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
        if c == 0:
            while probe + 1 < len(items) and type(items[probe + 1]) is type(v) and compare(items[probe + 1], needle) == 0:
                probe += 1
            return probe
        if (c <= 0) if ascending else (c >= 0):
            best = probe
            lo = probe + 1
        else:
            hi = mid - 1
    if best < 0:
        raise XlFail(V.NA)
    return best


@fn("MATCH", "raw", 2, 3)
@lifting(0)
def _match(ev: Any, needle: Any, hay: Any, mode: Any = 1.0) -> Value:
    m = to_number(ev.deref(mode)) if mode is not None else 1.0
    return float(_match_pos(ev, ev.deref(needle), hay, m) + 1)


def _xsearch(ev: Any, needle: Value, hay: Any, mode: float, search: float) -> int:
    """0-based position for XMATCH and XLOOKUP. ``mode``: 0 exact, -1 exact or next smaller,
    1 exact or next larger, 2 wildcards; ``search``: 1 first to last, -1 last to first,
    2 binary search of ascending values, -2 of descending ones. Raises #N/A when nothing is found,
    #VALUE! for another mode or a lookup array of several rows and columns."""
    from ..operators import compare
    if isinstance(needle, Err):
        raise XlFail(needle)
    if mode not in (0, -1, 1, 2) or search not in (1, -1, 2, -2):
        raise XlFail(V.VALUE)
    arr = ev.array(hay)
    if arr.shape[0] != 1 and arr.shape[1] != 1:
        raise XlFail(V.VALUE)
    items = arr.ravel()
    if needle is None:
        needle = 0.0
    if mode == 2 and isinstance(needle, str):
        rx = _wild(needle)
        order = range(len(items)) if search != -1 else range(len(items) - 1, -1, -1)
        for i in order:
            v = items[i]
            if isinstance(v, str) and rx.fullmatch(v.lower()):
                return i
        raise XlFail(V.NA)

    def comparable(v: Value) -> bool:
        return v is not None and not isinstance(v, Err) and (type(v) is type(needle))
    if search in (2, -2):  # binary search, as Excel does on data it is told is sorted
        lo, hi, below, above = 0, len(items) - 1, -1, -1
        while lo <= hi:
            mid = (lo + hi) // 2
            v = items[mid]
            c = compare(v, needle) if comparable(v) else (-1 if search == 2 else 1)
            if isinstance(c, Err):
                c = -1
            if c == 0:
                return mid
            if (c < 0) == (search == 2):
                lo = mid + 1
            else:
                hi = mid - 1
            if c < 0:
                below = mid
            else:
                above = mid
        found = below if mode == -1 else above if mode == 1 else -1
        if found < 0:
            raise XlFail(V.NA)
        return found
    order = range(len(items)) if search == 1 else range(len(items) - 1, -1, -1)
    best = -1
    for i in order:
        v = items[i]
        if not comparable(v):
            continue
        c = compare(v, needle)
        if c == 0:
            return i
        if mode == -1 and c < 0 and (best < 0 or compare(v, items[best]) == 1):
            best = i
        elif mode == 1 and c > 0 and (best < 0 or compare(v, items[best]) == -1):
            best = i
    if best < 0:
        raise XlFail(V.NA)
    return best


def _wild(pattern: str) -> Any:
    from ..ranges import _wild_regex
    import re
    rx = _wild_regex(pattern.lower())
    return rx if rx is not None else re.compile(re.escape(pattern.lower()), re.S)


def _mode(ev: Any, v: Any, default: float) -> float:
    x = ev.deref(v) if v is not None else None
    return default if x is None else float(int(to_number(x)))


@fn("XMATCH", "raw", 2, 4)
@lifting(0)
def _xmatch(ev: Any, needle: Any, hay: Any, mode: Any = None, search: Any = None) -> Value:
    return float(_xsearch(ev, ev.deref(needle), hay, _mode(ev, mode, 0.0), _mode(ev, search, 1.0)) + 1)


def _table_values(ev: Any, a: Any) -> np.ndarray:
    return ev.array(a)  # type: ignore[no-any-return]


@fn("VLOOKUP", "raw", 3, 4)
@lifting(0)
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
@lifting(0)
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
@lifting(0)
def _xlookup(ev: Any, needle: Any, hay: Any, ret: Any, missing: Any = None, mode: Any = None,
             search: Any = None) -> Any:
    n = ev.deref(needle)
    try:
        i = _xsearch(ev, n, hay, _mode(ev, mode, 0.0), _mode(ev, search, 1.0))
    except XlFail as e:
        if e.err is V.NA and missing is not None:
            return missing
        raise
    by_row = (hay.height if isinstance(hay, Ref) else ev.array(hay).shape[0]) > 1
    if isinstance(ret, Ref):
        if by_row:
            if i >= ret.height:
                raise XlFail(V.VALUE)
            return Ref(ret.sheet, ret.r1 + i, ret.c1, ret.r1 + i, ret.c2)
        if i >= ret.width:
            raise XlFail(V.VALUE)
        return Ref(ret.sheet, ret.r1, ret.c1 + i, ret.r2, ret.c1 + i)
    arr = ev.array(ret)
    if (i >= arr.shape[0]) if by_row else (i >= arr.shape[1]):
        raise XlFail(V.VALUE)
    return arr[i:i + 1, :] if by_row else arr[:, i:i + 1]


@fn("LOOKUP", "raw", 2, 3)
def _lookup(ev: Any, needle: Any, hay: Any, ret: Any = None) -> Value:
    """LOOKUP's vector form (a one-row or one-column lookup vector, a result vector of any
    orientation) and array form (the first row of an array wider than tall, else the first
    column; the result from the last row or column). Values of another type and errors in the
    lookup vector are stepped over, so ``LOOKUP(2,1/(A1:A9<>""),A1:A9)`` is the last non-blank."""
    n = ev.deref(needle)
    if isinstance(n, Err):
        raise XlFail(n)
    arr = ev.array(hay)
    h, w = arr.shape
    if ret is None:
        vec, res = (arr[0, :], arr[-1, :]) if w > h else (arr[:, 0], arr[:, -1])
        return res[_approx(vec, n, True)]  # type: ignore[no-any-return]
    if h != 1 and w != 1:
        raise XlFail(V.NA)
    i = _approx(arr.ravel(), n, True)
    if isinstance(ret, Ref):  # a shorter result range reads on past its end, as Excel does
        if ret.height == 1 and ret.width > 1:
            return ev.cell(ret.sheet, ret.r1, ret.c1 + i)  # type: ignore[no-any-return]
        return ev.cell(ret.sheet, ret.r1 + i, ret.c1)  # type: ignore[no-any-return]
    res = ev.array(ret).ravel()
    if i >= len(res):
        raise XlFail(V.NA)
    return res[i]  # type: ignore[no-any-return]


@fn("INDEX", "raw", 2, 4, array_args=(0,))
def _index(ev: Any, a: Any, row: Any, col: Any = None, area: Any = None) -> Any:
    r = int(to_number(ev.deref(row))) if row is not None else 0
    c = int(to_number(ev.deref(col))) if col is not None else 0
    if r < 0 or c < 0:
        raise XlFail(V.VALUE)
    k = int(to_number(ev.deref(area))) if area is not None else 1
    if k < 1:
        raise XlFail(V.VALUE)
    if isinstance(a, Areas):  # INDEX((A1:B2,C3:D4),r,c,area_num)
        if k > len(a.refs):
            raise XlFail(V.REF)
        a = a.refs[k - 1]
    elif k != 1:  # one area: no second one to take
        raise XlFail(V.REF)
    if isinstance(a, Ref):
        h, w = a.height, a.width
        if col is None and h == 1:
            r, c = 1, r
        if r > h or c > w:
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


def _numbers_array(rows: list[list[float]]) -> np.ndarray:
    out = np.empty((len(rows), len(rows[0])), dtype=object)
    for i, row in enumerate(rows):
        for j, x in enumerate(row):
            out[i, j] = x
    return out


@fn("ROW", "raw", 0, 1)
def _row(ev: Any, ref: Any = None) -> Any:
    """The row number; of a range of several rows, where arguments are arrays, a column of them."""
    if ref is None:
        return float(ev.cur.row)
    if not isinstance(ref, Ref):
        raise XlFail(V.VALUE)
    if ref.height > 1 and ev.array_context:
        return _numbers_array([[float(r)] for r in range(ref.r1, ref.r2 + 1)])
    return float(ref.r1)


@fn("COLUMN", "raw", 0, 1)
def _column(ev: Any, ref: Any = None) -> Any:
    """The column number; of a range of several columns, where arguments are arrays, a row of them."""
    if ref is None:
        return float(ev.cur.col)
    if not isinstance(ref, Ref):
        raise XlFail(V.VALUE)
    if ref.width > 1 and ev.array_context:
        return _numbers_array([[float(c) for c in range(ref.c1, ref.c2 + 1)]])
    return float(ref.c1)


@fn("AREAS", "raw", 1, 1)
def _areas_count(ev: Any, a: Any) -> Value:
    if isinstance(a, Areas):
        return float(len(a.refs))
    if isinstance(a, Ref):
        return 1.0
    raise XlFail(V.VALUE)


@fn("ROWS", "raw", 1, 1)
def _rows(ev: Any, a: Any) -> Value:
    if isinstance(a, V.Err):
        return a  # ROWS(#REF!) is #REF!, not 1
    return float(a.height if isinstance(a, Ref) else ev.array(a).shape[0])


@fn("COLUMNS", "raw", 1, 1)
def _columns(ev: Any, a: Any) -> Value:
    if isinstance(a, V.Err):
        return a
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
    from ..ast import Name, Reference
    from ..parser import FormulaSyntaxError, parse
    t = to_text(ev.deref(text))
    try:
        node = parse(t)
    except FormulaSyntaxError:
        raise XlFail(V.REF) from None
    if isinstance(node, Name):
        named = ev.book.names.get((None, node.name.upper()))
        if named:
            node = parse(named)
    if not isinstance(node, Reference):
        raise XlFail(V.REF)
    si = ev.cur.sheet if node.sheet is None else ev.sheet_index(node.sheet)
    if si is None:
        raise XlFail(V.REF)
    return Ref(si, node.r1, node.c1, node.r2, node.c2)


@fn("ANCHORARRAY", "raw", 1, 1)
def _anchorarray(ev: Any, ref: Any) -> Any:
    if not isinstance(ref, Ref):
        raise XlFail(V.REF)
    ev.cell(ref.sheet, ref.r1, ref.c1)
    i = ev.cells.get((ref.sheet, ref.r1, ref.c1))
    if i is None:
        raise XlFail(V.REF)
    return Ref(ref.sheet, *ev.spilled_area(i))


@fn("SINGLE", "raw", 1, 1)
def _single(ev: Any, x: Any) -> Value:
    return ev.deref(x)  # type: ignore[no-any-return]


