"""Odd arguments never crash the functions of issue 15's modules: every call returns a value
or an Excel error (``XlFail``), never another exception, a NaN or an infinity, and quickly.

Random argument lists (fixed seed; ``KPISHEET_FUZZ_CALLS`` calls per function, 25 by default; 400 pass)
drawn from numbers at the edges of a double, text, logical values, empty cells, errors and
small arrays, against a minimal evaluator."""

from __future__ import annotations

import math
import os
import random
import time
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from kpisheet.excel.recalc.values import Err, XlFail
from kpisheet.excel.recalc.xlfuncs import FAMILIES, FUNCTIONS

NAMES = sorted(n for n, f in FUNCTIONS.items() if f.impl.__module__.rsplit(".", 1)[1] in FAMILIES)
CALLS = int(os.environ.get("KPISHEET_FUZZ_CALLS", "25"))


def _grid(*rows: list[Any]) -> np.ndarray:
    return np.array(rows, dtype=object)


VALUES: list[Any] = [None, 0.0, 1.0, -1.0, 0.5, 2.0, 3.0, 12.0, 45000.0, 2958466.0, -1e308, 1e308, 1e-308, 1e9, 1e15,
                     -1e9, 1e300, "", "x", "1", "2011-01-01", "FF", True, False, Err("#VALUE!"), Err("#N/A"),
                     _grid([1.0, 2.0, 3.0]), _grid([1.0], [2.0], [4.0]), _grid([1.0, "a"], [None, True]),
                     _grid([1.0, 2.0], [3.0, 5.0]), _grid([Err("#DIV/0!"), 1.0]), _grid([1e308, -1e308, 0.0])]


class _Evaluator:
    date1904 = False
    cells: dict[Any, int] = {}
    book = SimpleNamespace(sheets=[1, 2], formulas=[])
    cur = SimpleNamespace(sheet=0, kind="normal")

    def deref(self, v: Any) -> Any:
        return v[0, 0] if isinstance(v, np.ndarray) else v

    def array(self, v: Any) -> np.ndarray:
        return v if isinstance(v, np.ndarray) else np.array([[v]], dtype=object)

    def sheet_index(self, name: str) -> Any:
        return None


def _fine(v: Any) -> bool:
    if isinstance(v, float):
        return math.isfinite(v)
    if isinstance(v, np.ndarray):
        return all(_fine(x) for x in v.flat)
    return v is None or isinstance(v, (str, bool, Err))


@pytest.mark.parametrize("name", NAMES)
def test_odd_arguments_give_values_or_errors(name: str) -> None:
    f = FUNCTIONS[name]
    rng = random.Random(name)
    ev = _Evaluator()
    most = min(f.max_args, f.min_args + 3)
    for _ in range(CALLS):
        args = [rng.choice(VALUES) for _ in range(rng.randint(f.min_args, most))]
        if f.kind == "scalar":
            args = [ev.deref(a) for a in args]
        started = time.perf_counter()
        try:
            out = f.impl(*args) if f.kind == "scalar" else f.impl(ev, *args)
        except XlFail:
            continue
        except Exception as exc:  # noqa: BLE001 - the test is that nothing else escapes
            pytest.fail(f"{name}{tuple(args)!r} raised {exc!r}")
        assert time.perf_counter() - started < 2.0, f"{name}{tuple(args)!r} took too long"
        assert _fine(out), f"{name}{tuple(args)!r} gave {out!r}"
