"""Complex numbers as Excel's engineering functions write them: text ``x+yi`` (or ``j``).
COMPLEX, IMREAL, IMAGINARY, IMABS, IMARGUMENT, IMCONJUGATE, IMSUM, IMSUB, IMPRODUCT, IMDIV,
IMPOWER, IMSQRT, IMEXP, IMLN, IMLOG10, IMLOG2 and the trigonometric and hyperbolic IMSIN ...
IMCSCH.

An argument is text Excel reads as a complex number (``3+4i``, ``-i``, ``2.5E-3j``, ``7``),
a number (real), or an empty cell (0); other text is ``#NUM!``, a logical ``#VALUE!``. Mixing
``i`` and ``j`` in one call is ``#VALUE!``. A result is written with each part in General
format (15 significant digits), ``i`` unless the arguments used ``j``: ``3+4i``, ``i``,
``-2.5j``, ``0``. A pole (IMDIV by 0, IMLN of 0, IMCOT at 0 ...) is ``#NUM!``.
"""

from __future__ import annotations

import cmath
import math
import re
from typing import Any, Callable, Optional

from .. import values as V
from ..values import Err, Value, XlFail, num_text, to_number, to_text
from .base import FUNCTIONS, Fn, _flat, _areas, fn

_NUM = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_COMPLEX = re.compile(rf"^([+-]?{_NUM})?(?:([+-]?)({_NUM})?([ij]))?$")


def parse(v: Value) -> tuple[complex, Optional[str]]:
    """A complex argument and its suffix (None: a real number)."""
    if isinstance(v, Err):
        raise XlFail(v)
    if isinstance(v, bool):
        raise XlFail(V.VALUE)
    if v is None:
        return 0j, None
    if isinstance(v, float):
        return complex(v, 0.0), None
    text = str(v).strip()
    m = _COMPLEX.match(text) if text else None
    if m is None or (m.group(1) is None and m.group(4) is None):
        raise XlFail(V.NUM)
    real = float(m.group(1)) if m.group(1) else 0.0
    if m.group(4) is None:
        return complex(real, 0.0), None
    sign, mag = m.group(2), m.group(3)
    if m.group(1) and not sign:  # "3 4i": the imaginary part must be signed after a real part
        raise XlFail(V.NUM)
    imag = float(mag) if mag else 1.0
    return complex(real, -imag if sign == "-" else imag), m.group(4)


def _suffix(suffixes: list[Optional[str]]) -> str:
    used = {s for s in suffixes if s is not None}
    if len(used) > 1:
        raise XlFail(V.VALUE)
    return used.pop() if used else "i"


def write(z: complex, suffix: str = "i") -> str:
    x, y = z.real, z.imag
    if not (math.isfinite(x) and math.isfinite(y)):
        raise XlFail(V.NUM)
    x = 0.0 if x == 0 else x
    y = 0.0 if y == 0 else y
    if y == 0:
        return num_text(x)
    im = suffix if abs(y) == 1 else num_text(abs(y)) + suffix
    if x == 0:
        return ("-" if y < 0 else "") + im
    return num_text(x) + ("-" if y < 0 else "+") + im


@fn("COMPLEX", min_args=2, max_args=3)
def _complex(real: Value, imag: Value, suffix: Value = None) -> Value:
    if isinstance(real, bool) or isinstance(imag, bool):
        raise XlFail(V.VALUE)
    s = "i" if suffix is None or suffix == "" else to_text(suffix)
    if s not in ("i", "j"):
        raise XlFail(V.VALUE)
    return write(complex(to_number(real), to_number(imag)), s)


def _unary(f: Callable[[complex], Any], text: bool = True) -> Callable[..., Value]:
    def call(v: Value) -> Value:
        z, s = parse(v)
        try:
            out = f(z)
        except (ZeroDivisionError, ValueError, OverflowError):
            raise XlFail(V.NUM) from None
        return write(out, s or "i") if text else out
    return call


def _argument(z: complex) -> float:
    if z == 0:
        raise XlFail(V.DIV0)
    return math.atan2(z.imag, z.real)


def _log(z: complex, base: float) -> complex:
    if z == 0:
        raise XlFail(V.NUM)
    return cmath.log(z) / math.log(base)


def _inverse(f: Callable[[complex], complex]) -> Callable[[complex], complex]:
    def g(z: complex) -> complex:
        d = f(z)
        if d == 0:
            raise XlFail(V.NUM)
        return 1 / d
    return g


_FUNCS: dict[str, tuple[Callable[[complex], Any], bool]] = {
    "IMREAL": (lambda z: z.real, False), "IMAGINARY": (lambda z: z.imag, False),
    "IMABS": (lambda z: abs(z), False), "IMARGUMENT": (_argument, False),
    "IMCONJUGATE": (lambda z: z.conjugate(), True), "IMSQRT": (cmath.sqrt, True), "IMEXP": (cmath.exp, True),
    "IMLN": (lambda z: _log(z, math.e), True), "IMLOG10": (lambda z: _log(z, 10), True),
    "IMLOG2": (lambda z: _log(z, 2), True), "IMSIN": (cmath.sin, True), "IMCOS": (cmath.cos, True),
    "IMTAN": (cmath.tan, True), "IMSINH": (cmath.sinh, True), "IMCOSH": (cmath.cosh, True),
    "IMSEC": (_inverse(cmath.cos), True), "IMCSC": (_inverse(cmath.sin), True),
    "IMCOT": (_inverse(cmath.tan), True), "IMSECH": (_inverse(cmath.cosh), True),
    "IMCSCH": (_inverse(cmath.sinh), True),
}
for _name, (_f, _text) in _FUNCS.items():
    FUNCTIONS[_name] = Fn(_unary(_f, _text), "scalar", 1, 1)


@fn("IMSUB", min_args=2, max_args=2)
def _imsub(a: Value, b: Value) -> Value:
    (x, s), (y, t) = parse(a), parse(b)
    return write(x - y, _suffix([s, t]))


@fn("IMDIV", min_args=2, max_args=2)
def _imdiv(a: Value, b: Value) -> Value:
    (x, s), (y, t) = parse(a), parse(b)
    if y == 0:
        raise XlFail(V.NUM)
    return write(x / y, _suffix([s, t]))


@fn("IMPOWER", min_args=2, max_args=2)
def _impower(a: Value, n: Value) -> Value:
    """By the polar form, as Excel: r^n (cos nθ + i sin nθ)."""
    z, s = parse(a)
    if isinstance(n, bool):
        raise XlFail(V.VALUE)
    p = to_number(n)
    if z == 0:
        if p <= 0:
            raise XlFail(V.NUM)
        return write(0j, s or "i")
    r, theta = abs(z), math.atan2(z.imag, z.real)
    rp = r ** p
    return write(complex(rp * math.cos(p * theta), rp * math.sin(p * theta)), s or "i")


def _many(ev: Any, args: tuple[Any, ...]) -> tuple[list[complex], str]:
    zs: list[complex] = []
    suffixes: list[Optional[str]] = []
    for a in _areas(args):
        for v in _flat(ev, a):
            z, s = parse(v)
            zs.append(z)
            suffixes.append(s)
    return zs, _suffix(suffixes)


@fn("IMSUM", "raw", 1)
def _imsum(ev: Any, *args: Any) -> Value:
    zs, s = _many(ev, args)
    return write(complex(math.fsum(z.real for z in zs), math.fsum(z.imag for z in zs)), s)


@fn("IMPRODUCT", "raw", 1)
def _improduct(ev: Any, *args: Any) -> Value:
    zs, s = _many(ev, args)
    out = 1 + 0j
    for z in zs:
        out *= z
    return write(out, s)
