"""SPEC §9: an .ods sheet read by its cells (``sources/odscells.py``) reads as python-calamine
reads it, and a far cell costs what one cell costs."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from kpisheet.errors import WorkbookError
from kpisheet.sources import opening
from kpisheet.sources.files import FileReader
from kpisheet.sources.odscells import read_ods_sparse
from kpisheet.sources.odsextent import OdsExtent, ods_extent
from tests.hostile.harness import assert_clean, run_bounded, write_config

_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
         'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
         'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
         'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
         'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
         'xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.2"><office:body><office:spreadsheet>'
         '{tables}</office:spreadsheet></office:body></office:document-content>')


def _ods(path: Path, tables: dict[str, str]) -> Path:
    body = "".join(f'<table:table table:name="{name}">{rows}</table:table>' for name, rows in tables.items())
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", _HEAD.format(tables=body))
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:'
                   'names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" '
                   'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>')
    return path


def _row(*cells: str, repeat: int = 1) -> str:
    rep = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{rep}>{''.join(cells)}</table:table-row>"


def _c(attrs: str = "", inner: str = "") -> str:
    return f"<table:table-cell {attrs}>{inner}</table:table-cell>" if inner else f"<table:table-cell {attrs}/>"


def _f(v: object) -> str:
    return _c(f'office:value-type="float" office:value="{v}"', f"<text:p>{v}</text:p>")


def _s(text: str) -> str:
    return _c('office:value-type="string"', f"<text:p>{text}</text:p>")


EMPTY = _c('table:number-columns-repeated="3"')
# every kind of value a cell holds, and what a row may hold besides values
VALUES = [
    _c('office:value-type="date" office:date-value="2026-02-03"', "<text:p>03/02/2026</text:p>"),
    _c('office:value-type="date" office:date-value="2026-02-03T10:30:00.5"'),
    _c('office:value-type="date" office:date-value="2026-02-03T00:00:00"'),
    _c('office:value-type="date" office:date-value="2026-02-03T10:30:00Z"'),
    _c('office:value-type="date" office:date-value="bogus"'),
    *(_c(f'office:value-type="date" office:date-value="{v}"')
      for v in ("2026-02-03T10:30:00.123456789", "2026-W05-1", "2026-02-03T10", "2026-02-30")),
    _c('office:value-type="time" office:time-value="PT12H15M00S"'),
    _c('office:value-type="time" office:time-value="PT00H00M00.5S"'),
    _c('office:value-type="time" office:time-value="PT36H10M00S"'),
    _c('office:value-type="time" office:time-value="-PT1H"'),
    _c('office:value-type="boolean" office:boolean-value="true"'),
    _c('office:value-type="boolean" office:boolean-value="false"'),
    _c('office:value-type="percentage" office:value="0.25"', "<text:p>25%</text:p>"),
    _c('office:value-type="currency" office:currency="USD" office:value="50.5"', "<text:p>$50.50</text:p>"),
    _c('office:value-type="float" office:value="1E+020"'),
    _c('office:value="-3"'),
    _c("", "<text:p>no type</text:p>"),
    _c('office:value-type="string"', '<text:p>two <text:s/>sp<text:span>ac</text:span>es<text:tab/>&amp; tab'
                                     '<text:line-break/></text:p><text:p><text:s text:c="2"/>line 2</text:p>'),
    _c('office:value-type="string"', '<office:annotation><dc:date>2026-01-01</dc:date><text:p>a note</text:p>'
                                     '</office:annotation><text:p>Acme</text:p>'),
    _c('office:value-type="string" office:string-value="kept"', "<text:p>shown</text:p>"),
    _c('table:formula="of:=1/0" office:value-type="string" office:string-value="" calcext:value-type="error"',
       "<text:p>#DIV/0!</text:p>"),
    _c('table:formula="of:=[.A1]" office:value-type="float" office:value="150.5"', "<text:p>150.5</text:p>"),
    _c('office:value-type="string"'),
    _c('office:value-type="float" office:value="7" table:number-columns-repeated="2"'),
    _c('table:number-columns-spanned="2" office:value-type="string"', "<text:p>merged</text:p>")
    + "<table:covered-table-cell/>",
]
SALES = [_row(_s("Date"), _s("Client"), _s("Amount"), _s("Pct")),
         _row(_c('office:value-type="date" office:date-value="2026-02-03"'), _s("Acme"), _f(100), _f(0.25)),
         _row(EMPTY),
         _row(_c('office:value-type="date" office:date-value="2026-02-10"'), _s("Beta"), _f(50), _f(1.5))]


def _dense(path: Path, sheet: str) -> dict[tuple[int, int], Any]:
    grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet)
    top, left = grid.start or (0, 0)
    return {(top + i + 1, left + j + 1): v for i, row in enumerate(grid.to_python()) for j, v in enumerate(row)}


def _by_cells(path: Path, sheet: str) -> dict[tuple[int, int], Any]:
    grid = read_ods_sparse(path.read_bytes(), sheet, "x")
    return {(r, c): v for r, row in zip(grid.row_numbers, grid.rows) for c, v in zip(grid.col_numbers, row)}


def _same_cells(path: Path, sheet: str) -> None:
    dense, sparse = _dense(path, sheet), _by_cells(path, sheet)
    assert set(sparse) <= set(dense)
    assert {k: v for k, v in dense.items() if v != ""} == {k: v for k, v in sparse.items() if v not in ("", None)}
    assert all(dense[k] == "" for k, v in sparse.items() if v in ("", None))


def test_every_kind_of_value_reads_as_calamine_reads_it(tmp_path: Path) -> None:
    book = _ods(tmp_path / "v.ods", {"Values": _row(EMPTY, *VALUES) + _row(*VALUES, repeat=2) + _row(EMPTY)
                                     + _row(EMPTY, *reversed(VALUES)), "Sales": "".join(SALES)})
    _same_cells(book, "Values")
    _same_cells(book, "Sales")
    assert _by_cells(book, "Values")[(1, 4)] != _by_cells(book, "Values")[(1, 5)]  # the cells differ: a real test


def _frames(path: Path, monkeypatch: pytest.MonkeyPatch, sheet: str, header_row: int = 1) -> tuple[Any, Any]:
    where = str(path)
    dense = FileReader()._sheet_frame(FileReader._load(("a", 0, 0), path.read_bytes(), ".ods", where),
                                      sheet, header_row, where)
    monkeypatch.setattr(opening, "ods_extent", lambda data: OdsExtent(ods_extent(data).sheets, too_sparse=True))
    book = FileReader._load(("b", 0, 0), path.read_bytes(), ".ods", where)
    assert book.workbook is None and book.by_cells is not None  # read without calamine
    sparse = FileReader()._sheet_frame(book, sheet, header_row, where)
    monkeypatch.undo()
    return dense, sparse


def _same_frame(dense: Any, sparse: Any) -> None:
    assert sparse.headers == dense.headers and sparse.col_numbers == dense.col_numbers
    assert sparse.df.equals(dense.df) and list(sparse.df.index) == list(dense.df.index)
    assert sparse.df.dtypes.tolist() == dense.df.dtypes.tolist()
    assert {k: list(v.items()) for k, v in sparse.errors.items()} == {k: list(v.items()) for k, v in dense.errors.items()}


def test_a_sheet_read_by_its_cells_is_the_frame_calamine_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    error = _c('table:formula="of:=1/0" office:value-type="string" office:string-value="" calcext:value-type="error"',
               "<text:p>#DIV/0!</text:p>")
    rows = ([_row(EMPTY + EMPTY, repeat=2), _row(EMPTY, _s("Title"))]
            + [_row(EMPTY, _s("Date"), _s("Client"), _s("Amount"), _s("Pct")),
               _row(EMPTY, _c('office:value-type="date" office:date-value="2026-02-03"'), _s("Acme"), _f(100), _f(0.25)),
               _row(EMPTY + EMPTY, repeat=3),
               _row(EMPTY, _c('office:value-type="date" office:date-value="2026-02-10"'), _s("Beta"), error, _f(1.5)),
               _row(EMPTY, _c(), _s("Gamma"), _f(-3))])
    book = _ods(tmp_path / "s.ods", {"Data": "".join(rows), "Sales": "".join(SALES)})
    dense, sparse = _frames(book, monkeypatch, "Data", header_row=4)
    _same_frame(dense, sparse)
    assert list(sparse.df.index) == [0, 4, 5] and sparse.col_numbers == [4, 5, 6, 7]
    assert sparse.errors  # the #DIV/0! was laid back over the cells read
    _same_frame(*_frames(book, monkeypatch, "Sales"))
    assert sparse.texts_above == dense.texts_above


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_book_libreoffice_wrote_reads_the_same_by_its_cells(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Date", "Client", "Amount", "Pct", "When", "Note"])
    ws.append([dt.date(2026, 2, 3), "Acme", 100, 0.25, dt.datetime(2026, 2, 3, 10, 30), "two  spaces"])
    ws.append([dt.date(2026, 2, 4), "Beta", 50.5, "=1/0", dt.time(12, 15), "line1\nline2"])
    ws.append([dt.date(2026, 2, 5), "Gamma", "=C2+C3", True, None, "  lead"])
    ws["C3"].number_format = '"$"#,##0.00'
    ws.merge_cells("G6:H7")
    ws["G6"] = "merged"
    wb.save(tmp_path / "lo.xlsx")
    done = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                           "--convert-to", "ods", "--outdir", str(tmp_path), str(tmp_path / "lo.xlsx")],
                          capture_output=True, timeout=120)
    book = tmp_path / "lo.ods"
    if done.returncode != 0 or not book.exists():
        pytest.skip("LibreOffice could not convert the book here")
    _same_cells(book, "Data")
    dense, sparse = _frames(book, monkeypatch, "Data")
    _same_frame(dense, sparse)
    assert len(sparse.df) == 4 and sparse.errors  # three rows and the merged cell


def test_a_far_cell_in_an_ods_costs_one_cell(tmp_path: Path) -> None:
    far = _row(_c('table:number-columns-repeated="16383"'), _f(9))
    rows = "".join(SALES) + _row(_c('table:number-columns-repeated="1024"'), repeat=1048571) + far
    book = _ods(tmp_path / "far.ods", {"Data": rows, "Other": _row(_s("x"))})
    assert ods_extent(book.read_bytes()).too_sparse
    cells = _by_cells(book, "Data")
    assert cells[(1048576, 16384)] == 9.0 and len(cells) <= 5 * 5
    write_config(tmp_path)
    run = run_bounded("evaluate", str(book), "--period", "2026-02", "--format", "json")
    assert_clean(run, codes=(0,))
    assert [r["value"] for r in json.loads(run.out)] == [150.0, 2.0]


def test_repeated_values_past_the_cap_are_refused_by_cells_too(tmp_path: Path) -> None:
    rows = "".join(SALES) + _row(_f(1), _c('table:number-columns-repeated="16382"'), _f(2), repeat=1048000)
    book = _ods(tmp_path / "many.ods", {"Data": rows})
    assert ods_extent(book.read_bytes()).refused is not None  # 2 million values from 20 cells
    with pytest.raises(WorkbookError, match="repeated cells"):
        read_ods_sparse(book.read_bytes(), "Data", "many.ods!Data")


def test_a_dtd_in_content_xml_is_refused(tmp_path: Path) -> None:
    book = _ods(tmp_path / "dtd.ods", {"Data": "".join(SALES)})
    with zipfile.ZipFile(book) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["content.xml"] = parts["content.xml"].replace(
        b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>', 1)
    with zipfile.ZipFile(book, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    with pytest.raises(WorkbookError, match="DTD"):
        read_ods_sparse(book.read_bytes(), "Data", "dtd.ods!Data")


def test_a_message_on_a_far_cell_ods_names_the_sheets_own_cell(tmp_path: Path) -> None:
    far = _row(_c('table:number-columns-repeated="16383"'), _f(9))
    bad = _row(_c('office:value-type="date" office:date-value="2026-02-10"'), _s("Beta"), _s("lots"), _f(1.5))
    rows = "".join(SALES[:3]) + bad + _row(_c('table:number-columns-repeated="1024"'), repeat=1048571) + far
    book = _ods(tmp_path / "far.ods", {"Data": rows})
    write_config(tmp_path)
    run = run_bounded("evaluate", str(book), "--period", "2026-02")
    assert_clean(run, codes=(2,))
    assert "far.ods!Data!C4: text 'lots'" in run.err


FAR = _row(_c('table:number-columns-repeated="1024"'), repeat=1048570) + _row(_c('table:number-columns-repeated="16383"'),
                                                                               _f(9))


@pytest.mark.parametrize("rows, code, said", [
    # one <text:s text:c="999999999"/> is a gigabyte of spaces to calamine (it aborted): read by cells, capped
    ("".join(SALES) + _row(_c('office:value-type="string"', '<text:p><text:s text:c="999999999"/></text:p>')), 0, ""),
    ("".join(SALES) + _row(_c('office:value-type="string"', '<text:p><text:s text:c="999999999"/></text:p>')) + FAR,
     0, ""),
    ("".join(SALES) + _row(EMPTY, _c(), _c('office:value-type="string"', "<text:p>" + "<text:span>" * 200_000 + "x"
                                              + "</text:span>" * 200_000 + "</text:p>")) + FAR, 0, ""),
    ("".join(SALES) + _row(_c('office:value-type="float" office:value="abc"')) + FAR, 2,
     "bad.ods!Data: a cell whose value is not a number ('abc')"),
    ("".join(SALES) + FAR + "<table:table-row><table:table-cell", 2, "bad.ods!Data: the workbook is damaged"),
    ("".join(SALES) + _row(EMPTY, _s("x"), repeat=2) + FAR, 2, "bad.ods!Data: a value past the sheet's last row or column"),
])
def test_hostile_cells_of_a_far_cell_ods_are_one_error_line_or_read(tmp_path: Path, rows: str, code: int,
                                                                     said: str) -> None:
    book = _ods(tmp_path / "bad.ods", {"Data": rows})
    write_config(tmp_path)
    run = run_bounded("evaluate", str(book), "--period", "2026-02", "--format", "json")
    assert_clean(run, codes=(code,))
    assert said in run.err
    if code == 0:
        assert [r["value"] for r in json.loads(run.out)] == [150.0, 2.0]
