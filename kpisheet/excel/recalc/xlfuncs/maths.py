"""Maths, logic and information functions."""

from __future__ import annotations

import math
import random
from typing import Any, Callable

import numpy as np

from .... import xlrules
from .. import values as V
from ..ranges import Ref
from ..values import Err, Value, XlFail, to_bool, to_number
from ..operators import broadcast_n
from .base import FUNCTIONS, Fn, _check, _flat, elementwise, fn, lifted, lifts

# --- maths ------------------------------------------------------------------------------------


def _round_half_away(x: float, digits: int) -> float:
    """Excel's ROUND (:func:`kpisheet.xlrules.round_half_away`); ``#NUM!`` for a number that is not finite."""
    if not math.isfinite(x):
        raise XlFail(V.NUM)
    return xlrules.round_half_away(x, digits)


def _excel_rounding(rule: Callable[[float, int], float], x: Value, d: Value) -> float:
    """``rule`` (one of :mod:`kpisheet.xlrules`' roundings) of ``x`` to ``d`` places, the places
    truncated as Excel does; ``#NUM!`` for a number that is not finite, before or after."""
    n = to_number(x)
    if not math.isfinite(n):
        raise XlFail(V.NUM)
    out = rule(n, int(to_number(d)))
    if not math.isfinite(out):
        raise XlFail(V.NUM)
    return out


@fn("ROUND", min_args=1, max_args=2)
def _round(x: Value, d: Value = 0.0) -> Value:
    return _excel_rounding(xlrules.round_half_away, x, d)


@fn("ROUNDUP", min_args=1, max_args=2)
def _roundup(x: Value, d: Value = 0.0) -> Value:
    return _excel_rounding(xlrules.round_up, x, d)


@fn("ROUNDDOWN TRUNC", min_args=1, max_args=2)
def _rounddown(x: Value, d: Value = 0.0) -> Value:
    return _excel_rounding(xlrules.round_down, x, d)


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
    from ..operators import OPERATORS as _OPERATORS
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


@fn("CEILING", min_args=2, max_args=2)
def _ceiling_legacy(x: Value, sig: Value) -> Value:
    """CEILING(number, significance): a negative significance rounds a negative number away from
    zero (``CEILING(-2.5,-2)`` is -4) and is ``#NUM!`` for a positive number; 0 gives 0."""
    n, s = to_number(x), to_number(sig)
    if s == 0:
        return 0.0
    if n > 0 and s < 0:
        raise XlFail(V.NUM)
    if s < 0:
        return -_multiple(-n, -s, True)
    return _multiple(n, s, True)


@fn("ECMA.CEILING", min_args=2, max_args=2)
def _ceiling_ecma(x: Value, sig: Value) -> Value:
    """ECMA.CEILING(x, significance): CEILING as ECMA-376's first edition defines it, which Excel
    keeps under this name (Microsoft documents no page for it): ``x`` rounded away from zero to a
    multiple of ``significance``; 0 gives 0. Where the signs differ the standard says ``#NUM!``,
    while other engines' notes say Excel answers as CEILING (``CEILING(-2.5,2)`` is -2) with no
    number Excel produced to show it: ``#NUM!``, an error rather than a number nothing pins."""
    n, s = to_number(x), to_number(sig)
    if n < 0 < s:
        raise XlFail(V.NUM)
    return _ceiling_legacy(n, s)


@fn("FLOOR", min_args=2, max_args=2)
def _floor_legacy(x: Value, sig: Value) -> Value:
    """FLOOR(number, significance): a positive significance rounds a negative number away from
    zero, a negative one towards zero (``FLOOR(-2.5,-2)`` is -2); ``#NUM!`` for a positive
    number and a negative significance, ``#DIV/0!`` for significance 0."""
    n, s = to_number(x), to_number(sig)
    if s == 0:
        if n == 0:
            return 0.0
        raise XlFail(V.DIV0)
    if n > 0 and s < 0:
        raise XlFail(V.NUM)
    if s < 0:
        return -_multiple(-n, -s, False)
    return _multiple(n, s, False)


@fn("CEILING.MATH CEILING.PRECISE ISO.CEILING", min_args=1, max_args=3)
def _ceiling(x: Value, sig: Value = None, mode: Value = None) -> Value:
    n = to_number(x)
    s = abs(to_number(sig)) if sig is not None else 1.0
    if mode not in (None, 0.0, False) and n < 0:
        return -_multiple(-n, s, True)
    return _multiple(n, s, True)


@fn("FLOOR.MATH FLOOR.PRECISE", min_args=1, max_args=3)
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


def _if_error_kind(ev: Any, value: Any, alt: Any, caught: Callable[[Value], bool]) -> Any:
    """IFERROR and IFNA: ``alt`` where ``value`` is a caught error; item by item over an array."""
    v = value()
    if lifts(ev, v):
        items = ev.array(v)
        if not any(caught(x) for x in items.flat):
            return items
        other = lifted(ev, alt())
        return broadcast_n(lambda x, y: _branch(y) if caught(x) else x, [items, other])
    if caught(ev.deref(v)):
        return alt()
    return v


@fn("IFERROR", "lazy", 2, 2)
def _iferror(ev: Any, value: Any, alt: Any) -> Any:
    return _if_error_kind(ev, value, alt, lambda x: isinstance(x, Err))


@fn("IFNA", "lazy", 2, 2)
def _ifna(ev: Any, value: Any, alt: Any) -> Any:
    return _if_error_kind(ev, value, alt, lambda x: x is V.NA)


@fn("IFS", "lazy", 2)
def _ifs(ev: Any, *args: Any) -> Any:
    """IFS(test1, value1, ...): the value of the first true test; over array tests, item by item."""
    first = args[0]()
    if lifts(ev, first):
        k = len(args) // 2
        tests = [ev.array(first)] + [lifted(ev, args[i]()) for i in range(2, 2 * k, 2)]
        results = [lifted(ev, args[i]()) for i in range(1, 2 * k, 2)]

        def one(*items: Value) -> Value:
            for t, r in zip(items[:k], items[k:]):
                if isinstance(t, Err):
                    return t
                if to_bool(t):
                    return _branch(r)
            return V.NA
        return broadcast_n(one, [*tests, *results])
    for i in range(0, len(args) - 1, 2):
        c = ev.deref(first if i == 0 else args[i]())
        if isinstance(c, Err):
            return c
        if to_bool(c):
            return args[i + 1]()
    return V.NA


@fn("SWITCH", "lazy", 3)
def _switch(ev: Any, expr: Any, *args: Any) -> Any:
    """SWITCH(expression, value1, result1, ..., [default]): values are compared in order; an
    error in the expression, or in a value reached before a match, is the result. Over an
    array expression, item by item."""
    from ..operators import compare
    x = expr()
    n = len(args)
    if lifts(ev, x):
        values = [lifted(ev, args[i]()) for i in range(0, n - 1, 2)]
        results = [lifted(ev, args[i]()) for i in range(1, n, 2)]
        default = lifted(ev, args[-1]()) if n % 2 else V.NA

        def one(item: Value, *rest: Value) -> Value:
            if isinstance(item, Err):
                return item
            k = len(values)
            for i in range(k):
                if isinstance(rest[i], Err):
                    return rest[i]
                if compare(item, rest[i]) == 0:
                    return _branch(rest[k + i])
            return _branch(rest[-1])
        return broadcast_n(one, [ev.array(x), *values, *results, default])
    x = ev.deref(x)
    if isinstance(x, Err):
        return x
    for i in range(0, n - 1, 2):
        candidate = ev.deref(args[i]())
        if isinstance(candidate, Err):
            return candidate
        if compare(x, candidate) == 0:
            return args[i + 1]()
    return args[-1]() if n % 2 else V.NA


@fn("CHOOSE", "lazy", 2)
def _choose(ev: Any, index: Any, *options: Any) -> Any:
    """CHOOSE(index, value1, ...); over an array of indexes, item by item (``CHOOSE({1,2},a,b)``
    puts two columns side by side)."""
    idx = index()
    if lifts(ev, idx):
        values = [lifted(ev, o()) for o in options]

        def one(k: Value, *items: Value) -> Value:
            i = int(to_number(k))
            if i < 1 or i > len(items):
                raise XlFail(V.VALUE)
            return _branch(items[i - 1])
        return broadcast_n(one, [ev.array(idx), *values])
    i = int(to_number(ev.deref(idx)))
    if i < 1 or i > len(options):
        raise XlFail(V.VALUE)
    return options[i - 1]()


def _logicals(ev: Any, args: tuple[Any, ...]) -> list[bool]:
    """The logical values AND, OR and XOR read, left to right (the first error is theirs): numbers
    and logicals; text is ignored, in a range or given directly (``OR("0",FALSE)`` is FALSE),
    but for direct ``"TRUE"`` and ``"FALSE"``; none at all is ``#VALUE!``."""
    out: list[bool] = []
    for a in args:
        if isinstance(a, (Ref, np.ndarray)):
            for v in _flat(ev, a):
                if isinstance(v, Err):
                    raise XlFail(v)
                if isinstance(v, (bool, float)):
                    out.append(bool(v))
        elif isinstance(a, str):
            if a.strip().upper() in ("TRUE", "FALSE"):
                out.append(a.strip().upper() == "TRUE")
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
    FUNCTIONS[_name] = Fn(elementwise(_info(_test)), "raw", 1, 1)


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


