"""Spilling: laying a formula's result onto the sheets' grid.

- :class:`Grid` holds each sheet's values while a book is calculated. It reads the book's own
  values until a sheet is first written, then works on a copy: calculating never changes the
  :class:`~.model.Book` it was given.
- :func:`cell_value` is a result as a cell holds it; :func:`fit_to_area` lays an array over a
  legacy array formula's fixed area (Excel's rules: a single row or column repeats, what lies
  beyond the result is ``#N/A``); :func:`spill_area` finds where a dynamic array spills, or
  why it cannot (``#SPILL!`` when a cell there holds something, or the grid ends).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from ... import limits
from . import values as V
from .model import Area, Sheet
from .parser import MAX_COL, MAX_ROW
from .values import Err, Value


def cell_value(v: Any) -> Value:
    """A result as a cell holds it: an empty result shows 0, a number that is not finite is
    ``#NUM!`` (a cell cannot hold infinity or NaN, and the file cannot say it), a text longer
    than Excel's 32,767 characters is ``#VALUE!`` (``ARRAYTOTEXT(1:2)`` in a spill, as in Excel)."""
    if v is None:
        return 0.0
    if isinstance(v, float) and not math.isfinite(v):
        return V.NUM
    if isinstance(v, str) and len(v) > limits.MAX_TEXT:
        return V.VALUE
    return v  # type: ignore[no-any-return]


def one_value(v: Value) -> np.ndarray:
    """A 1×1 spill of ``v``."""
    out = np.empty((1, 1), dtype=object)
    out[0, 0] = cell_value(v)
    return out


def fit_to_area(src: np.ndarray, area: Area) -> np.ndarray:
    """``src`` laid over a legacy array formula's ``area``: a single row or column repeats
    across the area, cells beyond a larger result are ``#N/A``."""
    r1, c1, r2, c2 = area
    h, w = r2 - r1 + 1, c2 - c1 + 1
    out = np.empty((h, w), dtype=object)
    sh, sw = src.shape
    for i in range(h):
        for j in range(w):
            if (sh > 1 and i >= sh) or (sw > 1 and j >= sw):
                out[i, j] = V.NA
            else:
                out[i, j] = cell_value(src[i if sh > 1 else 0, j if sw > 1 else 0])
    return out


def spill_area(row: int, col: int, shape: tuple[int, int],
               blocked: Callable[[Area], bool]) -> Union[Area, Err]:
    """Where an array of ``shape`` anchored at (row, col) spills: its area, ``#CALC!`` for an
    empty array, ``#SPILL!`` past the grid or where ``blocked`` says a cell is taken."""
    h, w = shape
    if h == 0 or w == 0:
        return V.CALC
    area = (row, col, row + h - 1, col + w - 1)
    if area[2] > MAX_ROW or area[3] > MAX_COL or blocked(area):
        return V.SPILL
    return area


def spilled_values(arr: np.ndarray) -> np.ndarray:
    """The items of a dynamic array as the cells it spills over hold them."""
    h, w = arr.shape
    out = np.empty((h, w), dtype=object)
    for i in range(h):
        for j in range(w):
            out[i, j] = cell_value(arr[i, j])
    return out


_ABSENT = object()  # a cell that held nothing before a journal began


class Grid:
    """Every sheet's values during one calculation: the book's, then a sheet's own copy from
    the first time that sheet is written.

    :meth:`begin` and :meth:`rollback` bracket a trial (a what-if data table's substituted
    input): every cell written in between gets back the value it had at :meth:`begin`.
    Trials nest; a rollback undoes only the innermost one."""

    def __init__(self, sheets: Sequence[Sheet]) -> None:
        self._sheets = sheets
        self._read: list[Optional[dict[tuple[int, int], Value]]] = [None] * len(sheets)
        self._owned = [False] * len(sheets)
        self._journals: list[dict[tuple[int, int, int], Any]] = []

    def begin(self) -> None:
        """Start remembering the value each cell had before it is first written."""
        self._journals.append({})

    def rollback(self) -> None:
        """Give every cell written since the matching :meth:`begin` its value back."""
        for (sheet, r, c), old in self._journals.pop().items():
            vals = self.write(sheet)
            if old is _ABSENT:
                vals.pop((r, c), None)
            else:
                vals[(r, c)] = old

    def _note(self, sheet: int, vals: dict[tuple[int, int], Value], r: int, c: int) -> None:
        journal = self._journals[-1]
        key = (sheet, r, c)
        if key not in journal:
            journal[key] = vals.get((r, c), _ABSENT)

    def read(self, sheet: int) -> dict[tuple[int, int], Value]:
        """Sheet ``sheet``'s values now (to read; write through :meth:`write`)."""
        vals = self._read[sheet]
        if vals is None:
            vals = self._read[sheet] = self._sheets[sheet].values
        return vals

    def write(self, sheet: int) -> dict[tuple[int, int], Value]:
        """Sheet ``sheet``'s values, to change (the sheet's own copy)."""
        if not self._owned[sheet]:
            self._read[sheet] = dict(self.read(sheet))
            self._owned[sheet] = True
        vals = self._read[sheet]
        assert vals is not None
        return vals

    def put(self, sheet: int, row: int, col: int, value: Value) -> None:
        vals = self.write(sheet)
        if self._journals:
            self._note(sheet, vals, row, col)
        vals[(row, col)] = value

    def lay(self, sheet: int, out: np.ndarray, area: Area) -> None:
        """Write ``out`` over ``area`` (its top-left corner at the area's)."""
        vals = self.write(sheet)
        if self._journals:
            for i in range(out.shape[0]):
                for j in range(out.shape[1]):
                    self._note(sheet, vals, area[0] + i, area[1] + j)
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                vals[(area[0] + i, area[1] + j)] = out[i, j]

    def forget(self, sheet: int, area: Area, keep: Callable[[int, int], bool]) -> None:
        """Clear what a spill wrote over ``area``, except the places ``keep`` says."""
        vals = self.write(sheet)
        for r in range(area[0], area[2] + 1):
            for c in range(area[1], area[3] + 1):
                if not keep(r, c):
                    if self._journals:
                        self._note(sheet, vals, r, c)
                    vals.pop((r, c), None)

    def taken(self, sheet: int, area: Area, anchor: tuple[int, int],
              formula_at: Callable[[int, int, int], bool]) -> bool:
        """Whether a cell of ``area`` other than ``anchor`` holds a formula or a value."""
        vals = self.read(sheet)
        for r in range(area[0], area[2] + 1):
            for c in range(area[1], area[3] + 1):
                if (r, c) == anchor:
                    continue
                if formula_at(sheet, r, c) or vals.get((r, c)) is not None:
                    return True
        return False
