"""CSV files: one sheet named after the file, numbers and dates read where whole columns allow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kpisheet.errors import WorkbookError
from kpisheet.sources import FileReader, SourceRef, Table

from .books import Books


def read(path: Path, **kw: object) -> Table:
    return FileReader().read(SourceRef("csv", path, **kw))  # type: ignore[arg-type]


def test_csv_with_a_bom_and_a_blank_line(books: Books) -> None:
    t = read(books.csv, columns={"amount": "Amount", "date": "Date"})
    assert t.sheet == "sales"
    assert list(t.df.columns) == ["date", "Account", "Code", "amount"]
    assert t.df["date"].dtype == "datetime64[ns]"
    assert t.df["Code"].tolist() == ["007", "012", "007", "100"]  # codes keep their zeros
    assert list(t.df.index) == [0, 1, 2, 4]  # line 5 is blank
    assert t.place(4, "Code") == f"{books.csv}!sales!C6"
    with pytest.raises(WorkbookError) as err:
        t.numbers("amount")
    assert str(err.value) == f"{books.csv}!sales!D4: text 'n/a' where numbers belong in column 'amount'"
    assert t.numbers("Code").tolist() == [7.0, 12.0, 7.0, 100.0]


def test_semicolons_and_windows_encoding(books: Books) -> None:
    t = read(books.csv_semicolon)
    assert t.df["Account"].tolist() == ["Café Roma", "Bäckerei"]
    assert t.df["Amount"].dtype == np.float64
    assert t.numbers("Amount").tolist() == [12.5, 7.0]


def test_header_row_and_range_in_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Exported 2026-03-01\n\nDate,Amount\n2026-01-01,5\n2026-01-02,6\n", encoding="utf-8")
    t = read(path, header_row=3)
    assert (t.first_row, t.first_col) == (4, 1)
    assert t.numbers("Amount").tolist() == [5.0, 6.0]
    r = read(path, range="B3:B4")
    assert r.df.to_dict("list") == {"Amount": [5.0]}
    assert r.place(0, "Amount") == f"{path}!export!B4"


def test_csv_errors(books: Books, tmp_path: Path) -> None:
    blank = tmp_path / "blank.csv"
    blank.write_text("\n\n")
    with pytest.raises(WorkbookError, match=r"blank\.csv!blank: the sheet is empty$"):
        read(blank)
    binary = tmp_path / "book.csv"
    binary.write_bytes(books.book.read_bytes())
    with pytest.raises(WorkbookError, match=r"book\.csv: not a CSV file \(it is a workbook"):
        read(binary)
    with pytest.raises(WorkbookError, match=r"sales\.csv: bad range 'A1' in source 'csv'"):
        read(books.csv, range="A1")


def test_ragged_rows(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("Account,Amount\nACME,1,extra\nGlobex\n")
    t = read(path)
    assert list(t.df.columns) == ["Account", "Amount", "column C"]
    assert np.isnan(t.numbers("Amount")[1])
