"""A small in-memory stand-in for the part of xlwings' Book/Sheet/Range API kpisheet uses.

Desktop Excel cannot run here (Linux CI), so the live reader and ``main()`` are exercised
against this stand-in. It imitates what xlwings gives on Windows: numbers as floats,
dates as ``datetime``, empty cells as None, error cells as text with ``err_to_str=True``
(else as the COM error code), ``options(ndim=2).value`` as a list of rows, ``used_range``
from the first to the last used cell (or A1 on an empty sheet). It is not xlwings: what
it cannot show is listed in docs/excel.md under "Not exercised in real Excel".
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence, Union

_A1 = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
COM_ERRORS = {"#DIV/0!": -2146826281, "#N/A": -2146826246, "#VALUE!": -2146826273, "#REF!": -2146826265,
              "#NAME?": -2146826259, "#NUM!": -2146826252, "#NULL!": -2146826288}


class CellError(str):
    """An error cell (``CellError("#DIV/0!")``)."""


def _letter(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _cell(a1: str) -> tuple[int, int]:
    m = _A1.fullmatch(a1.strip())
    assert m, a1
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def _xl(value: Any) -> Any:
    """A Python value as Excel would hold it."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, dt.datetime)):
        return None if value == "" else value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, (int, float)):
        return float(value)
    return value


class _Cells(dict):  # type: ignore[type-arg]
    """(row, column) -> value, keeping the used bounds as Excel does (not a scan a call)."""

    def __init__(self) -> None:
        super().__init__()
        self._bounds: Optional[tuple[int, int, int, int]] = None
        self._stale = False

    def __setitem__(self, key: tuple[int, int], value: Any) -> None:
        super().__setitem__(key, value)
        if not self._stale:
            r, c = key
            b = self._bounds
            self._bounds = (r, c, r, c) if b is None else (min(b[0], r), min(b[1], c), max(b[2], r), max(b[3], c))

    def __delitem__(self, key: tuple[int, int]) -> None:
        super().__delitem__(key)
        self._stale = True

    def pop(self, key: Any, *default: Any) -> Any:
        if key in self:
            self._stale = True
        return super().pop(key, *default)

    def bounds(self) -> Optional[tuple[int, int, int, int]]:
        if self._stale:
            self._stale, self._bounds = False, None
            if self:
                rows = [r for r, _ in self]
                cols = [c for _, c in self]
                self._bounds = (min(rows), min(cols), max(rows), max(cols))
        return self._bounds


class Range:
    def __init__(self, sheet: "Sheet", r1: int, c1: int, r2: int, c2: int, options: Optional[dict[str, Any]] = None):
        self.sheet = sheet
        self.row, self.column = r1, c1
        self._r2, self._c2 = r2, c2
        self._options = options or {}

    def options(self, **options: Any) -> "Range":
        return Range(self.sheet, self.row, self.column, self._r2, self._c2, {**self._options, **options})

    @property
    def last_cell(self) -> "Range":
        return Range(self.sheet, self._r2, self._c2, self._r2, self._c2)

    @property
    def shape(self) -> tuple[int, int]:
        return self._r2 - self.row + 1, self._c2 - self.column + 1

    @property
    def address(self) -> str:
        a = f"${_letter(self.column)}${self.row}"
        return a if self.shape == (1, 1) else f"{a}:${_letter(self._c2)}${self._r2}"

    def _get(self, r: int, c: int) -> Any:
        v = self.sheet.cells.get((r, c))
        if isinstance(v, CellError):
            return str(v) if self._options.get("err_to_str") else COM_ERRORS.get(str(v), -2146826273)
        return v

    @property
    def value(self) -> Any:
        rows = [[self._get(r, c) for c in range(self.column, self._c2 + 1)] for r in range(self.row, self._r2 + 1)]
        if self._options.get("ndim") == 2:
            return rows
        if self.shape == (1, 1):
            return rows[0][0]
        if self.shape[0] == 1:
            return rows[0]
        if self.shape[1] == 1:
            return [r[0] for r in rows]
        return rows

    @value.setter
    def value(self, data: Any) -> None:
        if not isinstance(data, (list, tuple)):
            data = [[data]]
        elif data and not isinstance(data[0], (list, tuple)):
            data = [data]
        for i, row in enumerate(data):
            for j, v in enumerate(row):
                self.sheet.set(self.row + i, self.column + j, v)

    def clear_contents(self) -> None:
        for key in [k for k in self.sheet.cells if self.row <= k[0] <= self._r2 and self.column <= k[1] <= self._c2]:
            del self.sheet.cells[key]

    clear = clear_contents


class Table:
    def __init__(self, sheet: "Sheet", name: str, first: str, last: str):
        self.name = name
        (r1, c1), (r2, c2) = _cell(first), _cell(last)
        self.range = Range(sheet, r1, c1, r2, c2)


class Sheet:
    def __init__(self, book: "Book", name: str):
        self.book = book
        self.name = name
        self.cells: _Cells = _Cells()
        self.tables: list[Table] = []
        self.autofit_calls = 0

    def set(self, r: int, c: int, value: Any) -> None:
        v = _xl(value)
        if v is None:
            self.cells.pop((r, c), None)
        else:
            self.cells[(r, c)] = v

    def write(self, rows: Sequence[Sequence[Any]], top: int = 1, left: int = 1) -> "Sheet":
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                self.set(top + i, left + j, v)
        return self

    def range(self, first: Union[str, tuple[int, int]], last: Union[str, tuple[int, int], None] = None) -> Range:
        if isinstance(first, str) and ":" in first and last is None:
            first, last = first.split(":")
        r1, c1 = _cell(first) if isinstance(first, str) else first
        r2, c2 = (r1, c1) if last is None else (_cell(last) if isinstance(last, str) else last)
        return Range(self, r1, c1, r2, c2)

    def __getitem__(self, a1: str) -> Range:
        return self.range(a1)

    @property
    def used_range(self) -> Range:
        bounds = self.cells.bounds()
        return Range(self, 1, 1, 1, 1) if bounds is None else Range(self, *bounds)

    def add_table(self, name: str, first: str, last: str) -> Table:
        self.tables.append(Table(self, name, first, last))
        return self.tables[-1]

    def autofit(self, axis: Optional[str] = None) -> None:
        self.autofit_calls += 1


class Sheets:
    def __init__(self, book: "Book"):
        self.book = book
        self._sheets: list[Sheet] = []

    def __iter__(self) -> Iterator[Sheet]:
        return iter(list(self._sheets))

    def __len__(self) -> int:
        return len(self._sheets)

    def __getitem__(self, key: Union[int, str]) -> Sheet:
        if isinstance(key, int):
            return self._sheets[key]
        for s in self._sheets:
            if s.name.lower() == key.lower():
                return s
        raise KeyError(key)

    def __contains__(self, name: object) -> bool:
        return any(s.name.lower() == str(name).lower() for s in self._sheets)

    def add(self, name: Optional[str] = None, before: Optional[Sheet] = None, after: Optional[Sheet] = None) -> Sheet:
        sheet = Sheet(self.book, name or f"Sheet{len(self._sheets) + 1}")
        at = len(self._sheets) if after is None else self._sheets.index(after) + 1
        if before is not None:
            at = self._sheets.index(before)
        self._sheets.insert(at, sheet)
        return sheet


class App:
    def __init__(self) -> None:
        self.calculations = 0
        self.books: dict[str, "Book"] = {}
        self.api = _AppApi(self)

    def calculate(self) -> None:
        self.calculations += 1


class _AppApi:
    """The bit of the COM Application object Refresh uses."""

    def __init__(self, app: App):
        self.app = app
        self.full_calculations = 0

    def CalculateFull(self) -> None:  # noqa: N802 - the COM name
        self.full_calculations += 1


class Book:
    def __init__(self, fullname: Union[str, Path], app: Optional[App] = None):
        self.fullname = str(fullname)
        self.name = Path(self.fullname).name
        self.app = app or App()
        self.app.books[self.name] = self
        self.sheets = Sheets(self)

    def add_sheet(self, name: str, rows: Sequence[Sequence[Any]] = (), top: int = 1, left: int = 1) -> Sheet:
        return self.sheets.add(name).write(rows, top, left)

    def caller_cell(self, sheet: int = 0, a1: str = "A1") -> Range:
        """The cell a function is called from, as xlwings' ``caller`` argument gives it."""
        if not len(self.sheets):
            self.sheets.add("Sheet1")
        return self.sheets[sheet].range(a1)


def book_from_file(path: Union[str, Path], fullname: Optional[Union[str, Path]] = None) -> Book:
    """The cells of a workbook on disk, as an open Book holding the same values (python-calamine)."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    book = Book(fullname or Path(path).resolve())
    for name in wb.sheet_names:
        sheet = wb.get_sheet_by_name(name)
        start = sheet.start
        s = book.sheets.add(name)
        if start is None:
            continue
        top, left = start[0] + 1, start[1] + 1
        cells = s.cells
        for i, row in enumerate(sheet.to_python()):
            for j, v in enumerate(row):
                if v == "" or v is None:
                    continue
                cells[(top + i, left + j)] = _xl(v)
    return book
