"""Functions across accounts (README#real-questions): axis operations on the period × account grid.

Each takes a grid (columns 1..A the accounts in name order, column 0 all accounts
together) and ``universe``, a boolean mask over the columns saying which accounts
count (README#real-questions: section 3's universe, the same for every period; column 0 never
counts). Everything is numpy along the account axis, one sort per period at most:
never a loop over accounts.

The fine print of README#real-questions, in one place (:func:`_counted`):

- an account whose value is ``#N/A`` (no data) is left out;
- any other error of a counted account is the result's error for that period (the
  first account's, by name, as Excel's SUM gives the first error of a range);
- when every account is left out the result is ``#N/A``.

``top_share``, ``hhi``, ``count_accounts``, ``sum_accounts`` and ``avg_accounts`` give one
number per period, the same in every column (whatever account is asked); ``rank`` is
per account, ``#N/A`` for all accounts together and for accounts left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..xlerrors import XlError
from .grid import ERR_DTYPE, Grid


@dataclass(frozen=True)
class _Counted:
    """Which cells count, their values, and each period's error (0 = none)."""

    ok: np.ndarray  # bool (P, A1): a counted account with a value
    val: np.ndarray  # float (P, A1), 0 where not ok
    period_err: np.ndarray  # int8 (P,): the first other error of a counted account, else 0

    @property
    def count(self) -> np.ndarray:
        return np.asarray(self.ok.sum(axis=1), dtype=np.float64)


def _counted(a: Grid, universe: np.ndarray) -> _Counted:
    a = a.numeric()
    counts = np.broadcast_to(universe[None, :], a.shape)
    other = counts & (a.err != 0) & (a.err != XlError.NA)
    first = np.argmax(other, axis=1)
    period_err = np.where(other.any(axis=1), a.err[np.arange(a.shape[0]), first], 0).astype(ERR_DTYPE)
    ok = counts & (a.err == 0)
    return _Counted(ok, np.where(ok, np.nan_to_num(a.val), 0.0), period_err)


def _per_period(value: np.ndarray, err: np.ndarray, counted: _Counted, a1: int) -> Grid:
    """One number per period, repeated in every column; ``#N/A`` where nothing counted."""
    err = np.where(counted.period_err != 0, counted.period_err, err)
    err = np.where((err == 0) & (counted.count == 0), np.int8(XlError.NA), err).astype(ERR_DTYPE)
    return Grid.of(np.repeat(value[:, None], a1, axis=1), np.repeat(err[:, None], a1, axis=1))


def _total(a: Grid) -> tuple[np.ndarray, np.ndarray]:
    """total(k): column 0's value and error."""
    a = a.numeric()
    return a.val[:, 0], a.err[:, 0]


def _sorted_desc(counted: _Counted) -> np.ndarray:
    """Per period, the column order by value descending, ties by name; uncounted cells last."""
    key = np.where(counted.ok, counted.val, -np.inf)
    return np.argsort(-key, axis=1, kind="stable")  # stable: equal values keep name order


def top_share(a: Grid, n: int, universe: np.ndarray) -> Grid:
    """Share of total(k) held by the n counted accounts with the largest k."""
    counted = _counted(a, universe)
    order = _sorted_desc(counted)
    ranked = np.take_along_axis(counted.val, order, axis=1)[:, :n]
    total, total_err = _total(a)
    with np.errstate(all="ignore"):
        share = ranked.sum(axis=1) / total
    err = np.where(total_err != 0, total_err, np.where(total == 0, np.int8(XlError.DIV0), 0))
    return _per_period(share, err, counted, a.shape[1])


def hhi(a: Grid, universe: np.ndarray) -> Grid:
    """Herfindahl index: Σ over counted accounts of (k / total(k))², from 0 to 1."""
    counted = _counted(a, universe)
    total, total_err = _total(a)
    with np.errstate(all="ignore"):
        value = ((counted.val / total[:, None]) ** 2 * counted.ok).sum(axis=1)
    err = np.where(total_err != 0, total_err, np.where(total == 0, np.int8(XlError.DIV0), 0))
    return _per_period(value, err, counted, a.shape[1])


def count_accounts(condition: Grid, universe: np.ndarray) -> Grid:
    """How many counted accounts the condition holds for."""
    counted = _counted(condition, universe)
    value = (counted.ok & (counted.val != 0)).sum(axis=1).astype(np.float64)
    return _per_period(value, np.zeros(len(value), ERR_DTYPE), counted, condition.shape[1])


def sum_accounts(a: Grid, universe: np.ndarray) -> Grid:
    """The sum over counted accounts of k per account."""
    counted = _counted(a, universe)
    return _per_period(counted.val.sum(axis=1), np.zeros(a.shape[0], ERR_DTYPE), counted, a.shape[1])


def avg_accounts(a: Grid, universe: np.ndarray) -> Grid:
    """The average over counted accounts of k per account."""
    counted = _counted(a, universe)
    with np.errstate(all="ignore"):
        value = counted.val.sum(axis=1) / counted.count
    return _per_period(np.nan_to_num(value), np.zeros(a.shape[0], ERR_DTYPE), counted, a.shape[1])


def rank(a: Grid, universe: np.ndarray) -> Grid:
    """Each counted account's rank by k, 1 for the largest, ties by name; ``#N/A`` elsewhere."""
    counted = _counted(a, universe)
    order = _sorted_desc(counted)
    ranks = np.empty(order.shape, dtype=np.float64)
    np.put_along_axis(ranks, order, np.broadcast_to(np.arange(1, order.shape[1] + 1, dtype=np.float64),
                                                    order.shape), axis=1)
    err = np.where(counted.ok, np.int8(0), np.int8(XlError.NA))
    err = np.where(counted.period_err[:, None] != 0, counted.period_err[:, None], err).astype(ERR_DTYPE)
    return Grid.of(ranks, err)
