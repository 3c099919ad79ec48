"""CSV sources read only the columns the config uses (issue 12): the same cells, types, places
and messages as reading every column, and the columns nobody reads are never type-checked."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Optional
from unittest import mock

import pandas as pd
import pytest

from kpisheet.config import load_config
from kpisheet.engine.core import Engine
from kpisheet.config.usage import columns_used
from kpisheet.errors import WorkbookError
import kpisheet.sources.files as files
from kpisheet.sources import FileReader, SourceRef, Table
from kpisheet.sources.csvcolumns import read_columns
from kpisheet.sources.pipeline import Pipeline
from kpisheet.sources.refs import CsvOptions
from kpisheet.sources.table import TextFormat


def both(path: Path, used: set[str], **kw: Any) -> tuple[Table, Table]:
    """The table read with ``usecols=used`` and the table read whole, each by a fresh reader."""
    part = FileReader().read(SourceRef("s", path, usecols=frozenset(used), **kw))
    with mock.patch.object(files, "read_columns", lambda *a, **k: None):  # the row-by-row reader
        whole = FileReader().read(SourceRef("s", path, **kw))
    return part, whole


def same_cells(part: Table, whole: Table) -> None:
    """Every column of ``part`` is the same column of ``whole``: values, dtype, index, places, errors."""
    assert set(part.df.columns) <= set(whole.df.columns)
    pd.testing.assert_frame_equal(part.df, whole.df[list(part.df.columns)])
    assert (part.first_row, part.sheet) == (whole.first_row, whole.sheet)
    for column in part.df.columns:
        assert part.place(part.df.index[-1], column) == whole.place(whole.df.index[-1], column)
        codes, expected = part.error_codes(column), whole.error_codes(column)
        assert (codes is None) == (expected is None)
        if codes is not None and expected is not None:
            assert codes.tolist() == expected.tolist()


def failure(table: Table, how: str, column: str) -> Optional[str]:
    try:
        getattr(table, how)(column)
    except WorkbookError as exc:
        return str(exc)
    return None


CASES = {
    "plain": ("Date,Account,Amount,Note,Code\n2026-01-05,ACME,12.5,n/a,007\n2026-02-01,Beta,7,x,012\n", {}),
    "bom and blank line": ("\ufeffDate,Account,Amount,Junk\n2026-01-05,A,1,zz\n\n2026-01-06,B,2,zz\n", {}),
    "semicolons, comma decimals": ("Date;Account;Amount;Other\n05/01/2026;A;1.234,5;9,9\n06/01/2026;B;7,25;x\n",
                                   {"csv": CsvOptions(decimal=",", thousands="."), "date_format": "%d/%m/%Y"}),
    "quoted newline and quotes": ('Date,Account,Amount,Memo\n2026-01-05,"A, Inc",3,"two\nlines"\n'
                                  '2026-01-06,"B ""the"" co",4,plain\n', {}),
    "short rows": ("Date,Account,Amount,Extra\n2026-01-05,A,3\n2026-01-06,B,4,x\n", {}),
    "a row blank where read, not elsewhere": ("Date,Account,Amount,Extra\n2026-01-05,A,3,x\n,,,only here\n", {}),
    "a wider row below": ("Date,Account,Amount\n2026-01-05,A,3\n2026-01-06,B,4,surprise\n", {}),
    "a wider row far below": ("Date,Account,Amount\n" + "2026-01-05,A,3\n" * 300 + "2026-01-06,B,4,x,y\n", {}),
    "blank where read, far below": ("Date,Account,Amount,X\n" + "2026-01-05,A,3,x\n" * 300 + ",,,x\n", {}),
    "many rows, all fine": ("Date,Account,Amount,X\n" + "2026-01-05,A,3,x\n" * 300, {}),
    "error cells": ("Date,Account,Amount,Extra\n2026-01-05,A,#N/A,#REF!\n2026-01-06,B,4,x\n", {}),
    "title rows": ("Exported today\n\nDate,Account,Amount,Extra\n2026-01-05,A,3,x\n2026-01-06,B,4,y\n",
                   {"header_row": 3}),
    "text in a number column": ("Date,Account,Amount\n2026-01-05,A,3\n2026-01-06,B,n/a\n", {}),
    "repeated header": ("Date,Account,Amount,amount\n2026-01-05,A,3,4\n", {}),
    "blank header over data": ("Date,Account,,Amount\n2026-01-05,A,x,3\n", {}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_columns_read_are_those_of_the_whole_file(tmp_path: Path, name: str) -> None:
    text, kw = CASES[name]
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    part, whole = both(path, {"date", "account", "amount", "Account", "Date"},
                      columns={"date": "Date", "amount": "Amount"}, **kw)
    same_cells(part, whole)
    for how, column in (("numbers", "amount"), ("dates", "date")):
        assert failure(part, how, column) == failure(whole, how, column)
    assert failure(part, "require", "nope") == failure(whole, "require", "nope")  # lists every column


@pytest.mark.parametrize("name", list(CASES))
def test_every_column_read_by_columns_is_the_row_by_row_read(tmp_path: Path, name: str) -> None:
    """A source whose columns are all read (attributes: usecols None) takes the columnar reader
    too, to the same table: cells, places, errors, texts above, messages."""
    text, kw = CASES[name]
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    calls: list[Optional[Any]] = []
    real = files.read_columns
    with mock.patch.object(files, "read_columns", lambda *a, **k: calls.append(real(*a, **k)) or calls[-1]):
        by_columns = FileReader().read(SourceRef("s", path, columns={"date": "Date", "amount": "Amount"}, **kw))
    _, whole = both(path, set(), columns={"date": "Date", "amount": "Amount"}, **kw)
    assert len(calls) == 1
    same_cells(by_columns, whole)
    assert list(by_columns.df.columns) == list(whole.df.columns) and by_columns.texts_above == whole.texts_above
    for how, column in (("numbers", "amount"), ("dates", "date")):
        assert failure(by_columns, how, column) == failure(whole, how, column)
    assert failure(by_columns, "require", "nope") == failure(whole, "require", "nope")


def test_wholly_read_plain_files_take_the_columnar_reader(tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text("account,region,budget\nA1,EMEA,12.5\nA2,APAC,7\n", encoding="utf-8")
    got: list[Any] = []
    real = files.read_columns
    with mock.patch.object(files, "read_columns", lambda *a, **k: got.append(real(*a, **k)) or got[-1]):
        table = FileReader().read(SourceRef("s", path))
    assert len(got) == 1 and got[0] is not None  # no fallback to the row-by-row reader
    assert table.df["budget"].tolist() == [12.5, 7.0] and table.df["account"].tolist() == ["A1", "A2"]


def test_unread_columns_are_not_read_and_not_checked(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("Date,Account,Amount,Junk,Codes\n2026-01-05,A,3,#DIV/0!,1\n2026-01-06,B,4,x,n/a\n")
    part, whole = both(path, {"date", "account", "amount"}, columns={"date": "Date", "amount": "Amount"})
    assert list(part.df.columns) == ["date", "Account", "amount"]
    assert part.error_summary() is None and whole.error_summary() is not None
    assert dict(part.unread) == {"Junk": 4, "Codes": 5}
    assert "columns are: date, Account, amount, Junk, Codes" in str(failure(part, "require", "nope"))


def test_a_file_larger_than_the_parsers_chunks_is_read_by_columns(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("d,a,x\n" + "2026-01-05,A,z\n" * 300_000)
    part = FileReader().read(SourceRef("s", path, usecols=frozenset({"d", "a"})))
    assert dict(part.unread) == {"x": 3}  # read by columns, not row by row
    assert len(part.df) == 300_000 and part.df["a"].iloc[-1] == "A"


def test_the_columnar_reader_declines_what_only_the_full_path_knows() -> None:
    fmt = TextFormat()
    wanted = frozenset({"a"})
    many = "a,b\n" + "1,2\n" * 200
    assert read_columns(many + "1,2,3\n", ",", '"', 1, wanted, {}, "s", fmt) is None  # a wider row, far below
    assert read_columns(many + ",y\n", ",", '"', 1, wanted, {}, "s", fmt) is None  # blank where read
    assert read_columns("\n\n", ",", '"', 1, wanted, {}, "s", fmt) is None  # nothing there
    frame = read_columns("a,b\n1,x\n2,y\n", ",", '"', 1, wanted, {}, "s", fmt)
    assert frame is not None and frame.headers == ["a"] and frame.df[0].tolist() == [1.0, 2.0]


class WholeEngine(Engine):
    """The engine as before issue 12: every source read whole."""

    def pipeline(self, name: str) -> Pipeline:
        pipeline = super().pipeline(name)
        return replace(pipeline, read=replace(pipeline.read, usecols=None))


CONFIG = """version: 1
sources:
  menu:
    workbook: menu.csv
    columns: {item: Item}
  lines:
    workbook: lines.csv
    columns: {date: Day, account: Client}
    where: account != 'TOTAL'
    join:
      menu: {on: {Item: item}}
    derive:
      amount: Qty * menu.Price
  accounts:
    workbook: accounts.csv
kpis:
  revenue: {source: lines, measure: sum(amount)}
  big: {source: lines, measure: count(), filter: "Size == 'L'"}
key_accounts:
  attributes: accounts
  criteria:
    share: {formula: share(revenue), weight: 1, scale: [0, 1]}
  key_if: score >= 50
  tiers: {A: "true"}
"""


def test_columns_used_by_a_config(tmp_path: Path) -> None:
    (tmp_path / "kpisheet.yaml").write_text(CONFIG)
    used = columns_used(load_config(tmp_path / "kpisheet.yaml"))
    assert used["accounts"] is None  # attr(column) may name any column of the attributes
    assert used["menu"] == {"account", "date", "item", "Price"}
    assert used["lines"] is not None
    assert {"Item", "Qty", "Size", "amount", "menu.Price", "date", "account"} <= used["lines"]


def test_evaluate_over_csv_with_unused_columns_gives_the_same_numbers(tmp_path: Path) -> None:
    (tmp_path / "kpisheet.yaml").write_text(CONFIG)
    (tmp_path / "menu.csv").write_text("Item,Price,Supplier\ncake,4.5,x\ntea,2,#N/A\n")
    (tmp_path / "lines.csv").write_text("Day,Client,Item,Qty,Size,Note\n2026-01-05,A,cake,2,L,n/a\n"
                                        "2026-01-07,B,tea,3,S,#REF!\n2026-01-09,A,tea,1,L,\n,TOTAL,,,,\n")
    (tmp_path / "accounts.csv").write_text("account,tier\nA,gold\nB,silver\n")
    config = load_config(tmp_path / "kpisheet.yaml")
    engine = Engine(config)
    got = [(r.kpi, r.value) for r in engine.results("2026-01")]
    assert got == [("revenue", 17.0), ("big", 2.0)]
    assert engine.source_warnings() == []  # the error cells are in columns nobody reads
    assert "Note" not in engine.table("lines").df.columns
    whole = WholeEngine(config)
    assert [(r.kpi, r.value) for r in whole.results("2026-01")] == got
    assert "Note" in whole.table("lines").df.columns


@pytest.mark.parametrize("name", list(CASES))
def test_without_pyarrow_the_c_parser_reads_the_same_cells(tmp_path: Path, name: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """pyarrow's reader (files without quotes) and pandas' C parser give the same frame."""
    import kpisheet.sources.csvcolumns as csvcolumns

    text, kw = CASES[name]
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    used, columns = {"date", "account", "amount", "Account", "Date"}, {"date": "Date", "amount": "Amount"}
    with_arrow = FileReader().read(SourceRef("s", path, usecols=frozenset(used), columns=columns, **kw))
    monkeypatch.setattr(csvcolumns, "arrow_columns", lambda *a: None)
    without = FileReader().read(SourceRef("s", path, usecols=frozenset(used), columns=columns, **kw))
    same_cells(with_arrow, without)
    assert set(with_arrow.df.columns) == set(without.df.columns)


def test_pyarrow_reads_files_without_quotes_and_the_c_parser_those_with(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pyarrow")
    import kpisheet.sources.csvcolumns as csvcolumns

    calls: list[str] = []
    real = csvcolumns.arrow_columns
    monkeypatch.setattr(csvcolumns, "arrow_columns", lambda *a: calls.append("arrow") or real(*a))
    plain, quoted = tmp_path / "plain.csv", tmp_path / "quoted.csv"
    plain.write_text("Date,Account,Amount,X\n2026-01-05,A,3,x\n2026-01-06,007,4.5,y\n")
    quoted.write_text('Date,Account,Amount,X\n2026-01-05,"A, Inc",3,x\n2026-01-06,007,4.5,y\n')
    for path, expected in ((plain, ["arrow"]), (quoted, [])):
        calls.clear()
        part, whole = both(path, {"date", "account", "amount"},
                           columns={"date": "Date", "account": "Account", "amount": "Amount"})
        assert calls == expected and dict(part.unread) == {"X": 4}
        same_cells(part, whole)
        assert part.df["account"].tolist()[1] == "007"  # a code keeps its zeros, typed once per distinct cell


# Cells whose reading is subtle: signs on zero, "+", spaces, leading zeros, exponents, more than
# fifteen digits, error texts, other digits, ISO and compact dates, separators.
_EDGE_CELLS = ["1", "12", "-3", "0", "-0", "+5", "0.5", "-0.5", "-0.0", "1.25", "123456789012345",
               "1234567890123456", "12345678901234567", "1e5", "1E-3", " 12", "12 ", "0012", "00", ".5", "5.",
               "inf", "nan", "#N/A", "#DIV/0!", "", "", "abc", "2025-01-02", "2025-13-01", "20250102",
               "1,234.5", "1.234,5", "١٢", "-0.5.3", "99999999999999999999", "  ", "1_000", "-"]
_PLAIN_CELLS = ["1", "12", "-3", "0", "-0", "1e3", "0.5", "-0.5", "-0.0", "1.25", "123456789012345", ""]


def test_columns_typed_whole_by_pyarrow_equal_those_typed_by_distinct_cell() -> None:
    """The whole-column typing of pyarrow's cells (issue 12) gives the frame, dtype, values and
    signs of zero that typing each distinct cell gives, or leaves the column to it."""
    pa = pytest.importorskip("pyarrow")
    import random

    import numpy as np

    from kpisheet.sources.csvcolumns import _arrow_typed, _coded
    from kpisheet.sources.frames import frame_of_columns

    fmts = [TextFormat(), TextFormat(",", "."), TextFormat(".", ","), TextFormat(date_format="%Y%m%d"),
            TextFormat(".", " ")]
    rng = random.Random(12)
    typed = {"float64": 0, "str": 0}
    for _ in range(1500):
        base = _PLAIN_CELLS if rng.random() < 0.6 else _EDGE_CELLS
        cells = [rng.choice(base) for _ in range(rng.randint(0, 12))] + \
            [rng.choice(_EDGE_CELLS) for _ in range(rng.randint(0, 2))]
        rng.shuffle(cells)
        fmt = rng.choice(fmts)
        half = len(cells) // 2
        column = pa.chunked_array([pa.array(cells[:half], pa.string()), pa.array(cells[half:], pa.string())])
        fast = _arrow_typed(column, fmt)
        if fast is None:
            continue
        got = frame_of_columns([fast], ["h"], [1], 1, 1, "s", True, fmt).df
        expected = frame_of_columns([_coded(column)], ["h"], [1], 1, 1, "s", True, fmt).df
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        if len(got.columns):
            typed[str(got.dtypes.iloc[0])] = typed.get(str(got.dtypes.iloc[0]), 0) + 1
            if got.dtypes.iloc[0] == np.float64:
                assert (np.signbit(got[0].to_numpy()) == np.signbit(expected[0].to_numpy())).all(), cells
    assert typed["float64"] > 100 and typed["str"] > 100  # both ways were taken, many times


def test_plain_numbers_cast_by_pyarrow_are_the_floats_to_numeric_reads() -> None:
    """Up to fifteen characters, pyarrow's cast and pandas.to_numeric agree to the last bit."""
    pa = pytest.importorskip("pyarrow")
    import numpy as np

    from kpisheet.sources.csvcolumns import _arrow_typed

    rng = np.random.default_rng(12)
    for digits in range(1, 15):
        whole = [str(v) for v in rng.integers(0, 10**digits, 3000)]
        for frac in range(digits + 1):
            cells = [(c.rjust(frac + 1, "0")[:-frac] + "." + c.rjust(frac + 1, "0")[-frac:]) if frac else c
                     for c in whole]
            cells = [("-" if i % 3 == 0 and c.strip("0.") else "") + c for i, c in enumerate(cells)]
            cells = [c for c in cells if len(c) <= 15]
            fast = _arrow_typed(pa.chunked_array([pa.array(cells, pa.string())]), TextFormat())
            assert fast is not None
            expected = TextFormat().numbers(pd.Series(cells, dtype="str"))
            assert np.array_equal(fast.values.view(np.int64), expected.view(np.int64)), (digits, frac)
