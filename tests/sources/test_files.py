"""Files: formats told apart by content, and one clear line for every file that cannot be read."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from kpisheet.errors import KpisheetError, WorkbookError
from kpisheet.sources import FileReader, SourceRef, Table

from .books import Books

PROTECTED = "the workbook is password-protected; save a copy without a password"


def read(path: Path, **kw: object) -> Table:
    return FileReader().read(SourceRef("src", path, **kw))  # type: ignore[arg-type]


def error(path: Path, **kw: object) -> str:
    with pytest.raises(WorkbookError) as err:
        read(path, **kw)
    assert len(err.value.problems) == 1 and "\n" not in str(err.value)
    return str(err.value)


def test_missing_file(books: Books) -> None:
    assert error(books.folder / "nope.xlsx") == f"{books.folder / 'nope.xlsx'}: no such file"
    assert error(books.book / "inside.xlsx") == f"{books.book / 'inside.xlsx'}: no such file"


def test_place_is_the_path_as_given(books: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(books.folder)
    assert error(Path("nope.xlsx")) == "nope.xlsx: no such file"
    t = read(Path("book.xlsx"), sheet="Amounts")
    with pytest.raises(WorkbookError, match=r"^book\.xlsx!Amounts!B12: text 'n/a'"):
        t.numbers("Amount")
    assert read(Path("sub/../book.xlsx"), sheet="Data").place() == "sub/../book.xlsx!Data!A1"


def test_a_folder(books: Books) -> None:
    assert error(books.folder) == f"{books.folder}: is a folder, not a file"


@pytest.mark.parametrize("attr, message", [
    ("text", "not a workbook (it is a text file; a CSV file must be named .csv)"),
    ("html", "not a workbook (it is an HTML or XML file, as some systems export under an Excel name); "
             "open it in Excel and save it as .xlsx"),
    ("word", "not a workbook (a ZIP archive with no workbook inside, such as a Word document)"),
    ("empty", "not a workbook (the file is empty)"),
    ("truncated", "the workbook is damaged (a broken ZIP archive: File is not a zip file); "
                  "open it in Excel and save it again, or restore a copy"),
    ("locked", PROTECTED),
])
def test_files_that_are_no_workbook(books: Books, unchanged: Callable[[], None], attr: str, message: str) -> None:
    path = getattr(books, attr)
    assert error(path, sheet="Data") == f"{path}: {message}"


def test_every_failure_is_a_kpisheet_error_with_one_line(books: Books, unchanged: Callable[[], None]) -> None:
    reader = FileReader()
    cases = [books.text, books.html, books.word, books.empty, books.truncated, books.locked, books.folder]
    for path in cases:
        with pytest.raises(KpisheetError) as err:
            reader.read(SourceRef("src", path, sheet="Data"))
        assert isinstance(err.value, WorkbookError)
        assert err.value.lines() == [f"error: {err.value}"]


def test_protected_without_msoffcrypto(books: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "msoffcrypto", None)  # import fails: the stream name decides
    assert error(books.locked) == f"{books.locked}: {PROTECTED}"


def test_damaged_inside_an_intact_zip(books: Books, tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(books.book) as src, zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            out.writestr(item, data)
    before = path.read_bytes()
    message = error(path, sheet="Data")
    assert message.startswith(f"{path}") and "damaged" in message
    assert path.read_bytes() == before


def test_a_misnamed_workbook_is_read_by_content(books: Books) -> None:
    t = read(books.disguised, sheet="Data")
    assert t.place() == f"{books.disguised}!Data!A1"
    assert t.numbers("Amount").sum() == 1500.0


def test_xlsm(books: Books) -> None:
    t = read(books.macro, sheet="Sales", header_row=3)
    assert t.place(0, "Qty") == f"{books.macro}!Sales!E4"


def test_ods(books: Books) -> None:
    t = read(books.ods, sheet="Sales", columns={"amount": "Amount", "date": "Date"})
    assert list(t.df.columns) == ["date", "Account", "amount"]
    assert t.dates("date")[0] == np.datetime64("2026-01-05")
    with pytest.raises(WorkbookError) as err:
        t.numbers("amount")
    assert str(err.value) == f"{books.ods}!Sales!C4: text 'n/a' where numbers belong in column 'amount'"


def test_missing_and_empty_sheets(books: Books, unchanged: Callable[[], None]) -> None:
    assert error(books.book, sheet="Sale") == (
        f"{books.book}!Sale: no sheet 'Sale' (did you mean 'Sales'?); sheets are: "
        "Data, Sales, Amounts, Dates, Headers, Empty, My Report")
    assert error(books.book, sheet="Zebra") == (
        f"{books.book}!Zebra: no sheet 'Zebra'; sheets are: Data, Sales, Amounts, Dates, Headers, Empty, My Report")
    assert error(books.book, sheet="Empty") == f"{books.book}!Empty: the sheet is empty"
    assert error(books.ods, sheet="Data") == f"{books.ods}!Data: no sheet 'Data'; sheets are: Sales"


def test_header_rows_outside_the_data(books: Books) -> None:
    assert error(books.book, sheet="Sales", header_row=40) == (
        f"{books.book}!Sales!A40: header row 40 is below the data (the last row with data is 13)")
    assert error(books.book, sheet="Sales", header_row=2) == f"{books.book}!Sales!A2: header row 2 is empty"
    assert error(books.book, sheet="Sales", header_row=0) == f"{books.book}!Sales: header_row must be 1 or more, not 0"


def test_header_row_above_the_first_used_row(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Low"
    wb.active["C5"], wb.active["C6"] = "Account", "ACME"
    wb.save(tmp_path / "low.xlsx")
    assert error(tmp_path / "low.xlsx", header_row=2) == (
        f"{tmp_path / 'low.xlsx'}!Low!C2: header row 2 is empty (the first row with data is 5)")


def test_any_source_on_any_file_is_a_table_or_a_workbook_error(books: Books, unchanged: Callable[[], None]) -> None:
    reader = FileReader()
    outcomes = []
    for path in books.all_files():
        for kw in ({}, {"sheet": "Nope"}, {"table": "Nope"}, {"range": "Nope!A1:B2"}, {"range": "Data!A1:B3"}):
            try:
                reader.read(SourceRef("src", path, **kw))  # type: ignore[arg-type]
                outcomes.append("table")
            except WorkbookError as exc:
                assert str(exc).startswith(str(path)), exc
                outcomes.append("error")
    assert "table" in outcomes and "error" in outcomes


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file(books: Books, tmp_path: Path) -> None:
    path = tmp_path / "secret.xlsx"
    path.write_bytes(books.book.read_bytes())
    path.chmod(0)
    try:
        assert error(path) == f"{path}: cannot be read (permission denied; is it open in another program?)"
    finally:
        path.chmod(0o644)
