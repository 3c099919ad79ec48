"""Measures: rows aggregated into a grid of periods × accounts, in one pass.

``sum`` and ``count`` are a ``np.bincount`` over (period, account) keys;
``average`` is their ratio; ``median``, ``min``, ``max`` and ``count_distinct``
are one pandas groupby. Spans longer than a period (rolling, ytd, qtd) use
prefix sums over days for the additive measures and, for the others, each row
repeated once for every span that holds it.

No data is not zero (README#real-questions): a span wholly before the first or wholly after
the last date of the source (``data_span``) is ``#N/A`` whatever the measure;
with ``when_empty="na"`` (README#real-questions) so is every cell without rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .. import periods
from ..xlerrors import XlError
from .axis import Axis, Family
from .grid import Grid

ADDITIVE = ("sum", "count", "average")


@dataclass(frozen=True)
class Rows:
    """The rows one measure aggregates, filtered, as parallel arrays."""

    days: np.ndarray  # int64 day ordinals (rows without a date are already dropped)
    accounts: np.ndarray  # int64 column of the row's account, 1..A; 0 = no account
    values: np.ndarray | None  # float64 for sum/average/...; int64 codes for count_distinct; None for count()
    per_account: bool  # False: the source has no account column, every account sees the total
    # _prefix's rows sorted by segment, for the last span edges asked (ytd and rolling of one
    # KPI have the same edges at a grain: the sort is shared). Not part of the value.
    by_segment: dict[bytes, Any] = field(default_factory=dict, compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.days)


def measure(func: str, rows: Rows, axis: Axis, family: Family, n_accounts: int,
            data_span: tuple[int, int] | None = None, when_empty: str = "zero") -> Grid:
    """The measure for every row of the axis (spans of ``family``) and every account.

    ``data_span`` is the first and last day of the source's dated rows (None: no dated
    row at all); spans wholly outside it are ``#N/A``. ``when_empty`` ``"na"`` makes cells
    without rows ``#N/A`` instead of 0.
    """
    if data_span is None:
        return Grid.error(XlError.NA, (axis.size, n_accounts + 1))
    # On a window (issue 12), spans are those of its whole axis, and the window's rows a slice of them
    whole = axis.whole_axis()
    first, last = whole.spans(family)
    # Rows lie inside the data's span, so a span clipped to it holds the same rows; clipping also
    # keeps a window of a thousand years from costing a thousand years of days (README#hostile-and-broken-input).
    clipped = (np.clip(first, data_span[0], data_span[1] + 1), np.clip(last, data_span[0] - 1, data_span[1]))
    rows_of = slice(axis.lo - whole.lo, axis.lo - whole.lo + axis.size)
    first, last = first[rows_of], last[rows_of]
    outside = (last < data_span[0]) | (first > data_span[1])
    spans = _Spans(clipped, rows_of)
    grid = _measure(func, rows, axis, family, n_accounts, spans)
    mask = np.repeat(outside[:, None], grid.shape[1], axis=1)
    if when_empty == "na":
        counted = rows if rows.values is None else _valued(rows, func)
        counts = _measure("count", Rows(counted.days, counted.accounts, None, counted.per_account),
                          axis, family, n_accounts, spans)
        mask |= counts.val == 0
    return grid.with_error(mask, XlError.NA) if mask.any() else grid


def _valued(rows: Rows, func: str) -> Rows:
    """The rows whose value is not blank (a code of -1 for ``count_distinct``)."""
    assert rows.values is not None
    keep = rows.values >= 0 if func == "count_distinct" else ~np.isnan(rows.values)
    return Rows(rows.days[keep], rows.accounts[keep], rows.values[keep], rows.per_account)


@dataclass(frozen=True)
class _Spans:
    """First and last day of each row of the whole axis, clipped to the data; ``rows`` the
    slice of them that the grid's axis holds (all of them unless it is a window)."""

    whole: tuple[np.ndarray, np.ndarray]
    rows: slice

    @property
    def own(self) -> tuple[np.ndarray, np.ndarray]:
        return self.whole[0][self.rows], self.whole[1][self.rows]


def _measure(func: str, rows: Rows, axis: Axis, family: Family, n_accounts: int, spans: _Spans) -> Grid:
    """The aggregate over each row's span (``spans``: first and last day, clipped to the data)."""
    a1 = n_accounts + 1
    if rows.values is not None and func != "count_distinct":
        keep = ~np.isnan(rows.values)  # blank cells are ignored, as Excel's SUM/AVERAGE do
        if not keep.all():
            rows = Rows(rows.days[keep], rows.accounts[keep], rows.values[keep], rows.per_account)
    if rows.values is not None and func == "count_distinct":
        keep = rows.values >= 0
        if not keep.all():
            rows = Rows(rows.days[keep], rows.accounts[keep], rows.values[keep], rows.per_account)
    if family.is_period:
        q = periods.ordinals_of_days(rows.days, axis.grain, axis.calendar) - axis.lo
        inside = (q >= 0) & (q < axis.size)
        if inside.all():  # the axis holds every row (not a window): no copies
            grid = _aggregate(func, q, rows.accounts, rows.values, axis.size, a1)
        else:
            grid = _aggregate(func, q[inside], rows.accounts[inside],
                              None if rows.values is None else rows.values[inside], axis.size, a1)
    elif func in ADDITIVE:
        grid = _prefix(func, rows, spans, a1)
    else:
        grid = _exploded(func, rows, spans.own, axis.size, a1)
    if not rows.per_account:
        grid = Grid(np.repeat(grid.val[:, :1], a1, axis=1), np.repeat(grid.err[:, :1], a1, axis=1))
    return grid


def _aggregate(func: str, q: np.ndarray, acct: np.ndarray, vals: np.ndarray | None, p: int, a1: int) -> Grid:
    """Rows of periods ``q`` (0..p-1) and grid columns ``acct`` aggregated into a p × a1 grid;
    column 0 is always taken over the periods alone, so a grid of that one column (``a1`` 1:
    all accounts together only) holds the very numbers of column 0 of a wide one."""
    if func in ADDITIVE and a1 == 1:
        weights = vals if func != "count" else None
        total = np.bincount(q, weights=weights, minlength=p).astype(np.float64)[:, None]
        if func == "average":
            return _ratio(total, np.bincount(q, minlength=p).astype(np.float64)[:, None])
        return Grid.of(total)
    if func in ADDITIVE:
        weights = vals if func != "count" else None
        total = np.bincount(q * a1 + acct, weights=weights, minlength=p * a1).reshape(p, a1).astype(np.float64)
        total[:, 0] = np.bincount(q, weights=weights, minlength=p)
        if func == "average":
            count = np.bincount(q * a1 + acct, minlength=p * a1).reshape(p, a1).astype(np.float64)
            count[:, 0] = np.bincount(q, minlength=p)
            return _ratio(total, count)
        return Grid.of(total)
    assert vals is not None
    flat = np.full(p * a1, np.nan)
    frame = pd.DataFrame({"k": q * a1 + acct, "q": q, "v": vals})
    how = "nunique" if func == "count_distinct" else func
    by_key = frame.groupby("k", sort=False)["v"].agg(how)
    flat[by_key.index.to_numpy()] = by_key.to_numpy()
    grid = flat.reshape(p, a1)
    by_period = frame.groupby("q", sort=False)["v"].agg(how)
    grid[:, 0] = np.nan
    grid[by_period.index.to_numpy(), 0] = by_period.to_numpy()
    if func == "count_distinct":
        return Grid.of(np.nan_to_num(grid))
    return Grid.of(np.nan_to_num(grid, nan=0.0), np.where(np.isnan(grid), np.int8(XlError.NA), np.int8(0)))


def _ratio(total: np.ndarray, count: np.ndarray) -> Grid:
    with np.errstate(all="ignore"):
        val = total / count
    return Grid.of(np.where(count == 0, 0.0, val), np.where(count == 0, np.int8(XlError.NA), np.int8(0)))


def _prefix(func: str, rows: Rows, spans: _Spans, a1: int) -> Grid:
    """Additive measures over spans: prefix sums over days, differenced at span ends.

    Each day's rows are summed per account in doubles, in the rows' order, and the days are
    added up in long doubles, one after the other; a span's sum is the difference of two of
    those prefix sums. The days are the segments (:func:`_by_segment`), not the stretches
    between span edges: a month summed in doubles before the long-double sum carried some
    2,400 rounding steps into ``ytd``/``rolling`` (16626869.740000024 where the rows' exact sum
    is 16626869.74), a day a few dozen, which the long-double sum then keeps below the last
    digit of the result. An empty span is written ``first == last + 1``, as :func:`measure`
    clips them.

    The prefix sums run from the start of the whole axis's spans even when the grid is a window
    of it, so that a window's numbers are the whole axis's to the last digit (the sums are
    rounded the same way). They are taken a block of days at a time, keeping only the prefix
    rows the grid's spans end at: memory is a block × accounts, not days × accounts (730 days
    × 20,000 accounts of long doubles were 233 MB).
    """
    first, last = spans.whole
    edges = np.arange(first.min(), last.max() + 2) if len(first) else np.zeros(0, dtype=np.int64)
    seg, acct, vals = _by_segment(rows, edges)
    own_first, own_last = spans.own
    start, stop = np.searchsorted(edges, own_first), np.searchsorted(edges, own_last + 1)
    needed, back = np.unique(np.concatenate([start, stop]), return_inverse=True)  # prefix rows to keep
    k = len(start)

    def spans_of(weights: np.ndarray | None, kind: str) -> np.ndarray:
        kept = _prefix_rows(rows, edges, (seg, acct, weights), kind, needed, a1)
        return (kept[back[k:]] - kept[back[:k]]).astype(np.float64)

    if func == "count":
        return Grid.of(spans_of(None, "count"))
    total = spans_of(vals, "sum")
    if func == "sum":
        return Grid.of(total)
    return _ratio(total, spans_of(None, "count"))


def _prefix_rows(rows: Rows, edges: np.ndarray, by_segment: tuple[np.ndarray, np.ndarray, np.ndarray | None],
                 kind: str, needed: np.ndarray, a1: int) -> npt.NDArray[np.longdouble]:
    """Prefix rows ``needed`` (sorted; row i sums segments < i) of the rows' sums (``kind`` "sum",
    by their values) or counts, long doubles × accounts, taken a block of segments at a time.

    A prefix row is the same whatever rows are kept (each block's cumulative sum runs over
    the same segments in the same order), so where every prefix row of the edges fits in one
    block they are all made once, kept beside the sorted rows, and read for each measure
    over the same edges (ytd and rolling of one KPI)."""
    seg, acct, weights = by_segment
    n_all = len(edges) - 1  # segments between the edges
    cache = rows.by_segment.get(edges.tobytes())
    whole = cache is not None and (n_all + 1) * a1 <= _BLOCK_CELLS
    if whole:
        assert cache is not None
        found = cache[3].get(kind)
        if found is None:
            found = cache[3][kind] = _prefix_blocks(seg, acct, weights, np.arange(n_all + 1), a1)
        return found[needed]  # type: ignore[no-any-return]
    return _prefix_blocks(seg, acct, weights, needed, a1)


def _prefix_blocks(seg: np.ndarray, acct: np.ndarray, weights: np.ndarray | None, needed: np.ndarray,
                   a1: int) -> npt.NDArray[np.longdouble]:
    """Prefix rows ``needed`` of :func:`_prefix_rows`, a block of segments at a time: memory is a
    block × accounts, not segments × accounts (730 days × 20,000 accounts of long doubles were
    233 MB)."""
    n_seg = int(needed[-1]) if len(needed) else 0  # segments the kept prefix rows sum
    block = max(1, _BLOCK_CELLS // a1)
    kept = np.zeros((len(needed), a1), dtype=np.longdouble)  # prefix row needed[i]: segments < it
    running = np.zeros(a1, dtype=np.longdouble)
    at = int(np.searchsorted(needed, 0, side="right"))  # prefix row 0 is zero
    for b0 in range(0, n_seg, block):
        b1 = min(b0 + block, n_seg)
        r0, r1 = np.searchsorted(seg, [b0, b1])
        s = seg[r0:r1] - b0
        w = None if weights is None else weights[r0:r1]
        if a1 == 1:  # all accounts together only: column 0 as below, alone
            per_seg = np.bincount(s, weights=w, minlength=b1 - b0).astype(np.longdouble)[:, None]
        else:
            wide = np.bincount(s * a1 + acct[r0:r1], weights=w, minlength=(b1 - b0) * a1)
            per_seg = wide.reshape(b1 - b0, a1).astype(np.longdouble)
            per_seg[:, 0] = np.bincount(s, weights=w, minlength=b1 - b0)
        per_seg[0] += running  # the sum carried in first, as one cumulative sum would add it
        np.cumsum(per_seg, axis=0, out=per_seg)  # row j: prefix row b0 + j + 1
        stop_at = int(np.searchsorted(needed, b1, side="right"))
        kept[at:stop_at] = per_seg[needed[at:stop_at] - b0 - 1]
        at = stop_at
        running = per_seg[-1].copy()
    return kept


def _by_segment(rows: Rows, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The rows inside the edges' segments, sorted by segment (stably: within one, rows keep
    their order, and so their sums): segments, accounts, values. Kept on ``rows`` for the last
    edges asked, so a second measure over the same spans' edges sorts nothing."""
    key = edges.tobytes()
    cached = rows.by_segment.get(key)
    if cached is not None:
        return cached[0], cached[1], cached[2]
    segment = np.searchsorted(edges, rows.days, side="right") - 1
    inside = (segment >= 0) & (segment < len(edges) - 1)
    seg = segment[inside]
    # A stable sort has one answer, and numpy's is a radix sort for 16-bit keys (2.5 ms against
    # 17 for 250,000 int64 rows).
    order = np.argsort(seg.astype(np.int16) if len(edges) <= np.iinfo(np.int16).max else seg, kind="stable")
    found = (seg[order], rows.accounts[inside][order], None if rows.values is None else rows.values[inside][order])
    for array in found:
        if array is not None:
            array.flags.writeable = False
    rows.by_segment.clear()  # one set of edges kept: the memory of one sorted copy of the rows
    rows.by_segment[key] = (*found, {})  # and its prefix rows, by kind (_prefix_rows)
    return found


_BLOCK_CELLS = 1 << 20  # segments × accounts summed at once by _prefix (16 MB of long doubles)


def _exploded(func: str, rows: Rows, spans: tuple[np.ndarray, np.ndarray], size: int, a1: int) -> Grid:
    """Other measures over spans: each row once for every span that holds it."""
    first, last = spans
    lo_q = np.searchsorted(last, rows.days, side="left")  # first span ending on or after the day
    hi_q = np.searchsorted(first, rows.days, side="right") - 1  # last span starting on or before it
    reps = np.clip(hi_q - lo_q + 1, 0, None)
    src = np.repeat(np.arange(len(rows)), reps)
    starts = np.repeat(np.cumsum(reps) - reps, reps)
    q = np.repeat(lo_q, reps) + (np.arange(len(src)) - starts)
    assert rows.values is not None
    return _aggregate(func, q, rows.accounts[src], rows.values[src], size, a1)
