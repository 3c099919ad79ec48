"""Excel's edge cases that need a workbook's own layout: dynamic arrays that lift IFERROR over
ranges, names on another sheet, INDEX ranges around their own cell, Excel for Mac's CHAR.
Packages are written part by part, as Excel lays them out."""

from __future__ import annotations

import zipfile
from pathlib import Path

from kpisheet.excel.recalc import recalc
from kpisheet.excel.recalc.writer import METADATA_XML
from tests.excel.recalc.test_excel_files import package, values


def test_iferror_over_a_range_spills(tmp_path: Path) -> None:
    body = ('<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>1</v></c>'
            '<c r="C1" cm="1"><f t="array" ref="C1">_xlfn.IFERROR(A1:A3/B1:B3,"none")</f><v>0</v></c>'
            '<c r="D1" cm="1"><f t="array" ref="D1">_xlfn.IFNA(A1:A3,"-")</f><v>0</v></c>'
            '<c r="E1" cm="1"><f t="array" ref="E1">_xlfn.SWITCH(A1:A3,2,"two","other")</f><v>0</v></c></row>'
            '<row r="2"><c r="A2"><v>2</v></c><c r="B2"><v>0</v></c></row>'
            '<row r="3"><c r="A3" t="e"><v>#N/A</v></c><c r="B3"><v>4</v></c></row>')
    book = package(tmp_path / "b.xlsx", {"S": body}, metadata=METADATA_XML)
    recalc(book)
    v = values(book)
    assert [v.get((r, 3)) for r in (1, 2, 3)] == [1.0, "none", "none"]
    from kpisheet.excel.recalc.values import Err
    assert [v.get((r, 4)) for r in (1, 2, 3)] == [1.0, 2.0, "-"]
    assert [v.get((r, 5)) for r in (1, 2, 3)] == ["other", "two", Err("#N/A")]
    xml = zipfile.ZipFile(book).read("xl/worksheets/sheet1.xml").decode()
    assert 'ref="C1:C3"' in xml and 'ref="D1:D3"' in xml and 'ref="E1:E3"' in xml


def test_name_on_another_sheet_is_intersected_with_the_row(tmp_path: Path) -> None:
    data = ''.join(f'<row r="{r}"><c r="B{r}"><v>{r * 10}</v></c></row>' for r in range(1, 6))
    sheet = '<row r="3"><c r="A3"><f>Rates*2</f><v>0</v></c><c r="B3"><f>Data!B1:B5</f><v>0</v></c></row>'
    names = '<definedNames><definedName name="Rates">Data!$B$1:$B$5</definedName></definedNames>'
    book = package(tmp_path / "b.xlsx", {"S": sheet, "Data": data}, workbook_extra=names)
    recalc(book)
    v = values(book)
    assert v[(3, 1)] == 60.0 and v[(3, 2)] == 30.0


def test_range_between_two_indexes_around_its_own_cell_is_not_circular(tmp_path: Path) -> None:
    body = ('<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c><c r="C1"><f>A1+B1</f><v>0</v></c>'
            '<c r="D1"><v>9</v></c>'
            '<c r="E1"><f>SUM(INDEX(A1:F1,1,1):INDEX(A1:F1,1,3))</f><v>0</v></c></row>')
    book = package(tmp_path / "b.xlsx", {"S": body})
    report = recalc(book)
    assert not report.circular
    assert values(book)[(1, 5)] == 6.0


def _with_app(path: Path, application: str) -> Path:
    body = '<row r="1"><c r="A1"><f>CHAR(165)</f><v>0</v></c><c r="B1"><f>CHAR(65)</f><v>0</v></c></row>'
    package(path, {"S": body})
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("docProps/app.xml", '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                                       f'extended-properties"><Application>{application}</Application></Properties>')
    return path


def test_char_follows_the_excel_that_saved_the_book(tmp_path: Path) -> None:
    mac = _with_app(tmp_path / "mac.xlsx", "Microsoft Macintosh Excel")
    win = _with_app(tmp_path / "win.xlsx", "Microsoft Excel")
    recalc(mac)
    recalc(win)
    assert values(mac)[(1, 1)] == "\u2022" and values(mac)[(1, 2)] == "A"  # Mac Roman 165 is a bullet
    assert values(win)[(1, 1)] == "\u00a5"  # Windows-1252 165 is the yen sign


def test_empty_text_result_without_a_value_is_cached_empty_text(tmp_path: Path) -> None:
    # Excel writes a formula whose result is "" as t="str" with no <v> (the oracle's MID.xlsx)
    body = '<row r="1"><c r="A1" t="str"><f>MID("Fluid Flow",20,5)</f></c><c r="B1"><f>1+1</f><v>2</v></c></row>'
    book = package(tmp_path / "b.xlsx", {"S": body})
    report = recalc(book, check=True)
    assert report.changes == [] and report.exit_code == 0


def test_named_lambda_is_called(tmp_path: Path) -> None:
    names = ('<definedNames><definedName name="Double">_xlfn.LAMBDA(_xlpm.x,_xlpm.x*2)</definedName>'
             '<definedName name="Rate">0.25</definedName></definedNames>')
    body = '<row r="1"><c r="A1"><f>Double(21)</f><v>0</v></c><c r="B1"><f>Double(Rate)+Rate</f><v>0</v></c></row>'
    book = package(tmp_path / "b.xlsx", {"S": body}, workbook_extra=names)
    report = recalc(book)
    assert not report.unsupported
    v = values(book)
    assert v[(1, 1)] == 42.0 and v[(1, 2)] == 0.75


def test_no_function_escapes_with_an_exception(tmp_path: Path) -> None:
    # a rate of -1 once raised ZeroDivisionError out of PMT/PV/FV; now the cell holds an error value
    from kpisheet.excel.recalc.values import Err
    body = ('<row r="1"><c r="A1"><f>PMT(-1,12,100)</f><v>0</v></c><c r="B1"><f>PV(-1,12,100)</f><v>0</v></c>'
            '<c r="C1"><f>FV(-1,-1,1)</f><v>0</v></c><c r="D1"><f>PMT(0.08/12,10,10000)</f><v>0</v></c></row>')
    book = package(tmp_path / "b.xlsx", {"S": body})
    recalc(book)
    v = values(book)
    assert all(isinstance(v[(1, c)], Err) for c in (1, 2, 3))
    assert round(v[(1, 4)], 2) == -1037.03  # PMT's page


def test_a_cell_never_holds_infinity() -> None:
    import math
    from kpisheet.excel.recalc.calc import cell_value
    from kpisheet.excel.recalc.values import NUM
    assert cell_value(math.inf) is NUM and cell_value(math.nan) is NUM and cell_value(None) == 0.0
    assert cell_value(1.5) == 1.5 and cell_value("x") == "x"
