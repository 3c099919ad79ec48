"""Descriptive statistics: variance and deviation families (VAR.P, STDEVA ...), AVEDEV,
DEVSQ, GEOMEAN, HARMEAN, KURT, SKEW, MODE, TRIMMEAN, STANDARDIZE, the exclusive percentile
and quartile, PERCENTRANK, RANK.AVG, and AVERAGEA/MAXA/MINA.

Which values count is the aggregates' rule (:func:`.base._numbers`): numbers in ranges and
arrays, direct arguments coerced; an error anywhere is the result. The ``A`` variants
(AVERAGEA, STDEVA ...) also count text in ranges as 0 and logical values as 1 or 0
(:func:`numbers_a`). Too few values is ``#DIV/0!`` (the moments) or ``#NUM!`` (GEOMEAN,
HARMEAN, percentiles), as Excel.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .. import values as V
from ..ranges import Ref
from ..values import Err, Value, XlFail, to_number
from .base import FUNCTIONS, Fn, _flat, _numbers, fn, seqsum


def numbers_a(ev: Any, args: tuple[Any, ...]) -> np.ndarray:
    """The values the ``A`` functions see: in ranges and arrays numbers, logical values as
    1/0 and text as 0 (empty cells left out); direct arguments coerced like arithmetic."""
    out: list[float] = []
    for a in args:
        if isinstance(a, (Ref, np.ndarray)):
            for v in _flat(ev, a):
                if isinstance(v, Err):
                    raise XlFail(v)
                if isinstance(v, bool):
                    out.append(1.0 if v else 0.0)
                elif isinstance(v, float):
                    out.append(v)
                elif isinstance(v, str):
                    out.append(0.0)
        elif isinstance(a, Err):
            raise XlFail(a)
        elif a is not None:
            out.append(to_number(a))
    return np.array(out, float)


def _deviations(x: np.ndarray) -> np.ndarray:
    return x - seqsum(x) / x.size


def _variance(x: np.ndarray, sample: bool) -> float:
    n = x.size
    if n < (2 if sample else 1):
        raise XlFail(V.DIV0)
    d = _deviations(x)
    return seqsum(d * d) / (n - 1 if sample else n)


def _register_moments(name: str, values: Callable[[Any, tuple[Any, ...]], np.ndarray], sample: bool,
                      root: bool) -> None:
    def f(ev: Any, *args: Any) -> Value:
        v = _variance(values(ev, args), sample)
        return math.sqrt(v) if root else v
    FUNCTIONS[name] = Fn(f, "raw", 1)


for _names, _values, _sample, _root in [
    ("VAR.P VARP", _numbers, False, False),
    ("VARA", numbers_a, True, False), ("VARPA", numbers_a, False, False),
    ("STDEVA", numbers_a, True, True), ("STDEVPA", numbers_a, False, True),
]:
    for _name in _names.split():
        _register_moments(_name, _values, _sample, _root)


@fn("AVERAGEA", "raw", 1)
def _averagea(ev: Any, *args: Any) -> Value:
    x = numbers_a(ev, args)
    if not x.size:
        raise XlFail(V.DIV0)
    return seqsum(x) / x.size


@fn("MAXA", "raw", 1)
def _maxa(ev: Any, *args: Any) -> Value:
    x = numbers_a(ev, args)
    return float(x.max()) if x.size else 0.0


@fn("MINA", "raw", 1)
def _mina(ev: Any, *args: Any) -> Value:
    x = numbers_a(ev, args)
    return float(x.min()) if x.size else 0.0


@fn("AVEDEV", "raw", 1)
def _avedev(ev: Any, *args: Any) -> Value:
    x = _numbers(ev, args)
    if not x.size:
        raise XlFail(V.NUM)
    return seqsum(np.abs(_deviations(x))) / x.size


@fn("DEVSQ", "raw", 1)
def _devsq(ev: Any, *args: Any) -> Value:
    x = _numbers(ev, args)
    if not x.size:
        raise XlFail(V.NUM)
    d = _deviations(x)
    return seqsum(d * d)


@fn("GEOMEAN", "raw", 1)
def _geomean(ev: Any, *args: Any) -> Value:
    x = _numbers(ev, args)
    if not x.size or (x <= 0).any():
        raise XlFail(V.NUM)
    return math.exp(seqsum(np.log(x)) / x.size)


@fn("HARMEAN", "raw", 1)
def _harmean(ev: Any, *args: Any) -> Value:
    x = _numbers(ev, args)
    if not x.size or (x <= 0).any():
        raise XlFail(V.NUM)
    return x.size / seqsum(1 / x)


@fn("KURT", "raw", 1)
def _kurt(ev: Any, *args: Any) -> Value:
    x = _numbers(ev, args)
    n = x.size
    if n < 4:
        raise XlFail(V.DIV0)
    s2 = _variance(x, sample=True)
    if s2 == 0:
        raise XlFail(V.DIV0)
    z4 = seqsum(_deviations(x) ** 4) / s2 ** 2
    return n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * z4 - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))


def _skew(x: np.ndarray, sample: bool) -> float:
    n = x.size
    if n < (3 if sample else 1):
        raise XlFail(V.DIV0)
    s2 = _variance(x, sample)
    if s2 == 0:
        raise XlFail(V.DIV0)
    z3 = seqsum(_deviations(x) ** 3) / s2 ** 1.5
    return n / ((n - 1) * (n - 2)) * z3 if sample else z3 / n


@fn("SKEW", "raw", 1)
def _skew_s(ev: Any, *args: Any) -> Value:
    return _skew(_numbers(ev, args), sample=True)


@fn("SKEW.P", "raw", 1)
def _skew_p(ev: Any, *args: Any) -> Value:
    return _skew(_numbers(ev, args), sample=False)


def _modes(x: np.ndarray) -> list[float]:
    """The most frequent values in order of first appearance; none repeated is ``#N/A``."""
    counts: dict[float, int] = {}
    for v in x.tolist():
        counts[v] = counts.get(v, 0) + 1
    top = max(counts.values(), default=0)
    if top < 2:
        raise XlFail(V.NA)
    return [v for v, c in counts.items() if c == top]


@fn("MODE MODE.SNGL", "raw", 1)
def _mode(ev: Any, *args: Any) -> Value:
    return _modes(_numbers(ev, args))[0]


@fn("MODE.MULT", "raw", 1)
def _mode_mult(ev: Any, *args: Any) -> Any:
    found = _modes(_numbers(ev, args))
    out = np.empty((len(found), 1), dtype=object)
    out[:, 0] = found
    return out


@fn("TRIMMEAN", "raw", 2, 2)
def _trimmean(ev: Any, a: Any, percent: Any) -> Value:
    x = np.sort(_numbers(ev, (a,)))
    p = to_number(ev.deref(percent))
    if not x.size or not 0 <= p < 1:
        raise XlFail(V.NUM)
    cut = int(math.floor(x.size * p / 2))  # points trimmed at each end, rounded down to a whole point
    kept = x[cut:x.size - cut]
    return seqsum(kept) / kept.size


@fn("STANDARDIZE", min_args=3, max_args=3)
def _standardize(x: Value, mean: Value, sd: Value) -> Value:
    s = to_number(sd)
    if s <= 0:
        raise XlFail(V.NUM)
    return (to_number(x) - to_number(mean)) / s


def _exclusive(values: np.ndarray, k: float) -> float:
    s = np.sort(values)
    n = s.size
    pos = k * (n + 1)
    if not n or pos < 1 or pos > n:
        raise XlFail(V.NUM)
    lo = int(math.floor(pos))
    if lo >= n:
        return float(s[-1])
    return float(s[lo - 1] + (pos - lo) * (s[lo] - s[lo - 1]))


@fn("PERCENTILE.EXC", "raw", 2, 2)
def _percentile_exc(ev: Any, a: Any, k: Any) -> Value:
    p = to_number(ev.deref(k))
    if not 0 < p < 1:
        raise XlFail(V.NUM)
    return _exclusive(_numbers(ev, (a,)), p)


@fn("QUARTILE.EXC", "raw", 2, 2)
def _quartile_exc(ev: Any, a: Any, quart: Any) -> Value:
    q = math.trunc(to_number(ev.deref(quart)))
    if not 1 <= q <= 3:
        raise XlFail(V.NUM)
    return _exclusive(_numbers(ev, (a,)), q / 4)


def _truncate(x: float, digits: int) -> float:
    """Down to ``digits`` decimals, as PERCENTRANK shows its result (0.5555... is 0.555)."""
    f = 10.0 ** digits
    return math.floor(float(f"{x * f:.12g}")) / f


def _percentrank(ev: Any, a: Any, x: Any, significance: Any, exclusive: bool) -> float:
    s = np.sort(_numbers(ev, (a,)))
    v = to_number(ev.deref(x))
    d = 3 if significance is None else math.trunc(to_number(ev.deref(significance)))
    if not s.size or d < 1:
        raise XlFail(V.NUM)
    if v < s[0] or v > s[-1]:
        raise XlFail(V.NA)
    n = s.size

    def rank_of(i: int) -> float:  # i = index of a value in the sorted data
        below = float(np.searchsorted(s, s[i], side="left"))
        return (below + 1) / (n + 1) if exclusive else (below / (n - 1) if n > 1 else 1.0)

    hi = int(np.searchsorted(s, v, side="left"))
    if s[hi] == v:
        return _truncate(rank_of(hi), d)
    lo = hi - 1
    r_lo, r_hi = rank_of(lo), rank_of(hi)
    return _truncate(r_lo + (v - s[lo]) / (s[hi] - s[lo]) * (r_hi - r_lo), d)


@fn("PERCENTRANK PERCENTRANK.INC", "raw", 2, 3)
def _percentrank_inc(ev: Any, a: Any, x: Any, significance: Any = None) -> Value:
    return _percentrank(ev, a, x, significance, exclusive=False)


@fn("PERCENTRANK.EXC", "raw", 2, 3)
def _percentrank_exc(ev: Any, a: Any, x: Any, significance: Any = None) -> Value:
    return _percentrank(ev, a, x, significance, exclusive=True)


@fn("RANK.AVG", "raw", 2, 3)
def _rank_avg(ev: Any, x: Any, ref: Any, order: Any = None) -> Value:
    n = to_number(ev.deref(x))
    values = _numbers(ev, (ref,))
    ties = int((values == n).sum())
    if not ties:
        raise XlFail(V.NA)
    ascending = order is not None and to_number(ev.deref(order)) != 0
    before = int((values < n).sum() if ascending else (values > n).sum())
    return before + (ties + 1) / 2


@fn("FREQUENCY", "raw", 2, 2, array_args=True)
def _frequency(ev: Any, data: Any, bins: Any) -> Any:
    """Counts of the data at or below each bin and above the one below it, in the bins' own
    order, then the count above the largest bin (a column one longer than the bins)."""
    x = np.sort(_numbers(ev, (data,)))
    edges = _numbers(ev, (bins,))
    order = np.argsort(edges, kind="stable")
    counts = np.zeros(edges.size + 1)
    below = 0
    for i in order:
        upto = int(np.searchsorted(x, edges[i], side="right"))
        counts[i] = upto - below
        below = max(below, upto)
    counts[-1] = x.size - below
    out = np.empty((edges.size + 1, 1), dtype=object)
    out[:, 0] = [float(c) for c in counts]
    return out


@fn("PROB", "raw", 3, 4)
def _prob(ev: Any, xs: Any, probs: Any, lower: Any, upper: Any = None) -> Value:
    """The probability that a value of ``xs`` lies in lower..upper (or equals ``lower``); the
    probabilities must each be in 0..1 and add up to 1, else ``#NUM!``."""
    from .regression import pairs
    p, x = pairs(ev, probs, xs)
    if (p < 0).any() or (p > 1).any() or abs(seqsum(p) - 1) > 1e-9:
        raise XlFail(V.NUM)
    lo = to_number(ev.deref(lower))
    hi = lo if upper is None or ev.deref(upper) is None else to_number(ev.deref(upper))
    return seqsum(p[(x >= lo) & (x <= hi)])
