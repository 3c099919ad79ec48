"""Table.numbers and Table.dates: typed arrays, or an error naming the first bad cell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import xlsxwriter

from kpisheet.errors import WorkbookError
from kpisheet.sources import FileReader, SourceRef, Table
from kpisheet.sources.table import serials_to_datetimes

from .books import Books

NaT = np.datetime64("NaT")


def read(path: Path, **kw: object) -> Table:
    return FileReader().read(SourceRef("src", path, **kw))  # type: ignore[arg-type]


def test_text_in_numbers_names_its_cell(books: Books) -> None:
    t = read(books.book, sheet="Amounts", columns={"amount": "Amount"})
    with pytest.raises(WorkbookError) as err:
        t.numbers("amount")
    assert str(err.value) == f"{books.book}!Amounts!B12: text 'n/a' where numbers belong in column 'amount'"
    assert err.value.problems[0].place == f"{books.book}!Amounts!B12"


def test_blanks_spaces_and_numbers_as_text(books: Books) -> None:
    t = read(books.book, range="Amounts!A1:B11")
    values = t.numbers("Amount")
    assert values.dtype == np.float64
    np.testing.assert_array_equal(values, [10, 20, 30, np.nan, 12.5, np.nan, 40, 50, 60, 70])


def test_numbers_of_a_number_column_is_float64(books: Books) -> None:
    t = read(books.book, sheet="Data")
    values = t.numbers("Amount")
    assert values.dtype == np.float64
    assert values.tolist() == [100.0, 200.0, 300.0, 400.0, 500.0]


@pytest.mark.parametrize("column, place, what", [
    ("Flag", "F3", "logical value TRUE"),
    ("Booked", "A2", "date 2026-01-31"),
    ("Text", "B2", "text '2026-01-31'"),
    ("Mixed", "D2", "date 2026-02-01 09:30:00"),
])
def test_what_is_not_a_number(books: Books, column: str, place: str, what: str) -> None:
    t = read(books.book, sheet="Dates")
    with pytest.raises(WorkbookError) as err:
        t.numbers(column)
    assert str(err.value) == f"{books.book}!Dates!{place}: {what} where numbers belong in column '{column}'"


def test_dates_from_datetimes_text_and_serials(books: Books) -> None:
    t = read(books.book, sheet="Dates")
    expected = {
        "Booked": ["2026-01-31", "2026-02-28T12:00", NaT, "2026-03-01"],
        "Text": ["2026-01-31", "2026-02-28T12:00", NaT, "2026-03-01T08:15"],
        "Serial": ["2026-01-31", "2026-02-28T12:00", NaT, "2026-03-01"],
        "Mixed": ["2026-02-01T09:30", "2026-02-03", "2026-02-01", NaT],
    }
    for column, values in expected.items():
        got = t.dates(column)
        assert got.dtype == np.dtype("datetime64[ns]"), column
        np.testing.assert_array_equal(got, np.array(values, dtype="datetime64[ns]"), err_msg=column)


@pytest.mark.parametrize("column, place, what", [
    ("Bad", "E4", "text '01/02/2026'"),
    ("Flag", "F3", "logical value TRUE"),
])
def test_what_is_not_a_date(books: Books, column: str, place: str, what: str) -> None:
    t = read(books.book, sheet="Dates")
    with pytest.raises(WorkbookError) as err:
        t.dates(column)
    assert str(err.value) == f"{books.book}!Dates!{place}: {what} where dates belong in column '{column}'"


def test_numbers_are_not_dates_when_out_of_range(books: Books) -> None:
    t = read(books.book, sheet="Data")
    np.testing.assert_array_equal(t.dates("Amount")[:1], np.array(["1900-04-09"], dtype="datetime64[ns]"))
    big = read(books.book, sheet="Sales", header_row=3)  # Net Revenue as serials: fine; Qty too
    assert not np.isnat(big.dates("Qty")).any()


def test_text_dates_that_do_not_exist(tmp_path: Path) -> None:
    path = tmp_path / "d.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("D")
    ws.write_column("A1", ["When", "2026-02-28", "2026-02-30", "2026-13-01"])
    ws.write_column("B1", ["Serial", 45000, -3])
    wb.close()
    t = read(path)
    with pytest.raises(WorkbookError, match=r"!D!A3: text '2026-02-30' where dates belong in column 'When'$"):
        t.dates("When")
    with pytest.raises(WorkbookError, match=r"!D!B3: number -3 where dates belong in column 'Serial'$"):
        t.dates("Serial")


def test_durations_and_times_count_in_days(tmp_path: Path) -> None:
    path = tmp_path / "durations.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Jobs")
    hours, clock = wb.add_format({"num_format": "[h]:mm"}), wb.add_format({"num_format": "hh:mm"})
    ws.write_row(0, 0, ["Job", "Took", "Start"])
    ws.write_row(1, 0, ["a"])
    ws.write_number(1, 1, 1.25, hours)
    ws.write_number(1, 2, 0.375, clock)
    ws.write_row(2, 0, ["b", 0.5])
    wb.close()
    t = read(path)
    assert t.numbers("Took").tolist() == [1.25, 0.5]
    assert t.numbers("Start")[0] == 0.375


def test_serials_follow_excel_including_its_1900_leap_day() -> None:
    got, bad = serials_to_datetimes(np.array([1, 59, 61, 45658, 45658.75, np.nan, 0, 3e6]))
    assert got[:6].astype("datetime64[m]").astype(str).tolist() == [
        "1900-01-01T00:00", "1900-02-28T00:00", "1900-03-01T00:00", "2025-01-01T00:00", "2025-01-01T18:00", "NaT"]
    assert bad.tolist() == [False] * 6 + [True, True]
    assert np.isnat(got[6:]).all()


def test_dates_outside_what_datetime64_ns_holds(tmp_path: Path) -> None:
    path = tmp_path / "far.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("F")
    fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write("A1", "When")
    ws.write_datetime("A2", dt.datetime(2026, 1, 1), fmt)
    ws.write_datetime("A3", dt.datetime(2300, 1, 1), fmt)
    wb.close()
    t = read(path)
    with pytest.raises(WorkbookError, match=r"!F!A3: date 2300-01-01 where dates belong in column 'When'$"):
        t.dates("When")


def test_a_bad_cell_long_text_stays_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "long.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("L")
    ws.write_column("A1", ["Amount", 1, "see the note\nin the other\tsheet, which explains why this is not a number"])
    wb.close()
    with pytest.raises(WorkbookError) as err:
        read(path).numbers("Amount")
    assert str(err.value) == (f"{path}!L!A3: text 'see the note in the other sheet, which e…' "
                              "where numbers belong in column 'Amount'")


def test_an_all_blank_column_reads_as_nothing(tmp_path: Path) -> None:
    path = tmp_path / "blank.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("B")
    ws.write_row(0, 0, ["Account", "Amount", "Date"])
    ws.write_row(1, 0, ["ACME"])
    ws.write_row(2, 0, ["Globex"])
    wb.close()
    t = read(path)
    assert np.isnan(t.numbers("Amount")).all()
    assert np.isnat(t.dates("Date")).all()
    assert len(t.df) == 2


def test_header_only_gives_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "header.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("H").write_row(0, 0, ["Date", "Amount"])
    wb.close()
    t = read(path)
    assert list(t.df.columns) == ["Date", "Amount"] and len(t.df) == 0
    assert t.numbers("Amount").shape == (0,)
    assert t.dates("Date").dtype == np.dtype("datetime64[ns]")


def test_a_text_column_stays_text_with_nan_for_blanks(books: Books) -> None:
    text = read(books.book, sheet="Dates").df["Text"]
    assert text.dtype == "str"
    assert text.isna().tolist() == [False, False, True, False]


def test_cells_of_only_spaces_are_blank_numbers_and_dates(tmp_path: Path) -> None:
    path = tmp_path / "spaces.xlsx"
    wb = xlsxwriter.Workbook(str(path))  # xlsxwriter keeps the spaces (xml:space="preserve")
    ws = wb.add_worksheet("S")
    ws.write_column("A1", ["Amount", 1.5, "   ", "2"])
    ws.write_column("B1", ["When", "2026-01-01", " ", "2026-01-03"])
    wb.close()
    t = read(path)
    assert t.df["Amount"].tolist()[1] == "   "
    np.testing.assert_array_equal(t.numbers("Amount"), [1.5, np.nan, 2.0])
    np.testing.assert_array_equal(t.dates("When"), np.array(["2026-01-01", NaT, "2026-01-03"], dtype="datetime64[ns]"))
