"""Spanned sums share their sorted rows and prefix rows between measures over the same span
edges (issue 12): every number is the one a measure computed alone gives, to the last bit."""

from __future__ import annotations

import numpy as np

from kpisheet.engine import measures
from kpisheet.engine.measures import Rows, _Spans


def _rows(rng: np.random.Generator, n: int, accounts: int, with_values: bool = True) -> Rows:
    days = rng.integers(0, 400, n).astype(np.int64)
    values = rng.normal(1000, 5000, n) * 10.0 ** rng.integers(-3, 6, n) if with_values else None
    return Rows(days, rng.integers(0, accounts + 1, n).astype(np.int64), values, True)


def _spans(first: np.ndarray, last: np.ndarray, lo: int, hi: int) -> _Spans:
    return _Spans((first.astype(np.int64), last.astype(np.int64)), slice(lo, hi))


def test_measures_over_the_same_edges_are_those_computed_alone() -> None:
    rng = np.random.default_rng(12)
    months = np.arange(0, 420, 30)
    ends = months[1:] - 1
    starts = months[:-1]
    ytd = _spans(np.where(starts < 180, 0, 180), ends, 2, 13)  # year-to-date: edges at the month starts
    rolling = _spans(np.maximum(starts - 60, 0), ends, 0, 9)  # three months back: the same edges
    other = _spans(starts + 7, ends, 1, 12)  # other edges: sorted again
    for accounts, block in ((40, 1 << 20), (40, 100), (5000, 1 << 20)):
        original = measures._BLOCK_CELLS  # 100 below: several blocks, nothing cached beside the rows
        try:
            for func in ("sum", "count", "average"):
                measures._BLOCK_CELLS = block
                rows = _rows(rng, 5000, accounts, func != "count")
                shared = [measures._prefix(func, rows, s, accounts + 1) for s in (ytd, rolling, other, ytd)]
                measures._BLOCK_CELLS = 1  # a block a segment: nothing cached, the same additions
                for spans, got in zip((ytd, rolling, other, ytd), shared):
                    alone = measures._prefix(func, Rows(rows.days, rows.accounts, rows.values, True), spans,
                                             accounts + 1)
                    assert np.array_equal(got.val.view(np.uint64), alone.val.view(np.uint64)), (func, accounts)
                    assert np.array_equal(got.err, alone.err)
        finally:
            measures._BLOCK_CELLS = original


def test_the_sorted_rows_are_read_only() -> None:
    rng = np.random.default_rng(1)
    rows = _rows(rng, 100, 3)
    measures._prefix("sum", rows, _spans(np.array([0, 100]), np.array([99, 399]), 0, 2), 4)
    (seg, acct, vals, prefix), = rows.by_segment.values()
    assert not seg.flags.writeable and not acct.flags.writeable and not vals.flags.writeable
    assert set(prefix) == {"sum"}
