"""Issue 11: the Excel door as Excel over COM behaves, one test per finding.

Each test runs on the COM-like stand-in (``xlstandin.py``: Total rows, an oversized
``UsedRange``, error integers, ``Decimal`` currency, errors as None without
``err_to_str``, COM calls counted) and, where xlwings' own code decides what a cell
hands over, through that code (``xlwings._xlwindows`` with the pywin32 stand-ins of
``winstandin.py``). Each failed on the code before issue 11.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import pytest

pytest.importorskip("xlwings", reason="the excel extra (xlwings) is not installed")

from ..conftest import ACCOUNTS, SALES, write_book
from .conftest import REVENUE_CONFIG as CONFIG
from . import winstandin
from . import xlstandin as xs

from kpisheet.excel import live, ribbon, udfs
from kpisheet.excel.comvalues import cell_value, error_text
from kpisheet.excel.live import LiveReader, Workspace
from kpisheet.sources import SourceRef



@pytest.fixture
def book(tmp_path: Path) -> xs.Book:
    path = write_book(tmp_path / "book.xlsx", {"Sales": SALES, "Accounts": ACCOUNTS})
    (tmp_path / "kpisheet.yaml").write_text(CONFIG)
    return xs.book_from_file(path)


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def cells() -> Iterator[tuple[Workspace, _Clock]]:
    """The workspace of the process that evaluates the cells (xlwings' COM server), on a clock
    the test moves; the module's own is put back afterwards."""
    clock = _Clock()
    space = Workspace(ttl=1.0, clock=clock)
    old = udfs.WORKSPACE
    udfs.WORKSPACE = space  # type: ignore[misc]
    try:
        yield space, clock
    finally:
        udfs.WORKSPACE = old  # type: ignore[misc]


def _no_evaluate(book: xs.Book) -> None:
    """Excel without ``Worksheet.Evaluate`` (as on macOS): no content hash."""
    for sheet in book.sheets:
        sheet.api.Evaluate = None  # type: ignore[assignment,method-assign]


# --- 1. Refresh reaches the process that evaluates the cells ----------------------------------


def test_refresh_in_its_own_process_reaches_the_cells(book: xs.Book, cells: tuple[Workspace, _Clock]) -> None:
    space, clock = cells
    _no_evaluate(book)  # so that only Refresh can see a middle edit
    cell = book.caller_cell()
    assert udfs.KPI("revenue", "2026-01", caller=cell) == 155.0
    book.sheets["Sales"].set(4, 3, 1000)  # 2026-01-05: 100 -> 1000, a middle row
    clock.now = 5.0
    assert udfs.KPI("revenue", "2026-01", caller=cell) == 155.0  # nothing told the cells' process
    ribbon.refresh(book, Workspace(), register=False)  # Refresh: another process, another workspace
    assert udfs.KPI("revenue", "2026-01", caller=cell) == 155.0  # within the TTL of the last check
    clock.now = 10.0  # the full recalculation Refresh started reaches the cells
    assert udfs.KPI("revenue", "2026-01", caller=cell) == 1055.0
    assert space.evaluations == 2
    assert book.names[live.REFRESH_NAME].api.Visible is False  # hidden from the Name Manager


def test_the_refresh_marker_changes_every_time(book: xs.Book) -> None:
    assert live.refresh_marker(book) is None
    first = live.mark_refreshed(book)
    assert live.refresh_marker(book) == first
    assert live.mark_refreshed(book) != first and len(book.names._names) == 1


# --- 2. error arguments propagate, never "omitted" -----------------------------------------------


@pytest.fixture
def handed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """What xlwings' own ``_clean_value_data_element`` hands a registered function for a
    COM value, with the options the function registered (``xw.arg``)."""
    import importlib
    import sys

    import xlwings

    xlwindows, xludfs = winstandin.install(monkeypatch)
    monkeypatch.setattr(xlwings, "arg", xludfs.xlarg)
    monkeypatch.setattr(xlwings, "func", xludfs.xlfunc)
    monkeypatch.delitem(sys.modules, "kpisheet.excel.udfs", raising=False)
    registered = importlib.import_module("kpisheet.excel.udfs")

    def hand(function: str, position: int, com_value: Any) -> Any:
        options = getattr(registered, function).__xlfunc__["args"][position]["options"]
        return xlwindows._clean_value_data_element(com_value, dt.datetime, None, None,
                                                   options.get("err_to_str", False))

    yield hand
    sys.modules.pop("kpisheet.excel.udfs", None)
    winstandin.uninstall()


NA = -2146826246  # #N/A as COM gives it
SPILL = -2146826243  # #SPILL!: not in xlwings' table


def test_error_arguments_propagate(book: xs.Book, handed: Any, cells: tuple[Workspace, _Clock]) -> None:
    cell = book.caller_cell()
    account = handed("KPI", 2, NA)  # =KPI("revenue", , C1) with C1 = #N/A (a failed XLOOKUP)
    assert account == "#N/A"  # without err_to_str xlwings gives None: the all-accounts total
    assert udfs.KPI("revenue", None, account, caller=cell) == "#N/A"
    assert udfs.KPI("revenue", handed("KPI", 1, NA), caller=cell) == "#N/A"  # not latest
    assert udfs.KPI("revenue", handed("KPI", 1, SPILL), caller=cell) == "#SPILL!"
    assert udfs.KPI_TABLE(handed("KPI_TABLE", 0, -2146826238), caller=cell) == "#CALC!"
    assert udfs.KPI(handed("KPI", 0, -2146826259), caller=cell) == "#NAME?"
    assert udfs.KPI("revenue", [[handed("KPI", 1, NA)]], caller=cell) == "#N/A"  # a 1x1 block
    assert udfs.KPI("revenue", "2026-01", caller=cell) == 155.0  # and plain values still work


def test_error_values_and_currency_as_kpisheet_reads_them() -> None:
    assert error_text(-2146826243) == "#SPILL!" and error_text("#CALC!") == "#CALC!"
    assert error_text(-2146826100) == "#VALUE!"  # an error integer no table names: still an error
    assert error_text(5) is None and error_text("text") is None and error_text(True) is None
    assert cell_value(Decimal("1234.5678")) == 1234.5678 and type(cell_value(Decimal("1"))) is float
    assert cell_value(-2146826238) == "#CALC!" and cell_value(True) is True and cell_value(7) == 7.0


# --- 3. Excel tables: header and data, never the Total row ---------------------------------------


def test_table_total_row_is_left_out(tmp_path: Path, cells: tuple[Workspace, _Clock]) -> None:
    rows = [*SALES, ["Total", None, 415, None]]
    path = write_book(tmp_path / "book.xlsx", {"Sales": rows, "Accounts": ACCOUNTS})
    (tmp_path / "kpisheet.yaml").write_text(CONFIG.replace("sheet: Sales", "table: SalesTable"))
    book = xs.book_from_file(path)
    book.sheets["Sales"].add_table("SalesTable", "A1", f"D{len(rows)}", totals=True)
    table = LiveReader(book).read(SourceRef("sales", path, table="SalesTable"))
    assert len(table.df) == len(SALES) - 1 and "Total" not in table.df["Date"].astype(str).tolist()
    assert udfs.KPI("revenue", "2026", caller=book.caller_cell()) == 375.0


def test_a_table_without_rows_or_header(tmp_path: Path) -> None:
    book = xs.Book(tmp_path / "b.xlsx")
    sheet = book.add_sheet("Sales", [["Date", "Amount"], ["Total", 0]])
    table = sheet.add_table("T", "A1", "B2", totals=True)
    assert LiveReader(book).read(SourceRef("t", Path(book.fullname), table="T")).df.empty
    table.show_headers = False
    from kpisheet.errors import WorkbookError

    with pytest.raises(WorkbookError, match="hides its header row"):
        LiveReader(book).read(SourceRef("t2", Path(book.fullname), table="T"))


# --- 4. the newer error values are errors, not numbers -------------------------------------------


def test_newer_errors_in_sources_are_errors_not_numbers(book: xs.Book, cells: tuple[Workspace, _Clock]) -> None:
    sales = book.sheets["Sales"]
    sales.cells[(4, 3)] = xs.CellError("#SPILL!")  # the Amount of 2026-01-05
    grid = live._values(sales.range("A4:D4"))
    assert grid == [[dt.datetime(2026, 1, 5), "A", "#SPILL!", "ok"]]  # handed to the table as its text
    value = udfs.KPI("revenue", "2026-01", caller=book.caller_cell())
    assert value == "#SPILL!", value  # SPEC §7.3: the error propagates, as Excel's SUM would; never 155 - 2,146,826,243


# --- 5. the fingerprint: last non-empty row and a content hash, not UsedRange --------------------


def test_fingerprint_sees_rows_under_formatted_cells_and_middle_edits(book: xs.Book) -> None:
    sales = book.sheets["Sales"]
    sales.format("A1", "F200")  # formatted empty cells: UsedRange reaches row 200
    ref = [SourceRef("sales", Path(book._fullname), sheet="Sales")]
    clock = _Clock()
    reader = LiveReader(book, hashes=live.ContentHashes(clock))
    first = reader.fingerprint(ref)
    sales.write([[dt.datetime(2026, 3, 30), "C", 5, "ok"]], top=len(SALES) + 1)  # a row added
    second = reader.fingerprint(ref)
    assert second != first
    sales.set(len(SALES) + 1, 3, 6)  # the last row edited
    third = reader.fingerprint(ref)
    assert third != second
    sales.set(3, 3, 6)  # a middle row edited: the content hash Excel computes sees it ...
    assert reader.fingerprint(ref) == third  # ... not sooner than ten times its cost after the last
    clock.now = 100.0
    fourth = reader.fingerprint(ref)
    assert fourth != third
    sales.set(len(SALES) + 1, 1, None)
    sales.set(len(SALES) + 1, 2, None)
    sales.set(len(SALES) + 1, 3, None)
    sales.set(len(SALES) + 1, 4, None)  # the added row cleared: UsedRange does not shrink, Find does
    assert sales.used_range.address == "$A$1:$F$200"
    assert reader.fingerprint(ref)[1][2] == first[1][2]  # cells up to the last non-empty row again
    assert reader.fingerprint(ref) == reader.fingerprint(ref)


# --- 10. per-call cost, Refresh catching everything, the re-registration check -------------------


def test_one_com_call_a_cell_after_the_first(book: xs.Book, cells: tuple[Workspace, _Clock]) -> None:
    space, clock = cells
    cell = book.caller_cell(0, "H2")
    udfs.KPI("revenue", "2026-01", caller=cell)  # the first call of a recalculation
    before = book.app.com_calls
    for month in ("2026-01", "2026-02", "2026-03") * 10:
        udfs.KPI("revenue", month, "A", caller=cell)
    assert book.app.com_calls - before == 30  # the cell's external address, nothing else
    clock.now = 2.0  # the next recalculation: the workbook is resolved once again
    udfs.KPI("revenue", "2026-01", caller=cell)
    assert book.app.com_calls - before > 31


def test_book_key_reads_the_external_address(tmp_path: Path) -> None:
    book = xs.Book(tmp_path / "Bob's Q3 book.xlsx")
    cell = book.caller_cell()
    assert cell.get_address(external=True) == "'[Bob''s Q3 book.xlsx]Sheet1'!$A$1"
    assert live.book_key(cell) == "Bob's Q3 book.xlsx" and live.book_key(book) == "Bob's Q3 book.xlsx"


def test_refresh_catches_everything_in_one_line(book: xs.Book, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import xlwings as xw

    import kpisheet

    monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: book))
    book.sheets.add(ribbon.CHECK_SHEET).protected = True  # a protected sheet: Excel refuses the write
    kpisheet.main()  # no exception, no traceback box
    assert len(book.app.alerts) == 1
    message, title = book.app.alerts[0]
    assert title == "kpisheet" and "\n" not in message
    assert message.startswith("kpisheet Refresh failed: PermissionError: ")
    log = home / ".kpisheet" / "excel.log"
    assert str(log) in message
    _flush()
    assert "Traceback" in log.read_text() and "protected sheet" in log.read_text()


def _flush() -> None:
    for handler in logging.getLogger("kpisheet").handlers:
        handler.flush()


def test_main_without_a_calling_book_says_so(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    import xlwings as xw

    def no_book(cls: Any) -> Any:
        raise RuntimeError("no Excel")

    monkeypatch.setattr(xw.Book, "caller", classmethod(no_book))
    ribbon.main()  # nothing to show the message in: logged, not raised
    _flush()
    assert "no Excel" in (home / ".kpisheet" / "excel.log").read_text()


def test_a_failing_function_is_logged_in_the_users_folder(book: xs.Book, home: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          cells: tuple[Workspace, _Clock]) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(udfs, "invoke", broken)
    assert udfs.KPI("revenue", caller=book.caller_cell()) == "#VALUE! internal error: ZeroDivisionError: boom"
    _flush()
    assert "ZeroDivisionError: boom" in (home / ".kpisheet" / "excel.log").read_text()


def test_registration_check_ignores_the_case_vba_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    wanted = ('Function KPI(name, Optional period, Optional account)\n'
              '    KPI = XLPy.CallUDF("kpisheet.excel.udfs", "KPI", Array(name, period, account, Nothing))\n')
    recased = wanted.replace("Optional period", "Optional Period").replace("XLPy", "xlpy")
    assert ribbon._signatures(recased) == ribbon._signatures(wanted)
    assert ribbon._signatures(wanted.replace("KPI(", "KPIX(")) != ribbon._signatures(wanted)


def test_decimal_currency_cells_are_numbers(book: xs.Book, cells: tuple[Workspace, _Clock]) -> None:
    sales = book.sheets["Sales"]
    sales.cells[(4, 3)] = Decimal("100.25")  # a Currency-formatted cell: VT_CY
    grid = live._values(sales.range("C4:C4"))
    assert grid == [[100.25]] and type(grid[0][0]) is float
    assert udfs.KPI("revenue", "2026-01", caller=book.caller_cell()) == 155.25
    assert udfs.KPI("revenue", Decimal("2026"), caller=book.caller_cell()) == 375.25  # a year as currency


def test_a_workbook_refusing_the_marker_is_a_warning_not_a_failed_refresh(book: xs.Book) -> None:
    def refuse(name: str, refers_to: str) -> Any:
        raise PermissionError("the workbook is protected")

    book.names.add = refuse  # type: ignore[method-assign]
    report = ribbon.refresh(book, Workspace(), register=False)
    assert report.findings[0].severity == "warning" and live.REFRESH_NAME in report.findings[0].message
    assert "PermissionError: the workbook is protected" in report.findings[0].message
    assert book.app.api.full_calculations == 1  # the rest of Refresh ran
