"""Grids of a measure KPI over a database source, from what :class:`~.query.Warehouse` returns.

The day × account parts of :meth:`Warehouse.daily` go through the engine's own
:func:`~kpisheet.engine.measures.measure` (so periods, fiscal calendars and spans are the
same code as for workbooks): a sum of daily sums is the sum, a count the sum of daily row
counts, an average the ratio of summed sums to summed value counts, a min the min of daily
mins. ``median`` and ``count_distinct`` come grouped by the engine's spans instead.
"""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np
import pandas as pd

from ..engine.axis import Axis, Family
from ..engine.grid import Grid
from ..engine.measures import Rows, _ratio, measure
from ..xlerrors import XlError

SPANNED = ("median", "count_distinct")  # not additive: grouped by span in the database

Codes = Callable[[pd.Series], np.ndarray]  # account text -> grid column (engine.account_codes)


def daily_rows(daily: pd.DataFrame, part: str, codes: Codes, per_account: bool) -> Rows:
    """The day × account groups as the engine's rows, ``part`` their value ("": no value).
    A ``code`` column, where the caller laid one, holds the accounts' grid columns already."""
    values = None if part == "" else daily[part].to_numpy(dtype=np.float64, na_value=np.nan)
    if not per_account:
        accounts = np.zeros(len(daily), np.int64)
    else:
        accounts = daily["code"].to_numpy(np.int64) if "code" in daily.columns else codes(daily["account"])
    return Rows(daily["day"].to_numpy(dtype=np.int64), accounts, values, per_account)


def daily_grid(func: str, daily: pd.DataFrame, axis: Axis, family: Family, n_accounts: int, codes: Codes,
               per_account: bool, data_span: Optional[tuple[int, int]], when_empty: str) -> Grid:
    """``sum``, ``count``, ``average``, ``min`` or ``max`` from the day × account parts; spans
    outside ``data_span`` and (``when_empty: na``) cells without valued rows are ``#N/A``, as
    :func:`~kpisheet.engine.measures.measure` makes them."""
    def part(name: str, how: str) -> Grid:
        return measure(how, daily_rows(daily, name, codes, per_account), axis, family, n_accounts, data_span,
                       when_empty)

    if func == "sum":
        return part("s", "sum")
    if func == "count":
        return part("n", "sum")
    if func == "average":  # where the sum is an error (a span outside the data), so is the average,
        total, count = part("s", "sum"), part("c", "sum")  # not NaN / NaN read as #NUM!
        ratio = _ratio(np.nan_to_num(total.val), np.nan_to_num(count.val))
        failed = total.err != 0
        return Grid(np.where(failed, np.nan, ratio.val), np.where(failed, total.err, ratio.err))
    if func in ("min", "max"):
        return part("lo" if func == "min" else "hi", func)
    raise ValueError(func)


def spanned_grid(func: str, per_account: pd.DataFrame, per_span: pd.DataFrame, size: int, n_accounts: int,
                 codes: Codes, has_accounts: bool) -> Grid:
    """``median`` / ``count_distinct`` laid out from the database's (span, account) groups."""
    a1 = n_accounts + 1
    grid = np.full((size, a1), np.nan)
    if has_accounts and len(per_account):
        cols = codes(per_account["account"])
        grid[per_account["q"].to_numpy(np.int64), cols] = per_account["x"].to_numpy(np.float64, na_value=np.nan)
    if len(per_span):
        grid[per_span["q"].to_numpy(np.int64), 0] = per_span["x"].to_numpy(np.float64, na_value=np.nan)
    if not has_accounts:
        grid = np.repeat(grid[:, :1], a1, axis=1)
    if func == "count_distinct":
        return Grid.of(np.nan_to_num(grid))
    return Grid.of(np.nan_to_num(grid, nan=0.0), np.where(np.isnan(grid), np.int8(XlError.NA), np.int8(0)))


def no_data(func: str, grid: Grid, first: np.ndarray, last: np.ndarray, data_span: Optional[tuple[int, int]],
            when_empty: str) -> Grid:
    """README#real-questions on a grid of :func:`spanned_grid`: spans wholly outside the source's data are
    ``#N/A``, and with ``when_empty: na`` so are ``count_distinct`` cells without a valued row
    (a median without rows is ``#N/A`` already)."""
    if data_span is None:
        return Grid.error(XlError.NA, grid.shape)
    mask = np.repeat(((last < data_span[0]) | (first > data_span[1]))[:, None], grid.shape[1], axis=1)
    if when_empty == "na" and func == "count_distinct":
        mask |= (grid.err == 0) & (grid.val == 0)
    return grid.with_error(mask, XlError.NA) if mask.any() else grid
