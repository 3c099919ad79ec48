"""GETPIVOTDATA(data_field, pivot_table, [field1, item1], ...): the value a pivot table shows
for a data field at the given items (:mod:`..pivots` reads where each table's rows and columns
are). ``pivot_table`` is any cell of the table (its page fields above it included); names of
fields, data fields ("Sum of Sales" or the source's "Sales") and items are matched ignoring
case, a date item by its serial. A data field, field or item the table does not show, a
combination it has no row or column for, or an empty cell there is ``#REF!``, as Excel.
"""

from __future__ import annotations

from typing import Any, Optional

from .. import values as V
from ..pivots import DATA_FIELD, Pivot
from ..ranges import Ref
from ..values import Err, Value, XlFail, parse_number, to_text
from .base import fn


def _find(ev: Any, where: Any) -> Pivot:
    if isinstance(where, Err):
        raise XlFail(where)
    if not isinstance(where, Ref):
        raise XlFail(V.REF)
    for p in getattr(ev.book, "pivots", ()):
        r1, c1, r2, c2 = p.area
        top = r1 - (p.page_rows + 1 if p.pages else 0)
        if p.sheet == where.sheet and top <= where.r1 <= r2 and c1 <= where.c1 <= c2:
            return p
    raise XlFail(V.REF)


def _text(ev: Any, v: Any) -> Value:
    x = ev.deref(v)
    if isinstance(x, Err):
        raise XlFail(x)
    return x


def _same_item(item: Value, want: Value) -> bool:
    if item is None:
        return False
    if isinstance(want, float):
        if isinstance(item, float):
            return item == want
        return parse_number(str(item)) == want if isinstance(item, str) else False
    w = to_text(want).strip().lower()
    if isinstance(item, float) and parse_number(w) == item:
        return True
    return to_text(item).strip().lower() == w


def _key(kind: str, items: tuple[int, ...], data: int, fields: list[int]) -> Optional[tuple[dict[int, int], Optional[int]]]:
    """The items a rendered row (or column) stands for, and its data field (None: not on this axis)."""
    on_axis = DATA_FIELD in fields
    if kind == "grand":
        return {}, (data if on_axis else None)
    if kind not in ("data", "default"):  # blank rows, and subtotals by a chosen function
        return None
    key: dict[int, int] = {}
    d: Optional[int] = data if on_axis else None
    for f, x in zip(fields, items):
        if f == DATA_FIELD:
            d = x
        else:
            key[f] = x
    return key, d


def _positions(axis: list[tuple[str, tuple[int, ...], int]], fields: list[int], want: dict[int, int],
               data: int) -> list[int]:
    out = []
    for n, (kind, items, d) in enumerate(axis or [("data", (), 0)]):  # no items written: one body row/column
        k = _key(kind, items, d, fields)
        if k is not None and k[0] == want and (k[1] is None or k[1] == data):
            out.append(n)
    return out


@fn("GETPIVOTDATA", "raw", 2)
def _getpivotdata(ev: Any, data_field: Any, pivot_table: Any, *pairs: Any) -> Value:
    if len(pairs) % 2:
        raise XlFail(V.REF)
    p = _find(ev, pivot_table)
    name = to_text(_text(ev, data_field)).strip().lower()
    data = next((i for i, (n, _) in enumerate(p.data_fields) if n.strip().lower() == name), None)
    if data is None:
        data = next((i for i, (_, f) in enumerate(p.data_fields)
                     if f < len(p.names) and p.names[f].strip().lower() == name), None)
    if data is None:
        raise XlFail(V.REF)
    rows: dict[int, int] = {}
    cols: dict[int, int] = {}
    for i in range(0, len(pairs), 2):
        fname = to_text(_text(ev, pairs[i])).strip().lower()
        f = next((k for k, n in enumerate(p.names) if n.strip().lower() == fname), None)
        if f is None:
            raise XlFail(V.REF)
        want = _text(ev, pairs[i + 1])
        x = next((k for k, item in enumerate(p.items[f]) if _same_item(item, want)), None)
        if x is None:
            raise XlFail(V.REF)
        if f in p.pages:
            if p.pages[f] != x:  # a page field shows its one item, or all of them together
                raise XlFail(V.REF)
        elif f in p.row_fields:
            rows[f] = x
        elif f in p.col_fields:
            cols[f] = x
        else:
            raise XlFail(V.REF)
    r1, c1 = p.area[0], p.area[1]
    for ri in _positions(p.row_items, p.row_fields, rows, data):
        for ci in _positions(p.col_items, p.col_fields, cols, data):
            v = ev.cell(p.sheet, r1 + p.first_data_row + ri, c1 + p.first_data_col + ci)
            if v is not None:
                return v  # type: ignore[no-any-return]
    raise XlFail(V.REF)
