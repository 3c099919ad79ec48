"""The registry of Excel's functions and the helpers they share."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .. import values as V
from ..ranges import Ref
from ..values import Err, Value, XlFail, to_number

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


