"""A grid: one value per (period, account), and an Excel error code beside each.

Rows are the periods of an :class:`~kpisheet.engine.axis.Axis`; column 0 is
"all accounts together" and columns 1..A the accounts in name order. Every
formula is evaluated as whole-grid numpy operations, so one pass gives a KPI for
every period and account at once. Invariant: where ``err != 0``, ``val`` is NaN.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .. import xlrules
from ..xlerrors import XlError

ERR_DTYPE = np.int8


@dataclass(frozen=True)
class Grid:
    val: np.ndarray  # float64 (or object for text attributes), shape (P, A1)
    err: np.ndarray  # int8, same shape; 0 = no error

    @property
    def shape(self) -> tuple[int, int]:
        return self.val.shape

    @classmethod
    def const(cls, value: float | str, shape: tuple[int, int]) -> "Grid":
        dtype = object if isinstance(value, str) else np.float64
        return cls(np.full(shape, value, dtype=dtype), np.zeros(shape, ERR_DTYPE))

    @classmethod
    def error(cls, code: XlError, shape: tuple[int, int]) -> "Grid":
        return cls(np.full(shape, np.nan), np.full(shape, int(code), ERR_DTYPE))

    @classmethod
    def of(cls, val: np.ndarray, err: np.ndarray | None = None) -> "Grid":
        """A grid whose non-finite values become ``#NUM!`` and errors NaN."""
        err = np.zeros(val.shape, ERR_DTYPE) if err is None else err.astype(ERR_DTYPE, copy=True)
        if val.dtype != object:
            val = val.astype(np.float64, copy=True)
            err[(err == 0) & ~np.isfinite(val)] = XlError.NUM
            val[err != 0] = np.nan
        return cls(val, err)

    def with_error(self, mask: np.ndarray, code: XlError) -> "Grid":
        """This grid with ``code`` where ``mask`` holds and no error is there yet."""
        err = self.err.copy()
        err[mask & (err == 0)] = code
        val = self.val.copy()
        val[err != 0] = np.nan
        return Grid(val, err)

    def numeric(self) -> "Grid":
        """Text values become ``#VALUE!`` (Excel: arithmetic on text)."""
        if self.val.dtype != object:
            return self
        num = np.full(self.shape, np.nan)
        err = self.err.copy()
        for idx, v in np.ndenumerate(self.val):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                num[idx] = v
            elif err[idx] == 0 and v is not None:
                err[idx] = XlError.VALUE
            elif err[idx] == 0:
                err[idx] = XlError.NA
        return Grid.of(num, err)

    def truthy(self) -> np.ndarray:
        held: np.ndarray = np.nan_to_num(self.numeric().val) != 0
        return held


def first_error(*errs: np.ndarray) -> np.ndarray:
    """Excel's rule: the leftmost operand's error wins."""
    out: np.ndarray = errs[0].copy()
    for e in errs[1:]:
        out = np.where(out != 0, out, e)
    return out


_ARITH: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide,
}
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


def arith(op: str, a: Grid, b: Grid) -> Grid:
    a, b = a.numeric(), b.numeric()
    err = first_error(a.err, b.err)
    with np.errstate(all="ignore"):
        val = _ARITH[op](a.val, b.val)
    if op == "/":
        err = np.where((err == 0) & (b.val == 0), np.int8(XlError.DIV0), err)
    return Grid.of(val, err)


def compare(op: str, a: Grid, b: Grid) -> Grid:
    """Excel's comparison (:mod:`kpisheet.xlrules`): text ignores case, a blank (None) is 0
    beside a number and ``''`` beside text. Ordering a number against text is ``#VALUE!``
    (the expression language does not order values of different kinds; ``==`` says false)."""
    err = first_error(a.err, b.err)
    if a.val.dtype == object or b.val.dtype == object:
        out = np.zeros(a.shape)
        for idx in np.ndindex(*a.shape):
            if err[idx]:
                continue
            x, y = a.val[idx], b.val[idx]
            if x is not None and y is not None and isinstance(x, str) != isinstance(y, str) and op not in ("==", "!="):
                err[idx] = XlError.VALUE
            else:
                out[idx] = bool(_COMPARE[op](xlrules.compare(x, y), 0))
        return Grid.of(out, err)
    with np.errstate(invalid="ignore"):
        val = np.asarray(_COMPARE[op](a.val, b.val), dtype=np.float64)
    return Grid.of(val, err)


def logical(op: str, a: Grid, b: Grid) -> Grid:
    err = first_error(a.err, b.err)
    x, y = a.truthy(), b.truthy()
    val = (x & y) if op == "and" else (x | y)
    return Grid.of(val.astype(np.float64), err)


def negate(a: Grid) -> Grid:
    a = a.numeric()
    return Grid.of(-a.val, a.err)


def logical_not(a: Grid) -> Grid:
    return Grid.of((~a.truthy()).astype(np.float64), a.err)


def where(cond: Grid, a: Grid, b: Grid) -> Grid:
    """Excel's IF: the condition's error, else the chosen branch (value and error)."""
    pick = cond.truthy()
    if a.val.dtype == object or b.val.dtype == object:
        val = np.where(pick, a.val.astype(object), b.val.astype(object))
    else:
        val = np.where(pick, a.val, b.val)
    err = np.where(cond.err != 0, cond.err, np.where(pick, a.err, b.err))
    return Grid.of(val, err)


def coalesce(*grids: Grid) -> Grid:
    """The first argument that is not an error."""
    out = grids[-1]
    for g in reversed(grids[:-1]):
        out = where(Grid.of((g.err == 0).astype(np.float64)), g, out)
    return out


def extreme(kind: str, *grids: Grid) -> Grid:
    nums = [g.numeric() for g in grids]
    err = first_error(*(g.err for g in nums))
    stack = np.stack([g.val for g in nums])
    with np.errstate(invalid="ignore"):
        val = np.nanmin(stack, axis=0) if kind == "min" else np.nanmax(stack, axis=0)
    return Grid.of(np.where(err == 0, val, np.nan), err)


def absolute(a: Grid) -> Grid:
    a = a.numeric()
    return Grid.of(np.abs(a.val), a.err)


def excel_round(a: Grid, digits: int) -> Grid:
    """ROUND as Excel does it (:func:`kpisheet.xlrules.round_half_away`): the 15-digit
    decimal, halves away from zero (numpy's own rounds halves to even, on the binary value)."""
    a = a.numeric()
    return Grid.of(xlrules.round_half_away_array(a.val, digits), a.err)


def shift(a: Grid, n: int) -> Grid:
    """Each period's value from the period ``n`` rows earlier.

    Rows before the start of the axis take row 0's value. That is exact: row 0
    is a period before every row of data, and so is every period before it; over
    such periods every KPI has one value, whatever it reads (by induction: its
    measures are empty there, and so are the periods its shifts and spans read).
    """
    if n == 0:
        return a
    p = a.shape[0]
    n = min(n, p)  # further back than the axis is row 0 too (and prev(k, 10**20) must not overflow)
    idx = np.clip(np.arange(p) - n, 0, p - 1)
    return Grid(a.val[idx], a.err[idx])


def all_accounts(a: Grid) -> Grid:
    """Column 0 (all accounts together) repeated for every account."""
    return Grid(np.repeat(a.val[:, :1], a.shape[1], axis=1), np.repeat(a.err[:, :1], a.shape[1], axis=1))


def pareto(a: Grid) -> Grid:
    """Share of the total held by the accounts ranked above each one.

    Ranked by value, descending; ties by account name (the column order).
    Accounts whose value is an error keep their error and are not ranked.
    Column 0 (no single account) is ``#N/A``.
    """
    a = a.numeric()
    p, a1 = a.shape
    accounts = a.val[:, 1:]
    ok = a.err[:, 1:] == 0
    key = np.where(ok, accounts, -np.inf)
    # stable sort of -value keeps name order among equal values
    order = np.argsort(-key, axis=1, kind="stable")
    ranked = np.take_along_axis(np.where(ok, accounts, 0.0), order, axis=1)
    above_sorted = np.cumsum(ranked, axis=1) - ranked
    above = np.empty_like(above_sorted)
    np.put_along_axis(above, order, above_sorted, axis=1)
    total = a.val[:, :1]
    err = np.zeros((p, a1), ERR_DTYPE)
    err[:, 1:] = a.err[:, 1:]
    err[:, :1] = np.where(a.err[:, :1] != 0, a.err[:, :1], XlError.NA)
    err[:, 1:] = np.where(err[:, 1:] == 0, a.err[:, :1], err[:, 1:])  # the total's error
    with np.errstate(all="ignore"):
        val = np.concatenate([np.full((p, 1), np.nan), above / total], axis=1)
    err[:, 1:] = np.where((err[:, 1:] == 0) & (total == 0), np.int8(XlError.DIV0), err[:, 1:])
    return Grid.of(val, err)
