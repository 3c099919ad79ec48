"""Running sums over days of a measure's rows, per account: what ``ytd``, ``rolling`` and
every additive measure over spans are differences of (:func:`.measures._prefix`).

    prefix = DayPrefix.of(days, accounts, values, start, end)   # values None: row counts
    sums = prefix.spans(starts, stops, a1)   # len(starts) × a1: days starts[i] to before stops[i]

The numbers are those of a dense days × accounts table added up, as the first version did:
each day's rows summed per account in doubles, in the rows' order (``np.bincount``), then the
days added in long doubles one after the other from day ``start``. A day without rows adds 0,
which leaves a sum as it was, so only the (account, day) pairs that hold rows are added: the
cost grows with the rows, not with days × accounts. (A dense table was 730 days × 20,000
accounts of long doubles, 233 MB; one row mistyped as 1950 made it 27,000 days.)

Column 0 is all accounts together: each day's rows summed in doubles, the days in long doubles.

A difference of running sums keeps few digits of what was added after a very large value (a
cent after 1e20 of the same account came out 0.0 in the first version): where the rounding
those additions may have made passes a thousandth of the magnitudes the span adds, or a running
sum left a double's range, the sum is NaN, which the grid shows as ``#NUM!``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

#: Bounds × accounts of running sums made at once by :meth:`DayPrefix.spans` (16 MB of long doubles)
_BLOCK_CELLS = 1 << 20

_DOUBLE_MAX = np.longdouble(np.finfo(np.float64).max)

#: The most one addition in a long double rounds by, relative to its result (2^-64 where a long
#: double has 64 bits of mantissa, as on x86-64 Linux; a double's 2^-53 where it is a double)
_UNIT = np.longdouble(np.finfo(np.longdouble).eps) / 2

#: A span's sum is trusted while its rounding bound is within this part of the magnitudes it adds
_MATERIAL = np.longdouble(2.0 ** -10)


@dataclass(frozen=True)
class DayPrefix:
    """Running sums of rows dated ``start`` to ``start + n_days - 1`` (see the module doc), and
    beside each, for :meth:`spans`' rounding bound, the running sum of the magnitudes added and
    how many non-zero terms were added."""

    start: int
    n_days: int
    totals: _Running  # all accounts together: index d, the d days from start
    keys: npt.NDArray[np.int64]  # account * n_days + day of each pair holding rows, ascending
    pairs: _Running  # index i: keys[i]'s account, its days up to keys[i]'s

    @classmethod
    def of(cls, days: np.ndarray, accounts: np.ndarray, values: np.ndarray | None, start: int,
           end: int) -> "DayPrefix":
        """The running sums of ``values`` (None: of 1 a row) over the rows dated ``start`` to
        ``end - 1``; ``days`` and ``accounts`` (0: none, else 1..A) are the rows' own."""
        n_days = max(end - start, 0)
        inside = (days >= start) & (days < end)
        day = days[inside] - start
        account = accounts[inside]
        weights = None if values is None else values[inside]
        per_day = np.bincount(day, weights=weights, minlength=n_days)
        totals = _Running.over_days(per_day)
        keys, pair = np.unique(account * n_days + day, return_inverse=True)
        sums = np.bincount(pair.reshape(-1), weights=weights, minlength=len(keys))  # in the rows' order
        return cls(start, n_days, totals, keys, _Running.of(keys // max(n_days, 1), sums))

    def spans(self, starts: np.ndarray, stops: np.ndarray, a1: int) -> npt.NDArray[np.float64]:
        """The sums over the days ``starts[i]`` to before ``stops[i]`` (``start <= starts[i] <=
        stops[i] <= start + n_days``): len(starts) × ``a1`` doubles, column 0 all accounts
        together, column a account a (1..a1-1). Each is the difference of two running sums in
        long doubles, rounded once; a block of accounts at a time, so that no bounds × accounts
        table of long doubles is ever whole.

        NaN (the grid's ``#NUM!``) where that difference may be off by more than a thousandth
        of the magnitudes the span adds: each addition in a long double rounds by at most
        :data:`_UNIT` of the running sum, so what was added after a very large value keeps few
        digits (0.01 after 1e20 comes out 0). Such a sum, and one whose running sum left a
        double's range, is no number rather than a plausible wrong one."""
        k = len(starts)
        bounds, back = np.unique(np.concatenate([starts, stops]).astype(np.int64), return_inverse=True)
        back = back.reshape(-1)
        out = np.empty((k, a1))
        step = max(1, _BLOCK_CELLS // max(len(bounds), 1))
        for c0 in range(0, a1, step):
            c1 = min(c0 + step, a1)
            sums, size, steps = self._before(bounds - self.start, c0, c1)
            first, last = back[:k], back[k:]
            with np.errstate(over="ignore"):  # past a double's range: inf, which the grid makes #NUM!
                block = (sums[last] - sums[first]).astype(np.float64)
            added = size[last] - size[first]
            rounding = (steps[last] - steps[first]) * (np.abs(sums[first]) + added) * _UNIT
            beyond = (np.abs(sums[first]) > _DOUBLE_MAX) | (np.abs(sums[last]) > _DOUBLE_MAX)
            block[beyond | (rounding > added * _MATERIAL)] = np.nan
            out[:, c0:c1] = block
        return out

    def _before(self, before: np.ndarray, c0: int, c1: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The running sums, magnitudes and non-zero terms of columns ``c0`` to ``c1 - 1`` over
        the days before each of ``before`` (days from ``start``, ascending): three
        len(before) × (c1 - c0) arrays."""
        shape = (len(before), c1 - c0)
        sums, size = np.zeros(shape, dtype=np.longdouble), np.zeros(shape, dtype=np.longdouble)
        steps = np.zeros(shape, dtype=np.int64)
        if c0 == 0:
            sums[:, 0], size[:, 0], steps[:, 0] = (self.totals.sums[before], self.totals.size[before],
                                                   self.totals.steps[before])
        first_account = max(c0, 1)
        lo, hi = np.searchsorted(self.keys, [first_account * self.n_days, c1 * self.n_days])  # their pairs
        if lo == hi or not len(before):
            return sums, size, steps
        keys = self.keys[lo:hi]
        column = keys // self.n_days - c0
        row = np.searchsorted(before, keys % self.n_days, side="right")  # the first bound after the day
        # a pair is the latest of its account for the bounds from its row on, until the account's
        # next pair; of pairs whose first bound is the same, the last (latest day) is kept
        last = np.ones(len(keys), dtype=bool)
        last[:-1] = (column[1:] != column[:-1]) | (row[1:] != row[:-1])
        keep = last & (row < len(before))
        latest = np.full(shape, -1, dtype=np.int64)
        latest[row[keep], column[keep]] = lo + np.flatnonzero(keep)
        np.maximum.accumulate(latest, axis=0, out=latest)  # pairs ascend by day within an account
        held = latest >= 0
        at = latest[held]
        sums[held], size[held], steps[held] = self.pairs.sums[at], self.pairs.size[at], self.pairs.steps[at]
        return sums, size, steps


@dataclass(frozen=True)
class _Running:
    """Running sums within runs of equal ``group``: of the terms, of their magnitudes, and the
    count of non-zero terms (adding 0 rounds nothing)."""

    sums: npt.NDArray[np.longdouble]
    size: npt.NDArray[np.longdouble]
    steps: npt.NDArray[np.int64]

    @classmethod
    def of(cls, group: np.ndarray, terms: np.ndarray) -> "_Running":
        """``terms`` (doubles) run up within each run of equal ``group`` (sorted)."""
        nonzero = (terms != 0).astype(np.int64)
        steps = np.cumsum(nonzero)
        if len(group):
            run_start = _run_starts(group)
            steps -= np.repeat(steps[run_start] - nonzero[run_start], np.diff(np.append(run_start, len(group))))
        return cls(_running(group, terms), _running(group, np.abs(terms)), steps)

    @classmethod
    def over_days(cls, terms: np.ndarray) -> "_Running":
        """``terms`` (doubles, one a day) run up from 0: index d holds the first d days."""
        def up(values: np.ndarray, dtype: type) -> np.ndarray:
            found: np.ndarray = np.zeros(len(values) + 1, dtype=dtype)
            np.cumsum(values.astype(dtype), out=found[1:])
            return found
        return cls(up(terms, np.longdouble), up(np.abs(terms), np.longdouble), up(terms != 0, np.int64))


def _running(group: np.ndarray, sums: np.ndarray) -> npt.NDArray[np.longdouble]:
    """For each pair, the long-double sum of ``sums`` over its run of equal ``group`` (sorted)
    up to and including it, added one after the other as a cumulative sum would (``0 + x`` is
    ``x``). One step for each rank within a run: as many as the most days one account has."""
    out = sums.astype(np.longdouble)
    n = len(out)
    if n == 0:
        return out
    run_start = _run_starts(group)
    rank = np.arange(n) - np.repeat(run_start, np.diff(np.append(run_start, n)))
    order = np.argsort(rank, kind="stable")
    ends = np.cumsum(np.bincount(rank))
    for lo, hi in zip(ends[:-1], ends[1:]):
        at = order[lo:hi]
        out[at] += out[at - 1]
    return out


def _run_starts(group: np.ndarray) -> np.ndarray:
    """Where each run of equal values of ``group`` (not empty) begins."""
    return np.flatnonzero(np.concatenate([[True], group[1:] != group[:-1]]))
