"""Error cells of a source in a KPI's grid (README#your-data).

An error cell (``#N/A``, ``#DIV/0!`` ...) in a column a measure reads makes the measure's
value that error — as Excel's ``SUM`` over the same cells would — for every period (or
span) and account whose rows hold it; when several do, the first by row order wins. The
rows are read as blanks by the measure itself; this module lays the errors over its grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .axis import Axis, Family
from .grid import Grid


@dataclass(frozen=True)
class ErrorRows:
    """The rows of a measure (dated, filtered) that hold an error cell, in row order."""

    days: np.ndarray  # int64 day ordinals
    accounts: np.ndarray  # int64 grid column, 1..A (0: no account)
    codes: np.ndarray  # int8 XlError codes
    per_account: bool

    def __len__(self) -> int:
        return len(self.days)


def first_codes(*columns: np.ndarray) -> np.ndarray:
    """Row-wise, the first nonzero code among ``columns`` (0 where none)."""
    out = np.zeros(len(columns[0]) if columns else 0, dtype=np.int8)
    for codes in columns:
        np.copyto(out, codes, where=(out == 0))
    return out


def lay_errors(grid: Grid, rows: ErrorRows, axis: Axis, family: Family) -> Grid:
    """``grid`` with each error row's code in every cell (span × account) that holds the row."""
    if not len(rows):
        return grid
    first, last = axis.spans(family)
    lo = np.searchsorted(last, rows.days, side="left")  # the first span ending on or after the day
    hi = np.searchsorted(first, rows.days, side="right") - 1  # the last span starting on or before it
    reps = np.clip(hi - lo + 1, 0, None)
    which = np.repeat(np.arange(len(rows)), reps)  # row order is kept: np.repeat is stable
    starts = np.repeat(np.cumsum(reps) - reps, reps)
    q = np.repeat(lo, reps) + (np.arange(len(which)) - starts)
    a1 = grid.shape[1]
    err = grid.err.copy()
    val = grid.val.copy()
    codes = rows.codes[which]
    columns = [np.zeros(len(which), np.int64)]
    if rows.per_account:
        columns.append(rows.accounts[which])
    else:
        columns.extend(np.full(len(which), a, np.int64) for a in range(1, a1))
    for col in columns:
        keys = q * a1 + col
        unique, first_at = np.unique(keys, return_index=True)  # the first row of each cell wins
        flat_err = err.reshape(-1)
        flat_err[unique] = codes[first_at]
    val[err != 0] = np.nan
    return Grid(val, err)
