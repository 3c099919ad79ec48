"""Spanned sums (ytd, rolling: :func:`kpisheet.engine.measures._prefix` over
:mod:`kpisheet.engine.dayprefix`) are, to the last bit, those of the first version's dense
days × accounts table; measures over the same days share one running sum; a long stretch of
days costs memory with the rows, not with days × accounts (issue 12)."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest

from kpisheet.engine import measures
from kpisheet.engine.measures import Rows, _Spans


def _rows(rng: np.random.Generator, n: int, accounts: int, days: int = 400, with_values: bool = True) -> Rows:
    day = rng.integers(0, days, n).astype(np.int64)
    values = rng.normal(1000, 5000, n) * 10.0 ** rng.integers(-3, 6, n) if with_values else None
    return Rows(day, rng.integers(0, accounts + 1, n).astype(np.int64), values, True)  # account 0: none


def _spans(first: np.ndarray, last: np.ndarray, lo: int, hi: int) -> _Spans:
    return _Spans((first.astype(np.int64), last.astype(np.int64)), slice(lo, hi))


def dense(func: str, rows: Rows, spans: _Spans, a1: int) -> np.ndarray:
    """The first version's ``_prefix``: every day × account summed in doubles, the days added
    up in long doubles, the differences at the grid's own span ends."""
    first, last = spans.whole
    d0, d1 = int(first.min()), int(last.max())
    inside = (rows.days >= d0) & (rows.days <= d1)
    day, acct = rows.days[inside] - d0, rows.accounts[inside]
    vals = None if rows.values is None else rows.values[inside]
    n_days = d1 - d0 + 1
    own_first, own_last = spans.own

    def spans_of(weights: np.ndarray | None) -> np.ndarray:
        per_day = np.bincount(day * a1 + acct, weights=weights, minlength=n_days * a1).reshape(n_days, a1)
        per_day = per_day.astype(np.longdouble)
        per_day[:, 0] = np.bincount(day, weights=weights, minlength=n_days)
        cum = np.zeros((n_days + 1, a1), dtype=np.longdouble)
        np.cumsum(per_day, axis=0, out=cum[1:])
        return (cum[own_last - d0 + 1] - cum[own_first - d0]).astype(np.float64)

    if func == "count":
        return spans_of(None)
    total = spans_of(vals)
    if func == "sum":
        return total
    return measures._ratio(total, spans_of(None)).val  # type: ignore[no-any-return]


MONTHS = np.arange(0, 420, 30)
YTD = _spans(np.where(MONTHS[:-1] < 180, 0, 180), MONTHS[1:] - 1, 2, 13)
ROLLING = _spans(np.maximum(MONTHS[:-1] - 60, 0), MONTHS[1:] - 1, 2, 13)  # the same days as ytd's
ROLLING_EARLIER = _spans(np.maximum(MONTHS[:-1] - 60, 0), MONTHS[1:] - 1, 0, 9)
OTHER = _spans(MONTHS[:-1] + 7, MONTHS[1:] - 1, 1, 12)
EMPTY_TOO = _spans(np.array([5, 40, 41, 100]), np.array([4, 80, 40, 399]), 0, 4)  # 5..4, 41..40: empty


@pytest.mark.parametrize("accounts", [1, 40, 5000])
@pytest.mark.parametrize("func", ["sum", "count", "average"])
def test_spanned_sums_are_the_dense_tables_to_the_last_bit(func: str, accounts: int) -> None:
    rng = np.random.default_rng(accounts)
    rows = _rows(rng, 5000, accounts, with_values=func != "count")
    for spans in (YTD, ROLLING, ROLLING_EARLIER, OTHER, EMPTY_TOO, YTD):
        got = measures._prefix(func, rows, spans, accounts + 1)
        want = dense(func, rows, spans, accounts + 1)
        assert np.array_equal(got.val.view(np.uint64), want.view(np.uint64)), (func, accounts, spans.rows)


def test_measures_over_the_same_days_share_one_running_sum() -> None:
    rng = np.random.default_rng(12)
    rows = _rows(rng, 5000, 40)
    shared = [measures._prefix("average", rows, s, 41) for s in (YTD, ROLLING)]
    assert list(rows.prefixes) == [("sum", 0, 390), ("count", 0, 390)]  # ytd's, then taken by rolling
    measures._prefix("sum", rows, OTHER, 41)  # other days: the running sums start again
    assert list(rows.prefixes) == [("sum", 7, 360)]
    for spans, got in zip((YTD, ROLLING), shared):
        alone = measures._prefix("average", Rows(rows.days, rows.accounts, rows.values, True), spans, 41)
        assert np.array_equal(got.val.view(np.uint64), alone.val.view(np.uint64))
        assert np.array_equal(got.err, alone.err)


def test_a_long_stretch_of_days_costs_memory_with_the_rows() -> None:
    """80 years of days × 2,000 accounts would be 58 million long doubles (940 MB) as one
    table; one row dated decades before the others makes such a stretch."""
    rng = np.random.default_rng(3)
    days = 29_200
    rows = _rows(rng, 20_000, 2000, days=days)
    spans = _spans(np.array([0, days - 365]), np.array([days - 1, days - 1]), 0, 2)  # all, the last year
    tracemalloc.start()
    try:
        got = measures._prefix("sum", rows, spans, 2001)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40 << 20, peak
    assert rows.values is not None
    for account in (0, 1, 777, 2000):
        own = (rows.accounts == account) | (account == 0)
        for row, held in ((0, own), (1, own & (rows.days >= days - 365))):
            values = rows.values[held]
            assert abs(got.val[row, account] - math.fsum(values)) <= 1e-12 * np.abs(values).sum(), (row, account)


def test_a_running_sum_past_a_doubles_range_is_no_number() -> None:
    """Two rows of 1e308 on two days: each day's sum holds in a double, their running sum only
    in a long double, where 5 + 7 added after it leave it as it was. Before, the span after
    them was 0.0, a plausible wrong number; the segment code (a month summed in doubles, inf)
    gave #NUM!, and so does this."""
    days = np.array([0, 31, 32, 60, 95], dtype=np.int64)
    rows = Rows(days, np.array([1, 1, 1, 1, 2], dtype=np.int64), np.array([10.0, 1e308, 1e308, 5.0, 7.0]), True)
    months = _spans(np.array([0, 31, 59, 90]), np.array([30, 58, 89, 119]), 0, 4)
    two_months = _spans(np.array([0, 0, 31, 59]), np.array([30, 58, 89, 119]), 0, 4)
    grid = measures._prefix("sum", rows, months, 3)
    assert grid.val[0, 0] == 10.0 and grid.err[1, 0] != 0  # January; February's 2e308 is no double
    got = measures._prefix("sum", rows, two_months, 3)
    assert got.val[0].tolist()[:2] == [10.0, 10.0]
    assert (got.err[1:, :2] != 0).all()  # never 0.0 for March-April's 5 + 7
    assert got.val[3, 2] == 7.0  # another account's sums are its own


@pytest.mark.parametrize("big, trusted", [(1e9, True), (1e12, True), (1e15, False), (1e20, False)])
def test_a_sum_that_kept_too_few_digits_is_no_number(big: float, trusted: bool) -> None:
    """A cent added after a very large value of the same account: each long-double addition
    rounds by up to 2^-64 of the running sum, so the cent keeps fewer digits as the value
    grows (after 1e20, none: the first version gave 0.0 for 0.01). Within a thousandth of the
    cent the sum is given as the first version gave it; past that it is #NUM!. The other
    account's sums, and a span that adds nothing, are numbers whatever the first holds."""
    days = np.array([0, 100, 100, 101, 102], dtype=np.int64)
    rows = Rows(days, np.array([1, 1, 2, 1, 1]), np.array([big, 0.01, 3.0, 5.0, -5.0]), True)
    spans = _spans(np.array([0, 90, 101, 103]), np.array([89, 100, 102, 119]), 0, 4)  # the last adds nothing
    got = measures._prefix("sum", rows, spans, 3)
    want = dense("sum", rows, spans, 3)
    assert got.val[0, 1] == big and got.val[1, 2] == 3.0 and got.val[3, 1] == 0.0
    assert got.val[2, 1] == want[2, 1] == 0.0 or not trusted  # 5 - 5 after the big value
    if trusted:
        assert got.val[1, 1] == want[1, 1] and abs(got.val[1, 1] - 0.01) < 1e-5
    else:
        assert np.isnan(got.val[1, 1]) and got.err[1, 1] != 0
        assert abs(want[1, 1] - 0.01) > 1e-6  # what the first version gave: 0.010009765625, 0.0
