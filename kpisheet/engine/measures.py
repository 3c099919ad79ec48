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

import numpy as np
import pandas as pd

from .. import periods
from ..xlerrors import XlError
from .axis import Axis, Family
from .dayprefix import DayPrefix
from .grid import Grid

ADDITIVE = ("sum", "count", "average")


@dataclass(frozen=True)
class Rows:
    """The rows one measure aggregates, filtered, as parallel arrays."""

    days: np.ndarray  # int64 day ordinals (rows without a date are already dropped)
    accounts: np.ndarray  # int64 column of the row's account, 1..A; 0 = no account
    values: np.ndarray | None  # float64 for sum/average/...; int64 codes for count_distinct; None for count()
    per_account: bool  # False: the source has no account column, every account sees the total
    # _prefix's running sums over days, for the last days asked (ytd and rolling of one KPI over
    # one window add the same days: they are added once). Not part of the value.
    prefixes: dict[tuple[str, int, int], DayPrefix] = field(default_factory=dict, compare=False, repr=False)

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
    """Additive measures over spans: running sums over days (:mod:`.dayprefix`), differenced at
    span ends. An empty span is written ``first == last + 1``, as :func:`measure` clips them.

    The running sums start at the first day of the whole axis's spans even when the grid is a
    window of it, so that a window's numbers are the whole axis's to the last digit (the sums
    are rounded the same way), and only the bounds of the grid's own spans are looked up:
    memory is the grid's, not days × accounts."""
    first, _ = spans.whole
    own_first, own_last = spans.own
    if not len(own_first):
        return Grid.of(np.zeros((0, a1)))
    start, end = int(first.min()), int(own_last.max()) + 1

    def spans_of(kind: str) -> np.ndarray:
        return _day_prefix(rows, kind, start, end).spans(own_first, own_last + 1, a1)

    if func == "count":
        return Grid.of(spans_of("count"))
    total = spans_of("sum")
    if func == "sum":
        return Grid.of(total)
    return _ratio(total, spans_of("count"))


def _day_prefix(rows: Rows, kind: str, start: int, end: int) -> DayPrefix:
    """The running sums of ``rows`` (``kind`` "sum" of their values, or "count") from day
    ``start`` to before ``end``, kept on ``rows`` for the last days asked: ytd and rolling of
    one KPI over one window add the same days, so the second adds nothing."""
    key = (kind, start, end)
    found = rows.prefixes.get(key)
    if found is None:
        if any(k[1:] != key[1:] for k in rows.prefixes):
            rows.prefixes.clear()  # one stretch of days kept: the memory of one copy of the pairs
        found = DayPrefix.of(rows.days, rows.accounts, None if kind == "count" else rows.values, start, end)
        rows.prefixes[key] = found
    return found


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
