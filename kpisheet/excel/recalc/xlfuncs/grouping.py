"""GROUPBY and PIVOTBY: summaries of ``values`` by the items of ``row_fields`` (and, for
PIVOTBY, of ``col_fields`` across), one implementation of reading the arguments, the automatic
headers, the filter, the grouping and the aggregation, shared by the two.

GROUPBY(row_fields, values, function, [field_headers], [total_depth], [sort_order],
[filter_array], [field_relationship]).

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

PIVOTBY(row_fields, col_fields, values, function, [field_headers], [row_total_depth],
[row_sort_order], [col_total_depth], [col_sort_order], [filter_array], [relative_to]).

Read here: one row-field column, one column-field column, one value column and one function;
headers 0, 1 and the automatic guess (GROUPBY's rule; with one field on each axis none are
shown); each axis's total 0, 1 or -1 (after or before its items, labelled ``Total``; automatic:
1); each axis sorted on its field (1 or -1, default ascending); a filter column; relative_to 0
(the default). The corner above the row items shows nothing (empty text: an empty value there
would be the anchor's 0). Refused with ``#VALUE!``, as GROUPBY
refuses what it does not lay out: several fields on an axis (subtotals), several value columns or
functions, shown or generated headers (2, 3), a sort on the values, another relative_to, and a
row item and column item with no value between them (Excel's rendering of an empty crossing is
not pinned by any example: a blank or a function of nothing would each be a guess).
"""

from __future__ import annotations

import functools
import math
from typing import Any, Optional

import numpy as np

from .. import values as V
from ..operators import compare
from ..ranges import Ref, lookup_key
from ..values import Err, Value, XlFail, to_number
from .lambdas import _callable, _one, call


def _opt_int(ev: Any, v: Any) -> Optional[int]:
    """An optional whole-number argument (truncated); None when omitted. Several values (a
    vector of sort columns, a range) are ``#VALUE!``: not read here, and never their first."""
    if v is None:
        return None
    if isinstance(v, Ref) and not v.is_cell:
        raise XlFail(V.VALUE)
    if isinstance(v, np.ndarray):
        if v.size != 1:
            raise XlFail(V.VALUE)
        v = v.flat[0]
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


def _headers(ev: Any, field_headers: Any, vals: np.ndarray, several_levels: bool) -> int:
    """field_headers read, the automatic guess resolved: headers when the first value is text and
    the second a number, shown (3) when there are several levels, else present (1)."""
    headers = _opt_int(ev, field_headers)
    if headers is None:
        guessed = vals.shape[0] > 1 and isinstance(vals[0, 0], str) and isinstance(vals[1, 0], float)
        headers = (3 if several_levels else 1) if guessed else 0
    return headers


def _kept_rows(ev: Any, filter_array: Any, n: int, headers: int) -> list[int]:
    """The data rows (0-based, headers excluded) the filter keeps: all without one; a filter
    given beside the headers too is read from its data rows. ``#CALC!`` when none is left."""
    rows = list(range(n))
    if filter_array is not None:
        flt = ev.array(filter_array)
        if flt.shape[1] != 1 or flt.shape[0] not in (n, n + (1 if headers else 0)):
            raise XlFail(V.VALUE)
        flt = flt[flt.shape[0] - n:]
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
    return rows


def _groups(keys: np.ndarray, rows: list[int]) -> tuple[dict[tuple[Any, ...], list[int]], dict[tuple[Any, ...], tuple[Value, ...]]]:
    """The rows of each item (a row of ``keys``, matched as lookups match: case ignored), in
    first-seen order, and the label each item shows. An error item is the result; a blank item's
    group and label are not laid out here (``#VALUE!``; TRIMRANGE drops blank rows)."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    shown: dict[tuple[Any, ...], tuple[Value, ...]] = {}
    for i in rows:
        for v in keys[i]:
            if isinstance(v, Err):
                raise XlFail(v)
            if v is None:
                raise XlFail(V.VALUE)
        k = tuple(lookup_key(v) for v in keys[i])
        groups.setdefault(k, []).append(i)
        shown.setdefault(k, tuple(keys[i]))
    return groups, shown


def _aggregate(ev: Any, f: Any, vals: np.ndarray, members: list[int], j: int) -> Value:
    """``f`` called on the values of column ``j`` at ``members`` (in that order), as a column."""
    col = np.empty((len(members), 1), dtype=object)
    col[:, 0] = [vals[i, j] for i in members]
    return _one(ev, call(ev, f, [col]))


def _by_labels(a: tuple[Value, ...], b: tuple[Value, ...]) -> int:
    for x, y in zip(a, b):
        c = _order(x, y)
        if c:
            return c
    return 0


def _groupby(ev: Any, row_fields: Any, values: Any, function: Any, field_headers: Any = None,
             total_depth: Any = None, sort_order: Any = None, filter_array: Any = None,
             field_relationship: Any = None) -> Any:
    keys = ev.array(row_fields)
    vals = ev.array(values)
    if keys.shape[0] != vals.shape[0] or keys.size == 0 or vals.size == 0:
        raise XlFail(V.VALUE)
    f = _callable(function, 1)
    levels = keys.shape[1]
    headers = _headers(ev, field_headers, vals, levels > 1)
    depth = _opt_int(ev, total_depth)
    sort = _opt_int(ev, sort_order)
    relation = _opt_int(ev, field_relationship)
    if relation not in (None, 0):
        raise XlFail(V.VALUE)
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
    rows = _kept_rows(ev, filter_array, keys.shape[0], headers)
    groups, shown = _groups(keys, rows)
    table = [(shown[k], [_aggregate(ev, f, vals, m, j) for j in range(vals.shape[1])]) for k, m in groups.items()]
    width = levels + vals.shape[1]
    if sort is None:
        def by_fields(a: Any, b: Any) -> int:
            return _by_labels(a[0], b[0])
        table.sort(key=functools.cmp_to_key(by_fields))
    else:
        col = abs(sort) - 1
        if sort == 0 or col >= width:
            raise XlFail(V.VALUE)
        pick = (lambda r: r[0][col]) if col < levels else (lambda r: r[1][col - levels])
        table.sort(key=functools.cmp_to_key(lambda a, b: _order(pick(a), pick(b))), reverse=sort < 0)
    out_rows: list[list[Value]] = [list(lbl) + agg for lbl, agg in table]
    if depth:
        everyone = sorted(i for m in groups.values() for i in m)
        total: list[Value] = ["Total"]
        total += [_aggregate(ev, f, vals, everyone, j) for j in range(vals.shape[1])]
        out_rows = out_rows + [total] if depth > 0 else [total] + out_rows
    if headers == 3:
        assert head_keys is not None and head_vals is not None
        out_rows.insert(0, list(head_keys) + list(head_vals))
    return _matrix(out_rows, width)


def _matrix(rows: list[list[Value]], width: int) -> np.ndarray:
    out = np.empty((len(rows), width), dtype=object)
    for i, r in enumerate(rows):
        out[i, :] = r
    return out


def _axis(groups: dict[tuple[Any, ...], list[int]], shown: dict[tuple[Any, ...], tuple[Value, ...]],
          sort: Optional[int]) -> list[tuple[Any, ...]]:
    """One PIVOTBY axis's items in the order shown: by their label, ascending unless ``sort`` is
    -1; any other sort (the values' columns, a vector) is refused."""
    if sort not in (None, 1, -1):
        raise XlFail(V.VALUE)
    def by_label(a: tuple[Any, ...], b: tuple[Any, ...]) -> int:
        return _by_labels(shown[a], shown[b])
    order = sorted(groups, key=functools.cmp_to_key(by_label))
    return order[::-1] if sort == -1 else order


def _pivotby(ev: Any, row_fields: Any, col_fields: Any, values: Any, function: Any, field_headers: Any = None,
             row_total_depth: Any = None, row_sort_order: Any = None, col_total_depth: Any = None,
             col_sort_order: Any = None, filter_array: Any = None, relative_to: Any = None) -> Any:
    rkeys, ckeys, vals = ev.array(row_fields), ev.array(col_fields), ev.array(values)
    n = vals.shape[0]
    if rkeys.shape[0] != n or ckeys.shape[0] != n or 0 in (rkeys.size, ckeys.size, vals.size):
        raise XlFail(V.VALUE)
    if rkeys.shape[1] != 1 or ckeys.shape[1] != 1 or vals.shape[1] != 1:  # subtotals, several aggregations
        raise XlFail(V.VALUE)
    f = _callable(function, 1)
    headers = _headers(ev, field_headers, vals, False)
    rdepth, cdepth = _opt_int(ev, row_total_depth), _opt_int(ev, col_total_depth)
    rsort, csort = _opt_int(ev, row_sort_order), _opt_int(ev, col_sort_order)
    rdepth, cdepth = (1 if rdepth is None else rdepth), (1 if cdepth is None else cdepth)
    if headers not in (0, 1) or rdepth not in (0, 1, -1) or cdepth not in (0, 1, -1):
        raise XlFail(V.VALUE)
    if _opt_int(ev, relative_to) not in (None, 0):
        raise XlFail(V.VALUE)
    if headers:
        rkeys, ckeys, vals = rkeys[1:], ckeys[1:], vals[1:]
    rows = _kept_rows(ev, filter_array, vals.shape[0], headers)
    rgroups, rshown = _groups(rkeys, rows)
    cgroups, cshown = _groups(ckeys, rows)
    rorder, corder = _axis(rgroups, rshown, rsort), _axis(cgroups, cshown, csort)
    in_col = {i: k for k, m in cgroups.items() for i in m}

    def cell(members: list[int]) -> Value:
        if not members:  # an empty crossing: not pinned, refused rather than guessed
            raise XlFail(V.VALUE)
        return _aggregate(ev, f, vals, members, 0)

    def line(members: list[int]) -> list[Value]:
        """One row of the body: its value under each column item, and its total."""
        by_col = [cell([i for i in members if in_col[i] == c]) for c in corder]
        if not cdepth:
            return by_col
        whole = cell(sorted(members))
        return by_col + [whole] if cdepth > 0 else [whole] + by_col

    total: list[Value] = ["Total"]
    heads: list[Value] = [cshown[c][0] for c in corder]
    if cdepth:
        heads = heads + total if cdepth > 0 else total + heads
    body: list[list[Value]] = [[rshown[r][0]] + line(rgroups[r]) for r in rorder]
    if rdepth:
        total_row = total + line(sorted(rows))
        body = body + [total_row] if rdepth > 0 else [total_row] + body
    return _matrix([[""] + heads] + body, 1 + len(heads))


from .base import fn  # noqa: E402

fn("GROUPBY", "raw", 3, 8, array_args=(0, 1, 6))(_groupby)
fn("PIVOTBY", "raw", 4, 11, array_args=(0, 1, 2, 9))(_pivotby)
