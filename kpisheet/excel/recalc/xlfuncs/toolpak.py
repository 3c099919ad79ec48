"""One rule for the functions Excel took over from the Analysis ToolPak add-in (EDATE,
WORKDAY, YEARFRAC, GCD, the bond and engineering functions ...): they refuse a logical
argument with ``#VALUE!`` where Excel's own functions read TRUE as 1 (``EDATE(366,FALSE)``,
``GCD(5.2,-1,TRUE)``, ``ISEVEN(TRUE)``, ``YEARFRAC(0,345,TRUE)`` are all ``#VALUE!``).

Parameters documented as logical take TRUE and FALSE: ACCRINT's calc_method (Microsoft's own
example passes FALSE). The rule looks at arguments given one value each (a constant, a single cell); arrays and
ranges are read by each function as it reads them. Arguments are checked left to right, so an
error value before the logical one is still the function's result.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Callable

from .. import values as V
from ..ranges import Ref
from ..values import Err, XlFail
from .base import Fn

ANALYSIS_TOOLPAK = frozenset("""
ACCRINT ACCRINTM AMORDEGRC AMORLINC BESSELI BESSELJ BESSELK BESSELY BIN2DEC BIN2HEX BIN2OCT
COMPLEX CONVERT COUPDAYBS COUPDAYS COUPDAYSNC COUPNCD COUPNUM COUPPCD CUMIPMT CUMPRINC DEC2BIN
DEC2HEX DEC2OCT DELTA DISC DOLLARDE DOLLARFR DURATION EDATE EFFECT EOMONTH ERF ERFC FACTDOUBLE
FVSCHEDULE GCD GESTEP HEX2BIN HEX2DEC HEX2OCT IMABS IMAGINARY IMARGUMENT IMCONJUGATE IMCOS IMDIV
IMEXP IMLN IMLOG10 IMLOG2 IMPOWER IMPRODUCT IMREAL IMSIN IMSQRT IMSUB IMSUM INTRATE ISEVEN ISODD
LCM MDURATION MROUND MULTINOMIAL NETWORKDAYS NOMINAL OCT2BIN OCT2DEC OCT2HEX ODDFPRICE ODDFYIELD
ODDLPRICE ODDLYIELD PRICE PRICEDISC PRICEMAT QUOTIENT RANDBETWEEN RECEIVED SERIESSUM SQRTPI
TBILLEQ TBILLPRICE TBILLYIELD WEEKNUM WORKDAY XIRR XNPV YEARFRAC YIELD YIELDDISC YIELDMAT
""".split())

# the 0-based positions of parameters that are logical by their documentation
LOGICAL_PARAMETERS: dict[str, frozenset[int]] = {"ACCRINT": frozenset({7})}


def _refuses_logicals(values: Any, logical: frozenset[int]) -> bool:
    """Whether a logical (outside the ``logical`` positions) comes before any error in ``values``."""
    for i, v in enumerate(values):
        if isinstance(v, Err):
            return False
        if isinstance(v, bool) and i not in logical:
            return True
    return False


def _scalar(impl: Callable[..., Any], logical: frozenset[int]) -> Callable[..., Any]:
    @functools.wraps(impl)
    def call(*args: Any) -> Any:
        if _refuses_logicals(args, logical):
            raise XlFail(V.VALUE)
        return impl(*args)
    return call


def _raw(impl: Callable[..., Any], logical: frozenset[int]) -> Callable[..., Any]:
    @functools.wraps(impl)
    def call(ev: Any, *args: Any) -> Any:
        one = (ev.deref(a) if isinstance(a, Ref) and a.is_cell else a for a in args)
        if _refuses_logicals(one, logical):
            raise XlFail(V.VALUE)
        return impl(ev, *args)
    return call


def refuse_logicals(functions: dict[str, Fn]) -> None:
    """Wrap, in place, each Analysis ToolPak function of ``functions`` with the rule above."""
    for name in ANALYSIS_TOOLPAK & functions.keys():
        f, logical = functions[name], LOGICAL_PARAMETERS.get(name, frozenset())
        if f.kind == "scalar":
            functions[name] = dataclasses.replace(f, impl=_scalar(f.impl, logical))
        elif f.kind == "raw":
            functions[name] = dataclasses.replace(f, impl=_raw(f.impl, logical))
