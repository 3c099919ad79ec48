"""Excel tables (ListObjects) and ranges."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from kpisheet.errors import WorkbookError
from kpisheet.sources import FileReader, SourceRef, Table

from .books import Books


def read(path: Path, **kw: object) -> Table:
    return FileReader().read(SourceRef("orders", path, **kw))  # type: ignore[arg-type]


def error(path: Path, **kw: object) -> str:
    with pytest.raises(WorkbookError) as err:
        read(path, **kw)
    assert len(err.value.problems) == 1
    return str(err.value)


def test_a_table_by_name(books: Books) -> None:
    t = read(books.tables, table="SalesTable", columns={"date": "Order Date", "amount": "Amount"})
    assert t.sheet == "Data"
    assert list(t.df.columns) == ["date", "Customer", "amount"]
    assert (t.first_row, t.first_col) == (6, 3)
    assert len(t.df) == 3  # the totals row is not data
    assert t.place() == f"{books.tables}!Data!C5"
    np.testing.assert_array_equal(t.dates("date"), np.array(["2026-03-01", "2026-03-02", "2026-03-03"],
                                                             dtype="datetime64[ns]"))
    with pytest.raises(WorkbookError) as err:
        t.numbers("amount")
    assert str(err.value) == f"{books.tables}!Data!E7: text 'n/a' where numbers belong in column 'amount'"


def test_table_names_ignore_case(books: Books) -> None:
    t = read(books.tables, table="accounts")
    assert t.sheet == "Lists" and (t.first_row, t.first_col) == (2, 1)
    assert t.df.to_dict("list") == {"Account": ["ACME", "Globex"], "Region": ["EMEA", "AMER"]}


def test_tables_in_a_macro_workbook(books: Books, tmp_path: Path) -> None:
    macro = tmp_path / "tables.xlsm"
    macro.write_bytes(books.tables.read_bytes())
    assert read(macro, table="Accounts").df["Region"].tolist() == ["EMEA", "AMER"]


def test_missing_table(books: Books, unchanged: Callable[[], None]) -> None:
    assert error(books.tables, table="Sales") == (
        f"{books.tables}: no table 'Sales' (did you mean 'SalesTable'?); tables are: SalesTable, Accounts")
    assert error(books.tables, table="Zebra") == f"{books.tables}: no table 'Zebra'; tables are: SalesTable, Accounts"
    assert error(books.book, table="Sales") == f"{books.book}: no table 'Sales': the workbook has no tables"


@pytest.mark.parametrize("attr", ["ods", "csv"])
def test_tables_only_in_xlsx(books: Books, attr: str) -> None:
    path = getattr(books, attr)
    message = error(path, table="Sales")
    assert message.startswith(f"{path}: no table 'Sales': ")
    assert "range:" in message


def test_a_range_with_a_quoted_sheet(books: Books) -> None:
    for text in ("'My Report'!C4:E8", "My Report!$C$4:$E$8", "'my report'!C4:E8"):
        t = read(books.book, range=text)
        assert t.sheet == "My Report"
        assert list(t.df.columns) == ["Month", "Revenue", "Cost"]
        assert t.df["Revenue"].tolist() == [1000.0, 2000.0, 3000.0, 4000.0]
        assert (t.first_row, t.first_col) == (5, 3)
        assert t.place(3, "Cost") == f"{books.book}!My Report!E8"


def test_a_range_reaching_past_the_data(books: Books) -> None:
    t = read(books.book, range="'My Report'!B4:F20")
    # B and F are blank and empty: left out; row 9 is blank; row 10 is the Total row
    assert list(t.df.columns) == ["Month", "Revenue", "Cost"]
    assert list(t.df.index) == [0, 1, 2, 3, 5]
    assert t.place(5, "Month") == f"{books.book}!My Report!C10"
    assert t.first_col == 3


def test_whole_columns(books: Books) -> None:
    t = read(books.book, range="Data!B:C")
    assert list(t.df.columns) == ["Account", "Amount"]
    assert (t.first_row, t.first_col) == (2, 2)
    assert t.numbers("Amount").sum() == 1500.0


def test_a_range_cutting_a_column_in_two(books: Books) -> None:
    t = read(books.book, range="Data!C1:D3")
    assert t.df.to_dict("list") == {"Amount": [100.0, 200.0], "Category": ["Services", "Sales"]}


def test_range_errors(books: Books, unchanged: Callable[[], None]) -> None:
    assert error(books.book, range="'My Report'!C3:E8") == (
        f"{books.book}!My Report!C3: the header row of range C3:E8 is empty")
    assert error(books.book, range="Data!A40:B50") == f"{books.book}!Data!A40: the header row of range A40:B50 is empty"
    assert error(books.book, range="Sales!A1:F") == (
        f"{books.book}: bad range 'Sales!A1:F' in source 'orders': give a row number on both sides (A1:F500) "
        "or on neither (A:F); write it as Sales!A1:F500 or 'My Sheet'!A1:F500")
    assert error(books.book, range="A1:F5") == (
        f"{books.book}: bad range 'A1:F5' in source 'orders': name its sheet, as in Sales!A1:F500")
    assert error(books.book, range="Report!C4:E8") == (
        f"{books.book}!Report: no sheet 'Report' (did you mean 'My Report'?); sheets are: "
        "Data, Sales, Amounts, Dates, Headers, Empty, My Report")
