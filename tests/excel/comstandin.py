"""Excel's COM objects (Workbook, Worksheet, Range, Name) as pywin32 would hand them to
xlwings, over the cells of an :mod:`xlstandin` book — so that xlwings' own Windows code
(``xlwings._xlwindows``, ``xlwings.udfs.call_udf``, its conversion pipeline) runs here.

Only the properties and methods that path uses exist; each use is counted in
``book.app.com_calls``. Values are what COM gives: numbers as float, dates as datetime,
empty cells as None, every error cell as its COM error integer (xlwings turns the seven
classic ones into text or None; the newer ones stay integers), a one-cell ``Value`` as a
scalar and a block as a tuple of row tuples.
"""

from __future__ import annotations

import sys
from typing import Any, Iterator, Optional

from . import xlstandin as xs

__all__ = ["ComBook", "com_range"]

RANGE_IID = "{00020846-0000-0000-C000-000000000046}"  # what xlwings' is_range_instance checks
DISP_E_EXCEPTION = -2147352567


def _error_int(text: str) -> int:
    return xs.COM_ERRORS.get(text) or xs.NEWER_COM_ERRORS[text]


class _Com:
    """Counts each attribute read from Excel, as a COM round trip."""

    def _app(self) -> xs.App:
        raise NotImplementedError

    def _uncounted(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Ask the xlstandin underneath without counting its calls again."""
        app = self._app()
        count = app.com_calls
        try:
            return fn(*args, **kwargs)
        finally:
            app.com_calls = count

    def __getattribute__(self, name: str) -> Any:
        if not name.startswith("_"):
            app = object.__getattribute__(self, "_app")()
            app.com_calls += 1
            trace = getattr(app, "com_trace", None)
            if trace is not None:
                trace.append(f"{type(self).__name__}.{name}")
        return object.__getattribute__(self, name)


class _TypeAttr:
    iid = RANGE_IID


class _OleObj:
    def GetTypeInfo(self) -> Any:  # noqa: N802 - pywin32's names
        return self

    def GetTypeAttr(self) -> _TypeAttr:  # noqa: N802
        return _TypeAttr()


class _Count:
    def __init__(self, n: int):
        self.Count = n  # noqa: N815


class ComRange(_Com):
    CLSID = RANGE_IID

    def __init__(self, sheet: "ComSheet", r1: int, c1: int, r2: int, c2: int):
        self._sheet, self._box = sheet, (r1, c1, r2, c2)
        self._oleobj_ = _OleObj()

    def _app(self) -> xs.App:
        return self._sheet._app()

    @property
    def Row(self) -> int:  # noqa: N802 - COM's names
        return self._box[0]

    @property
    def Column(self) -> int:  # noqa: N802
        return self._box[1]

    @property
    def Rows(self) -> _Count:  # noqa: N802
        return _Count(self._box[2] - self._box[0] + 1)

    @property
    def Columns(self) -> _Count:  # noqa: N802
        return _Count(self._box[3] - self._box[1] + 1)

    @property
    def Count(self) -> int:  # noqa: N802 - cells in the range
        r1, c1, r2, c2 = self._box
        return (r2 - r1 + 1) * (c2 - c1 + 1)

    @property
    def Worksheet(self) -> "ComSheet":  # noqa: N802
        return self._sheet

    def GetAddress(self, row_absolute: bool = True, column_absolute: bool = True, style: int = 1,  # noqa: N802
                   external: bool = False) -> str:
        inner = xs.Range(self._sheet._sheet, *self._box)
        if not external:
            return inner.address
        return self._uncounted(inner.get_address, external=True)  # the stand-in's spelling

    @property
    def Value(self) -> Any:  # noqa: N802
        r1, c1, r2, c2 = self._box
        cells = self._sheet._sheet.cells
        rows = []
        for r in range(r1, r2 + 1):
            row = []
            for c in range(c1, c2 + 1):
                v = cells.get((r, c))
                row.append(_error_int(str(v)) if isinstance(v, xs.CellError) else v)
            rows.append(tuple(row))
        return rows[0][0] if (r1, c1) == (r2, c2) else tuple(rows)


class _Found:
    def __init__(self, row: int, column: int):
        self.Row, self.Column = row, column  # noqa: N815


class _Cells:
    """``Worksheet.Cells``: callable as ``Cells(row, column)``, and ``Cells.Find``."""

    def __init__(self, sheet: "ComSheet"):
        self._sheet = sheet

    def __call__(self, row: int, column: int) -> ComRange:
        return ComRange(self._sheet, row, column, row, column)

    def Find(self, what: str, **kw: Any) -> Optional[_Found]:  # noqa: N802
        found = self._sheet._uncounted(self._sheet._sheet.api.Cells.Find, what, **kw)
        return None if found is None else _Found(found.Row, found.Column)


class ComSheet(_Com):
    def __init__(self, book: "ComBook", sheet: xs.Sheet):
        self._book, self._sheet = book, sheet

    def _app(self) -> xs.App:
        return self._book._app()

    @property
    def Name(self) -> str:  # noqa: N802
        return self._sheet.name

    @property
    def Parent(self) -> "ComBook":  # noqa: N802
        return self._book

    @property
    def UsedRange(self) -> ComRange:  # noqa: N802
        used = self._uncounted(lambda: self._sheet.used_range)
        return ComRange(self, used.row, used.column, used._r2, used._c2)

    @property
    def Cells(self) -> _Cells:  # noqa: N802
        return _Cells(self)

    def Range(self, first: Any, last: Any = None) -> ComRange:  # noqa: N802
        if isinstance(first, str):
            r = self._sheet.range(first)
            return ComRange(self, r.row, r.column, r._r2, r._c2)
        last = last or first
        return ComRange(self, first._box[0], first._box[1], last._box[2], last._box[3])

    def Evaluate(self, formula: str) -> Any:  # noqa: N802
        return self._uncounted(self._sheet.api.Evaluate, formula)

    @property
    def ListObjects(self) -> "_ListObjects":  # noqa: N802
        return _ListObjects(self)


class ComListObject(_Com):
    """An Excel table; ``HeaderRowRange`` is Nothing when its header row is hidden, and
    ``DataBodyRange`` when it has no rows."""

    def __init__(self, sheet: ComSheet, table: xs.Table):
        self._sheet, self._table = sheet, table

    def _app(self) -> xs.App:
        return self._sheet._app()

    def _com(self, rng: Optional[xs.Range]) -> Optional[ComRange]:
        return None if rng is None else ComRange(self._sheet, rng.row, rng.column, rng._r2, rng._c2)

    @property
    def Name(self) -> str:  # noqa: N802
        return self._table.name

    @property
    def Range(self) -> Optional[ComRange]:  # noqa: N802
        return self._com(self._table.range)

    @property
    def HeaderRowRange(self) -> Optional[ComRange]:  # noqa: N802
        return self._com(self._table.header_row_range)

    @property
    def DataBodyRange(self) -> Optional[ComRange]:  # noqa: N802
        return self._com(self._table.data_body_range)

    @property
    def ShowTotals(self) -> bool:  # noqa: N802
        return self._table.show_totals


class _ListObjects:
    def __init__(self, sheet: ComSheet):
        self._sheet = sheet

    @property
    def Count(self) -> int:  # noqa: N802
        return len(self._sheet._sheet.tables)

    def __iter__(self) -> Iterator[ComListObject]:
        return iter([ComListObject(self._sheet, t) for t in self._sheet._sheet.tables])


class _Sheets:
    def __init__(self, book: "ComBook"):
        self._book = book

    @property
    def Count(self) -> int:  # noqa: N802
        return len(self._book._book.sheets)

    def __iter__(self) -> Iterator[ComSheet]:
        return iter([ComSheet(self._book, s) for s in self._book._book.sheets])

    def __call__(self, key: Any) -> ComSheet:
        sheets = self._book._book.sheets
        return ComSheet(self._book, sheets[key - 1] if isinstance(key, int) else sheets[key])


class _ComName(_Com):
    def __init__(self, book: "ComBook", name: xs.Name):
        self._book, self._name = book, name

    def _app(self) -> xs.App:
        return self._book._app()

    @property
    def RefersTo(self) -> str:  # noqa: N802
        return self._name._refers_to

    @RefersTo.setter
    def RefersTo(self, value: str) -> None:  # noqa: N802
        self._name._refers_to = value


class _Names:
    def __init__(self, book: "ComBook"):
        self._book = book

    def __call__(self, name: str) -> _ComName:
        found = self._book._book.names._names.get(str(name).casefold())
        if found is None:
            com_error = sys.modules["pywintypes"].com_error
            error = com_error("no such name")
            error.hresult = DISP_E_EXCEPTION
            raise error
        return _ComName(self._book, found)

    def Add(self, name: str, refers_to: str) -> _ComName:  # noqa: N802
        return _ComName(self._book, self._book._uncounted(self._book._book.names.add, name, refers_to))


def _com_error(message: str) -> Exception:
    error = sys.modules["pywintypes"].com_error(message)
    error.hresult = DISP_E_EXCEPTION
    return error


class _CodeModule:
    def __init__(self, text: str):
        self._lines = text.splitlines()
        self.CountOfLines = len(self._lines)  # noqa: N815

    def Lines(self, start: int, count: int) -> str:  # noqa: N802
        return "\r\n".join(self._lines[start - 1: start - 1 + count])


class _Component:
    def __init__(self, name: str, text: str):
        self.Name, self.CodeModule = name, _CodeModule(text)  # noqa: N815


class _Components:
    """``VBProject.VBComponents``: modules by name; ``Import`` reads a ``.bas`` file."""

    def __init__(self, project: "VBProject"):
        self._project = project

    @property
    def Count(self) -> int:  # noqa: N802
        return len(self._project.modules)

    def __call__(self, name: str) -> _Component:
        if name not in self._project.modules:
            raise _com_error(f"no component {name}")
        return _Component(name, self._project.modules[name])

    def Remove(self, component: _Component) -> None:  # noqa: N802
        self._project.modules.pop(component.Name, None)

    def Import(self, path: str) -> None:  # noqa: N802
        if self._project.import_fails:
            raise _com_error("Automation error 440")
        with open(path) as f:
            lines = f.read().splitlines()
        name = lines[0].split('"')[1]  # Attribute VB_Name = "xlwings_udfs"
        self._project.modules[name] = "\n".join(lines[1:])


class VBProject:
    """A workbook's VBA project; ``trusted=False`` is the Trust Center's default."""

    def __init__(self, trusted: bool = True, import_fails: bool = False):
        self.trusted, self.import_fails = trusted, import_fails
        self.modules: dict[str, str] = {}

    @property
    def VBComponents(self) -> _Components:  # noqa: N802
        return _Components(self)


class ComBook(_Com):
    """A Workbook as COM gives it, over an :class:`xlstandin.Book`'s cells."""

    def __init__(self, book: xs.Book, vbproject: Optional[VBProject] = None, active: Optional["ComBook"] = None):
        self._book, self._vbproject = book, vbproject or VBProject()
        self._active = active  # Application.ActiveWorkbook, where the template's VBA fallback imports
        book.api = self

    @property
    def VBProject(self) -> VBProject:  # noqa: N802
        if not self._vbproject.trusted:
            raise _com_error("Programmatic access to Visual Basic Project is not trusted")
        return self._vbproject

    def _app(self) -> xs.App:
        return self._book.app

    @property
    def Name(self) -> str:  # noqa: N802
        return self._book._name

    @property
    def FullName(self) -> str:  # noqa: N802
        return self._book._fullname

    @property
    def Worksheets(self) -> _Sheets:  # noqa: N802
        return _Sheets(self)

    Sheets = Worksheets

    @property
    def Names(self) -> _Names:  # noqa: N802
        return _Names(self)

    @property
    def Application(self) -> "_ComApp":  # noqa: N802
        return _ComApp(self)


class _ComApp(_Com):
    Hwnd = 1  # noqa: N815 - xlwings asks for the window, to know the process id
    Version = "16.0"  # noqa: N815

    def __init__(self, book: ComBook):
        self._book = book

    def Run(self, macro: str, *args: Any) -> None:  # noqa: N802
        """The template's VBA fallback ``ImportXlwingsUdfsModule``: into the *active* workbook."""
        assert macro == "ImportXlwingsUdfsModule"
        active = self._book._active or self._book
        components = active.VBProject.VBComponents
        try:
            components.Remove(components("xlwings_udfs"))
        except Exception:
            pass
        components.Import(args[0])

    def MacroOptions(self, *args: Any, **kwargs: Any) -> None:  # noqa: N802
        pass

    def _app(self) -> xs.App:
        return self._book._app()


def com_range(book: ComBook, sheet: str, a1: str) -> ComRange:
    """A cell or block of ``book`` as COM hands it over (a caller, or a reference argument)."""
    return ComSheet(book, book._book.sheets[sheet]).Range(a1)
