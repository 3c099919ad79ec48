"""Engineering functions: base conversions between binary, octal, decimal and hexadecimal
(BIN2DEC, DEC2HEX, HEX2OCT ...), DELTA and GESTEP.

Excel's rules for the base conversions, one implementation for all twelve:

- a binary, octal or hexadecimal argument is at most 10 digits; 10 digits whose first is
  high are a negative number in two's complement (10 bits, 30 bits, 40 bits). A number
  argument is read as its digits (``BIN2DEC(101)`` is 5); an empty argument is 0; any other
  text is ``#NUM!``; a logical value is ``#VALUE!``.
- a decimal argument is coerced like arithmetic (text that is no number is ``#VALUE!``) and
  truncated; out of the target's range (-512..511 for binary, ±2^29 octal, ±2^39 hex) is ``#NUM!``.
- ``places``, judged before the number, is truncated, must be 1..10 (else ``#NUM!``) and pads with zeros; a result longer
  than ``places`` is ``#NUM!``. A negative result is always its 10 digits, whatever ``places``.
"""

from __future__ import annotations

import math
from typing import Callable, Optional

from .. import values as V
from ..values import Value, XlFail, num_text, to_number
from .base import FUNCTIONS, Fn, fn

_DIGITS = 10
_BASES = {"BIN": 2, "OCT": 8, "DEC": 10, "HEX": 16}
_VALID = {2: "01", 8: "01234567", 16: "0123456789ABCDEF"}


def _from_base(v: Value, base: int) -> int:
    """A binary/octal/hex argument as a signed integer (two's complement over 10 digits)."""
    if isinstance(v, bool):
        raise XlFail(V.VALUE)
    if isinstance(v, V.Err):
        raise XlFail(v)
    if v is None:
        return 0
    text = num_text(v) if isinstance(v, float) else str(v).strip()
    if text == "":
        return 0
    if len(text) > _DIGITS:
        raise XlFail(V.NUM)
    if any(ch not in _VALID[base] for ch in text.upper()):
        raise XlFail(V.NUM)
    n = int(text, base)
    full = base ** _DIGITS
    return n - full if n >= full // 2 else n


def _from_decimal(v: Value) -> int:
    if isinstance(v, bool):
        raise XlFail(V.VALUE)
    return math.trunc(to_number(v))


def _places(v: Value) -> Optional[int]:
    if v is None:
        return None
    if isinstance(v, bool):
        raise XlFail(V.VALUE)
    p = math.trunc(to_number(v))
    if not 1 <= p <= _DIGITS:
        raise XlFail(V.NUM)
    return p


def _to_base(n: int, base: int, places: Optional[int]) -> Value:
    """``n`` written in ``base`` (10 is a plain number result)."""
    full = base ** _DIGITS
    if base == 10:
        return float(n)
    if not -full // 2 <= n < full // 2:
        raise XlFail(V.NUM)
    if n < 0:
        return _digits(n + full, base)
    text = _digits(n, base)
    if places is not None:
        if len(text) > places:
            raise XlFail(V.NUM)
        text = text.rjust(places, "0")
    return text


def _digits(n: int, base: int) -> str:
    return {2: f"{n:b}", 8: f"{n:o}", 16: f"{n:X}"}[base]


def _converter(src: int, dst: int) -> Callable[..., Value]:
    def convert(number: Value, places: Value = None) -> Value:
        p = _places(places) if dst != 10 else None  # Excel judges places first
        n = _from_decimal(number) if src == 10 else _from_base(number, src)
        return _to_base(n, dst, p)
    return convert


for _src, _sb in _BASES.items():
    for _dst, _db in _BASES.items():
        if _src != _dst:
            FUNCTIONS[f"{_src}2{_dst}"] = Fn(_converter(_sb, _db), "scalar", 1, 1 if _db == 10 else 2)


@fn("DELTA", min_args=1, max_args=2)
def _delta(a: Value, b: Value = 0.0) -> Value:
    if isinstance(a, bool) or isinstance(b, bool):
        raise XlFail(V.VALUE)
    return 1.0 if to_number(a) == to_number(b) else 0.0


@fn("GESTEP", min_args=1, max_args=2)
def _gestep(a: Value, step: Value = 0.0) -> Value:
    if isinstance(a, bool) or isinstance(step, bool):
        raise XlFail(V.VALUE)
    return 1.0 if to_number(a) >= to_number(step) else 0.0


# --- bitwise: whole numbers of 0 to 2^48-1, as Excel (a fraction, a negative or a larger number is #NUM!)

_BITS = 2 ** 48


def _bits(v: Value) -> int:
    if isinstance(v, bool):
        raise XlFail(V.VALUE)
    x = to_number(v)
    if x < 0 or x >= _BITS or x != math.floor(x):
        raise XlFail(V.NUM)
    return int(x)


def _bitwise(op: Callable[[int, int], int]) -> Callable[..., Value]:
    return lambda a, b: float(op(_bits(a), _bits(b)))


FUNCTIONS["BITAND"] = Fn(_bitwise(lambda a, b: a & b), "scalar", 2, 2)
FUNCTIONS["BITOR"] = Fn(_bitwise(lambda a, b: a | b), "scalar", 2, 2)
FUNCTIONS["BITXOR"] = Fn(_bitwise(lambda a, b: a ^ b), "scalar", 2, 2)


def _shift(number: Value, amount: Value, left: bool) -> Value:
    n = _bits(number)
    if isinstance(amount, bool):
        raise XlFail(V.VALUE)
    k = math.trunc(to_number(amount))
    if abs(k) > 53:
        raise XlFail(V.NUM)
    k = k if left else -k
    out = n << k if k >= 0 else n >> -k
    if out >= _BITS:
        raise XlFail(V.NUM)
    return float(out)


FUNCTIONS["BITLSHIFT"] = Fn(lambda n, k: _shift(n, k, True), "scalar", 2, 2)
FUNCTIONS["BITRSHIFT"] = Fn(lambda n, k: _shift(n, k, False), "scalar", 2, 2)
