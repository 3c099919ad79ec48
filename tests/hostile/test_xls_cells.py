"""An .xls sheet whose cells are far apart is read by its cells (README#hostile-and-broken-input).

Nothing here writes .xls, so the books are .xlsx written by openpyxl and converted by
LibreOffice headless (skipped, with the reason, where it cannot convert)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from kpisheet.errors import WorkbookError
from kpisheet.sources import xlscells
from kpisheet.sources.files import FileReader
from kpisheet.sources.xlscells import read_xls_sparse, xls_by_cells
from tests.hostile.harness import assert_clean, run_bounded, write_config

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")

SALES = (["Date", "Client", "Amount"], [dt.date(2026, 1, 1), "Acme", 100], [dt.date(2026, 2, 1), "Beta", 50],
         [dt.date(2026, 2, 2), "Acme", 100])


def _small(ws: Any) -> None:
    ws.title = "Data"
    ws["B2"] = "Title"
    rows = [["Date", "Client", "Amount", "Pct", "When", "Time", "Flag", "Big", "Code", "Mixed"],
            [dt.date(2026, 2, 3), "Acme", 100, 0.25, dt.datetime(2026, 2, 3, 10, 30), dt.time(8, 15), True, 2 ** 40,
             "007", 3],
            [dt.date(2026, 2, 4), "Beta", 50.5, "=1/0", dt.datetime(2026, 2, 4, 0, 0, 1), dt.time(0, 0), False,
             1e20, "a\nb", "text"],
            [None] * 10,
            [dt.date(1900, 1, 1), "  Gamma ", "=C4+C5", 1.5, None, dt.time(23, 59, 59), None, -7, "", 2.5]]
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is not None:
                ws.cell(row=4 + i, column=2 + j, value=value)
    ws["L4"], ws["L5"], ws["L6"], ws["L8"] = "Span", 1.5, 0.5, "=2+3"  # elapsed hours; a formula's whole number
    ws["L5"].number_format = "[h]:mm"
    ws["L6"].number_format = "[mm]:ss"
    ws["G5"].number_format = "hh:mm"
    ws["E5"].number_format = "0%"
    ws["D8"].number_format = '"$"#,##0.00'


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """small.xls (every kind of value, an error cell, two sheets) and far.xls (a value at IV65536)."""
    folder = tmp_path_factory.mktemp("xls")
    wb = openpyxl.Workbook()
    _small(wb.active)
    sales = wb.create_sheet("Sales")
    for row in SALES:
        sales.append(row)
    wb.save(folder / "small.xlsx")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    for row in SALES:
        ws.append(row)
    ws["IV65536"] = 7
    wb.save(folder / "far.xlsx")
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{folder}/profile", "--convert-to",
                    "xls:MS Excel 97", "--outdir", str(folder), str(folder / "small.xlsx"), str(folder / "far.xlsx")],
                   capture_output=True, timeout=180)
    out = {name: folder / f"{name}.xls" for name in ("small", "far")}
    if not all(p.exists() for p in out.values()):
        pytest.skip("LibreOffice could not convert the books here")
    return out


def _dense(path: Path, sheet: str) -> dict[tuple[int, int], Any]:
    grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet)
    top, left = grid.start or (0, 0)
    return {(top + i + 1, left + j + 1): v for i, row in enumerate(grid.to_python()) for j, v in enumerate(row)}


def _by_cells(path: Path, sheet: str) -> dict[tuple[int, int], Any]:
    grid = read_xls_sparse(path.read_bytes(), sheet, "x")
    return {(r, c): v for r, row in zip(grid.row_numbers, grid.rows) for c, v in zip(grid.col_numbers, row)}


def test_every_kind_of_value_reads_as_calamine_reads_it(books: dict[str, Path]) -> None:
    for sheet in ("Data", "Sales"):
        dense, sparse = _dense(books["small"], sheet), _by_cells(books["small"], sheet)
        assert set(sparse) <= set(dense)
        assert {k: v for k, v in dense.items() if v != ""} == {k: v for k, v in sparse.items() if v != ""}
        assert all(type(dense[k]) is type(v) for k, v in sparse.items())  # 100 an int, 2**40 a float, as calamine
    cells = _by_cells(books["small"], "Data")
    assert cells[(5, 2)] == dt.date(2026, 2, 3) and cells[(5, 6)] == dt.datetime(2026, 2, 3, 10, 30)
    assert cells[(5, 7)] == dt.time(8, 15) and cells[(5, 8)] is True and cells[(5, 4)] == 100
    assert cells[(5, 12)] == dt.timedelta(hours=36) and cells[(6, 12)] == dt.timedelta(hours=12)
    assert cells[(8, 12)] == 5 and isinstance(cells[(8, 12)], float)  # a formula's number: a float, as calamine


def _frames(path: Path, monkeypatch: pytest.MonkeyPatch, sheet: str, header_row: int = 1) -> tuple[Any, Any]:
    where = str(path)
    dense_book = FileReader._load(("a", 0, 0), path.read_bytes(), ".xls", where)
    assert dense_book.workbook is not None and dense_book.by_cells is None  # an ordinary book: calamine reads it
    dense = FileReader()._sheet_frame(dense_book, sheet, header_row, where)
    monkeypatch.setattr(xlscells, "xls_by_cells", lambda data: ["Data", "Sales"])
    book = FileReader._load(("b", 0, 0), path.read_bytes(), ".xls", where)
    assert book.workbook is None and book.by_cells is not None  # read without calamine
    sparse = FileReader()._sheet_frame(book, sheet, header_row, where)
    monkeypatch.undo()
    return dense, sparse


def _same_frame(dense: Any, sparse: Any) -> None:
    assert sparse.headers == dense.headers and sparse.col_numbers == dense.col_numbers
    assert sparse.df.equals(dense.df) and list(sparse.df.index) == list(dense.df.index)
    assert sparse.df.dtypes.tolist() == dense.df.dtypes.tolist()
    assert {k: list(v.items()) for k, v in sparse.errors.items()} == {k: list(v.items()) for k, v in dense.errors.items()}


def test_a_sheet_read_by_its_cells_is_the_frame_calamine_gives(books: dict[str, Path],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    dense, sparse = _frames(books["small"], monkeypatch, "Data", header_row=4)
    _same_frame(dense, sparse)
    assert list(sparse.df.index) == [0, 1, 3] and sparse.col_numbers == list(range(2, 13))
    assert sparse.errors  # the #DIV/0! was laid back over the cells read
    assert str(sparse.df.dtypes.iloc[0]).startswith("datetime64")
    assert sparse.texts_above == dense.texts_above
    _same_frame(*_frames(books["small"], monkeypatch, "Sales"))


def test_a_far_cell_in_an_xls_costs_its_cells(books: dict[str, Path]) -> None:
    data = books["far"].read_bytes()
    assert xls_by_cells(data) == ["Data"]
    assert xls_by_cells(books["small"].read_bytes()) is None  # an ordinary book is read as before
    book = FileReader._load(("far", 0, 0), data, ".xls", "far.xls")
    assert book.workbook is None  # calamine would lay out 16.7 million cells as it opens the book
    grid = read_xls_sparse(data, "Data", "far.xls!Data")
    assert grid.row_numbers == [1, 2, 3, 4, 65536] and grid.col_numbers == [1, 2, 3, 256]
    assert grid.rows[-1] == ["", "", "", 7]
    ranged = read_xls_sparse(data, "Data", "far.xls!Data", (1, 1, 4, 3))
    assert ranged.row_numbers == [1, 2, 3, 4] and ranged.col_numbers == [1, 2, 3]


def test_a_value_at_the_far_corner_of_an_xls_is_read_by_its_cells(books: dict[str, Path], tmp_path: Path) -> None:
    config = write_config(tmp_path)
    started = time.monotonic()
    run = run_bounded("evaluate", str(books["far"]), "--period", "2026-02", "--format", "json", "--config", str(config))
    took = time.monotonic() - started
    assert_clean(run, codes=(0,))
    assert [r["value"] for r in json.loads(run.out)] == [150.0, 2.0]
    assert took < 10, f"{took:.1f} s: read densely?"  # 1 s here; 14.5 s and 1.4 GB when read densely


def test_a_message_on_a_far_cell_xls_names_the_sheets_own_cell(books: dict[str, Path]) -> None:
    data = books["far"].read_bytes()
    reader = FileReader()
    book = FileReader._load(("far", 0, 0), data, ".xls", "far.xls")
    frame = reader._sheet_frame(book, "Data", 1, "far.xls")
    assert frame.col_numbers[-1] == 256 and list(frame.df.index)[-1] == 65534  # IV65536, under the header
    with pytest.raises(WorkbookError, match="header row 5 is empty"):
        reader._sheet_frame(book, "Data", 5, "far.xls")


@pytest.mark.parametrize("number_format, elapsed", [
    ("[h]:mm", True), ("[Red][hh]:mm:ss", True), ("[ss].0", True), ("[Magenta]0.00", False), ("h:mm", False),
    ('"[h]"0', False), ("0;[h]:mm", False), ("d [h]", False), ("[mh]", False)])
def test_a_duration_format_is_told_as_calamine_tells_it(number_format: str, elapsed: bool) -> None:
    from kpisheet.sources.xlscells import is_duration

    assert is_duration(number_format) is elapsed


def test_the_record_walk_finds_the_cells_xlrd_reads(books: dict[str, Path]) -> None:
    """xls_by_cells decides from the cell records' headers alone: they must span what xlrd reads."""
    import xlrd

    from kpisheet.sources.xlscells import _record_extent, _sheet_cells

    for path in books.values():
        book = xlrd.open_workbook(file_contents=path.read_bytes(), on_demand=True, ragged_rows=True)
        for index in range(book.nsheets):
            cells = list(_sheet_cells(book.sheet_by_index(index)))
            rows, cols = [c[0] for c in cells], [c[1] for c in cells]
            walked = _record_extent(book.mem, book._sh_abs_posn[index])
            assert walked == (len(cells), min(rows), max(rows), min(cols), max(cols))


def test_a_cell_past_the_xls_grid_is_one_error_line(books: dict[str, Path], tmp_path: Path) -> None:
    """BIFF stores a column in 16 bits: column 4,097 is no .xls cell (calamine would lay out 268
    million cells for it); patched into the far cell's record, the book is refused, not read."""
    data = bytearray(books["far"].read_bytes())
    at = [i for i in range(len(data) - 8) if data[i + 4:i + 8] == b"\xff\xff\xff\x00"
          and int.from_bytes(data[i:i + 2], "little") in (0x27E, 0x203)]
    assert len(at) == 1  # the record of IV65536
    data[at[0] + 6:at[0] + 8] = (4096).to_bytes(2, "little")
    book = tmp_path / "past.xls"
    book.write_bytes(bytes(data))
    assert xls_by_cells(bytes(data)) == ["Data"]
    with pytest.raises(WorkbookError, match="column 4,097, beyond the .xls grid"):
        read_xls_sparse(bytes(data), "Data", "past.xls!Data")
    config = write_config(tmp_path)
    run = run_bounded("evaluate", str(book), "--period", "2026-02", "--config", str(config))
    assert_clean(run, codes=(2,))
    assert "past.xls!Data: a cell at row 65,536, column 4,097, beyond the .xls grid" in run.err
