"""A CSV file's text is decoded whole only when a reader needs all of it (issue 12): the same
cells, the same UTF-8 judgement, the same cp1252 fallback as decoding the file first."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

import kpisheet.sources.files as files
from kpisheet.sources import FileReader, SourceRef
from kpisheet.sources.csvtext import CsvText, utf8_text

_PIECES = ["a", ",", "\n", "\r\n", "é", "€", "𝄞", "\"", "#", "\x00", "ß", " ", "7"]


def test_heads_and_searches_of_the_bytes_are_those_of_the_text() -> None:
    rng = random.Random(12)
    for _ in range(400):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 60)))
        bom = rng.random() < 0.3
        data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
        lazy = utf8_text(data, 3 if bom else 0)
        assert lazy is not None
        for char in ("\"", "#", "\x00", "é", "z"):
            assert lazy.has(char) == (char in text)
        for size in (0, 1, 2, 5, 17, 59, 60, 61, 400):
            head, whole = lazy.head(size)
            assert text.startswith(head) and len(head) <= size
            assert whole == (head == text) or (whole and size >= len(text))
            assert len(head.encode()) >= min(size, len(text.encode())) - 3  # cut only inside one character
        assert lazy.whole() == text
        assert lazy.has("é") == ("é" in text)  # decoded: the text answers, the same


@pytest.mark.parametrize("arrow", [True, False])
def test_utf8_is_judged_as_python_decodes(arrow: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if arrow:
        pytest.importorskip("pyarrow")
    else:
        monkeypatch.setitem(sys.modules, "pyarrow", None)  # import fails: the decoder judges
    rng = random.Random(7)
    samples = [b"", b"abc", b"\xed\xa0\x80", b"\xc0\x80", b"\xf4\x90\x80\x80", b"\xef\xbf\xbf", b"a\xc3",
               b"\xe9t\xe9", "d\u00e9j\u00e0 \U0001d11e".encode()]
    samples += [bytes(rng.randrange(256) for _ in range(rng.randint(1, 6))) for _ in range(3000)]
    for data in samples:
        try:
            expected: Any = data.decode("utf-8")
        except UnicodeDecodeError:
            expected = None
        got = utf8_text(b"xy" + data, 2)
        assert (got is None) == (expected is None), data
        if got is not None:
            assert got.whole() == expected


def test_a_file_not_utf8_in_an_unread_column_is_read_as_cp1252_throughout(tmp_path: Path) -> None:
    """One byte that is not UTF-8 anywhere makes the whole file cp1252 (Excel's Western CSV),
    the columns read too, as when the file was decoded first."""
    path = tmp_path / "data.csv"
    path.write_bytes("Date,Account,Amount,Note\n2026-01-05,Café,3,x\n".encode() + b"2026-01-06,B,4,caf\xe9\n")
    part = FileReader().read(SourceRef("s", path, usecols=frozenset({"date", "account", "amount"}),
                                       columns={"date": "Date", "account": "Account", "amount": "Amount"}))
    with mock.patch.object(files, "read_columns", lambda *a, **k: None):  # the row-by-row reader
        whole = FileReader().read(SourceRef("s", path, columns={"date": "Date", "account": "Account",
                                                                "amount": "Amount"}))
    assert part.df["account"].tolist() == whole.df["account"].tolist() == ["CafÃ©", "B"]


def test_a_plain_utf8_file_read_by_pyarrow_is_never_decoded_whole(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    path = tmp_path / "data.csv"
    rows = "".join(f"2026-01-{d % 28 + 1:02d},Kundé {d},{d}.5,x\n" for d in range(5000))  # past the head
    path.write_text("\ufeffDate,Account,Amount,Note\n" + rows, encoding="utf-8")
    ref = SourceRef("s", path, usecols=frozenset({"date", "account", "amount"}),
                    columns={"date": "Date", "account": "Account", "amount": "Amount"})
    with mock.patch.object(CsvText, "whole", side_effect=AssertionError("decoded whole")):
        table = FileReader().read(ref)
    assert table.df["account"].tolist()[:2] == ["Kundé 0", "Kundé 1"]
    assert table.df["amount"].tolist()[-1] == 4999.5
    with mock.patch.object(files, "read_columns", lambda *a, **k: None):
        whole = FileReader().read(ref)
    assert table.df.equals(whole.df[list(table.df.columns)])


def test_error_cells_are_found_with_or_without_the_shortcut(tmp_path: Path) -> None:
    """A file without a ``#`` skips the search for error texts; one with an error cell still
    finds it, in a column typed whole by pyarrow or not."""
    path = tmp_path / "data.csv"
    path.write_text("Date,Account,Amount\n2026-01-05,A,3\n2026-01-06,B,#N/A\n2026-01-07,C,#DIV/0!\n")
    table = FileReader().read(SourceRef("s", path, usecols=frozenset({"date", "account", "amount"}),
                                        columns={"date": "Date", "account": "Account", "amount": "Amount"}))
    codes = table.error_codes("amount")
    assert codes is not None and int((codes != 0).sum()) == 2
    path.write_text("Date,Account,Amount\n2026-01-05,A,3\n2026-01-06,B,4\n")
    table = FileReader().read(SourceRef("s", path, usecols=frozenset({"date", "account", "amount"}),
                                        columns={"date": "Date", "account": "Account", "amount": "Amount"}))
    assert table.error_codes("amount") is None and table.df["amount"].tolist() == [3.0, 4.0]
