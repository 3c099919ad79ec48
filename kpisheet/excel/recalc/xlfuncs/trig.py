"""Trigonometric and hyperbolic functions (SIN ... ACOTH), DEGREES and RADIANS.

Each takes one number, coerced like arithmetic (text that is no number is ``#VALUE!``).
Outside a function's domain the result is ``#NUM!`` (``ASIN(2)``, ``ACOSH(0.5)``), at a pole
``#DIV/0!`` (``COT(0)``, ``ATAN2(0,0)``); an angle of 2^27 or more is ``#NUM!`` for the
circular functions and COTH/CSCH (Excel's documented limit), an overflow is ``#NUM!``.
"""

from __future__ import annotations

import math
from typing import Callable, Optional

from .. import values as V
from ..values import Value, XlFail, to_number
from .base import FUNCTIONS, Fn, fn

_ANGLE_LIMIT = 2.0 ** 27  # Excel's documented bound for SIN, COS, TAN, COT, CSC, SEC, COTH, CSCH


def _one(f: Callable[[float], float], domain: Optional[Callable[[float], bool]] = None,
         pole: Optional[Callable[[float], bool]] = None, limited: bool = False) -> Callable[[Value], Value]:
    def impl(v: Value) -> Value:
        x = to_number(v)
        if limited and abs(x) >= _ANGLE_LIMIT:
            raise XlFail(V.NUM)
        if domain is not None and not domain(x):
            raise XlFail(V.NUM)
        if pole is not None and pole(x):
            raise XlFail(V.DIV0)
        try:
            y = f(x)
        except (OverflowError, ValueError):
            raise XlFail(V.NUM) from None
        if not math.isfinite(y):
            raise XlFail(V.NUM)
        return y
    return impl


def _zero(x: float) -> bool:
    return x == 0


_ONE_ARG: dict[str, Callable[[Value], Value]] = {
    "SIN": _one(math.sin, limited=True),
    "COS": _one(math.cos, limited=True),
    "TAN": _one(math.tan, limited=True),
    "COT": _one(lambda x: 1 / math.tan(x), pole=_zero, limited=True),
    "CSC": _one(lambda x: 1 / math.sin(x), pole=_zero, limited=True),
    "SEC": _one(lambda x: 1 / math.cos(x), limited=True),
    "ASIN": _one(math.asin, domain=lambda x: -1 <= x <= 1),
    "ACOS": _one(math.acos, domain=lambda x: -1 <= x <= 1),
    "ATAN": _one(math.atan),
    "ACOT": _one(lambda x: math.pi / 2 - math.atan(x)),
    "SINH": _one(math.sinh),
    "COSH": _one(math.cosh),
    "TANH": _one(math.tanh),
    "COTH": _one(lambda x: 1 / math.tanh(x), pole=_zero, limited=True),
    "CSCH": _one(lambda x: 1 / math.sinh(x), pole=_zero, limited=True),
    "SECH": _one(lambda x: 1 / math.cosh(x) if abs(x) < 710 else 0.0),
    "ASINH": _one(math.asinh),
    "ACOSH": _one(math.acosh, domain=lambda x: x >= 1),
    "ATANH": _one(math.atanh, domain=lambda x: -1 < x < 1),
    "ACOTH": _one(lambda x: 0.5 * math.log((x + 1) / (x - 1)), domain=lambda x: abs(x) > 1),
    "DEGREES": _one(math.degrees),
    "RADIANS": _one(math.radians),
}
for _name, _impl in _ONE_ARG.items():
    FUNCTIONS[_name] = Fn(_impl, "scalar", 1, 1)


@fn("ATAN2", min_args=2, max_args=2)
def _atan2(x_num: Value, y_num: Value) -> Value:
    """ATAN2(x, y): the angle of the point (x, y) — x first, unlike most languages' atan2."""
    x, y = to_number(x_num), to_number(y_num)
    if x == 0 and y == 0:
        raise XlFail(V.DIV0)
    return math.atan2(y, x)
