"""Sheet sources type only the columns the config uses (issue 12): the same cells, types, rows,
places and error codes as reading every column; the others are listed as not read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import kpisheet.sources.frames as frames
from kpisheet.sources import FileReader, SourceRef
from tests.conftest import write_book
from tests.sources.test_csv_columns import both, same_cells

D = dt.datetime
ROWS: list[list[Any]] = [
    ["Date", "Account", "Amount", "Note", "", "Code"],
    [D(2026, 1, 5), "ACME", 12.5, "n/a", None, "007"],
    [D(2026, 1, 6), "Beta", "#N/A", "#DIV/0!", None, 12],
    [None, None, None, "only here", None, None],  # blank where read, not elsewhere: a row
    [None, None, None, "#N/A", None, None],  # blank where read, an error cell elsewhere: as the whole read
    [None, None, None, None, None, None],  # blank everywhere: left out
    [None, None, None, None, "under a blank header", None],
    [D(2026, 2, 1), 1001, 7, None, None, "x"],
]


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_book(tmp_path / "book.xlsx", {"Data": ROWS})


def test_the_columns_read_are_those_of_the_whole_read(book: Path) -> None:
    part, whole = both(book, {"date", "account", "amount"}, sheet="Data",
                       columns={"date": "Date", "account": "Account", "amount": "Amount"})
    same_cells(part, whole)
    assert list(part.df.index) == list(whole.df.index)  # the same rows kept, at the same places
    assert set(part.df.columns) == {"date", "account", "amount", "column E"}
    assert dict(part.unread) == {"Note": 4, "Code": 6}
    assert part._all_columns() == whole._all_columns()  # messages list every column, in sheet order


def test_columns_not_read_are_never_typed(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    typed: list[int] = []
    real = frames._typed

    def spy(arr: Any, *args: Any, **kw: Any) -> Any:
        typed.append(len(arr))
        return real(arr, *args, **kw)

    monkeypatch.setattr(frames, "_typed", spy)
    FileReader().read(SourceRef("s", book, sheet="Data", usecols=frozenset({"amount"}), columns={"amount": "Amount"}))
    assert len(typed) == 2  # Amount and the blank-headed column E, not Date, Account, Note, Code


def test_a_name_only_a_blank_header_gives_reads_every_column(book: Path) -> None:
    part = FileReader().read(SourceRef("s", book, sheet="Data", usecols=frozenset({"column E"})))
    assert not part.unread and "Note" in part.df.columns
