"""SPEC §9 for .xlsb sources: nothing here can write an .xlsb, so the books are written record
by record ([MS-XLSB] BIFF12, :func:`tests.hostile.harness.write_xlsb`) and read by the same
python-calamine as real ones. A far cell, a column past Excel's grid, rows out of order and a
cut record stream each end cleanly, bounded to 2 GB and 60 s of CPU."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kpisheet.errors import WorkbookError
from kpisheet.sources.xlsbextent import read_xlsb_sparse, xlsb_too_sparse
from tests.hostile.harness import KEY_ACCOUNTS, SALES, _record, assert_clean, run_bounded, snapshot, write_config, \
    write_xlsb, xlsb_sheet


def _evaluate(tmp_path: Path, book: Path) -> list[float]:
    write_config(tmp_path)
    before = snapshot(tmp_path)
    run = run_bounded("evaluate", str(book), "--period", "2026-02", "--format", "json")
    assert_clean(run, codes=(0,))
    assert snapshot(tmp_path) == before
    return [r["value"] for r in json.loads(run.out)]


def test_the_hand_made_xlsb_reads_as_a_workbook(tmp_path: Path) -> None:
    """The baseline the cases below differ from: the same cells an .xlsx holds give the same KPIs."""
    assert _evaluate(tmp_path, write_xlsb(tmp_path / "book.xlsb", SALES)) == [150.0, 2.0]


def test_one_value_at_the_far_corner_costs_nothing(tmp_path: Path) -> None:
    """Before: calamine allocated the rectangle to XFD1048576 (512 GiB) and aborted, exit 134."""
    book = write_xlsb(tmp_path / "book.xlsb", {**SALES, "XFD1048576": 7})
    assert xlsb_too_sparse(book.read_bytes(), "Data")
    assert _evaluate(tmp_path, book) == [150.0, 2.0]
    write_config(tmp_path, KEY_ACCOUNTS)
    run = run_bounded("accounts", str(book), "--period", "2026-02", "--format", "json")
    assert_clean(run, codes=(0,))
    assert [(r["account"], r["score"]) for r in json.loads(run.out)] == [("Acme", 100.0), ("Beta", 50.0)]


def test_a_dimension_record_that_lies_changes_nothing(tmp_path: Path) -> None:
    """The extent is taken from the cells, not from BrtWsDim: a dimension of A1:A1 beside a far
    cell does not let the sheet through as dense."""
    part = xlsb_sheet({**SALES, "XFD1048576": 7}, dimension=(0, 0, 0, 0))
    book = write_xlsb(tmp_path / "book.xlsb", {}, part=part)
    assert xlsb_too_sparse(book.read_bytes(), "Data")
    assert _evaluate(tmp_path, book) == [150.0, 2.0]


def test_rows_written_out_of_order_are_read_in_order(tmp_path: Path) -> None:
    """calamine takes its rectangle from the first and the last row written; rows going backwards
    would make it wrong (or wrap to billions of rows). They are read by their cells instead."""
    dense = xlsb_sheet(SALES)
    header = _record(0x00, (0).to_bytes(4, "little") + bytes(13))
    first, rest = dense.split(header, 1)
    # move the header row (row 0 and its three cells) after the data rows
    cells_end = rest.index(_record(0x00, (1).to_bytes(4, "little") + bytes(13)))
    header_cells, data = rest[:cells_end], rest[cells_end:]
    end = _record(0x92)
    data_rows, tail = data.split(end, 1)
    part = first + data_rows + header + header_cells + end + tail
    book = write_xlsb(tmp_path / "book.xlsb", {}, part=part)
    assert xlsb_too_sparse(book.read_bytes(), "Data")
    assert _evaluate(tmp_path, book) == [150.0, 2.0]


@pytest.mark.parametrize("part, said", [
    # a column number of 2^31: the file stores 32 bits, Excel's grid ends at 16,384
    (xlsb_sheet(SALES).replace(_record(0x92), _record(0x00, (5).to_bytes(4, "little") + bytes(13))
                               + _record(0x05, (1 << 31).to_bytes(4, "little") + bytes(12)) + _record(0x92)),
     "beyond Excel's grid"),
    # the stream ends inside a cell record
    (xlsb_sheet(SALES)[:-12], "damaged"),
    # a shared text that is not there (calamine indexes its list unchecked: a Rust panic)
    (xlsb_sheet(SALES).replace(_record(0x92), _record(0x00, (5).to_bytes(4, "little") + bytes(13))
                               + _record(0x07, bytes(8) + (99).to_bytes(4, "little")) + _record(0x92)),
     "refers to a shared text the workbook does not have"),
    # a number cell of 10 bytes, a dimension of 4 (calamine reads 16 of each, unchecked)
    (_record(0x81) + _record(0x94, bytes(4)) + _record(0x91) + _record(0x00, bytes(17)) + _record(0x05, bytes(10))
     + _record(0x92), "the sheet's binary records are damaged (a cell is cut)"),
])
def test_a_damaged_sheet_is_one_error_line(tmp_path: Path, part: bytes, said: str) -> None:
    book = write_xlsb(tmp_path / "book.xlsb", {}, part=part)
    write_config(tmp_path)
    before = snapshot(tmp_path)
    run = run_bounded("evaluate", str(book), "--period", "2026-02")
    assert_clean(run, codes=(2,))  # and no Rust panic message ("panicked")
    line = next(line for line in run.err.splitlines() if line.startswith("error:"))
    assert said in line and "book.xlsb!Data" in line, line
    assert snapshot(tmp_path) == before


def test_the_compact_read_keeps_the_sheets_own_places(tmp_path: Path) -> None:
    data = write_xlsb(tmp_path / "book.xlsb", {"B2": "x", "C2": 1, "B1048576": 2, "XFD7": "far"}).read_bytes()
    grid = read_xlsb_sparse(data, "Data", "book.xlsb!Data")
    assert grid.row_numbers == [2, 7, 1048576] and grid.col_numbers == [2, 3, 16384]
    assert grid.rows == [["x", 1.0, ""], ["", "", "far"], [2.0, "", ""]]  # calamine's blank is ""
    inside = read_xlsb_sparse(data, "Data", "book.xlsb!Data", area=(1, 1, 10, 3))
    assert inside.row_numbers == [2] and inside.rows == [["x", 1.0]]


def test_cells_strewn_on_a_diagonal_are_refused_not_allocated(tmp_path: Path) -> None:
    from kpisheet.sources.refs import col_letter
    cells = {f"{col_letter(i + 1)}{i * 64 + 1}": i for i in range(16_000)}
    data = write_xlsb(tmp_path / "book.xlsb", cells).read_bytes()
    assert xlsb_too_sparse(data, "Data")
    with pytest.raises(WorkbookError, match="strewn over 16,000 rows and 16,000 columns"):
        read_xlsb_sparse(data, "Data", "book.xlsb!Data")


def test_a_dense_sheet_is_read_as_before(tmp_path: Path) -> None:
    data = write_xlsb(tmp_path / "book.xlsb", SALES).read_bytes()
    assert not xlsb_too_sparse(data, "Data")


def test_a_panic_in_the_reader_is_a_damaged_workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capfd: pytest.CaptureFixture[str]) -> None:
    """Past the checks above (turned off here), python-calamine's Rust panics on such bytes; the
    panic is the workbook's error line, not an internal error, and no page of Rust backtrace even
    when RUST_BACKTRACE asks for one (--debug does)."""
    import kpisheet.sources.files as files
    from kpisheet.cli import main

    part = xlsb_sheet(SALES).replace(_record(0x92), _record(0x00, (5).to_bytes(4, "little") + bytes(13))
                                     + _record(0x07, bytes(8) + (99).to_bytes(4, "little")) + _record(0x92))
    book = write_xlsb(tmp_path / "book.xlsb", {}, part=part)
    write_config(tmp_path)
    monkeypatch.setattr(files, "xlsb_too_sparse", lambda data, sheet: False)
    monkeypatch.setenv("RUST_BACKTRACE", "1")
    assert main(["evaluate", str(book), "--period", "2026-02"]) == 2
    err = capfd.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {book}: the workbook is damaged (the reader failed: index out of bounds: the len is 0 "
                      "but the index is 99); open it in Excel and save it again"], err
    assert "stack backtrace" not in err and "Traceback" not in err
    assert err.strip().splitlines() == errors  # Rust's own "panicked at" lines are held back
