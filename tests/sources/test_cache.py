"""Each file is read once per state; fingerprints change when files do."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from kpisheet.sources import FileReader, SourceRef, files, opening

from .books import Books


def bump(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_fingerprint(books: Books, tmp_path: Path) -> None:
    copy = tmp_path / "book.xlsx"
    shutil.copyfile(books.book, copy)
    first = FileReader.fingerprint([copy, books.csv])
    assert first == FileReader().fingerprint([str(books.csv), copy])  # order and type do not matter
    bump(copy)
    second = FileReader.fingerprint([copy, books.csv])
    assert second != first
    copy.unlink()
    assert FileReader.fingerprint([copy, books.csv]) not in (first, second)


def test_a_file_is_opened_once_for_many_sources(books: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[Any] = []
    real = files.CalamineWorkbook

    class Counting:
        @staticmethod
        def from_filelike(f: Any, load_tables: bool = False) -> Any:
            opened.append(load_tables)
            return real.from_filelike(f, load_tables=load_tables)

    monkeypatch.setattr(files, "CalamineWorkbook", Counting)
    monkeypatch.setattr(opening, "CalamineWorkbook", Counting)
    reader = FileReader()
    for kw in ({"sheet": "Data"}, {"sheet": "Sales", "header_row": 3}, {"range": "Data!A1:B3"}, {"sheet": "Data"}):
        reader.read(SourceRef("s", books.book, **kw))
    reader.read(SourceRef("s", Path(os.path.relpath(books.book)), sheet="Data"))
    assert opened == [False]
    reader.read(SourceRef("t", books.tables, table="Accounts"))
    reader.read(SourceRef("t", books.tables, table="SalesTable"))
    assert opened == [False, False, True]


def test_a_changed_file_is_read_again(books: Books, tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("Account,Amount\nACME,1\n")
    reader = FileReader()
    ref = SourceRef("s", path)
    assert reader.read(ref).numbers("Amount").tolist() == [1.0]
    path.write_text("Account,Amount\nACME,2\nGlobex,3\n")
    bump(path)
    assert reader.read(ref).numbers("Amount").tolist() == [2.0, 3.0]
    reader.clear()
    assert reader.read(ref).numbers("Amount").tolist() == [2.0, 3.0]
