"""What the formula engine works on and gives back: sheets, formula cells, the book, results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Protocol

import numpy as np

from .values import Value


class Sheet:
    """A sheet's values, read on first use (a sheet no formula reads is never scanned)."""

    def __init__(self, name: str, values: Optional[dict[tuple[int, int], Value]] = None,
                 max_row: int = 0, max_col: int = 0,
                 loader: Optional[Callable[[], tuple[dict[tuple[int, int], Value], int, int]]] = None) -> None:
        self.name = name
        self._values = values
        self._max = (max_row, max_col)
        self._loader = loader

    def _load(self) -> None:
        if self._values is None:
            if self._loader is None:
                self._values = {}
            else:
                self._values, r, c = self._loader()
                self._max = (r, c)

    @property
    def values(self) -> dict[tuple[int, int], Value]:
        self._load()
        assert self._values is not None
        return self._values

    @property
    def max_row(self) -> int:
        self._load()
        return self._max[0]

    @property
    def max_col(self) -> int:
        self._load()
        return self._max[1]


@dataclass
class Formula:
    """A formula cell to compute."""

    sheet: int
    row: int
    col: int
    text: str  # formula text (for shared followers: the anchor's text)
    anchor: tuple[int, int]  # where ``text`` was written (shared formulas); relative refs shift by the difference
    kind: str = "normal"  # "normal" | "array" (legacy CSE, fixed area) | "dynamic" (spills)
    area: Optional[tuple[int, int, int, int]] = None  # array / dynamic: the area in the file now
    # filled by the calculator:
    value: Value = None
    spill: Optional[np.ndarray] = None  # array results: the values written over ``spill_area``
    spill_area: Optional[tuple[int, int, int, int]] = None
    volatile: bool = False
    unsupported: tuple[str, ...] = ()
    circular: bool = False
    keep: bool = False  # a formula we cannot compute but must not lose (external references): left as cached
    uncertain: bool = False  # calls a function we lack, or reads such a cell: --check does not judge it


@dataclass
class Book:
    sheets: list[Sheet]
    formulas: list[Formula]
    names: dict[tuple[Optional[int], str], str] = field(default_factory=dict)  # (sheet or None, NAME) → text
    tables: dict[str, tuple[int, tuple[int, int, int, int], list[str], int, int]] = field(default_factory=dict)
    date1904: bool = False
    charset: str = "cp1252"  # CHAR's and CODE's: "mac_roman" in a book saved by Excel for Mac
    pivots: list[Any] = field(default_factory=list)  # pivots.Pivot: where GETPIVOTDATA reads
    path: str = ""  # the file, absolute: CELL("filename") and INFO("directory") name it ("" unsaved)
    iterate: bool = False
    iterate_count: int = 100
    iterate_delta: float = 0.001


class FormulaEngine(Protocol):
    """What recalc needs from a formula engine; :class:`Calculator` is the one we ship."""

    def calculate(self, book: Book, extra: Mapping[str, "ExtraFunction"]) -> "CalcResult": ...


@dataclass
class ExtraFunction:
    """A function added to Excel's (SPEC §4's): called with scalar arguments; may return a 2-D list."""

    call: Callable[..., Any]
    spills: bool = False


@dataclass
class CalcResult:
    formulas: list[Formula]
    unsupported: dict[str, str]  # function name → a cell using it
    circular: list[str]  # cells in cycles
    warnings: list[str]


VOLATILE = frozenset({"NOW", "TODAY", "RAND", "RANDBETWEEN", "OFFSET", "INDIRECT", "RANDARRAY", "CELL", "INFO"})
