"""A small in-memory stand-in for the part of xlwings' Book/Sheet/Range API kpisheet uses,
behaving as xlwings over Excel's COM does on Windows (issue 11).

Desktop Excel cannot run here (Linux CI), so the live reader, the functions and ``main()``
are exercised against this stand-in. What it imitates, each checked against xlwings
0.37.8's own code (``_xlwindows._clean_value_data_element``, ``main.Table``):

- numbers as floats, dates as ``datetime``, empty cells as None, a currency cell as
  :class:`~decimal.Decimal` (COM's ``VT_CY``), ``options(ndim=2).value`` as a list of rows;
- error cells: the seven classic ones as text with ``err_to_str=True`` and as **None**
  without it; the newer ones (``#SPILL!``, ``#CALC!`` ...) as the COM error **integer**
  either way, since xlwings' table does not know them;
- ``used_range`` from the first to the last used cell, **counting formatted empty cells**
  (:meth:`Sheet.format`) and **not shrinking** when cells are cleared until the book is
  saved (:meth:`Book.save`); ``sheet.api.Cells.Find("*", ...)`` finds the last cell with
  a value, as Excel's does;
- Excel tables with a **Total row** (``range`` holds it; ``header_row_range`` and
  ``data_body_range`` do not);
- ``sheet.api.Evaluate`` for the one formula kpisheet sends (its content hash), computed
  here in Python;
- ``book.names`` (defined names, hidden ones too), ``app.alert`` (recorded), a range's
  ``api.GetAddress(..., External=True)`` (``[Book.xlsx]Sheet1!$A$1``);
- **COM calls counted** in ``app.com_calls``: each property that crosses to Excel in
  xlwings on Windows (``Range.sheet``, ``Sheet.book``, ``Book.name``/``fullname``,
  ``get_address``, a value read, ``used_range``, ``Find``, ``Evaluate``, a name lookup).

It is not xlwings: what it cannot show is listed in docs/excel.md under "Not exercised
in real Excel".
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence, Union

_QUOTED = re.compile(r"[^A-Za-z0-9_.\[\]]")  # an external address with these is quoted
_A1 = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
# xlwings' own table (``_xlwindows.cell_errors``): the only errors it turns into text
COM_ERRORS = {"#DIV/0!": -2146826281, "#N/A": -2146826246, "#VALUE!": -2146826273, "#REF!": -2146826265,
              "#NAME?": -2146826259, "#NUM!": -2146826252, "#NULL!": -2146826288}
# the newer errors: COM integers xlwings hands over unchanged (0x800A0000 + CVErr number)
NEWER_COM_ERRORS = {"#GETTING_DATA": -2146826245, "#SPILL!": -2146826243, "#CONNECT!": -2146826242,
                    "#BLOCKED!": -2146826241, "#UNKNOWN!": -2146826240, "#FIELD!": -2146826239,
                    "#CALC!": -2146826238}


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


def _com(obj: Any) -> None:
    """One call across to Excel (counted on the application)."""
    obj.app.com_calls += 1


class Range:
    def __init__(self, sheet: "Sheet", r1: int, c1: int, r2: int, c2: int, options: Optional[dict[str, Any]] = None):
        self._sheet = sheet
        self.row, self.column = r1, c1
        self._r2, self._c2 = r2, c2
        self._options = options or {}

    @property
    def app(self) -> "App":
        return self._sheet._book.app

    @property
    def sheet(self) -> "Sheet":
        _com(self)  # Range.Worksheet
        return self._sheet

    def options(self, **options: Any) -> "Range":
        return Range(self._sheet, self.row, self.column, self._r2, self._c2, {**self._options, **options})

    @property
    def last_cell(self) -> "Range":
        return Range(self._sheet, self._r2, self._c2, self._r2, self._c2)

    @property
    def shape(self) -> tuple[int, int]:
        return self._r2 - self.row + 1, self._c2 - self.column + 1

    @property
    def address(self) -> str:
        a = f"${_letter(self.column)}${self.row}"
        return a if self.shape == (1, 1) else f"{a}:${_letter(self._c2)}${self._r2}"

    def get_address(self, row_absolute: bool = True, column_absolute: bool = True,
                    include_sheetname: bool = False, external: bool = False) -> str:
        _com(self)  # Range.Address(..., External)
        if not external:
            return self.address
        place = f"[{self._sheet._book._name}]{self._sheet.name}"
        if _QUOTED.search(place):
            place = "'" + place.replace("'", "''") + "'"
        return f"{place}!{self.address}"

    @property
    def api(self) -> "_RangeApi":
        return _RangeApi(self)

    def _get(self, r: int, c: int) -> Any:
        v = self._sheet.cells.get((r, c))
        if isinstance(v, CellError):
            text = str(v)
            if text in NEWER_COM_ERRORS:
                return NEWER_COM_ERRORS[text]  # not in xlwings' table: the integer, whatever the option
            return text if self._options.get("err_to_str") else None  # xlwings: None without err_to_str
        return v

    @property
    def value(self) -> Any:
        _com(self)  # Range.Value
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
        _com(self)
        if self._sheet.protected:
            raise PermissionError("The cell or chart you're trying to change is on a protected sheet.")
        if not isinstance(data, (list, tuple)):
            data = [[data]]
        elif data and not isinstance(data[0], (list, tuple)):
            data = [data]
        for i, row in enumerate(data):
            for j, v in enumerate(row):
                self._sheet.set(self.row + i, self.column + j, v)

    def clear_contents(self) -> None:
        _com(self)
        if self._sheet.protected:
            raise PermissionError("The cell or chart you're trying to change is on a protected sheet.")
        cells = self._sheet.cells
        for key in [k for k in cells if self.row <= k[0] <= self._r2 and self.column <= k[1] <= self._c2]:
            del cells[key]

    clear = clear_contents


class _RangeApi:
    """The COM Range: ``GetAddress`` (pywin32's name for ``Range.Address(...)``)."""

    def __init__(self, rng: Range):
        self._rng = rng

    def GetAddress(self, row_absolute: bool = True, column_absolute: bool = True, style: int = 1,  # noqa: N802
                   external: bool = False) -> str:
        return self._rng.get_address(row_absolute, column_absolute, external=external)


class Table:
    """An Excel table (ListObject); with ``totals``, its last row is the Total row."""

    def __init__(self, sheet: "Sheet", name: str, first: str, last: str, totals: bool = False):
        self.name = name
        (r1, c1), (r2, c2) = _cell(first), _cell(last)
        self._sheet, self._box = sheet, (r1, c1, r2, c2)
        self.show_totals = totals
        self.show_headers = True

    @property
    def range(self) -> Range:
        return Range(self._sheet, *self._box)

    @property
    def header_row_range(self) -> Optional[Range]:
        r1, c1, _, c2 = self._box
        return Range(self._sheet, r1, c1, r1, c2) if self.show_headers else None

    @property
    def data_body_range(self) -> Optional[Range]:
        r1, c1, r2, c2 = self._box
        last = r2 - 1 if self.show_totals else r2
        return Range(self._sheet, r1 + 1, c1, last, c2) if last > r1 else None

    @property
    def totals_row_range(self) -> Optional[Range]:
        _, c1, r2, c2 = self._box
        return Range(self._sheet, r2, c1, r2, c2) if self.show_totals else None


class _Found:
    def __init__(self, row: int, column: int):
        self.Row, self.Column = row, column  # noqa: N815 - COM names


class _Cells_Api:  # noqa: N801
    def __init__(self, sheet: "Sheet"):
        self._sheet = sheet

    def Find(self, what: str, **kw: Any) -> Optional[_Found]:  # noqa: N802 - the COM name
        """``Cells.Find("*", SearchOrder=xlByRows|xlByColumns, SearchDirection=xlPrevious)``:
        the last row (or column) holding a value; formatting does not count."""
        _com(self._sheet)
        assert what == "*" and kw.get("SearchDirection") == 2
        keys = [k for k, v in self._sheet.cells.items() if v is not None and v != ""]
        if not keys:
            return None
        if kw.get("SearchOrder", 1) == 1:
            r = max(k[0] for k in keys)
            return _Found(r, max(c for rr, c in keys if rr == r))
        c = max(k[1] for k in keys)
        return _Found(max(r for r, cc in keys if cc == c), c)


_HASH = re.compile(r"SUMPRODUCT\(IFERROR\(LEN\((?P<a>[^)]+)\),-1\)\*\(ROW\((?P=a)\)\*16384\+COLUMN\((?P=a)\)\)\)"
                   r'&"\|"&SUMPRODUCT\(IFERROR\(--(?P=a),0\)\*\(ROW\((?P=a)\)\*16384\+COLUMN\((?P=a)\)\)\)')


def _general(v: Any) -> str:
    """A value as Excel's General format writes it (for LEN)."""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, dt.datetime):
        return str((v - dt.datetime(1899, 12, 30)).days)
    if isinstance(v, (float, Decimal)):
        f = float(v)
        return str(int(f)) if f.is_integer() else f"{f:.15g}"
    return str(v)


class _SheetApi:
    """The bits of the COM Worksheet kpisheet uses."""

    def __init__(self, sheet: "Sheet"):
        self._sheet = sheet
        self.Cells = _Cells_Api(sheet)  # noqa: N815

    def Evaluate(self, formula: str) -> Any:  # noqa: N802 - the COM name
        """Only the content hash kpisheet asks for, computed as Excel would."""
        _com(self._sheet)
        m = _HASH.fullmatch(formula)
        assert m, formula
        first, last = m.group("a").split(":")
        (r1, c1), (r2, c2) = _cell(first), _cell(last)
        lengths = numbers = 0.0
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                v = self._sheet.cells.get((r, c))
                place = r * 16384 + c
                if isinstance(v, CellError):
                    lengths += -1 * place
                    continue
                lengths += (0 if v is None else len(_general(v))) * place
                if isinstance(v, (bool, float, Decimal)):
                    numbers += float(v) * place
                elif isinstance(v, dt.datetime):
                    numbers += float(_general(v)) * place
                elif isinstance(v, str):
                    try:
                        numbers += float(v) * place
                    except ValueError:
                        pass
        return f"{_general(lengths)}|{_general(numbers)}"


class Sheet:
    def __init__(self, book: "Book", name: str):
        self._book = book
        self.name = name
        self.cells: _Cells = _Cells()
        self.tables: list[Table] = []
        self.autofit_calls = 0
        self.protected = False
        self.api = _SheetApi(self)
        self._formatted: Optional[tuple[int, int, int, int]] = None
        self._high_water: Optional[tuple[int, int, int, int]] = None  # UsedRange shrinks only on save

    @property
    def app(self) -> "App":
        return self._book.app

    @property
    def book(self) -> "Book":
        _com(self)  # Worksheet.Parent
        return self._book

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

    def format(self, first: str, last: str) -> "Sheet":
        """Format cells (a fill, a border) without a value: they join ``UsedRange``."""
        (r1, c1), (r2, c2) = _cell(first), _cell(last)
        self._formatted = _union(self._formatted, (r1, c1, r2, c2))
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
        _com(self)  # Worksheet.UsedRange
        bounds = _union(_union(self.cells.bounds(), self._formatted), self._high_water)
        self._high_water = bounds
        return Range(self, 1, 1, 1, 1) if bounds is None else Range(self, *bounds)

    def add_table(self, name: str, first: str, last: str, totals: bool = False) -> Table:
        self.tables.append(Table(self, name, first, last, totals))
        return self.tables[-1]

    def autofit(self, axis: Optional[str] = None) -> None:
        self.autofit_calls += 1


def _union(a: Optional[tuple[int, int, int, int]], b: Optional[tuple[int, int, int, int]]
           ) -> Optional[tuple[int, int, int, int]]:
    if a is None or b is None:
        return a or b
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


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


class _NameApi:
    def __init__(self) -> None:
        self.Visible = True  # noqa: N815 - the COM name


class Name:
    def __init__(self, names: "Names", name: str, refers_to: str):
        self._names, self.name, self._refers_to = names, name, refers_to
        self.api = _NameApi()

    @property
    def refers_to(self) -> str:
        _com(self._names)
        return self._refers_to

    @refers_to.setter
    def refers_to(self, value: str) -> None:
        _com(self._names)
        self._refers_to = value


class Names:
    """A workbook's defined names, hidden ones included (as xlwings' ``Names``)."""

    def __init__(self, book: "Book"):
        self._book = book
        self._names: dict[str, Name] = {}

    @property
    def app(self) -> "App":
        return self._book.app

    def add(self, name: str, refers_to: str) -> Name:
        _com(self)
        self._names[name.casefold()] = Name(self, name, refers_to)
        return self._names[name.casefold()]

    def __contains__(self, name: object) -> bool:
        _com(self)
        return str(name).casefold() in self._names

    def __getitem__(self, name: str) -> Name:
        _com(self)
        return self._names[name.casefold()]


class App:
    def __init__(self) -> None:
        self.calculations = 0
        self.com_calls = 0
        self.alerts: list[tuple[str, Optional[str]]] = []
        self.books: dict[str, "Book"] = {}
        self.api = _AppApi(self)

    def calculate(self) -> None:
        self.calculations += 1

    def alert(self, prompt: str, title: Optional[str] = None, buttons: str = "ok", mode: Optional[str] = None,
              callback: Optional[str] = None) -> Optional[str]:
        self.alerts.append((prompt, title))
        return "ok"


class _AppApi:
    """The bit of the COM Application object Refresh uses."""

    def __init__(self, app: App):
        self.app = app
        self.full_calculations = 0

    def CalculateFull(self) -> None:  # noqa: N802 - the COM name
        self.full_calculations += 1


class Book:
    def __init__(self, fullname: Union[str, Path], app: Optional[App] = None):
        self._fullname = str(fullname)
        self._name = Path(self._fullname).name
        self.app = app or App()
        self.app.books[self._name] = self
        self.sheets = Sheets(self)
        self.names = Names(self)
        self.saves = 0
        self.api: Any = None  # the COM Workbook, where a test gives one (comstandin.ComBook)

    @property
    def fullname(self) -> str:
        _com(self)  # Workbook.FullName
        return self._fullname

    @property
    def name(self) -> str:
        _com(self)  # Workbook.Name
        return self._name

    def save(self) -> None:
        """Saving is when Excel shrinks ``UsedRange`` to the cells in use."""
        self.saves += 1
        for sheet in self.sheets:
            sheet._high_water = None

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
