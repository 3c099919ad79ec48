from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpisheet.sources import CellRange, SourceRef, col_letter, col_number, parse_range


@pytest.mark.parametrize("number, letters", [(1, "A"), (26, "Z"), (27, "AA"), (52, "AZ"), (703, "AAA"), (16384, "XFD")])
def test_column_letters_both_ways(number: int, letters: str) -> None:
    assert col_letter(number) == letters
    assert col_number(letters) == number
    assert col_number(letters.lower()) == number


@pytest.mark.parametrize("text, expected", [
    ("Sales!A1:F500", CellRange("Sales", 1, 1, 500, 6)),
    ("Sales!$B$3:$D$10", CellRange("Sales", 3, 2, 10, 4)),
    ("'My Sheet'!A1:F500", CellRange("My Sheet", 1, 1, 500, 6)),
    ("'It''s Q3'!C4:E8", CellRange("It's Q3", 4, 3, 8, 5)),
    ("'a!b'!A1:B2", CellRange("a!b", 1, 1, 2, 2)),
    ("My Report!C4:E8", CellRange("My Report", 4, 3, 8, 5)),
    ("Sales!A:F", CellRange("Sales", 1, 1, 1_048_576, 6)),
    ("a1:f500", CellRange(None, 1, 1, 500, 6)),
    ("  Sales!A1:B2  ", CellRange("Sales", 1, 1, 2, 2)),
])
def test_parse_range(text: str, expected: CellRange) -> None:
    assert parse_range(text) == expected


@pytest.mark.parametrize("text, why", [
    ("Sales!A1:", "expected cells such as A1:F500 or A:F"),
    ("Sales!A1", "expected cells such as A1:F500 or A:F"),
    ("Sales!A1:F", "give a row number on both sides (A1:F500) or on neither (A:F)"),
    ("Sales!F1:A5", "the first cell must be above and left of the last"),
    ("Sales!A5:F1", "the first cell must be above and left of the last"),
    ("Sales!A1:XFE5", "beyond the last cell of a sheet (XFD1048576)"),
    ("Sales!A0:B5", "beyond the last cell of a sheet (XFD1048576)"),
    ("Sales!A1:F1", "a range needs a header row and at least one row below it"),
    ("!A1:B2", "the sheet name is missing or badly quoted"),
    ("'Sales!A1:B2", "the sheet name is missing or badly quoted"),
    ("Sales!R1C1:R2C2", "expected cells such as A1:F500 or A:F"),
])
def test_bad_ranges_say_why(text: str, why: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_range(text)
    assert str(err.value) == why


@pytest.mark.parametrize("rng, text", [
    (CellRange("Sales", 1, 1, 500, 6), "Sales!A1:F500"),
    (CellRange("My Sheet", 4, 3, 8, 5), "'My Sheet'!C4:E8"),
    (CellRange("It's", 1, 1, 2, 2), "'It''s'!A1:B2"),
    (CellRange(None, 1, 1, 2, 2), "A1:B2"),
])
def test_range_text_reads_back(rng: CellRange, text: str) -> None:
    assert str(rng) == text
    assert parse_range(text) == rng


def test_source_ref_takes_a_string_path_and_one_locator() -> None:
    ref = SourceRef("sales", "data/book.xlsx", sheet="Sales")  # type: ignore[arg-type]
    assert ref.path == Path("data/book.xlsx")
    assert ref.header_row == 1 and dict(ref.columns) == {}
    with pytest.raises(ValueError, match="give one of sheet, table, range"):
        SourceRef("sales", Path("book.xlsx"), sheet="Sales", table="T")


def test_column_letters_round_trip_over_every_column() -> None:
    assert all(col_number(col_letter(n)) == n for n in range(1, 16385))


_sheet_names = st.text(st.characters(blacklist_characters="[]:*?/\\\x00", blacklist_categories=("Cs", "Cc")),
                       min_size=1, max_size=31).filter(lambda s: s.strip() == s and s != "")


@given(sheet=st.one_of(st.none(), _sheet_names), r1=st.integers(1, 1_048_575), c1=st.integers(1, 16384),
       rows=st.integers(1, 1000), cols=st.integers(0, 50))
def test_any_range_reads_back_from_its_text(sheet: str | None, r1: int, c1: int, rows: int, cols: int) -> None:
    rng = CellRange(sheet, r1, c1, min(r1 + rows, 1_048_576), min(c1 + cols, 16384))
    assert parse_range(str(rng)) == rng
