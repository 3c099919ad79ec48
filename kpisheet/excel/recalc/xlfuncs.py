"""Excel's own functions, one registry (``FUNCTIONS``), in three calling styles:

- ``scalar``: receives scalar values (references already intersected); in array
  formulas it is applied item by item. Raise :class:`XlFail` to return an error.
- ``raw``: receives the evaluator and evaluated arguments as they are (``Ref``, arrays,
  scalars): the aggregate, lookup and criteria functions.
- ``lazy``: receives the evaluator and argument thunks (IF, IFERROR, CHOOSE ...).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import random
import re
import statistics
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from . import values as V
from .ranges import RangeData, Ref, lookup_key
from .values import Err, Value, XlFail, to_bool, to_number, to_text


@dataclass(frozen=True)
class Fn:
    impl: Callable[..., Any]
    kind: str = "scalar"
    min_args: int = 0
    max_args: int = 255
    array_args: bool = False


FUNCTIONS: dict[str, Fn] = {}


def fn(name: str, kind: str = "scalar", min_args: int = 0, max_args: int = 255,
       array_args: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def deco(f: Callable[..., Any]) -> Callable[..., Any]:
        for n in name.split():
            FUNCTIONS[n] = Fn(f, kind, min_args, max_args, array_args)
        return f
    return deco


# --- helpers -------------------------------------------------------------------------------


def _numbers(ev: Any, args: tuple[Any, ...], bools_text_direct: bool = True) -> np.ndarray:
    """The numbers SUM, AVERAGE, MAX ... see: numbers in ranges/arrays; direct arguments coerced."""
    parts: list[np.ndarray] = []
    scalars: list[float] = []
    for a in args:
        if isinstance(a, Ref):
            rd = ev.data(a)
            if rd.first_error is not None:
                raise XlFail(rd.first_error)
            n = rd.nums
            parts.append(n[~np.isnan(n)])
        elif isinstance(a, np.ndarray):
            for v in a.flat:
                if isinstance(v, Err):
                    raise XlFail(v)
                if isinstance(v, float):
                    scalars.append(v)
        elif a is None:
            continue
        elif isinstance(a, Err):
            raise XlFail(a)
        elif bools_text_direct:
            scalars.append(to_number(a))
        elif isinstance(a, float):
            scalars.append(a)
    if scalars:
        parts.append(np.array(scalars, float))
    if not parts:
        return np.zeros(0)
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def seqsum(n: np.ndarray) -> float:
    """The sum added left to right, in the range's order, as Excel adds (numpy's own sum adds
    pairwise, which can differ from Excel in the last digit)."""
    return float(np.cumsum(n)[-1]) if n.size else 0.0


def _flat(ev: Any, a: Any) -> list[Value]:
    if isinstance(a, Ref):
        return list(ev.data(a).flat)
    if isinstance(a, np.ndarray):
        return list(a.flat)
    return [a]


def _check(x: float) -> float:
    if math.isnan(x) or math.isinf(x):
        raise XlFail(V.NUM)
    return x


def _int(v: Value) -> int:
    return int(math.floor(to_number(v)))


def _scalar(ev: Any, v: Any) -> Value:
    return ev.deref(v)  # type: ignore[no-any-return]


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
    def f(ev: Any, a: Any, k: Any) -> Value:
        n = np.sort(_numbers(ev, (a,)))
        i = int(math.ceil(to_number(_scalar(ev, k))))
        if i < 1 or i > n.size:
            raise XlFail(V.NUM)
        return float(n[-i] if largest else n[i - 1])
    return f


FUNCTIONS["LARGE"] = Fn(_kth(True), "raw", 2, 2)
FUNCTIONS["SMALL"] = Fn(_kth(False), "raw", 2, 2)


@fn("COUNT", "raw", 1)
def _count(ev: Any, *args: Any) -> Value:
    total = 0
    for a in args:
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
    for a in args:
        if isinstance(a, Ref):
            total += int(np.count_nonzero(ev.data(a).kinds != 0))
        elif isinstance(a, np.ndarray):
            total += sum(1 for v in a.flat if v is not None)
        elif a is not None:
            total += 1
    return float(total)


@fn("COUNTBLANK", "raw", 1, 1)
def _countblank(ev: Any, a: Any) -> Value:
    return float(sum(1 for v in _flat(ev, a) if v is None or v == ""))


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


def _crit_masks(ev: Any, pairs: list[tuple[Any, Any]]) -> tuple[np.ndarray, tuple[int, int]]:
    mask: Optional[np.ndarray] = None
    shape: Optional[tuple[int, int]] = None
    for rng, crit in pairs:
        if not isinstance(rng, Ref):
            raise XlFail(V.VALUE)
        rd = ev.data(rng)
        if shape is None:
            shape = rd.shape
        elif rd.shape != shape:
            raise XlFail(V.VALUE)
        c = _scalar(ev, crit)
        m = rd.mask(c)
        mask = m if mask is None else mask & m
    assert mask is not None and shape is not None
    return mask, shape


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
    mask, shape = _crit_masks(ev, _pairs(args))
    return seqsum(_masked_numbers(_target(ev, sum_range, shape), mask))


@fn("SUMIF", "raw", 2, 3)
def _sumif(ev: Any, rng: Any, crit: Any, sum_range: Any = None) -> Value:
    mask, shape = _crit_masks(ev, [(rng, crit)])
    return seqsum(_masked_numbers(_target(ev, sum_range if sum_range is not None else rng, shape), mask))


@fn("COUNTIFS", "raw", 2)
def _countifs(ev: Any, *args: Any) -> Value:
    mask, _ = _crit_masks(ev, _pairs(args))
    return float(np.count_nonzero(mask))


@fn("COUNTIF", "raw", 2, 2)
def _countif(ev: Any, rng: Any, crit: Any) -> Value:
    mask, _ = _crit_masks(ev, [(rng, crit)])
    return float(np.count_nonzero(mask))


@fn("AVERAGEIFS", "raw", 3)
def _averageifs(ev: Any, avg_range: Any, *args: Any) -> Value:
    mask, shape = _crit_masks(ev, _pairs(args))
    n = _masked_numbers(_target(ev, avg_range, shape), mask)
    if not n.size:
        raise XlFail(V.DIV0)
    return seqsum(n) / n.size


@fn("AVERAGEIF", "raw", 2, 3)
def _averageif(ev: Any, rng: Any, crit: Any, avg_range: Any = None) -> Value:
    mask, shape = _crit_masks(ev, [(rng, crit)])
    n = _masked_numbers(_target(ev, avg_range if avg_range is not None else rng, shape), mask)
    if not n.size:
        raise XlFail(V.DIV0)
    return seqsum(n) / n.size


@fn("MAXIFS", "raw", 3)
def _maxifs(ev: Any, rng: Any, *args: Any) -> Value:
    mask, shape = _crit_masks(ev, _pairs(args))
    n = _masked_numbers(_target(ev, rng, shape), mask)
    return float(n.max()) if n.size else 0.0


@fn("MINIFS", "raw", 3)
def _minifs(ev: Any, rng: Any, *args: Any) -> Value:
    mask, shape = _crit_masks(ev, _pairs(args))
    n = _masked_numbers(_target(ev, rng, shape), mask)
    return float(n.min()) if n.size else 0.0


# --- maths ------------------------------------------------------------------------------------


def _round_half_away(x: float, digits: int) -> float:
    if not math.isfinite(x):
        raise XlFail(V.NUM)
    factor = 10.0 ** digits
    # Excel rounds the decimal shown at 15 significant digits, halves away from zero
    y = float(f"{x * factor:.15g}") if abs(x * factor) < 1e15 else x * factor
    r = math.floor(abs(y) + 0.5) * (1 if y >= 0 else -1)
    out = r / factor
    return float(f"{out:.15g}")


@fn("ROUND", min_args=1, max_args=2)
def _round(x: Value, d: Value = 0.0) -> Value:
    return _round_half_away(to_number(x), int(to_number(d)))


@fn("ROUNDUP", min_args=1, max_args=2)
def _roundup(x: Value, d: Value = 0.0) -> Value:
    n, k = to_number(x), int(to_number(d))
    f = 10.0 ** k
    y = float(f"{abs(n) * f:.15g}")
    return math.copysign(math.ceil(y) / f, n) if n else 0.0


@fn("ROUNDDOWN TRUNC", min_args=1, max_args=2)
def _rounddown(x: Value, d: Value = 0.0) -> Value:
    n, k = to_number(x), int(to_number(d))
    f = 10.0 ** k
    y = float(f"{abs(n) * f:.15g}")
    return math.copysign(math.floor(y) / f, n) if n else 0.0


@fn("INT", min_args=1, max_args=1)
def _intf(x: Value) -> Value:
    return float(math.floor(to_number(x)))


@fn("ABS", min_args=1, max_args=1)
def _abs(x: Value) -> Value:
    return abs(to_number(x))


@fn("SIGN", min_args=1, max_args=1)
def _sign(x: Value) -> Value:
    n = to_number(x)
    return float((n > 0) - (n < 0))


@fn("MOD", min_args=2, max_args=2)
def _mod(a: Value, b: Value) -> Value:
    x, y = to_number(a), to_number(b)
    if y == 0:
        raise XlFail(V.DIV0)
    return x - y * math.floor(x / y)


@fn("POWER", min_args=2, max_args=2)
def _power(a: Value, b: Value) -> Value:
    from .calc import _OPERATORS
    r = _OPERATORS["^"](a, b)
    if isinstance(r, Err):
        raise XlFail(r)
    return r


@fn("SQRT", min_args=1, max_args=1)
def _sqrt(x: Value) -> Value:
    n = to_number(x)
    if n < 0:
        raise XlFail(V.NUM)
    return math.sqrt(n)


@fn("EXP", min_args=1, max_args=1)
def _exp(x: Value) -> Value:
    try:
        return _check(math.exp(to_number(x)))
    except OverflowError:
        raise XlFail(V.NUM) from None


@fn("LN", min_args=1, max_args=1)
def _ln(x: Value) -> Value:
    n = to_number(x)
    if n <= 0:
        raise XlFail(V.NUM)
    return math.log(n)


@fn("LOG10", min_args=1, max_args=1)
def _log10(x: Value) -> Value:
    n = to_number(x)
    if n <= 0:
        raise XlFail(V.NUM)
    return math.log10(n)


@fn("LOG", min_args=1, max_args=2)
def _log(x: Value, base: Value = 10.0) -> Value:
    n, b = to_number(x), to_number(base)
    if n <= 0 or b <= 0:
        raise XlFail(V.NUM)
    if b == 1:
        raise XlFail(V.DIV0)
    return math.log(n) / math.log(b)


@fn("PI", min_args=0, max_args=0)
def _pi() -> Value:
    return math.pi


def _multiple(x: float, sig: float, up: bool) -> float:
    if sig == 0:
        return 0.0
    q = x / sig
    q = float(f"{q:.15g}")
    return (math.ceil(q) if up else math.floor(q)) * sig


@fn("CEILING CEILING.MATH CEILING.PRECISE", min_args=1, max_args=3)
def _ceiling(x: Value, sig: Value = None, mode: Value = None) -> Value:
    n = to_number(x)
    s = abs(to_number(sig)) if sig is not None else 1.0
    if mode not in (None, 0.0, False) and n < 0:
        return -_multiple(-n, s, True)
    return _multiple(n, s, True)


@fn("FLOOR FLOOR.MATH FLOOR.PRECISE", min_args=1, max_args=3)
def _floor(x: Value, sig: Value = None, mode: Value = None) -> Value:
    n = to_number(x)
    s = abs(to_number(sig)) if sig is not None else 1.0
    if mode not in (None, 0.0, False) and n < 0:
        return -_multiple(-n, s, False)
    return _multiple(n, s, False)


@fn("MROUND", min_args=2, max_args=2)
def _mround(x: Value, m: Value) -> Value:
    n, k = to_number(x), to_number(m)
    if k == 0:
        return 0.0
    if n * k < 0:
        raise XlFail(V.NUM)
    return _round_half_away(n / k, 0) * k


@fn("RAND", min_args=0, max_args=0)
def _rand() -> Value:
    return random.random()


@fn("RANDBETWEEN", min_args=2, max_args=2)
def _randbetween(a: Value, b: Value) -> Value:
    lo, hi = math.ceil(to_number(a)), math.floor(to_number(b))
    if lo > hi:
        raise XlFail(V.NUM)
    return float(random.randint(lo, hi))


# --- logic -------------------------------------------------------------------------------------


@fn("IF", "lazy", 1, 3)
def _if(ev: Any, cond: Any, yes: Any = None, no: Any = None) -> Any:
    c = cond()
    if isinstance(c, (np.ndarray, Ref)) and not (isinstance(c, Ref) and c.is_cell) and ev.cur.kind != "normal":
        arr = ev.array(c)
        a = ev.array(yes()) if yes else None
        b = ev.array(no()) if no else None
        out = np.empty(arr.shape, dtype=object)
        for (i, j), v in np.ndenumerate(arr):
            try:
                t = to_bool(v)
            except XlFail as e:
                out[i, j] = e.err
                continue
            src = a if t else b
            if src is None:
                out[i, j] = t if not t else 0.0
            else:
                out[i, j] = src[min(i, src.shape[0] - 1), min(j, src.shape[1] - 1)]
        return out
    c = ev.deref(c)
    if isinstance(c, Err):
        return c
    t = to_bool(c)
    if t:
        return yes() if yes is not None else True
    if no is None:
        return False
    return no()


def _branch(v: Any) -> Any:
    return 0.0 if v is None else v


@fn("IFERROR", "lazy", 2, 2)
def _iferror(ev: Any, value: Any, alt: Any) -> Any:
    v = value()
    if isinstance(v, np.ndarray):
        other = alt()
        return np.vectorize(lambda x: ev.deref(other) if isinstance(x, Err) else x, otypes=[object])(v)
    s = ev.deref(v)
    if isinstance(s, Err):
        return alt()
    return v


@fn("IFNA", "lazy", 2, 2)
def _ifna(ev: Any, value: Any, alt: Any) -> Any:
    v = value()
    s = ev.deref(v)
    if s is V.NA:
        return alt()
    return v


@fn("IFS", "lazy", 2)
def _ifs(ev: Any, *args: Any) -> Any:
    for i in range(0, len(args) - 1, 2):
        c = ev.deref(args[i]())
        if isinstance(c, Err):
            return c
        if to_bool(c):
            return args[i + 1]()
    return V.NA


@fn("SWITCH", "lazy", 3)
def _switch(ev: Any, expr: Any, *args: Any) -> Any:
    from .calc import compare
    x = ev.deref(expr())
    if isinstance(x, Err):
        return x
    n = len(args)
    for i in range(0, n - 1, 2):
        if compare(x, ev.deref(args[i]())) == 0:
            return args[i + 1]()
    return args[-1]() if n % 2 else V.NA


@fn("CHOOSE", "lazy", 2)
def _choose(ev: Any, index: Any, *options: Any) -> Any:
    i = int(to_number(ev.deref(index())))
    if i < 1 or i > len(options):
        raise XlFail(V.VALUE)
    return options[i - 1]()


def _logicals(ev: Any, args: tuple[Any, ...]) -> list[bool]:
    out: list[bool] = []
    for a in args:
        if isinstance(a, (Ref, np.ndarray)):
            for v in _flat(ev, a):
                if isinstance(v, Err):
                    raise XlFail(v)
                if isinstance(v, (bool, float)):
                    out.append(bool(v))
        elif a is not None:
            out.append(to_bool(a))
    if not out:
        raise XlFail(V.VALUE)
    return out


@fn("AND", "raw", 1)
def _and(ev: Any, *args: Any) -> Value:
    return all(_logicals(ev, args))


@fn("OR", "raw", 1)
def _or(ev: Any, *args: Any) -> Value:
    return any(_logicals(ev, args))


@fn("XOR", "raw", 1)
def _xor(ev: Any, *args: Any) -> Value:
    return sum(_logicals(ev, args)) % 2 == 1


@fn("NOT", min_args=1, max_args=1)
def _not(x: Value) -> Value:
    return not to_bool(x)


@fn("TRUE", min_args=0, max_args=0)
def _true() -> Value:
    return True


@fn("FALSE", min_args=0, max_args=0)
def _false() -> Value:
    return False


# --- information --------------------------------------------------------------------------------


def _info(test: Callable[[Value], bool]) -> Callable[[Any, Any], Value]:
    def f(ev: Any, x: Any) -> Value:
        return test(ev.deref(x))
    return f


for _name, _test in {
    "ISERROR": lambda v: isinstance(v, Err),
    "ISERR": lambda v: isinstance(v, Err) and v is not V.NA,
    "ISNA": lambda v: v is V.NA,
    "ISBLANK": lambda v: v is None,
    "ISNUMBER": lambda v: isinstance(v, float),
    "ISTEXT": lambda v: isinstance(v, str),
    "ISNONTEXT": lambda v: not isinstance(v, str),
    "ISLOGICAL": lambda v: isinstance(v, bool),
    "ISEVEN": lambda v: int(to_number(v)) % 2 == 0,
    "ISODD": lambda v: int(to_number(v)) % 2 == 1,
}.items():
    FUNCTIONS[_name] = Fn(_info(_test), "raw", 1, 1)


@fn("NA", min_args=0, max_args=0)
def _na() -> Value:
    return V.NA


@fn("N", "raw", 1, 1)
def _n(ev: Any, x: Any) -> Value:
    v = ev.deref(x)
    if isinstance(v, Err):
        return v
    return v if isinstance(v, float) else (1.0 if v is True else 0.0)


@fn("T", "raw", 1, 1)
def _t(ev: Any, x: Any) -> Value:
    v = ev.deref(x)
    return v if isinstance(v, (str, Err)) else ""


# --- lookup and reference ---------------------------------------------------------------------


def _match_pos(ev: Any, needle: Value, hay: Any, mode: float) -> int:
    """0-based position of needle in a one-row or one-column range/array, or raise #N/A."""
    if isinstance(needle, Err):
        raise XlFail(needle)
    if isinstance(hay, Ref):
        rd = ev.data(hay)
    elif isinstance(hay, np.ndarray):
        rd = RangeData(hay)
    else:
        rd = RangeData(ev.array(hay))
    h, w = rd.shape
    if h != 1 and w != 1:
        raise XlFail(V.NA)
    if needle is None:
        needle = 0.0
    if mode == 0:
        if isinstance(needle, str) and any(ch in needle for ch in "*?~"):
            m = rd.mask("=" + needle)
            hits = np.flatnonzero(m)
            if hits.size:
                return int(hits[0])
            raise XlFail(V.NA)
        pos = rd.exact_index().get(lookup_key(needle))
        if pos is None:
            raise XlFail(V.NA)
        return pos
    return _approx(rd.flat, needle, mode > 0)


def _approx(items: np.ndarray, needle: Value, ascending: bool) -> int:
    """Binary search as Excel does on (assumed) sorted data, skipping other types."""
    from .calc import compare
    lo, hi = 0, len(items) - 1
    best = -1
    while lo <= hi:
        mid = (lo + hi) // 2
        v = items[mid]
        # step over values of another type, as Excel's search does
        probe = mid
        while probe <= hi and (v is None or type(v) is not type(needle) and not (
                isinstance(v, float) and isinstance(needle, float))):
            probe += 1
            v = items[probe] if probe <= hi else None
        if probe > hi:
            hi = mid - 1
            continue
        c = compare(v, needle)
        if isinstance(c, Err):
            hi = mid - 1
            continue
        if (c <= 0) if ascending else (c >= 0):
            best = probe
            lo = probe + 1
        else:
            hi = mid - 1
    if best < 0:
        raise XlFail(V.NA)
    return best


@fn("MATCH", "raw", 2, 3)
def _match(ev: Any, needle: Any, hay: Any, mode: Any = 1.0) -> Value:
    m = to_number(ev.deref(mode)) if mode is not None else 1.0
    return float(_match_pos(ev, ev.deref(needle), hay, m) + 1)


@fn("XMATCH", "raw", 2, 4)
def _xmatch(ev: Any, needle: Any, hay: Any, mode: Any = 0.0, search: Any = 1.0) -> Value:
    m = to_number(ev.deref(mode)) if mode is not None else 0.0
    if m != 0:
        raise XlFail(V.VALUE)  # only exact matching is supported
    return float(_match_pos(ev, ev.deref(needle), hay, 0) + 1)


def _table_values(ev: Any, a: Any) -> np.ndarray:
    return ev.array(a)  # type: ignore[no-any-return]


@fn("VLOOKUP", "raw", 3, 4)
def _vlookup(ev: Any, needle: Any, table: Any, col: Any, approx: Any = True) -> Value:
    n = ev.deref(needle)
    c = int(to_number(ev.deref(col)))
    exact = approx is not None and not to_bool(ev.deref(approx)) if approx is not True else False
    if isinstance(table, Ref):
        first = Ref(table.sheet, table.r1, table.c1, table.r2, table.c1)
        if c < 1:
            raise XlFail(V.VALUE)
        if c > table.width:
            raise XlFail(V.REF)
        i = _match_pos(ev, n, first, 0 if exact else 1)
        return ev.cell(table.sheet, table.r1 + i, table.c1 + c - 1)  # type: ignore[no-any-return]
    arr = _table_values(ev, table)
    if c < 1:
        raise XlFail(V.VALUE)
    if c > arr.shape[1]:
        raise XlFail(V.REF)
    i = _match_pos(ev, n, arr[:, :1], 0 if exact else 1)
    return arr[i, c - 1]  # type: ignore[no-any-return]


@fn("HLOOKUP", "raw", 3, 4)
def _hlookup(ev: Any, needle: Any, table: Any, row: Any, approx: Any = True) -> Value:
    n = ev.deref(needle)
    r = int(to_number(ev.deref(row)))
    exact = approx is not None and not to_bool(ev.deref(approx)) if approx is not True else False
    arr = _table_values(ev, table)
    if r < 1:
        raise XlFail(V.VALUE)
    if r > arr.shape[0]:
        raise XlFail(V.REF)
    i = _match_pos(ev, n, arr[:1, :], 0 if exact else 1)
    return arr[r - 1, i]  # type: ignore[no-any-return]


@fn("XLOOKUP", "raw", 3, 6)
def _xlookup(ev: Any, needle: Any, hay: Any, ret: Any, missing: Any = None, mode: Any = 0.0,
             search: Any = 1.0) -> Any:
    n = ev.deref(needle)
    m = to_number(ev.deref(mode)) if mode is not None else 0.0
    try:
        if m == 0 or m == 2:
            i = _match_pos(ev, n, hay, 0)
        else:
            items = ev.array(hay).ravel()
            best = -1
            from .calc import compare
            for k, v in enumerate(items):
                c = compare(v, n)
                if isinstance(c, Err) or v is None:
                    continue
                if c == 0:
                    best = k
                    break
                if m == -1 and c < 0 and (best < 0 or compare(v, items[best]) == 1):
                    best = k
                if m == 1 and c > 0 and (best < 0 or compare(v, items[best]) == -1):
                    best = k
            if best < 0:
                raise XlFail(V.NA)
            i = best
    except XlFail as e:
        if e.err is V.NA and missing is not None:
            return missing
        raise
    if isinstance(ret, Ref):
        if ret.height == 1 and (not isinstance(hay, Ref) or hay.height == 1):
            return Ref(ret.sheet, ret.r1, ret.c1 + i, ret.r2, ret.c1 + i)
        return Ref(ret.sheet, ret.r1 + i, ret.c1, ret.r1 + i, ret.c2)
    arr = ev.array(ret)
    return arr[i:i + 1, :] if arr.shape[0] > 1 else arr[:, i:i + 1]


@fn("LOOKUP", "raw", 2, 3)
def _lookup(ev: Any, needle: Any, hay: Any, ret: Any = None) -> Value:
    n = ev.deref(needle)
    arr = ev.array(hay)
    vec = arr[:, 0] if arr.shape[1] == 1 or arr.shape[0] > arr.shape[1] else arr[0, :]
    i = _approx(vec, n, True)
    if ret is None:
        res = arr[:, -1] if arr.shape[0] >= arr.shape[1] else arr[-1, :]
    else:
        res = ev.array(ret).ravel()
    if i >= len(res):
        raise XlFail(V.NA)
    return res[i]  # type: ignore[no-any-return]


@fn("INDEX", "raw", 2, 4)
def _index(ev: Any, a: Any, row: Any, col: Any = None, area: Any = None) -> Any:
    r = int(to_number(ev.deref(row))) if row is not None else 0
    c = int(to_number(ev.deref(col))) if col is not None else 0
    if isinstance(a, Ref):
        h, w = a.height, a.width
        if col is None and h == 1:
            r, c = 1, r
        if r < 0 or c < 0 or r > h or c > w:
            raise XlFail(V.REF)
        if r == 0 and c == 0:
            return a
        if r == 0:
            return Ref(a.sheet, a.r1, a.c1 + c - 1, a.r2, a.c1 + c - 1)
        if c == 0:
            if w == 1:
                return Ref(a.sheet, a.r1 + r - 1, a.c1, a.r1 + r - 1, a.c1)
            return Ref(a.sheet, a.r1 + r - 1, a.c1, a.r1 + r - 1, a.c2)
        return Ref(a.sheet, a.r1 + r - 1, a.c1 + c - 1, a.r1 + r - 1, a.c1 + c - 1)
    arr = ev.array(a)
    h, w = arr.shape
    if col is None and h == 1:
        r, c = 1, r
    if r < 0 or c < 0 or r > h or c > w:
        raise XlFail(V.REF)
    if r == 0 and c == 0:
        return arr
    if r == 0:
        return arr[:, c - 1:c]
    if c == 0:
        return arr[r - 1:r, :] if w > 1 else arr[r - 1, 0]
    return arr[r - 1, c - 1]


@fn("ROW", "raw", 0, 1)
def _row(ev: Any, ref: Any = None) -> Value:
    if ref is None:
        return float(ev.cur.row)
    if not isinstance(ref, Ref):
        raise XlFail(V.VALUE)
    return float(ref.r1)


@fn("COLUMN", "raw", 0, 1)
def _column(ev: Any, ref: Any = None) -> Value:
    if ref is None:
        return float(ev.cur.col)
    if not isinstance(ref, Ref):
        raise XlFail(V.VALUE)
    return float(ref.c1)


@fn("ROWS", "raw", 1, 1)
def _rows(ev: Any, a: Any) -> Value:
    return float(a.height if isinstance(a, Ref) else ev.array(a).shape[0])


@fn("COLUMNS", "raw", 1, 1)
def _columns(ev: Any, a: Any) -> Value:
    return float(a.width if isinstance(a, Ref) else ev.array(a).shape[1])


@fn("OFFSET", "raw", 3, 5)
def _offset(ev: Any, ref: Any, rows: Any, cols: Any, height: Any = None, width: Any = None) -> Any:
    if not isinstance(ref, Ref):
        raise XlFail(V.VALUE)
    dr, dc = int(to_number(ev.deref(rows))), int(to_number(ev.deref(cols)))
    h = int(to_number(ev.deref(height))) if height is not None else ref.height
    w = int(to_number(ev.deref(width))) if width is not None else ref.width
    if h < 1 or w < 1:
        raise XlFail(V.REF)
    r1, c1 = ref.r1 + dr, ref.c1 + dc
    if r1 < 1 or c1 < 1:
        raise XlFail(V.REF)
    return Ref(ref.sheet, r1, c1, r1 + h - 1, c1 + w - 1)


@fn("INDIRECT", "raw", 1, 2)
def _indirect(ev: Any, text: Any, a1style: Any = True) -> Any:
    from .parser import FormulaSyntaxError, parse
    t = to_text(ev.deref(text))
    try:
        node = parse(t)
    except FormulaSyntaxError:
        raise XlFail(V.REF) from None
    if node[0] != "ref":
        if node[0] == "name":
            key = (None, node[2].upper())
            named = ev.book.names.get(key)
            if named:
                node = parse(named)
        if node[0] != "ref":
            raise XlFail(V.REF)
    _, sheet, r1, c1, r2, c2, _rel = node
    si = ev.cur.sheet if sheet is None else ev.sheet_index(sheet)
    if si is None:
        raise XlFail(V.REF)
    return Ref(si, r1, c1, r2, c2)


@fn("ANCHORARRAY", "raw", 1, 1)
def _anchorarray(ev: Any, ref: Any) -> Any:
    if not isinstance(ref, Ref):
        raise XlFail(V.REF)
    ev.cell(ref.sheet, ref.r1, ref.c1)
    i = ev.cells.get((ref.sheet, ref.r1, ref.c1))
    if i is None:
        raise XlFail(V.REF)
    f = ev.book.formulas[i]
    area = f.spill_area or f.area or (f.row, f.col, f.row, f.col)
    return Ref(ref.sheet, *area)


@fn("SINGLE", "raw", 1, 1)
def _single(ev: Any, x: Any) -> Value:
    return ev.deref(x)  # type: ignore[no-any-return]


# --- text -------------------------------------------------------------------------------------


@fn("CONCATENATE", min_args=1)
def _concatenate(*args: Value) -> Value:
    return "".join(to_text(a) for a in args)


@fn("CONCAT", "raw", 1)
def _concat(ev: Any, *args: Any) -> Value:
    out = []
    for a in args:
        for v in _flat(ev, a) if isinstance(a, (Ref, np.ndarray)) else [a]:
            out.append(to_text(v))
    return "".join(out)


@fn("TEXTJOIN", "raw", 3)
def _textjoin(ev: Any, sep: Any, ignore: Any, *args: Any) -> Value:
    s = to_text(ev.deref(sep))
    skip = to_bool(ev.deref(ignore))
    out = []
    for a in args:
        for v in _flat(ev, a) if isinstance(a, (Ref, np.ndarray)) else [a]:
            t = to_text(v)
            if skip and t == "":
                continue
            out.append(t)
    return s.join(out)


@fn("LEFT", min_args=1, max_args=2)
def _left(s: Value, n: Value = 1.0) -> Value:
    k = int(to_number(n))
    if k < 0:
        raise XlFail(V.VALUE)
    return to_text(s)[:k]


@fn("RIGHT", min_args=1, max_args=2)
def _right(s: Value, n: Value = 1.0) -> Value:
    k = int(to_number(n))
    if k < 0:
        raise XlFail(V.VALUE)
    t = to_text(s)
    return t[len(t) - k:] if k else ""


@fn("MID", min_args=3, max_args=3)
def _mid(s: Value, start: Value, n: Value) -> Value:
    a, k = int(to_number(start)), int(to_number(n))
    if a < 1 or k < 0:
        raise XlFail(V.VALUE)
    return to_text(s)[a - 1:a - 1 + k]


@fn("LEN", min_args=1, max_args=1)
def _len(s: Value) -> Value:
    return float(len(to_text(s)))


@fn("UPPER", min_args=1, max_args=1)
def _upper(s: Value) -> Value:
    return to_text(s).upper()


@fn("LOWER", min_args=1, max_args=1)
def _lower(s: Value) -> Value:
    return to_text(s).lower()


@fn("PROPER", min_args=1, max_args=1)
def _proper(s: Value) -> Value:
    return re.sub(r"[A-Za-z]+", lambda m: m.group(0).capitalize(), to_text(s))


@fn("TRIM", min_args=1, max_args=1)
def _trim(s: Value) -> Value:
    return re.sub(" +", " ", to_text(s)).strip(" ")


@fn("REPT", min_args=2, max_args=2)
def _rept(s: Value, n: Value) -> Value:
    k = int(to_number(n))
    if k < 0:
        raise XlFail(V.VALUE)
    return to_text(s) * k


@fn("EXACT", min_args=2, max_args=2)
def _exact(a: Value, b: Value) -> Value:
    return to_text(a) == to_text(b)


@fn("SUBSTITUTE", min_args=3, max_args=4)
def _substitute(s: Value, old: Value, new: Value, nth: Value = None) -> Value:
    t, o, n = to_text(s), to_text(old), to_text(new)
    if not o:
        return t
    if nth is None:
        return t.replace(o, n)
    k = int(to_number(nth))
    if k < 1:
        raise XlFail(V.VALUE)
    pos = -1
    for _ in range(k):
        pos = t.find(o, pos + 1)
        if pos < 0:
            return t
    return t[:pos] + n + t[pos + len(o):]


@fn("FIND", min_args=2, max_args=3)
def _find(needle: Value, hay: Value, start: Value = 1.0) -> Value:
    i = to_text(hay).find(to_text(needle), int(to_number(start)) - 1)
    if i < 0:
        raise XlFail(V.VALUE)
    return float(i + 1)


@fn("SEARCH", min_args=2, max_args=3)
def _search(needle: Value, hay: Value, start: Value = 1.0) -> Value:
    from .ranges import _wild_regex
    n, h = to_text(needle).lower(), to_text(hay).lower()
    s = int(to_number(start)) - 1
    rx = _wild_regex(n)
    if rx is None:
        i = h.find(n, s)
    else:
        m = re.compile(rx.pattern, re.S | re.I).search(h, s)
        i = m.start() if m else -1
    if i < 0:
        raise XlFail(V.VALUE)
    return float(i + 1)


@fn("VALUE NUMBERVALUE", min_args=1, max_args=3)
def _value(s: Value, *_: Value) -> Value:
    if isinstance(s, float):
        return s
    x = V.parse_number(to_text(s))
    if x is None:
        raise XlFail(V.VALUE)
    return x


@fn("TEXT", min_args=2, max_args=2)
def _text(v: Value, fmt: Value) -> Value:
    from .textformat import format_value
    return format_value(v, to_text(fmt))


@fn("CHAR", min_args=1, max_args=1)
def _char(n: Value) -> Value:
    k = int(to_number(n))
    if not 1 <= k <= 255:
        raise XlFail(V.VALUE)
    return bytes([k]).decode("cp1252", errors="replace")


# --- dates ------------------------------------------------------------------------------------


def _date(ev: Any, v: Value) -> dt.datetime:
    if isinstance(v, str):
        x = V.parse_number(v)
        if x is None:
            raise XlFail(V.VALUE)
        v = x
    n = to_number(v)
    return V.serial_to_datetime(n, ev.date1904)


def _serial(ev: Any, d: dt.datetime | dt.date) -> float:
    return V.datetime_to_serial(d, ev.date1904)


@fn("DATE", "raw", 3, 3)
def _datef(ev: Any, y: Any, m: Any, d: Any) -> Value:
    year, month, day = (int(math.floor(to_number(ev.deref(x)))) for x in (y, m, d))
    if 0 <= year < 1900:
        year += 1900
    if year < 0 or year > 9999:
        raise XlFail(V.NUM)
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    base = _serial(ev, dt.date(year, month, 1)) if 1 <= year <= 9999 else None
    if base is None:
        raise XlFail(V.NUM)
    out = base + day - 1
    if out < 0:
        raise XlFail(V.NUM)
    return out


for _name, _part in {"YEAR": "year", "MONTH": "month", "DAY": "day", "HOUR": "hour", "MINUTE": "minute",
                     "SECOND": "second"}.items():
    def _make(part: str) -> Callable[[Any, Any], Value]:
        def f(ev: Any, v: Any) -> Value:
            x = ev.deref(v)
            if isinstance(x, Err):
                return x
            return float(getattr(_date(ev, x), part))
        return f
    FUNCTIONS[_name] = Fn(_make(_part), "raw", 1, 1)


@fn("TODAY", "raw", 0, 0)
def _today(ev: Any) -> Value:
    return _serial(ev, dt.date.today())


@fn("NOW", "raw", 0, 0)
def _now(ev: Any) -> Value:
    return _serial(ev, dt.datetime.now())


def _add_months(ev: Any, start: Any, months: Any, end_of_month: bool) -> Value:
    d = _date(ev, ev.deref(start))
    k = int(to_number(ev.deref(months)))
    y, m = divmod(d.month - 1 + k, 12)
    year, month = d.year + y, m + 1
    if not 1900 <= year <= 9999:
        raise XlFail(V.NUM)
    last = calendar.monthrange(year, month)[1]
    day = last if end_of_month else min(d.day, last)
    return _serial(ev, dt.date(year, month, day))


@fn("EDATE", "raw", 2, 2)
def _edate(ev: Any, start: Any, months: Any) -> Value:
    return _add_months(ev, start, months, False)


@fn("EOMONTH", "raw", 2, 2)
def _eomonth(ev: Any, start: Any, months: Any) -> Value:
    return _add_months(ev, start, months, True)


@fn("WEEKDAY", "raw", 1, 2)
def _weekday(ev: Any, v: Any, kind: Any = 1.0) -> Value:
    d = _date(ev, ev.deref(v))
    k = int(to_number(ev.deref(kind))) if kind is not None else 1
    iso = d.isoweekday()  # Monday 1 .. Sunday 7
    if k == 1 or k == 17:
        return float(iso % 7 + 1)
    if k in (2, 11):
        return float(iso)
    if k == 3:
        return float(iso - 1)
    if 12 <= k <= 16:
        first = k - 10  # 12: Tuesday first
        return float((iso - first) % 7 + 1)
    raise XlFail(V.NUM)


@fn("ISOWEEKNUM", "raw", 1, 1)
def _isoweeknum(ev: Any, v: Any) -> Value:
    return float(_date(ev, ev.deref(v)).isocalendar()[1])


@fn("WEEKNUM", "raw", 1, 2)
def _weeknum(ev: Any, v: Any, kind: Any = 1.0) -> Value:
    d = _date(ev, ev.deref(v))
    k = int(to_number(ev.deref(kind))) if kind is not None else 1
    if k == 21:
        return float(d.isocalendar()[1])
    start = 7 if k in (1, 17) else (k - 10 if 11 <= k <= 16 else 1)  # isoweekday of the first day
    jan1 = dt.date(d.year, 1, 1)
    offset = (jan1.isoweekday() - start) % 7
    return float((d.timetuple().tm_yday - 1 + offset) // 7 + 1)


@fn("DATEVALUE", "raw", 1, 1)
def _datevalue(ev: Any, v: Any) -> Value:
    x = V.parse_date_text(to_text(ev.deref(v)))
    if x is None:
        raise XlFail(V.VALUE)
    return float(math.floor(x))


@fn("DAYS", "raw", 2, 2)
def _days(ev: Any, end: Any, start: Any) -> Value:
    return float(math.floor(to_number(ev.deref(end))) - math.floor(to_number(ev.deref(start))))


@fn("TIME", "raw", 3, 3)
def _time(ev: Any, h: Any, m: Any, s: Any) -> Value:
    total = to_number(ev.deref(h)) * 3600 + to_number(ev.deref(m)) * 60 + to_number(ev.deref(s))
    if total < 0:
        raise XlFail(V.NUM)
    return (total % 86400) / 86400


@fn("YEARFRAC", "raw", 2, 3)
def _yearfrac(ev: Any, a: Any, b: Any, basis: Any = 0.0) -> Value:
    d1, d2 = sorted((_date(ev, ev.deref(a)), _date(ev, ev.deref(b))))
    k = int(to_number(ev.deref(basis))) if basis is not None else 0
    if k == 0:
        y1, m1, dd1, y2, m2, dd2 = d1.year, d1.month, d1.day, d2.year, d2.month, d2.day
        if dd1 == 31:
            dd1 = 30
        if dd2 == 31 and dd1 >= 30:
            dd2 = 30
        return ((y2 - y1) * 360 + (m2 - m1) * 30 + (dd2 - dd1)) / 360
    days = (d2 - d1).days
    return days / {1: 365.25, 2: 360, 3: 365, 4: 360}.get(k, 365.25)


@fn("DATEDIF", "raw", 3, 3)
def _datedif(ev: Any, a: Any, b: Any, unit: Any) -> Value:
    d1, d2 = _date(ev, ev.deref(a)), _date(ev, ev.deref(b))
    if d1 > d2:
        raise XlFail(V.NUM)
    u = to_text(ev.deref(unit)).upper()
    months = (d2.year - d1.year) * 12 + d2.month - d1.month - (1 if d2.day < d1.day else 0)
    if u == "D":
        return float((d2 - d1).days)
    if u == "M":
        return float(months)
    if u == "Y":
        return float(months // 12)
    if u == "YM":
        return float(months % 12)
    if u == "MD":
        return float((d2.day - d1.day) % calendar.monthrange(d1.year, d1.month)[1]) if d2.day < d1.day \
            else float(d2.day - d1.day)
    raise XlFail(V.NUM)


# --- dynamic arrays ---------------------------------------------------------------------------


def _arr(ev: Any, a: Any) -> np.ndarray:
    out = ev.array(a)
    return out  # type: ignore[no-any-return]


@fn("SEQUENCE", "raw", 1, 4)
def _sequence(ev: Any, rows: Any, cols: Any = None, start: Any = None, step: Any = None) -> Any:
    r = int(to_number(ev.deref(rows)))
    c = int(to_number(ev.deref(cols))) if cols is not None else 1
    s = to_number(ev.deref(start)) if start is not None else 1.0
    k = to_number(ev.deref(step)) if step is not None else 1.0
    if r < 1 or c < 1:
        raise XlFail(V.CALC)
    out = np.empty((r, c), dtype=object)
    for i in range(r):
        for j in range(c):
            out[i, j] = s + (i * c + j) * k
    return out


@fn("TRANSPOSE", "raw", 1, 1, array_args=True)
def _transpose(ev: Any, a: Any) -> Any:
    return _arr(ev, a).T.copy()


@fn("UNIQUE", "raw", 1, 3, array_args=True)
def _unique(ev: Any, a: Any, by_col: Any = None, once: Any = None) -> Any:
    arr = _arr(ev, a)
    cols = by_col is not None and to_bool(ev.deref(by_col))
    exactly_once = once is not None and to_bool(ev.deref(once))
    items = arr.T if cols else arr
    keys = [tuple(lookup_key(v) for v in row) for row in items]
    counts: dict[Any, int] = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    seen: set[Any] = set()
    rows = []
    for k, row in zip(keys, items):
        if k in seen or (exactly_once and counts[k] > 1):
            continue
        seen.add(k)
        rows.append(row)
    if not rows:
        raise XlFail(V.CALC)
    out = np.array(rows, dtype=object)
    return out.T.copy() if cols else out


@fn("SORT", "raw", 1, 4, array_args=True)
def _sort(ev: Any, a: Any, index: Any = None, order: Any = None, by_col: Any = None) -> Any:
    from .calc import compare
    import functools
    arr = _arr(ev, a)
    cols = by_col is not None and to_bool(ev.deref(by_col))
    items = arr.T if cols else arr
    k = int(to_number(ev.deref(index))) - 1 if index is not None else 0
    desc = order is not None and to_number(ev.deref(order)) < 0
    if not 0 <= k < items.shape[1]:
        raise XlFail(V.VALUE)

    def cmp(x: Any, y: Any) -> int:
        c = compare(x[k], y[k])
        return 0 if isinstance(c, Err) else int(c)
    rows = sorted(list(items), key=functools.cmp_to_key(cmp), reverse=desc)
    out = np.array(rows, dtype=object).reshape(items.shape)
    return out.T.copy() if cols else out


@fn("FILTER", "raw", 2, 3, array_args=True)
def _filter(ev: Any, a: Any, include: Any, if_empty: Any = None) -> Any:
    arr = _arr(ev, a)
    inc = _arr(ev, include)
    if inc.shape[1] == 1 and inc.shape[0] == arr.shape[0]:
        keep = [i for i in range(arr.shape[0]) if _truthy(inc[i, 0])]
        out = arr[keep, :]
    elif inc.shape[0] == 1 and inc.shape[1] == arr.shape[1]:
        keep = [j for j in range(arr.shape[1]) if _truthy(inc[0, j])]
        out = arr[:, keep]
    else:
        raise XlFail(V.VALUE)
    if out.size == 0:
        if if_empty is None:
            raise XlFail(V.CALC)
        return if_empty
    return out


def _truthy(v: Value) -> bool:
    if isinstance(v, Err):
        raise XlFail(v)
    if isinstance(v, str):
        raise XlFail(V.VALUE)
    return bool(v)
