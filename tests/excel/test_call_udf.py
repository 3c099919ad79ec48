"""The functions called as Excel calls them: through xlwings' own ``call_udf`` (the COM
server's entry point), its argument conversion and its Windows layer ``_xlwindows``, over
COM objects of the test's own (``comstandin.py``) — only pywin32 is stood in for
(``winstandin.py``). What ``call_udf`` returns is what the cell gets.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

pytest.importorskip("xlwings", reason="the excel extra (xlwings) is not installed")

from ..conftest import ACCOUNTS, SALES, write_book
from .conftest import REVENUE_CONFIG as CONFIG
from . import comstandin, winstandin
from . import xlstandin as xs

from kpisheet.excel.live import Workspace

MODULE = "kpisheet.excel.udfs"
MISSING = -2147352572  # what VBA passes for an omitted optional argument


@pytest.fixture
def excel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[xs.Book, Callable[..., Any]]]:
    """(the open workbook, call(function, *args, caller=A1)) through xlwings' ``call_udf``."""
    import xlwings
    from xlwings.main import Engine, Engines

    xlwindows, xludfs = winstandin.install(monkeypatch)
    engines = Engines()
    engines.add(Engine(impl=xlwindows.engine))
    engines.active = engines["excel"]
    monkeypatch.setattr(xlwings, "engines", engines)
    for name in ("func", "arg", "ret"):
        monkeypatch.setattr(xlwings, name, getattr(xludfs, "xl" + name))
    monkeypatch.delitem(sys.modules, MODULE, raising=False)
    monkeypatch.setattr(xludfs, "udf_modules", {})
    udfs = importlib.import_module(MODULE)
    monkeypatch.setattr(udfs, "WORKSPACE", Workspace(ttl=3600.0))  # one recalculation

    path = write_book(tmp_path / "book.xlsx", {"Sales": SALES, "Accounts": ACCOUNTS})
    (tmp_path / "kpisheet.yaml").write_text(CONFIG)
    book = xs.book_from_file(path)
    com = comstandin.ComBook(book)

    callers = {a1: comstandin.com_range(com, "Sales", a1) for a1 in ("H1", "H2")}

    def call(function: str, *args: Any, caller: str = "H1") -> Any:
        """What the cell gets: xlwings hands Excel a 2-D array; one value for a scalar."""
        n = len(getattr(udfs, function).__xlfunc__["args"])
        padded = [*args, *([MISSING] * (n - 1 - len(args))), None]  # VBA: Array(args..., Nothing)
        got = xludfs.call_udf(MODULE, function, tuple(padded), com, callers[caller])
        return got[0][0] if isinstance(got, list) and len(got) == 1 and len(got[0]) == 1 else got

    try:
        yield book, call
    finally:
        sys.modules.pop(MODULE, None)
        winstandin.uninstall()


def _cell(book: xs.Book, a1: str) -> Any:
    return comstandin.com_range(comstandin.ComBook(book), "Sales", a1)


def test_values_through_call_udf(excel: tuple[xs.Book, Callable[..., Any]]) -> None:
    book, call = excel
    assert call("KPI", "revenue", "2026-01") == 155.0
    assert call("KPI", "revenue") == 100.0  # period omitted (VBA's "missing"): latest
    assert call("KPI", "revenue", 2026.0, "A") == 280.0
    book.sheets["Sales"].write([["2026-02"]], top=1, left=10)  # J1: a reference argument
    assert call("KPI", "revenue", _cell(book, "J1")) == 120.0
    table = call("KPI_SERIES", "revenue", "2026-01", "2026-02")
    assert table == [["Period", "Value"], ["2026-01", 155.0], ["2026-02", 120.0]]


def test_error_arguments_through_call_udf(excel: tuple[xs.Book, Callable[..., Any]]) -> None:
    """Finding 2 end to end: a cell with #N/A as an argument, a reference xlwings reads itself."""
    book, call = excel
    sales = book.sheets["Sales"]
    sales.cells[(1, 10)] = xs.CellError("#N/A")  # J1: a failed XLOOKUP
    sales.cells[(1, 11)] = xs.CellError("#SPILL!")  # K1
    assert call("KPI", "revenue", MISSING, _cell(book, "J1")) == "#N/A"  # not the all-accounts 155 + ...
    assert call("KPI", "revenue", _cell(book, "J1")) == "#N/A"  # not latest
    assert call("KPI", "revenue", _cell(book, "K1")) == "#SPILL!"
    assert call("KPI", "revenue", -2146826246) == "#N/A"  # an error value, not a reference


def test_one_com_call_a_cell_through_call_udf(excel: tuple[xs.Book, Callable[..., Any]]) -> None:
    """Finding 10 end to end: after the first call, our part of a cell is one COM call; xlwings'
    own ``call_udf`` adds one (``CLSID``, to marshal the caller between threads)."""
    book, call = excel
    call("KPI", "revenue", "2026-01")
    book.app.com_trace = []  # type: ignore[attr-defined]
    before = book.app.com_calls
    for month in ("2026-01", "2026-02", "2026-03") * 5:
        call("KPI", "revenue", month, "A")
    assert (book.app.com_calls - before) / 15 == 2.0, " ".join(book.app.com_trace[:12])  # type: ignore[attr-defined]


def test_source_cells_through_xlwings_windows_layer(excel: tuple[xs.Book, Callable[..., Any]]) -> None:
    """Findings 3-5 through xlwings' own reading: newer errors arrive as integers there too."""
    book, call = excel
    book.sheets["Sales"].cells[(4, 3)] = xs.CellError("#CALC!")
    value = call("KPI", "revenue", "2026-01")
    assert isinstance(value, str) and value.startswith("#"), value


# --- registering the functions: xlwings' own import_udfs over a VBA project stand-in ------------


def _addin(book: xs.Book, **project: Any) -> xs.Book:
    """kpisheet.xlam open beside ``book`` (the active workbook), with its VBA project."""
    addin = xs.Book(Path(book._fullname).parent / "kpisheet.xlam", app=book.app)
    addin.add_sheet("myaddin.conf", [["UDF Modules", MODULE]])
    comstandin.ComBook(addin, comstandin.VBProject(**project), active=book.api)
    return addin


def test_registration_goes_into_the_addin(excel: tuple[xs.Book, Callable[..., Any]]) -> None:
    from kpisheet.excel import ribbon

    book, _ = excel
    addin = _addin(book)
    assert ribbon.register_functions(book, platform="win32") == "registered"
    vba = addin.api.VBProject.modules["xlwings_udfs"]
    assert 'Function KPI(name, Optional period, Optional account)' in vba and addin.saves == 1
    assert book.api.VBProject.modules == {}  # nothing in the user's workbook
    assert ribbon.register_functions(book, platform="win32") == "up to date"
    # the VBA editor recases identifiers as it pleases: still up to date, no re-import and re-save
    addin.api.VBProject.modules["xlwings_udfs"] = vba.replace("XLPy.CallUDF", "xlpy.CallUdf").replace(
        "Optional period", "Optional Period")
    assert ribbon.register_functions(book, platform="win32") == "up to date" and addin.saves == 1


def test_locked_vba_trust_is_said_and_nothing_is_imported(excel: tuple[xs.Book, Callable[..., Any]]) -> None:
    from kpisheet.excel import ribbon

    book, _ = excel
    _addin(book, trusted=False)
    said = ribbon.register_functions(book, platform="win32")
    assert said.startswith("not checked (no access to the add-in's VBA project") and "Trust access" in said
    assert "locked by policy: see docs/excel.md" in said
    assert book.api.VBProject.modules == {}


def test_xlwings_fallback_into_the_users_workbook_is_undone(excel: tuple[xs.Book, Callable[..., Any]]) -> None:
    """xlwings' fallback (``Application.Run("ImportXlwingsUdfsModule")``) imports into the
    *active* workbook when the direct import fails (its "Automation error 440")."""
    from kpisheet.excel import ribbon

    book, _ = excel
    addin = _addin(book, import_fails=True)
    said = ribbon.register_functions(book, platform="win32")
    assert said.startswith("not registered: xlwings wrote the functions into book.xlsx instead of the add-in")
    assert book.api.VBProject.modules == {} and addin.saves == 0


def test_table_with_a_total_row_through_xlwings(excel: tuple[xs.Book, Callable[..., Any]], tmp_path: Path) -> None:
    """Finding 3 through xlwings' own Table (``HeaderRowRange``/``DataBodyRange``)."""
    book, call = excel
    sales = book.sheets["Sales"]
    sales.write([["Total", None, 415, None]], top=len(SALES) + 1)
    sales.add_table("SalesTable", "A1", f"D{len(SALES) + 1}", totals=True)
    (tmp_path / "kpisheet.yaml").write_text(CONFIG.replace("sheet: Sales", "table: SalesTable"))
    assert call("KPI", "revenue", "2026") == 375.0  # not '#VALUE! text Total where dates belong', not doubled
