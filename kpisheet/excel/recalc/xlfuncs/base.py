"""The registry of Excel's functions and the helpers they share."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Callable, Union

import numpy as np

from .. import values as V
from ..ranges import Areas, Ref
from ..values import Err, Value, XlFail, to_number

@dataclass(frozen=True)
class Fn:
    """One function: ``impl`` called in its ``kind`` of style. ``array_args``: its arguments are
    evaluated as arrays (True: all of them; a tuple: those positions, 0-based), as Excel does
    for SUMPRODUCT's, or INDEX's first. A ``scalar`` function never sees an error argument: the
    first one is its result."""

    impl: Callable[..., Any]
    kind: str = "scalar"
    min_args: int = 0
    max_args: int = 255
    array_args: Union[bool, tuple[int, ...]] = False


FUNCTIONS: dict[str, Fn] = {}


def fn(name: str, kind: str = "scalar", min_args: int = 0, max_args: int = 255,
       array_args: Union[bool, tuple[int, ...]] = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def deco(f: Callable[..., Any]) -> Callable[..., Any]:
        for n in name.split():
            if n in FUNCTIONS:  # one implementation of each function: a second one is a bug at import
                raise RuntimeError(f"Excel function {n} is registered twice ({FUNCTIONS[n].impl.__module__})")
            FUNCTIONS[n] = Fn(f, kind, min_args, max_args, array_args)
        return f
    return deco


# --- helpers -------------------------------------------------------------------------------


def _numbers(ev: Any, args: tuple[Any, ...], bools_text_direct: bool = True) -> np.ndarray:
    """The numbers SUM, AVERAGE, MAX ... see: numbers in ranges/arrays; direct arguments coerced."""
    parts: list[np.ndarray] = []
    scalars: list[float] = []
    for a in _areas(args):
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


def _areas(args: tuple[Any, ...]) -> list[Any]:
    """Arguments with each reference of several areas spread into its areas."""
    out: list[Any] = []
    for a in args:
        if isinstance(a, Areas):
            out.extend(a.refs)
        else:
            out.append(a)
    return out


def _flat(ev: Any, a: Any) -> list[Value]:
    if isinstance(a, Areas):
        return [v for r in a.refs for v in ev.data(r).flat]
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


def lifts(ev: Any, v: Any) -> bool:
    """Whether a function lifts item by item over ``v`` (the one array-lifting rule): ``v`` is an
    array, or a range of several cells where Excel evaluates arguments as arrays (see
    :attr:`~..compiler.Compiler.array_context`)."""
    return isinstance(v, np.ndarray) or (isinstance(v, Ref) and not v.is_cell and bool(ev.array_context))


def lifting(*positions: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A ``raw`` function lifted item by item, by :func:`lifts`' rule, over the arguments at
    ``positions`` (0-based; none given: all), the others passed whole: MATCH's lookup value
    over an array of values, with the range it searches kept a range. Each item's result is
    read as one value."""
    def deco(f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def call(ev: Any, *args: Any) -> Any:
            at = [i for i, a in enumerate(args) if (not positions or i in positions) and lifts(ev, a)]
            if not at:
                return f(ev, *args)
            from ..operators import broadcast_n
            lifted_args = [ev.array(a) for i, a in enumerate(args) if i in at]

            def one(*items: Any) -> Any:
                full = list(args)
                for i, item in zip(at, items):
                    full[i] = item
                return ev.deref(f(ev, *full))
            return broadcast_n(one, lifted_args)
        return call
    return deco


def elementwise(f: Callable[..., Any]) -> Callable[..., Any]:
    """A ``raw`` function of scalar arguments (DATE, YEAR, ISERROR ...: raw only to reach the
    evaluator) lifted item by item over all of them: ``SUMPRODUCT((YEAR(dates)=2025)*x)``
    reads every date, as in Excel."""
    return lifting()(f)


def lifted(ev: Any, v: Any) -> Any:
    """``v`` as a function lifting over it takes it: an array when :func:`lifts`, else a scalar."""
    return ev.array(v) if lifts(ev, v) else ev.deref(v)


def numeric_matrix(ev: Any, a: Any) -> np.ndarray:
    """A range, an array or one value as a 2-D array of floats; an error there is the result,
    anything else that is not a number (text, a logical, a blank) is ``#VALUE!``, as Excel's
    matrix and least-squares functions (MMULT, MINVERSE, LINEST ...) read their arguments."""
    arr = ev.array(a) if isinstance(a, (Ref, np.ndarray)) else np.array([[ev.deref(a)]], dtype=object)
    out = np.empty(arr.shape, float)
    for idx, v in np.ndenumerate(arr):
        if isinstance(v, Err):
            raise XlFail(v)
        if not isinstance(v, float):
            raise XlFail(V.VALUE)
        out[idx] = v
    return out
