"""Aggregates (SUM, AVERAGE, COUNT ...) and criteria functions (SUMIFS, COUNTIFS ...)."""

from __future__ import annotations

import math
import statistics
from typing import Any, Callable, Optional

import numpy as np

from .. import values as V
from ..ranges import RangeData, Ref
from ..values import Err, Value, XlFail, to_number
from .base import FUNCTIONS, Fn, _areas, _check, _flat, _numbers, _scalar, fn, seqsum

# --- aggregates ------------------------------------------------------------------------------


@fn("SUM", "raw", 1)
def _sum(ev: Any, *args: Any) -> Value:
    return _check(seqsum(_numbers(ev, args)))


@fn("PRODUCT", "raw", 1)
def _product(ev: Any, *args: Any) -> Value:
    n = _numbers(ev, args)
    return _check(float(np.prod(n))) if n.size else 0.0


@fn("AVERAGE", "raw", 1)
def _average(ev: Any, *args: Any) -> Value:
    n = _numbers(ev, args)
    if not n.size:
        raise XlFail(V.DIV0)
    return seqsum(n) / n.size


@fn("MAX", "raw", 1)
def _max(ev: Any, *args: Any) -> Value:
    n = _numbers(ev, args)
    return float(n.max()) if n.size else 0.0


@fn("MIN", "raw", 1)
def _min(ev: Any, *args: Any) -> Value:
    n = _numbers(ev, args)
    return float(n.min()) if n.size else 0.0


@fn("MEDIAN", "raw", 1)
def _median(ev: Any, *args: Any) -> Value:
    n = _numbers(ev, args)
    if not n.size:
        raise XlFail(V.NUM)
    return float(np.median(n))


@fn("STDEV STDEV.S", "raw", 1)
def _stdev(ev: Any, *args: Any) -> Value:
    n = _numbers(ev, args)
    if n.size < 2:
        raise XlFail(V.DIV0)
    return float(statistics.stdev(n.tolist()))


@fn("STDEV.P STDEVP", "raw", 1)
def _stdevp(ev: Any, *args: Any) -> Value:
    n = _numbers(ev, args)
    if not n.size:
        raise XlFail(V.DIV0)
    return float(statistics.pstdev(n.tolist()))


@fn("VAR VAR.S", "raw", 1)
def _var(ev: Any, *args: Any) -> Value:
    n = _numbers(ev, args)
    if n.size < 2:
        raise XlFail(V.DIV0)
    return float(statistics.variance(n.tolist()))


def _kth(largest: bool) -> Callable[..., Value]:
    """LARGE or SMALL, in Excel's order of checks: an error given as the array; then k (its
    error, text that is no number ``#VALUE!``, below 1 ``#NUM!``, then rounded up); then the
    array's numbers (an error among them is the result; text given directly that is no number
    is no value: ``LARGE("abc",2)`` is ``#NUM!``)."""
    def f(ev: Any, a: Any, k: Any) -> Value:
        if isinstance(a, Err):
            raise XlFail(a)
        x = to_number(_scalar(ev, k))
        if x < 1:
            raise XlFail(V.NUM)
        i = int(math.ceil(x))
        if isinstance(a, str):
            one = V.parse_number(a)
            n = np.array([] if one is None else [one])
        else:
            n = np.sort(_numbers(ev, (a,)))
        if i > n.size:
            raise XlFail(V.NUM)
        return float(n[-i] if largest else n[i - 1])
    return f


FUNCTIONS["LARGE"] = Fn(_kth(True), "raw", 2, 2)
FUNCTIONS["SMALL"] = Fn(_kth(False), "raw", 2, 2)


@fn("COUNT", "raw", 1)
def _count(ev: Any, *args: Any) -> Value:
    total = 0
    for a in _areas(args):
        if isinstance(a, Ref):
            total += int(np.count_nonzero(~np.isnan(ev.data(a).nums)))
        elif isinstance(a, np.ndarray):
            total += sum(1 for v in a.flat if isinstance(v, float))
        elif isinstance(a, float) or isinstance(a, bool):
            total += 1
        elif isinstance(a, str) and V.parse_number(a) is not None:
            total += 1
    return float(total)


@fn("COUNTA", "raw", 1)
def _counta(ev: Any, *args: Any) -> Value:
    total = 0
    for a in _areas(args):
        if isinstance(a, Ref):
            total += int(np.count_nonzero(ev.data(a).kinds != 0))
        elif isinstance(a, np.ndarray):
            total += sum(1 for v in a.flat if v is not None)
        elif a is not None:
            total += 1
    return float(total)


@fn("COUNTBLANK", "raw", 1, 1)
def _countblank(ev: Any, a: Any) -> Value:
    unread = sum(_unread(ev, r) for r in _areas((a,)))  # the blank cells past a whole column's used part
    return float(sum(1 for v in _flat(ev, a) if v is None or v == "") + unread)


def _unread(ev: Any, a: Any) -> int:
    """How many cells of ``a`` ``ev.data`` did not read: a whole row or column is read up to its
    sheet's last used cell, and every cell past it is blank."""
    if not isinstance(a, Ref):
        return 0
    h, w = ev.data(a).shape
    return a.height * a.width - h * w


@fn("SUMPRODUCT", "raw", 1, array_args=True)
def _sumproduct(ev: Any, *args: Any) -> Value:
    arrays = []
    for a in args:
        if isinstance(a, Ref):
            rd = ev.data(a)
            if rd.first_error is not None:
                raise XlFail(rd.first_error)
            arrays.append(np.nan_to_num(rd.nums.reshape(rd.shape), nan=0.0))
        elif isinstance(a, np.ndarray):
            out = np.zeros(a.shape)
            for idx, v in np.ndenumerate(a):
                if isinstance(v, Err):
                    raise XlFail(v)
                out[idx] = v if isinstance(v, float) else 0.0
            arrays.append(out)
        else:
            v = _scalar(ev, a)
            if isinstance(v, Err):
                raise XlFail(v)
            arrays.append(np.array([[v if isinstance(v, float) else 0.0]]))
    shape = arrays[0].shape
    if any(x.shape != shape for x in arrays):
        raise XlFail(V.VALUE)
    prod = arrays[0].copy()
    for x in arrays[1:]:
        prod = prod * x
    return _check(seqsum(prod.ravel()))


# --- criteria ------------------------------------------------------------------------------


def _crit_masks(ev: Any, pairs: list[tuple[Any, Any]], target: Any = None) -> tuple[np.ndarray, tuple[int, int]]:
    mask, shape, _ = _crit_masks_unread(ev, pairs, target)
    return mask, shape


def _crit_masks_unread(ev: Any, pairs: list[tuple[Any, Any]],
                       target: Any = None) -> tuple[np.ndarray, tuple[int, int], int]:
    """The cells of the criteria ranges that meet every criterion, as a mask over the part read
    (whole rows and columns are read up to their sheet's last used cell), and how many cells past
    that part (all blank) meet every criterion: COUNTIF(A:A,"") counts them, SUMIF adds nothing
    for them. The ranges must be of one size (#VALUE! otherwise), as in Excel; parts read of
    different sizes (whole columns of two sheets) are laid over the largest, blank beyond, and
    so is the part read of ``target`` (the range SUMIFS adds up) when it is of their size."""
    read = []
    size: Optional[tuple[int, int]] = None
    for rng, crit in pairs:
        if not isinstance(rng, Ref):
            raise XlFail(V.VALUE)
        if size is None:
            size = (rng.height, rng.width)
        elif (rng.height, rng.width) != size:
            raise XlFail(V.VALUE)
        read.append((ev.data(rng), _scalar(ev, crit)))
    assert size is not None
    shapes = [rd.shape for rd, _ in read]
    if isinstance(target, Ref) and (target.height, target.width) == size:
        shapes.append(ev.data(target).shape)
    shape = (max(h for h, _ in shapes), max(w for _, w in shapes))
    mask: Optional[np.ndarray] = None
    blanks_meet = True
    for rd, c in read:
        m = rd.mask(c)  # flat, row by row
        if rd.shape != shape or shape != size:
            blank = rd.blank_meets(c)
            blanks_meet = blanks_meet and blank
            if rd.shape != shape:
                grown = np.full(shape, blank)
                grown[:rd.shape[0], :rd.shape[1]] = m.reshape(rd.shape)
                m = grown.reshape(-1)
        mask = m if mask is None else mask & m
    assert mask is not None
    unread = size[0] * size[1] - shape[0] * shape[1]
    return mask, shape, unread if unread and blanks_meet else 0


def _target(ev: Any, rng: Any, shape: tuple[int, int]) -> RangeData:
    if not isinstance(rng, Ref):
        raise XlFail(V.VALUE)
    if (rng.height, rng.width) != shape:  # Excel uses the top-left cell and the criteria's size
        rng = Ref(rng.sheet, rng.r1, rng.c1, rng.r1 + shape[0] - 1, rng.c1 + shape[1] - 1)
    rd: RangeData = ev.data(rng)
    if rd.shape != shape:  # clipped whole columns on different sheets
        vals = np.empty(shape, dtype=object)
        h = min(shape[0], rd.shape[0])
        w = min(shape[1], rd.shape[1])
        vals[:h, :w] = rd.values[:h, :w]
        rd = RangeData(vals)
    return rd


def _pairs(args: tuple[Any, ...]) -> list[tuple[Any, Any]]:
    if len(args) % 2:
        raise XlFail(V.VALUE)
    return [(args[i], args[i + 1]) for i in range(0, len(args), 2)]


def _masked_numbers(rd: RangeData, mask: np.ndarray) -> np.ndarray:
    sel = rd.nums[mask]
    if rd.first_error is not None:
        for v in rd.flat[mask]:
            if isinstance(v, Err):
                raise XlFail(v)
    return sel[~np.isnan(sel)]


@fn("SUMIFS", "raw", 3)
def _sumifs(ev: Any, sum_range: Any, *args: Any) -> Value:
    mask, shape = _crit_masks(ev, _pairs(args), sum_range)
    return seqsum(_masked_numbers(_target(ev, sum_range, shape), mask))


@fn("SUMIF", "raw", 2, 3)
def _sumif(ev: Any, rng: Any, crit: Any, sum_range: Any = None) -> Value:
    mask, shape = _crit_masks(ev, [(rng, crit)], sum_range)
    return seqsum(_masked_numbers(_target(ev, sum_range if sum_range is not None else rng, shape), mask))


@fn("COUNTIFS", "raw", 2)
def _countifs(ev: Any, *args: Any) -> Value:
    mask, _, unread = _crit_masks_unread(ev, _pairs(args))
    return float(np.count_nonzero(mask) + unread)


@fn("COUNTIF", "raw", 2, 2)
def _countif(ev: Any, rng: Any, crit: Any) -> Value:
    mask, _, unread = _crit_masks_unread(ev, [(rng, crit)])
    return float(np.count_nonzero(mask) + unread)


@fn("AVERAGEIFS", "raw", 3)
def _averageifs(ev: Any, avg_range: Any, *args: Any) -> Value:
    mask, shape = _crit_masks(ev, _pairs(args), avg_range)
    n = _masked_numbers(_target(ev, avg_range, shape), mask)
    if not n.size:
        raise XlFail(V.DIV0)
    return seqsum(n) / n.size


@fn("AVERAGEIF", "raw", 2, 3)
def _averageif(ev: Any, rng: Any, crit: Any, avg_range: Any = None) -> Value:
    mask, shape = _crit_masks(ev, [(rng, crit)], avg_range)
    n = _masked_numbers(_target(ev, avg_range if avg_range is not None else rng, shape), mask)
    if not n.size:
        raise XlFail(V.DIV0)
    return seqsum(n) / n.size


@fn("MAXIFS", "raw", 3)
def _maxifs(ev: Any, rng: Any, *args: Any) -> Value:
    mask, shape = _crit_masks(ev, _pairs(args), rng)
    n = _masked_numbers(_target(ev, rng, shape), mask)
    return float(n.max()) if n.size else 0.0


@fn("MINIFS", "raw", 3)
def _minifs(ev: Any, rng: Any, *args: Any) -> Value:
    mask, shape = _crit_masks(ev, _pairs(args), rng)
    n = _masked_numbers(_target(ev, rng, shape), mask)
    return float(n.min()) if n.size else 0.0


