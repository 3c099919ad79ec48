"""What the formula engine works on and gives back: sheets, formula cells, the book, results."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
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


Area = tuple[int, int, int, int]  # (r1, c1, r2, c2), 1-based, inclusive


@dataclass(frozen=True)
class DataTable:
    """A what-if data table (``{=TABLE(row_input, column_input)}``), as its master cell's
    ``<f t="dataTable">`` says: the cell whose value each column's top value replaces
    (``row_input``), the cell each row's left value replaces (``column_input``), each
    (row, col) on the table's sheet; at least one is set. Computed by :mod:`.datatable`."""

    row_input: Optional[tuple[int, int]]
    column_input: Optional[tuple[int, int]]

    @property
    def two_variable(self) -> bool:
        return self.row_input is not None and self.column_input is not None


@dataclass(frozen=True)
class Formula:
    """A formula cell to compute, as the file holds it. The engine never changes it: what it
    computes comes back as the :class:`CellResult` of the same position in :class:`CalcResult`."""

    sheet: int
    row: int
    col: int
    text: str  # formula text (for shared followers: the anchor's text)
    anchor: tuple[int, int]  # where ``text`` was written (shared formulas); relative refs shift by the difference
    kind: str = "normal"  # "normal" | "array" (legacy CSE, fixed area) | "dynamic" (spills) | "table" (what-if)
    area: Optional[Area] = None  # array / dynamic / table: the area in the file now
    volatile: bool = False  # Excel marked the cell "calculate always" (it reads a volatile function)
    table: Optional[DataTable] = None  # kind "table": its input cells


@dataclass
class CellResult:
    """What the engine computed for one formula cell."""

    value: Value = None  # the cell's own value (an array's top-left item)
    spill: Optional[np.ndarray] = None  # array results: the values written over ``spill_area``
    spill_area: Optional[Area] = None
    kind: str = "normal"  # the formula's kind, "dynamic" when a plain formula's result was spilled
    volatile: bool = False  # volatile, or reading a volatile cell
    unsupported: tuple[str, ...] = ()  # the function we lack ("syntax": text we cannot read)
    circular: bool = False  # in a cycle (and no iteration): shown as 0
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
    furigana: str = ""  # the shared strings' XML when it holds phonetic runs: PHONETIC's, read on first use
    path: str = ""  # the file, absolute: CELL("filename") and INFO("directory") name it ("" unsaved)
    iterate: bool = False
    iterate_count: int = 100
    iterate_delta: float = 0.001

    @cached_property
    def phonetic(self) -> dict[str, Optional[str]]:
        """Text → its furigana (:func:`.phonetic.readings`), read when a PHONETIC first asks:
        a book that never calls it does not pay for reading the runs."""
        from .phonetic import readings
        return readings(self.furigana)

    @cached_property
    def shared_formulas(self) -> tuple[list[str], list[tuple[int, int]]]:
        """Each formula's text and anchor, with formulas that differ only by where they are
        (``=B2*2`` in C2, ``=B3*2`` in C3, on one sheet) made one shared formula: the first
        one's text and place, so that they are parsed and compiled once and run with each
        cell's offset. Computed once for the book (the formulas are not changed)."""
        from .parser import shape
        texts = [f.text for f in self.formulas]
        anchors = [f.anchor for f in self.formulas]
        first: dict[tuple[int, str], int] = {}
        for i, f in enumerate(self.formulas):
            if f.anchor != (f.row, f.col) or f.kind != "normal":
                continue
            j = first.setdefault((f.sheet, shape(f.text, f.row, f.col)), i)
            if j != i:
                texts[i], anchors[i] = texts[j], anchors[j]
        return texts, anchors


def sheet_span(name: str, sheet_index: Callable[[str], Optional[int]]) -> Optional[range]:
    """The sheets of a 3-D reference's ``First:Last`` (in the workbook's order, either way
    round); None when ``name`` is no such span or one end is not a sheet (Excel's ``#REF!``).
    A sheet name never holds ':', so the split is unambiguous."""
    first, colon, last = name.partition(":")
    if not colon:
        return None
    a, b = sheet_index(first), sheet_index(last)
    if a is None or b is None:
        return None
    return range(min(a, b), max(a, b) + 1)


class FormulaEngine(Protocol):
    """What recalc needs from a formula engine; :class:`~.calc.Calculator` is the one we ship.

    ``calculate`` computes every formula cell of ``book`` (with ``extra``: functions added to
    Excel's) and returns the values and spills; it changes neither the book nor its formulas."""

    def calculate(self, book: Book, extra: Mapping[str, "ExtraFunction"]) -> "CalcResult": ...


@dataclass
class ExtraFunction:
    """A function added to Excel's (docs/excel.md's): called with scalar arguments; may return a 2-D list.

    ``batch``, when set, answers many calls at once: given each call's arguments, it returns
    each call's value, the very value ``call`` would give for them (so that a column of
    ``=KPI(A2,B2,C2)`` asks its engine once per KPI and period). It may raise for any reason:
    the calls are then made one by one, as without it. ``prepare``, when set, is given the
    arguments of calls ``batch`` will be given, before any batch is asked: what it does with
    them (readying them for the engine) must not change any value."""

    call: Callable[..., Any]
    spills: bool = False
    batch: Optional[Callable[[list[tuple[Any, ...]]], list[Any]]] = None
    prepare: Optional[Callable[[list[tuple[Any, ...]]], None]] = None


@dataclass
class CalcResult:
    """What :meth:`FormulaEngine.calculate` gives back: ``cells[i]`` is ``formulas[i]``'s result."""

    formulas: list[Formula]
    cells: list[CellResult]
    unsupported: dict[str, str]  # function name → a cell using it
    circular: list[str]  # cells in cycles
    warnings: list[str]
    sheet_values: Callable[[int], Mapping[tuple[int, int], Value]]

    def values(self, sheet: int) -> Mapping[tuple[int, int], Value]:
        """Sheet ``sheet``'s cells after calculation: computed formula cells and what arrays spill
        over, every other cell as the book held it."""
        return self.sheet_values(sheet)


VOLATILE = frozenset({"NOW", "TODAY", "RAND", "RANDBETWEEN", "OFFSET", "INDIRECT", "RANDARRAY", "CELL", "INFO"})
