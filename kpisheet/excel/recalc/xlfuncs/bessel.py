"""The Bessel functions BESSELJ, BESSELY, BESSELI and BESSELK of whole order.

Excel computes them with the classic polynomial and rational approximations (Abramowitz and
Stegun 9.4 and 9.8, as in Numerical Recipes), good to about 1e-8, and its documented results
carry their error (``BESSELK(1.5,1)`` is 0.277387804, the true value 0.2773878005): these are
the same approximations, which reproduce those documented results. Orders above 1 come by
recurrence (downward for J and I, Miller's, started far enough above ``n`` to reach a double: the
documented BESSELJ(1.9,2) needs it). ``n`` is truncated; a negative order is
``#NUM!``, and so is ``x`` of 0 or less for K and Y.
"""

from __future__ import annotations

import math

from .. import values as V
from ..values import Value, XlFail, to_number
from .base import fn

_ACC, _BIGNO, _BIGNI = 160.0, 1e10, 1e-10  # Miller: starting far enough above n to reach a double


def _j0(x: float) -> float:
    ax = abs(x)
    if ax < 8.0:
        y = x * x
        a1 = 57568490574.0 + y * (-13362590354.0 + y * (651619640.7 + y * (-11214424.18 + y * (77392.33017
                                                                                          + y * -184.9052456))))
        a2 = 57568490411.0 + y * (1029532985.0 + y * (9494680.718 + y * (59272.64853 + y * (267.8532712 + y))))
        return a1 / a2
    z = 8.0 / ax
    y = z * z
    xx = ax - 0.785398164
    a1 = 1.0 + y * (-0.1098628627e-2 + y * (0.2734510407e-4 + y * (-0.2073370639e-5 + y * 0.2093887211e-6)))
    a2 = -0.1562499995e-1 + y * (0.1430488765e-3 + y * (-0.6911147651e-5 + y * (0.7621095161e-6
                                                                                - y * 0.934935152e-7)))
    return math.sqrt(0.636619772 / ax) * (math.cos(xx) * a1 - z * math.sin(xx) * a2)


def _j1(x: float) -> float:
    ax = abs(x)
    if ax < 8.0:
        y = x * x
        a1 = x * (72362614232.0 + y * (-7895059235.0 + y * (242396853.1 + y * (-2972611.439 + y * (15704.48260
                                                                                               + y * -30.16036606)))))
        a2 = 144725228442.0 + y * (2300535178.0 + y * (18583304.74 + y * (99447.43394 + y * (376.9991397 + y))))
        return a1 / a2
    z = 8.0 / ax
    y = z * z
    xx = ax - 2.356194491
    a1 = 1.0 + y * (0.183105e-2 + y * (-0.3516396496e-4 + y * (0.2457520174e-5 + y * -0.240337019e-6)))
    a2 = 0.04687499995 + y * (-0.2002690873e-3 + y * (0.8449199096e-5 + y * (-0.88228987e-6 + y * 0.105787412e-6)))
    ans = math.sqrt(0.636619772 / ax) * (math.cos(xx) * a1 - z * math.sin(xx) * a2)
    return -ans if x < 0 else ans


def _jn(n: int, x: float) -> float:
    if n == 0:
        return _j0(x)
    if n == 1:
        return _j1(x)
    ax = abs(x)
    if ax == 0.0:
        return 0.0
    tox = 2.0 / ax
    if ax > n:  # upward recurrence is stable
        bjm, bj = _j0(ax), _j1(ax)
        for j in range(1, n):
            bjm, bj = bj, j * tox * bj - bjm
        ans = bj
    else:  # Miller's downward recurrence, normalised by J0 + 2(J2 + J4 + ...) = 1
        m = 2 * ((n + int(math.sqrt(_ACC * n))) // 2)
        even = False
        bjp = ans = total = 0.0
        bj = 1.0
        for j in range(m, 0, -1):
            bjm = j * tox * bj - bjp
            bjp, bj = bj, bjm
            if abs(bj) > _BIGNO:
                bj, bjp, ans, total = bj * _BIGNI, bjp * _BIGNI, ans * _BIGNI, total * _BIGNI
            if even:
                total += bj
            even = not even
            if j == n:
                ans = bjp
        total = 2.0 * total - bj
        ans /= total
    return -ans if x < 0 and n % 2 else ans


def _y0(x: float) -> float:
    if x < 8.0:
        y = x * x
        a1 = -2957821389.0 + y * (7062834065.0 + y * (-512359803.6 + y * (10879881.29 + y * (-86327.92757
                                                                                        + y * 228.4622733))))
        a2 = 40076544269.0 + y * (745249964.8 + y * (7189466.438 + y * (47447.26470 + y * (226.1030244 + y))))
        return a1 / a2 + 0.636619772 * _j0(x) * math.log(x)
    z = 8.0 / x
    y = z * z
    xx = x - 0.785398164
    a1 = 1.0 + y * (-0.1098628627e-2 + y * (0.2734510407e-4 + y * (-0.2073370639e-5 + y * 0.2093887211e-6)))
    a2 = -0.1562499995e-1 + y * (0.1430488765e-3 + y * (-0.6911147651e-5 + y * (0.7621095161e-6
                                                                                + y * -0.934945152e-7)))
    return math.sqrt(0.636619772 / x) * (math.sin(xx) * a1 + z * math.cos(xx) * a2)


def _y1(x: float) -> float:
    if x < 8.0:
        y = x * x
        a1 = x * (-0.4900604943e13 + y * (0.1275274390e13 + y * (-0.5153438139e11 + y * (0.7349264551e9
                                                                                       + y * (-0.4237922726e7
                                                                                              + y * 0.8511937935e4)))))
        a2 = 0.2499580570e14 + y * (0.4244419664e12 + y * (0.3733650367e10 + y * (0.2245904002e8 + y * (
            0.1020426050e6 + y * (0.3549632885e3 + y)))))
        return a1 / a2 + 0.636619772 * (_j1(x) * math.log(x) - 1.0 / x)
    z = 8.0 / x
    y = z * z
    xx = x - 2.356194491
    a1 = 1.0 + y * (0.183105e-2 + y * (-0.3516396496e-4 + y * (0.2457520174e-5 + y * -0.240337019e-6)))
    a2 = 0.04687499995 + y * (-0.2002690873e-3 + y * (0.8449199096e-5 + y * (-0.88228987e-6 + y * 0.105787412e-6)))
    return math.sqrt(0.636619772 / x) * (math.sin(xx) * a1 + z * math.cos(xx) * a2)


def _yn(n: int, x: float) -> float:
    if n == 0:
        return _y0(x)
    bym, by = _y0(x), _y1(x)
    tox = 2.0 / x
    for j in range(1, n):
        bym, by = by, j * tox * by - bym
    return by


def _i0(x: float) -> float:
    ax = abs(x)
    if ax < 3.75:
        y = (x / 3.75) ** 2
        return 1.0 + y * (3.5156229 + y * (3.0899424 + y * (1.2067492 + y * (0.2659732 + y * (0.360768e-1
                                                                                             + y * 0.45813e-2)))))
    y = 3.75 / ax
    return (math.exp(ax) / math.sqrt(ax)) * (0.39894228 + y * (0.1328592e-1 + y * (0.225319e-2 + y * (
        -0.157565e-2 + y * (0.916281e-2 + y * (-0.2057706e-1 + y * (0.2635537e-1 + y * (-0.1647633e-1
                                                                                          + y * 0.392377e-2))))))))


def _i1(x: float) -> float:
    ax = abs(x)
    if ax < 3.75:
        y = (x / 3.75) ** 2
        ans = ax * (0.5 + y * (0.87890594 + y * (0.51498869 + y * (0.15084934 + y * (0.2658733e-1 + y * (
            0.301532e-2 + y * 0.32411e-3))))))
    else:
        y = 3.75 / ax
        ans = 0.2282967e-1 + y * (-0.2895312e-1 + y * (0.1787654e-1 - y * 0.420059e-2))
        ans = 0.39894228 + y * (-0.3988024e-1 + y * (-0.362018e-2 + y * (0.163801e-2 + y * (-0.1031555e-1 + y * ans))))
        ans *= math.exp(ax) / math.sqrt(ax)
    return -ans if x < 0 else ans


def _in(n: int, x: float) -> float:
    if n == 0:
        return _i0(x)
    if n == 1:
        return _i1(x)
    if x == 0.0:
        return 0.0
    tox = 2.0 / abs(x)
    bip = ans = 0.0
    bi = 1.0
    for j in range(2 * (n + int(math.sqrt(_ACC * n))), 0, -1):
        bim = bip + j * tox * bi
        bip, bi = bi, bim
        if abs(bi) > _BIGNO:
            ans, bi, bip = ans * _BIGNI, bi * _BIGNI, bip * _BIGNI
        if j == n:
            ans = bip
    ans *= _i0(x) / bi
    return -ans if x < 0 and n % 2 else ans


def _k0(x: float) -> float:
    if x <= 2.0:
        y = x * x / 4.0
        return -math.log(x / 2.0) * _i0(x) + (-0.57721566 + y * (0.42278420 + y * (0.23069756 + y * (
            0.3488590e-1 + y * (0.262698e-2 + y * (0.10750e-3 + y * 0.74e-5))))))
    y = 2.0 / x
    return (math.exp(-x) / math.sqrt(x)) * (1.25331414 + y * (-0.7832358e-1 + y * (0.2189568e-1 + y * (
        -0.1062446e-1 + y * (0.587872e-2 + y * (-0.251540e-2 + y * 0.53208e-3))))))


def _k1(x: float) -> float:
    if x <= 2.0:
        y = x * x / 4.0
        return math.log(x / 2.0) * _i1(x) + (1.0 / x) * (1.0 + y * (0.15443144 + y * (-0.67278579 + y * (
            -0.18156897 + y * (-0.1919402e-1 + y * (-0.110404e-2 + y * -0.4686e-4))))))
    y = 2.0 / x
    return (math.exp(-x) / math.sqrt(x)) * (1.25331414 + y * (0.23498619 + y * (-0.3655620e-1 + y * (
        0.1504268e-1 + y * (-0.780353e-2 + y * (0.325614e-2 + y * -0.68245e-3))))))


def _kn(n: int, x: float) -> float:
    if n == 0:
        return _k0(x)
    bkm, bk = _k0(x), _k1(x)
    tox = 2.0 / x
    for j in range(1, n):
        bkm, bk = bk, bkm + j * tox * bk
    return bk


_MAX_ORDER = 100_000  # a higher order is refused (#NUM!) rather than recurred through


def _args(x: Value, n: Value, positive: bool) -> tuple[float, int]:
    if isinstance(x, bool) or isinstance(n, bool):
        raise XlFail(V.VALUE)
    xv, nv = to_number(x), math.trunc(to_number(n))
    if nv < 0 or nv > _MAX_ORDER or (positive and xv <= 0):
        raise XlFail(V.NUM)
    return xv, nv


@fn("BESSELJ", min_args=2, max_args=2)
def _besselj(x: Value, n: Value) -> Value:
    xv, nv = _args(x, n, False)
    return _jn(nv, xv)


@fn("BESSELY", min_args=2, max_args=2)
def _bessely(x: Value, n: Value) -> Value:
    xv, nv = _args(x, n, True)
    return _yn(nv, xv)


@fn("BESSELI", min_args=2, max_args=2)
def _besseli(x: Value, n: Value) -> Value:
    xv, nv = _args(x, n, False)
    return _in(nv, xv)


@fn("BESSELK", min_args=2, max_args=2)
def _besselk(x: Value, n: Value) -> Value:
    xv, nv = _args(x, n, True)
    return _kn(nv, xv)
