"""Integer and counting arithmetic: FACT, FACTDOUBLE, COMBIN, COMBINA, PERMUT, PERMUTATIONA,
MULTINOMIAL, GCD, LCM, EVEN, ODD, QUOTIENT, SQRTPI, SUMSQ, SERIESSUM, and BASE/DECIMAL
(any radix from 2 to 36), ROMAN and ARABIC.

Arguments that count things are truncated; a negative count, or more chosen than there are,
is ``#NUM!``, as Excel. Results too large for a double are ``#NUM!``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import values as V
from ..values import Value, XlFail, to_number, to_text
from .base import _check, _numbers, fn, seqsum

_ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _count(v: Value) -> int:
    n = math.trunc(to_number(v))
    if n < 0:
        raise XlFail(V.NUM)
    return n


_LOG_MAX = math.log(1.7976931348623157e308)


def _fits(log_value: float) -> None:
    """Refuse (``#NUM!``) a result whose natural log (or a lower bound of it) says it is past a
    double, before it is computed exactly (``COMBIN(1E9,5E8)`` would take hours)."""
    if log_value > _LOG_MAX:
        raise XlFail(V.NUM)


def _comb(a: int, b: int) -> int:
    """C(a, b), refused when past a double: C(a, b) >= (a/b)^b with b the smaller side."""
    b = min(b, a - b)
    if b > 0:
        _fits(b * math.log(a / b))
    return math.comb(a, b)


def _log_factorial(n: float) -> float:
    return math.lgamma(n + 1)


def _big(n: int) -> float:
    try:
        return _check(float(n))
    except OverflowError:
        raise XlFail(V.NUM) from None


@fn("FACT", min_args=1, max_args=1)
def _fact(x: Value) -> Value:
    n = _count(x)
    if n > 170:
        raise XlFail(V.NUM)
    return float(math.factorial(n))


@fn("FACTDOUBLE", min_args=1, max_args=1)
def _factdouble(x: Value) -> Value:
    n = math.trunc(to_number(x))
    if n < -1 or n > 300:
        raise XlFail(V.NUM)
    return _big(math.prod(range(n, 0, -2))) if n > 0 else 1.0


@fn("COMBIN", min_args=2, max_args=2)
def _combin(n: Value, k: Value) -> Value:
    a, b = _count(n), _count(k)
    if b > a:
        raise XlFail(V.NUM)
    return _big(_comb(a, b))


@fn("COMBINA", min_args=2, max_args=2)
def _combina(n: Value, k: Value) -> Value:
    a, b = _count(n), _count(k)
    if a == 0 and b == 0:
        return 1.0
    if a == 0:
        raise XlFail(V.NUM)
    return _big(_comb(a + b - 1, b))


@fn("PERMUT", min_args=2, max_args=2)
def _permut(n: Value, k: Value) -> Value:
    a, b = _count(n), _count(k)
    if a == 0 or b > a:
        raise XlFail(V.NUM)
    if b:  # P(a, b) >= (a - b + 1)^b, and a! when b = a
        _fits(b * math.log(a - b + 1) if a > b else _log_factorial(a))
    return _big(math.perm(a, b))


@fn("PERMUTATIONA", min_args=2, max_args=2)
def _permutationa(n: Value, k: Value) -> Value:
    a, b = _count(n), _count(k)
    if a > 1:
        _fits(b * math.log(a))
    return _big(a ** b)


@fn("MULTINOMIAL", "raw", 1)
def _multinomial(ev: Any, *args: Any) -> Value:
    parts = [math.trunc(x) for x in _numbers(ev, args)]
    if any(p < 0 for p in parts):
        raise XlFail(V.NUM)
    out, total = 1, 0
    for p in parts:  # (p1+...+pn)! / (p1!...pn!) as a product of binomial coefficients
        total += p
        out *= _comb(total, p)
        _fits(math.log(out) if out > 1 else 0.0)
    return _big(out)


def _gcd_args(ev: Any, args: tuple[Any, ...]) -> list[int]:
    xs = _numbers(ev, args)
    if (xs < 0).any() or (xs >= 2 ** 53).any():
        raise XlFail(V.NUM)
    return [int(x) for x in xs]


@fn("GCD", "raw", 1)
def _gcd(ev: Any, *args: Any) -> Value:
    return float(math.gcd(*_gcd_args(ev, args)))


@fn("LCM", "raw", 1)
def _lcm(ev: Any, *args: Any) -> Value:
    return _big(math.lcm(*_gcd_args(ev, args)))


@fn("EVEN", min_args=1, max_args=1)
def _even(x: Value) -> Value:
    n = to_number(x)
    m = math.ceil(abs(n) / 2) * 2
    return math.copysign(m, n) if m else 0.0


@fn("ODD", min_args=1, max_args=1)
def _odd(x: Value) -> Value:
    n = to_number(x)
    m = math.ceil(abs(n))
    m = m if m % 2 else m + 1
    return -float(m) if n < 0 else float(m)


@fn("QUOTIENT", min_args=2, max_args=2)
def _quotient(a: Value, b: Value) -> Value:
    x, y = to_number(a), to_number(b)
    if y == 0:
        raise XlFail(V.DIV0)
    return float(math.trunc(x / y))


@fn("SQRTPI", min_args=1, max_args=1)
def _sqrtpi(x: Value) -> Value:
    n = to_number(x)
    if n < 0:
        raise XlFail(V.NUM)
    return math.sqrt(n * math.pi)


@fn("SUMSQ", "raw", 1)
def _sumsq(ev: Any, *args: Any) -> Value:
    x = _numbers(ev, args)
    return _check(seqsum(x * x))


@fn("SERIESSUM", "raw", 4, 4)
def _seriessum(ev: Any, x: Any, n: Any, m: Any, coefficients: Any) -> Value:
    at, first, step = (to_number(ev.deref(v)) for v in (x, n, m))
    coef = _numbers(ev, (coefficients,))
    return _check(seqsum(coef * at ** (first + step * np.arange(coef.size))))


@fn("BASE", min_args=2, max_args=3)
def _base(number: Value, radix: Value, min_length: Value = None) -> Value:
    n, r = math.trunc(to_number(number)), math.trunc(to_number(radix))
    width = 0 if min_length is None else math.trunc(to_number(min_length))
    if n < 0 or n >= 2 ** 53 or not 2 <= r <= 36 or not 0 <= width <= 255:
        raise XlFail(V.NUM)
    digits = ""
    while n:
        n, d = divmod(n, r)
        digits = _DIGITS[d] + digits
    return (digits or "0").rjust(width, "0")


@fn("DECIMAL", min_args=2, max_args=2)
def _decimal(text: Value, radix: Value) -> Value:
    s, r = to_text(text).strip().upper(), math.trunc(to_number(radix))
    if not 2 <= r <= 36 or len(s) > 255 or any(ch not in _DIGITS[:r] for ch in s):
        raise XlFail(V.NUM)
    return _big(int(s, r)) if s else 0.0


@fn("ROMAN", min_args=1, max_args=2)
def _roman(number: Value, form: Value = None) -> Value:
    """Classic Roman numerals (form 0); the concise forms 1-4 are not supported (#VALUE!)."""
    n = math.trunc(to_number(number))
    classic = form is None or form is True or (not isinstance(form, bool) and to_number(form) == 0)
    if not classic:  # the concise forms: refused rather than approximated
        raise XlFail(V.VALUE)
    if not 0 <= n <= 3999:
        raise XlFail(V.VALUE)
    out = ""
    for value, letters in _ROMAN:
        while n >= value:
            out += letters
            n -= value
    return out


@fn("ARABIC", min_args=1, max_args=1)
def _arabic(text: Value) -> Value:
    s = to_text(text).strip().upper()
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("-")
    values = {letters: value for value, letters in _ROMAN if len(letters) == 1}
    if len(s) > 255 or any(ch not in values for ch in s):
        raise XlFail(V.VALUE)
    total = 0
    for i, ch in enumerate(s):
        v = values[ch]
        total += -v if i + 1 < len(s) and values[s[i + 1]] > v else v
    return sign * total
