"""GROUPBY(row_fields, values, function, [field_headers], [total_depth], [sort_order],
[filter_array], [field_relationship]): a summary of ``values`` by the items of ``row_fields``.

Read here: one or more row-field columns (a hierarchy, sorted column by column), one or more
value columns, one function (a LAMBDA or a function named in its place, ``SUM``) called on each
group's values of each column as a column array; headers 0 (none), 1 (present, not shown), 3
(present and shown) and the automatic guess (the first value text and the second a number:
headers, shown when there are several row fields); totals 0, 1 and -1 (a grand total row
labelled ``Total``, at the bottom or the top, under one row field; automatic: 1); a sort on one
row-field or value column (negative: descending; default the row fields ascending); a filter
column. What is not read (subtotals, totals under several row fields, a blank row-field item,
several functions, generated headers 2, a vector of sort columns, field_relationship 1) is
``#VALUE!``, never a different layout.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Optional

import numpy as np

from .. import values as V
from ..operators import compare
from ..ranges import lookup_key
from ..values import Err, Value, XlFail, to_number
from .lambdas import _callable, _one, call


def _opt_int(ev: Any, v: Any) -> Optional[int]:
    if v is None:
        return None
    x = ev.deref(v)
    if x is None:
        return None
    if isinstance(x, Err):
        raise XlFail(x)
    return math.trunc(to_number(x))


def _order(a: Value, b: Value) -> int:
    if a is None or b is None:  # blanks sort last
        return (a is None) - (b is None)
    c = compare(a, b)
    return 0 if isinstance(c, Err) else int(c)


def _groupby(ev: Any, row_fields: Any, values: Any, function: Any, field_headers: Any = None,
             total_depth: Any = None, sort_order: Any = None, filter_array: Any = None,
             field_relationship: Any = None) -> Any:
    keys = ev.array(row_fields)
    vals = ev.array(values)
    if keys.shape[0] != vals.shape[0] or keys.size == 0 or vals.size == 0:
        raise XlFail(V.VALUE)
    f = _callable(function, 1)
    headers = _opt_int(ev, field_headers)
    depth = _opt_int(ev, total_depth)
    sort = _opt_int(ev, sort_order)
    relation = _opt_int(ev, field_relationship)
    levels = keys.shape[1]
    if relation not in (None, 0):
        raise XlFail(V.VALUE)
    if headers is None:  # automatic: headers when the first value is text and the second a number
        guessed = vals.shape[0] > 1 and isinstance(vals[0, 0], str) and isinstance(vals[1, 0], float)
        headers = (3 if levels > 1 else 1) if guessed else 0
    if headers not in (0, 1, 3):
        raise XlFail(V.VALUE)
    if depth is None:
        depth = 1 if levels == 1 else 2  # several row fields: subtotals, refused below
    if depth not in (0, 1, -1) or (depth and levels > 1):  # a total row's empty label cells: not laid out here
        raise XlFail(V.VALUE)
    head_keys: Optional[np.ndarray] = keys[0] if headers else None
    head_vals: Optional[np.ndarray] = vals[0] if headers else None
    if headers:
        keys, vals = keys[1:], vals[1:]
    rows = list(range(keys.shape[0]))
    if filter_array is not None:
        flt = ev.array(filter_array)
        if flt.shape[1] != 1 or flt.shape[0] not in (keys.shape[0], keys.shape[0] + (1 if headers else 0)):
            raise XlFail(V.VALUE)
        flt = flt[flt.shape[0] - keys.shape[0]:]  # a filter given beside the headers too: its data rows
        kept = []
        for i in rows:
            v = flt[i, 0]
            if isinstance(v, Err):
                raise XlFail(v)
            if isinstance(v, str):
                raise XlFail(V.VALUE)
            if v:
                kept.append(i)
        rows = kept
    if not rows:
        raise XlFail(V.CALC)
    groups: dict[tuple[Any, ...], list[int]] = {}
    shown: dict[tuple[Any, ...], tuple[Value, ...]] = {}
    for i in rows:
        for v in keys[i]:
            if isinstance(v, Err):
                raise XlFail(v)
            if v is None:  # a blank item's group and label: not laid out here (TRIMRANGE drops blank rows)
                raise XlFail(V.VALUE)
        k = tuple(lookup_key(v) for v in keys[i])
        groups.setdefault(k, []).append(i)
        shown.setdefault(k, tuple(keys[i]))

    def aggregate(members: list[int], j: int) -> Value:
        col = np.empty((len(members), 1), dtype=object)
        col[:, 0] = [vals[i, j] for i in members]
        return _one(ev, call(ev, f, [col]))

    table = [(shown[k], [aggregate(m, j) for j in range(vals.shape[1])]) for k, m in groups.items()]
    width = levels + vals.shape[1]
    if sort is None:
        def by_fields(a: Any, b: Any) -> int:
            for x, y in zip(a[0], b[0]):
                c = _order(x, y)
                if c:
                    return c
            return 0
        table.sort(key=functools.cmp_to_key(by_fields))
    else:
        col = abs(sort) - 1
        if sort == 0 or col >= width:
            raise XlFail(V.VALUE)
        pick = (lambda r: r[0][col]) if col < levels else (lambda r: r[1][col - levels])
        table.sort(key=functools.cmp_to_key(lambda a, b: _order(pick(a), pick(b))), reverse=sort < 0)
    out_rows: list[list[Value]] = [list(lbl) + agg for lbl, agg in table]
    if depth:
        everyone = [i for m in groups.values() for i in sorted(m)]
        total: list[Value] = ["Total"]
        total += [aggregate(sorted(everyone), j) for j in range(vals.shape[1])]
        out_rows = out_rows + [total] if depth > 0 else [total] + out_rows
    if headers == 3:
        assert head_keys is not None and head_vals is not None
        out_rows.insert(0, list(head_keys) + list(head_vals))
    out = np.empty((len(out_rows), width), dtype=object)
    for i, r in enumerate(out_rows):
        out[i, :] = r
    return out


from .base import fn  # noqa: E402

fn("GROUPBY", "raw", 3, 8, array_args=(0, 1, 6))(_groupby)
