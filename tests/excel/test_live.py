"""The live-workbook reader and Refresh (``kpisheet.main()``), against the in-memory stand-in
of xlwings' Book/Sheet/Range (``xlstandin.py``) — used only because desktop Excel cannot run
here. A live table must equal the table FileReader reads from the same cells on disk."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("xlwings", reason="the excel extra (xlwings) is not installed")

from ..conftest import ACCOUNTS, SALES, write_book
from .conftest import REVENUE_CONFIG
from . import xlstandin as xs

from kpisheet.errors import WorkbookError
from kpisheet.excel import ribbon
from kpisheet.excel.live import LiveReader, Workspace, same_file
from kpisheet.sources import FileReader, SourceRef
from kpisheet.xlerrors import XlError

COLUMNS = {"date": "Date", "account": "Account", "amount": "Amount", "status": "Status"}
D = dt.datetime


def _both(path: Path, ref: SourceRef, book: xs.Book | None = None) -> tuple[Any, Any]:
    book = book or xs.book_from_file(path)
    return LiveReader(book).read(ref), FileReader().read(ref)


def _same(live: Any, disk: Any) -> None:
    assert live.df.equals(disk.df), (live.df, disk.df)
    assert list(live.df.index) == list(disk.df.index)
    assert (live.sheet, live.first_row, live.first_col) == (disk.sheet, disk.first_row, disk.first_col)
    assert dict(live.column_numbers) == dict(disk.column_numbers)
    assert live.place(3, "amount") == disk.place(3, "amount")


def test_sheet_source_equals_file_reader(tmp_path: Path) -> None:
    path = write_book(tmp_path / "b.xlsx", {"Sales": SALES, "Accounts": ACCOUNTS})
    _same(*_both(path, SourceRef("sales", path, sheet="Sales", columns=COLUMNS)))
    _same(*_both(path, SourceRef("accounts", path, sheet="accounts")))  # sheet names ignore case
    _same(*_both(path, SourceRef("first", path)))  # no sheet: the first one


def test_sheet_below_blank_rows_and_columns_with_header_row(tmp_path: Path) -> None:
    rows = [[None] * 4, [None] * 4, ["title", None, None, None], [None] * 4] + [[None, *r[:3]] for r in SALES]
    path = write_book(tmp_path / "b.xlsx", {"Sales": rows})
    ref = SourceRef("sales", path, sheet="Sales", header_row=5, columns={"date": "Date"})
    live, disk = _both(path, ref)
    _same(live, disk)
    assert live.place(0, "date") == f"{path}!Sales!B6"
    book = xs.book_from_file(path)
    book.sheets["Sales"].set(1, 1, None)
    book.sheets["Sales"].cells[(1, 6)] = None  # a formatted, empty cell widens the used range
    _same(LiveReader(book).read(ref), disk)


def test_range_and_table_sources(tmp_path: Path) -> None:
    path = write_book(tmp_path / "b.xlsx", {"Sales": SALES})
    ref = SourceRef("sales", path, range="Sales!A1:C5")
    _same(*_both(path, ref))
    _same(*_both(path, SourceRef("sales", path, range="Sales!B:D")))
    book = xs.book_from_file(path)
    book.sheets["Sales"].add_table("SalesTable", "A1", f"D{len(SALES)}")
    table = LiveReader(book).read(SourceRef("sales", path, table="salestable", columns=COLUMNS))
    sheet = FileReader().read(SourceRef("sales", path, sheet="Sales", columns=COLUMNS))
    assert table.df.equals(sheet.df)


def test_values_as_excel_holds_them(tmp_path: Path) -> None:
    book = xs.Book(tmp_path / "b.xlsx")
    sales = book.add_sheet("Sales", [["Date", "Amount", "Note"], [D(2026, 1, 2), 5, "x"], [D(2026, 1, 3), 7, None]])
    sales.cells[(3, 3)] = xs.CellError("#DIV/0!")
    sales.cells[(2, 2)] = xs.CellError("#N/A")
    table = LiveReader(book).read(SourceRef("s", Path(book.fullname), sheet="Sales"))
    # error cells are handed to the source table as their text, which makes them error cells (SPEC §7.3), never blank
    assert [XlError(int(c)) if c else None for c in table.error_codes("Amount")] == [XlError.NA, None]
    assert [XlError(int(c)) if c else None for c in table.error_codes("Note")] == [None, XlError.DIV0]
    assert table.numbers("Amount")[1] == 7.0 and table.df["Note"].tolist()[0] == "x"
    assert str(table.dates("Date")[0])[:10] == "2026-01-02"  # a date cell: a datetime from xlwings


def test_problems_name_their_place(tmp_path: Path) -> None:
    book = xs.Book(tmp_path / "b.xlsx")
    book.add_sheet("Sales", SALES)
    book.add_sheet("Empty")
    reader = LiveReader(book)
    with pytest.raises(WorkbookError, match=r"no sheet 'Sale' \(did you mean 'Sales'\?\)") as exc:
        reader.read(SourceRef("s", Path(book.fullname), sheet="Sale"))
    assert exc.value.problems[0].place == f"{book.fullname}!Sale"
    with pytest.raises(WorkbookError, match="empty"):
        reader.read(SourceRef("e", Path(book.fullname), sheet="Empty"))
    with pytest.raises(WorkbookError, match="no table 'T'"):
        reader.read(SourceRef("t", Path(book.fullname), table="T"))
    with pytest.raises(WorkbookError, match="bad range"):
        reader.read(SourceRef("r", Path(book.fullname), range="Sales!A1"))
    book.sheets["Sales"].cells[(3, 3)] = "lots"
    table = reader.read(SourceRef("s", Path(book.fullname), sheet="Sales", columns=COLUMNS))
    with pytest.raises(WorkbookError) as bad:
        table.numbers("amount")
    assert bad.value.problems[0].place == f"{book.fullname}!Sales!C3"


def test_other_files_are_read_from_disk(tmp_path: Path) -> None:
    other = write_book(tmp_path / "other.xlsx", {"Accounts": ACCOUNTS})
    book = xs.Book(tmp_path / "open.xlsx")  # no such file on disk: it is open in Excel
    book.add_sheet("Sales", SALES)
    reader = LiveReader(book)
    assert reader.read(SourceRef("a", other, sheet="Accounts")).df.equals(
        FileReader().read(SourceRef("a", other, sheet="Accounts")).df)
    assert len(reader.read(SourceRef("s", tmp_path / "open.xlsx", sheet="Sales")).df) == len(SALES) - 1
    assert same_file(tmp_path / "x" / ".." / "open.xlsx", tmp_path / "open.xlsx")


def test_fingerprint_moves_with_rows_and_files(tmp_path: Path) -> None:
    other = write_book(tmp_path / "other.xlsx", {"Accounts": ACCOUNTS})
    book = xs.Book(tmp_path / "open.xlsx")
    sales = book.add_sheet("Sales", SALES)
    refs = [SourceRef("s", Path(book.fullname), sheet="Sales"), SourceRef("a", other, sheet="Accounts")]
    reader = LiveReader(book)
    first = reader.fingerprint(refs)
    assert reader.fingerprint(refs) == first
    sales.set(len(SALES), 3, 41)  # the last row edited
    second = reader.fingerprint(refs)
    assert second != first
    sales.write([[D(2026, 4, 1), "A", 1, "ok"]], top=len(SALES) + 1)  # a row added
    assert reader.fingerprint(refs) != second
    third = reader.fingerprint(refs)
    write_book(other, {"Accounts": ACCOUNTS[:2]})
    os.utime(other, ns=(10**18, 10**18))
    assert reader.fingerprint(refs) != third
    assert reader.fingerprint([SourceRef("x", Path(book.fullname), sheet="Nope")])  # unreadable: still a value


# --- Refresh -----------------------------------------------------------------------------------

CONFIG = REVENUE_CONFIG + """\
    owner: Finance
    grain: month
    target: 100000
"""


def _open(tmp_path: Path, config: str = CONFIG) -> xs.Book:
    path = write_book(tmp_path / "book.xlsx", {"Sales": SALES, "Accounts": ACCOUNTS})
    (tmp_path / "kpisheet.yaml").write_text(config)
    return xs.book_from_file(path)


def _check(book: xs.Book) -> list[list[Any]]:
    return book.sheets[ribbon.CHECK_SHEET].used_range.options(ndim=2).value  # type: ignore[no-any-return]


def test_refresh_writes_findings_and_recalculates(tmp_path: Path) -> None:
    book = _open(tmp_path)
    space = Workspace()
    report = ribbon.refresh(book, space)
    assert book.app.api.full_calculations == 1 and report.recalculated
    rows = _check(book)
    assert rows[0][0].startswith("kpisheet Refresh at ") and rows[0][0].endswith(str(book.fullname))
    assert rows[1][0] == f"config: {tmp_path / 'kpisheet.yaml'}"
    header = rows.index(ribbon.HEADER)
    found = rows[header + 1:]
    # A over the live data: the target is far above every month
    assert [r[1:4] for r in found] == [["warning", "revenue", "A"]]
    assert found[0][0].startswith(f"{tmp_path / 'kpisheet.yaml'}:")
    assert "above every value" in found[0][4]
    assert [s.name for s in book.sheets][-1] == ribbon.CHECK_SHEET


def test_refresh_reads_the_live_data_not_the_file(tmp_path: Path) -> None:
    book = _open(tmp_path, CONFIG.replace("target: 100000", "target: 150"))
    space = Workspace()
    assert ribbon.refresh(book, space).findings == []
    assert _check(book)[-1][4].startswith("No findings")
    book.sheets["Sales"].set(3, 3, "lots")  # only in Excel, not saved
    report = ribbon.refresh(book, space)
    assert [(f.severity, f.letter) for f in report.findings] == [("error", "M")]
    assert report.findings[0].place == f"{book.fullname}!Sales!C3"
    assert len(_check(book)) == 6  # the sheet was cleared, not appended to


def test_refresh_clears_the_cache(tmp_path: Path) -> None:
    from kpisheet.excel import udfs

    book = _open(tmp_path)
    udfs.WORKSPACE.clear()
    cell = book.caller_cell()
    assert udfs.KPI("revenue", "2026-01", caller=cell) == 155.0
    book.sheets["Sales"].set(2, 3, 1010)  # a middle row: the cheap fingerprint cannot see it
    assert udfs.KPI("revenue", "2026-01", caller=cell) == 155.0
    ribbon.refresh(book)
    assert udfs.KPI("revenue", "2026-01", caller=cell) == 155.0  # 2025-12-31 row: not January
    book.sheets["Sales"].set(4, 3, 200)  # 2026-01-05: 100 -> 200
    ribbon.refresh(book)
    assert udfs.KPI("revenue", "2026-01", caller=cell) == 255.0
    udfs.WORKSPACE.clear()


def test_refresh_with_a_broken_config_says_so_in_the_sheet(tmp_path: Path) -> None:
    book = _open(tmp_path, "version: 1\nkpis:\n  revenue: {source: nowhere, measure: sum(amount)}\n")
    report = ribbon.refresh(book, Workspace())
    assert report.findings and all(f.severity == "error" for f in report.findings)
    rows = _check(book)
    assert any("nowhere" in str(r[4]) for r in rows)
    assert book.app.api.full_calculations == 1


def test_refresh_without_full_calculation_falls_back(tmp_path: Path) -> None:
    book = _open(tmp_path)
    book.app.api = None  # type: ignore[assignment]
    ribbon.refresh(book, Workspace())
    assert book.app.calculations == 1


def test_register_functions_only_on_windows(tmp_path: Path) -> None:
    book = _open(tmp_path)
    assert ribbon.register_functions(book, platform="darwin").startswith("not registered")
    # on Windows without the add-in open (here: no COM at all) it says how to fix it, no traceback
    said = ribbon.register_functions(book, platform="win32")
    assert said.startswith("not registered (") and "Trust access" in said


def test_main_refreshes_the_calling_book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import xlwings as xw

    import kpisheet

    book = _open(tmp_path)
    monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: book))
    kpisheet.main()
    assert ribbon.CHECK_SHEET in book.sheets
