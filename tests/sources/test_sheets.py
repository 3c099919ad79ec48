"""Sheet sources: header rows, column names, coordinates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpisheet.errors import WorkbookError
from kpisheet.sources import FileReader, Reader, SourceRef, Table

from .books import Books


def read(path: Path, **kw: object) -> Table:
    return FileReader().read(SourceRef("sales", path, **kw))  # type: ignore[arg-type]


def test_file_reader_is_a_reader() -> None:
    assert isinstance(FileReader(), Reader)


def test_no_sheet_named_reads_the_first(books: Books) -> None:
    t = read(books.book)
    assert t.sheet == "Data" and t.name == "sales" and t.path == books.book
    assert list(t.df.columns) == ["Date", "Account", "Amount", "Category"]
    assert (t.first_row, t.first_col) == (2, 1)
    assert t.df["Date"].dtype == "datetime64[ns]"
    assert t.df["Amount"].dtype == np.float64
    assert t.df["Account"].tolist() == ["ACC001", "ACC002", "ACC003", "ACC001", "ACC002"]
    assert t.df["Date"].iloc[0] == pd.Timestamp("2026-01-10")
    assert t.place() == f"{books.book}!Data!A1"
    assert t.place(4, "Amount") == f"{books.book}!Data!C6"
    assert t.place(0) == f"{books.book}!Data!A2"


def test_header_on_row_3_below_a_title(books: Books) -> None:
    t = read(books.book, sheet="Sales", header_row=3)
    assert list(t.df.columns) == ["Order Date", "Customer", "Net Revenue", "Qty"]
    assert (t.first_row, t.first_col) == (4, 2)
    assert t.place() == f"{books.book}!Sales!B3"
    assert t.place(0, "Net Revenue") == f"{books.book}!Sales!D4"
    # row 8 is blank: left out, and the rows after it keep their sheet rows
    assert list(t.df.index) == [0, 1, 2, 3, 5, 6, 7, 8, 9]
    globex = t.df.index[t.df["Net Revenue"] == 99.99][0]
    assert t.place(globex, "Customer") == f"{books.book}!Sales!C9"
    assert t.numbers("Qty").tolist() == [3, 1, 2, 10, 1, 1, 5, 1, 4]


def test_sheet_names_ignore_case_as_in_excel(books: Books) -> None:
    t = read(books.book, sheet="sales", header_row=3)
    assert t.sheet == "Sales"
    assert t.place() == f"{books.book}!Sales!B3"


def test_columns_are_renamed_and_others_keep_their_header(books: Books) -> None:
    t = read(books.book, sheet="Sales", header_row=3,
             columns={"date": "Order Date", "account": "customer", "amount": "Net  Revenue"})
    assert list(t.df.columns) == ["date", "account", "amount", "Qty"]
    assert t.headers["amount"] == "Net Revenue"
    assert t.place(0, "amount") == f"{books.book}!Sales!D4"
    assert t.dates("date")[0] == np.datetime64("2026-07-01")
    assert t.numbers("amount").sum() == pytest.approx(8775.74)
    t.require("date", "account", "amount", "Qty")


def test_one_header_can_serve_two_names(books: Books) -> None:
    t = read(books.book, sheet="Sales", header_row=3, columns={"account": "Customer", "client": "Customer"})
    assert t.df["account"].tolist() == t.df["client"].tolist()
    assert t.place(0, "client") == f"{books.book}!Sales!C4"


def test_default_header_row_is_the_first_used_row(books: Books, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Low"
    ws["C5"], ws["D5"] = "Account", "Amount"
    ws["C6"], ws["D6"] = "ACME", 10
    wb.save(tmp_path / "low.xlsx")
    t = read(tmp_path / "low.xlsx", sheet="Low")
    assert list(t.df.columns) == ["Account", "Amount"]
    assert (t.first_row, t.first_col) == (6, 3)
    assert t.place(0, "Amount") == f"{tmp_path / 'low.xlsx'}!Low!D6"
    assert list(read(tmp_path / "low.xlsx", sheet="Low", header_row=5).df.columns) == ["Account", "Amount"]


def test_a_title_in_row_1_points_to_header_row(books: Books) -> None:
    t = read(books.book, sheet="Sales", columns={"amount": "Net Revenue"})
    with pytest.raises(WorkbookError) as err:
        t.require("amount", "Qty")
    assert err.value.lines() == [
        f"error: {books.book}!Sales!A1: no column 'amount' (header 'Net Revenue') in source 'sales': "
        "'Net Revenue' is in row 3, set header_row: 3; columns are: Sales report Q3, column B, column C, "
        "column D, column E",
        f"error: {books.book}!Sales!A1: no column 'Qty' in source 'sales': 'Qty' is in row 3, "
        "set header_row: 3; columns are: Sales report Q3, column B, column C, column D, column E",
    ]


def test_missing_column_suggests_the_closest(books: Books) -> None:
    t = read(books.book, sheet="Data", columns={"amount": "Amout"})
    with pytest.raises(WorkbookError) as err:
        t.require("amount")
    assert str(err.value) == (
        f"{books.book}!Data!A1: no column 'amount' (header 'Amout') in source 'sales' "
        "(did you mean 'Amount'?); columns are: Date, Account, Amount, Category")
    with pytest.raises(WorkbookError) as err:
        t.require("categroy")
    assert str(err.value) == (
        f"{books.book}!Data!A1: no column 'categroy' in source 'sales' "
        "(did you mean 'Category'?); columns are: Date, Account, Amount, Category")
    with pytest.raises(WorkbookError) as err:
        t.numbers("zzz")
    assert str(err.value) == (
        f"{books.book}!Data!A1: no column 'zzz' in source 'sales'; columns are: Date, Account, Amount, Category")


def test_blank_repeated_and_odd_headers(books: Books) -> None:
    t = read(books.book, sheet="Headers")
    # B: blank header over data -> "column B"; C: blank and empty -> left out
    assert list(t.df.columns) == ["Account", "column B", "Amount", "Amount (column E)", "2026", "Net Revenue", "date"]
    assert t.column_numbers["Net Revenue"] == 7
    assert t.place(1, "Net Revenue") == f"{books.book}!Headers!G3"
    assert t.place(0, "Amount (column E)") == f"{books.book}!Headers!E2"
    assert t.numbers("2026").tolist() == [3.0, 7.0]
    t.require("column B", "Amount (column E)", "Net Revenue")
    with pytest.raises(WorkbookError) as err:
        t.require("Amount")
    assert str(err.value) == (f"{books.book}!Headers!E1: header 'Amount' appears more than once in source 'sales' "
                              "(D1, E1); rename all but one")


def test_a_repeated_header_mapped_by_columns_is_ambiguous(books: Books) -> None:
    t = read(books.book, sheet="Headers", columns={"amount": "Amount"})
    with pytest.raises(WorkbookError) as err:
        t.require("account", "amount")
    assert [str(p) for p in err.value.problems] == [
        f"{books.book}!Headers!A1: no column 'account' in source 'sales' (did you mean 'Account'?); "
        "columns are: Account, column B, amount, Amount (column E), 2026, Net Revenue, date",
        f"{books.book}!Headers!E1: header 'Amount' (column 'amount') appears more than once in source 'sales' "
        "(D1, E1); rename all but one",
    ]


def test_a_renamed_column_wins_over_a_header_of_the_same_name(books: Books) -> None:
    t = read(books.book, sheet="Headers", columns={"date": "Net Revenue"})
    assert list(t.df.columns) == ["Account", "column B", "Amount", "Amount (column E)", "2026", "date", "date (column H)"]
    assert t.numbers("date").tolist() == [4.0, 8.0]
    assert t.dates("date (column H)")[1] == np.datetime64("2026-01-02")


def test_cached_frames_are_not_shared_with_callers(books: Books) -> None:
    reader = FileReader()
    ref = SourceRef("data", books.book, sheet="Data")
    first = reader.read(ref)
    first.df.loc[0, "Amount"] = -1.0
    again = reader.read(ref)
    assert again.df.loc[0, "Amount"] == 100.0


def test_header_dates_and_numbers_read_as_excel_shows_them(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append([dt.datetime(2026, 1, 1), 2026, 1.5, True, "  Padded  Name "])
    ws.append([1, 2, 3, 4, 5])
    wb.save(tmp_path / "h.xlsx")
    t = read(tmp_path / "h.xlsx")
    assert list(t.df.columns) == ["2026-01-01", "2026", "1.5", "TRUE", "Padded Name"]
