"""One rule at the edge of the function families added for issue 15: a function's arithmetic
accident becomes an Excel error in its cell, never an exception out of the run or a NaN or
infinity written to the file.

An overflow, a domain error (``math.log(0)``) or a result that is not finite is ``#NUM!``, a
division by zero ``#DIV/0!``; in an array result each non-finite number is ``#NUM!``.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any, Callable

import numpy as np

from .. import values as V
from ..values import XlFail
from .base import Fn


def _finite(out: Any) -> Any:
    if out.__class__ is float:
        if not math.isfinite(out):
            raise XlFail(V.NUM)
        return out
    if isinstance(out, np.ndarray) and out.dtype == object:
        flat = out.reshape(-1)  # a view: writing through it writes the array
        for i, v in enumerate(flat):
            if v.__class__ is float and not math.isfinite(v):
                flat[i] = V.NUM
    return out


def guarded(impl: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(impl)
    def call(*args: Any) -> Any:
        try:
            return _finite(impl(*args))
        except ZeroDivisionError:
            raise XlFail(V.DIV0) from None
        except (OverflowError, ValueError):
            raise XlFail(V.NUM) from None
    return call


def guard_modules(functions: dict[str, Fn], modules: set[str]) -> None:
    """Wrap, in place, every function defined in one of ``modules`` (short module names)."""
    for name, f in functions.items():
        if f.impl.__module__.rsplit(".", 1)[-1] in modules:
            functions[name] = dataclasses.replace(f, impl=guarded(f.impl))
