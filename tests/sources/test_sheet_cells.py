"""A sheet read a chunk of rows at a time into one array of cells (issue 12: peak memory of a
1,000,000-row read) holds the very cells ``to_python`` gives, and the same frame comes of it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

import kpisheet.sources.files as files
from kpisheet.sources import FileReader, SourceRef


def _book(path: Path, rows: int) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["B1"] = "Report"  # a title above, and the table below it, from column B
    ws.append([])
    for col, head in enumerate(["Date", "Account", "Amount", "Note", "Mixed"], start=2):
        ws.cell(row=3, column=col, value=head)
    for i in range(rows):
        r = 4 + i
        ws.cell(row=r, column=2, value=dt.datetime(2025, 1, 1) + dt.timedelta(days=i % 40))
        ws.cell(row=r, column=3, value=f"ACC{i % 3}")
        ws.cell(row=r, column=4, value=None if i % 11 == 0 else i * 1.25)
        ws.cell(row=r, column=5, value="" if i % 3 else "x")
        ws.cell(row=r, column=6, value=[1, "1", True, dt.date(2025, 2, 1), "ACC1"][i % 5])
    ws.cell(row=4 + rows + 2, column=3, value="after a blank row")
    wb.save(path)
    return path


def test_chunked_cells_are_to_pythons_cells(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "_CHUNK_ROWS", 7)  # many chunks, the last one short
    path = _book(tmp_path / "b.xlsx", 100)
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Data")
    expected = sheet.to_python()
    got = files._sheet_cells(sheet, sheet.start)
    assert got is not None
    grid, blank = got
    assert grid.shape == (len(expected), len(expected[0])) and blank
    for want, row in zip(expected, grid.tolist()):
        assert [(type(v), v) for v in row] == [(type(v), v) for v in want]
    assert grid[7, 1] == "ACC1" and grid[7, 1] is grid[10, 1]  # a text repeated in a chunk: one object


def test_the_frame_of_the_chunked_cells_is_the_frame_of_the_rows(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = _book(tmp_path / "b.xlsx", 60)
    ref = SourceRef("s", path, sheet="Data", header_row=3)
    monkeypatch.setattr(files, "_CHUNK_ROWS", 5)
    chunked = FileReader().read(ref)
    monkeypatch.setattr(files, "_sheet_cells", lambda sheet, start: None)  # the rows as to_python gives them
    whole = FileReader().read(ref)
    pd.testing.assert_frame_equal(chunked.df, whole.df, check_exact=True)
    assert chunked.texts_above == whole.texts_above and chunked.column_numbers == whole.column_numbers
    assert np.isnan(chunked.df["Amount"].to_numpy()[0]) and len(chunked.df) == 61  # blank row skipped


def test_a_text_column_typed_by_its_distinct_texts_is_the_cell_by_cell_column() -> None:
    """Issue 12: frame_of_columns types a column of text (and finds its error cells) once per
    distinct text; the values and error codes are those the cell-by-cell rules give."""
    from kpisheet.sources.frames import _typed, error_cells, frame_of_columns

    texts = np.array(["ACC1", "", "#N/A", "ACC1", "#DIV/0!", "b", "ACC1", "#N/A", " ACC1"], dtype=object)
    amounts = np.arange(len(texts), dtype=float).astype(object)
    frame = frame_of_columns([texts.copy(), amounts], ["Account", "Amount"], [1, 2], 1, 1, "Data")
    cells = texts.copy()
    found = error_cells(cells)
    assert found is not None
    cells[found[0]] = None
    pd.testing.assert_series_equal(frame.df[0], pd.Series(_typed(cells, False)), check_names=False)
    assert str(frame.df[0].dtype) == "str" and frame.df[0].isna().tolist() == [False, True, True, False, True, False, False, True, False]
    assert frame.errors[0].to_dict() == dict(zip(found[0].tolist(), found[1].tolist())) and len(frame.errors[0]) == 3


@pytest.mark.parametrize("column, blank", [([1.5, 2.5, 3.5], False), ([1.5, "#N/A", 3.5], True),
                                           ([dt.datetime(2025, 1, 1), "#N/A", 3.5], True), (["a", "#N/A", "b"], True),
                                           (["a", "b", "c"], False), ([True, "#N/A", 1.0], True)])
def test_a_cell_calamine_reads_as_blank_is_seen_in_any_column(tmp_path: Path, column: list[object],
                                                              blank: bool) -> None:
    """An error cell reads as '' from calamine: _sheet_cells must say so whatever the column's other
    cells are, or the error would be read as a blank (the '' is found among a text column's distinct
    texts, else by comparing a mixed column)."""
    from tests.hostile.harness import write_xlsx

    cells = "".join(f'<row r="{r + 2}"><c r="A{r + 2}"><v>{r}</v></c>' + (
        f'<c r="B{r + 2}" t="e"><v>#N/A</v></c>' if v == "#N/A" else
        f'<c r="B{r + 2}" t="inlineStr"><is><t>{v}</t></is></c>' if isinstance(v, str) else
        f'<c r="B{r + 2}"><v>{(v - dt.datetime(1899, 12, 30)).days if isinstance(v, dt.datetime) else float(v)}</v></c>')
        + "</row>" for r, v in enumerate(column))
    xml = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
           '<row r="1"><c r="A1" t="inlineStr"><is><t>N</t></is></c><c r="B1" t="inlineStr"><is><t>V</t></is></c>'
           f'</row>{cells}</sheetData></worksheet>')
    path = write_xlsx(tmp_path / "b.xlsx", {"Data": xml})
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Data")
    got = files._sheet_cells(sheet, sheet.start)
    assert got is not None and got[1] is blank
    table = FileReader().read(SourceRef("s", path, sheet="Data", columns={"v": "V"}))
    codes = table.error_codes("v")  # type: ignore[attr-defined]
    assert (codes is not None and int(codes[1]) != 0) is blank
