"""Layouts Excel writes that XlsxWriter and openpyxl do not: shared formulas, dynamic arrays
with their metadata part, prefixed namespaces, iterative calculation, the 1904 date system,
cells without ``r``. Packages are written by hand, part by part."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from kpisheet.excel.recalc import recalc
from kpisheet.excel.recalc.book import load
from kpisheet.excel.recalc.values import Err

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' \
     'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/'
      'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
      'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>{over}</Types>')
SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def package(path: Path, sheets: dict[str, str], workbook_extra: str = "", calc: str = "",
            metadata: str | None = None, prefix: str = "") -> Path:
    over = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_CT}"/>'
                   for i in range(1, len(sheets) + 1))
    over += '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.' \
            'spreadsheetml.sheet.main+xml"/>'
    rels = "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
    if metadata is not None:
        rels += '<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/' \
                'sheetMetadata" Target="metadata.xml"/>'
    p = prefix
    sheet_list = "".join(f'<{p}sheet name="{n}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(sheets, 1))
    ns = NS.replace('xmlns="', f'xmlns:{p[:-1]}="') if p else NS
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CT.format(over=over))
        z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                   'officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<{p}workbook {ns}>{workbook_extra}<{p}sheets>{sheet_list}</{p}sheets>'
                                      f'{calc}</{p}workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/'
                                                 f'2006/relationships">{rels}</Relationships>')
        for i, body in enumerate(sheets.values(), 1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", f'<{p}worksheet {ns}><{p}sheetData>{body}</{p}sheetData>'
                                                      f'</{p}worksheet>')
        if metadata is not None:
            z.writestr("xl/metadata.xml", metadata)
    return path


def values(path: Path) -> dict[tuple[int, int], object]:
    loaded = load(path)
    out = dict(loaded.book.sheets[0].values)
    loaded.pkg.close()
    return out


def test_shared_formulas(tmp_path: Path) -> None:
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c>'
                   + (f'<c r="B{r}"><f t="shared" ref="B1:C3" si="0">A1*10+$A$1</f><v>0</v></c>' if r == 1 else
                      f'<c r="B{r}"><f t="shared" si="0"/><v>0</v></c>')
                   + f'<c r="C{r}"><f t="shared" si="0"/><v>0</v></c></row>' for r in (1, 2, 3))
    book = package(tmp_path / "shared.xlsx", {"S": rows})
    recalc(book)
    v = values(book)
    assert [v[(r, 2)] for r in (1, 2, 3)] == [11.0, 21.0, 31.0]
    assert [v[(r, 3)] for r in (1, 2, 3)] == [111.0, 211.0, 311.0]  # C = B*10 + A1
    xml = zipfile.ZipFile(book).read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="C2"><f t="shared" si="0"/><v>211</v></c>' in xml


def test_excel_dynamic_array_grows_with_existing_metadata(tmp_path: Path) -> None:
    from kpisheet.excel.recalc.writer import METADATA_XML
    body = ('<row r="1"><c r="A1"><v>1</v></c><c r="B1" cm="1"><f t="array" ref="B1:B2">A1:A3*2</f><v>0</v></c></row>'
            '<row r="2"><c r="A2"><v>2</v></c><c r="B2"><v>0</v></c></row>'
            '<row r="3"><c r="A3"><v>3</v></c></row>')
    book = package(tmp_path / "dyn.xlsx", {"S": body}, metadata=METADATA_XML)
    report = recalc(book)
    v = values(book)
    assert [v[(r, 2)] for r in (1, 2, 3)] == [2.0, 4.0, 6.0]
    xml = zipfile.ZipFile(book).read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="B1" cm="1"><f t="array" ref="B1:B3">' in xml and '<c r="B3"><v>6</v></c></row>' in xml
    assert {c.place for c in report.changes} == {"S!B1", "S!B2", "S!B3"}


def test_spill_blocked_by_a_value(tmp_path: Path) -> None:
    body = ('<row r="1"><c r="A1"><v>1</v></c><c r="B1" cm="1"><f t="array" ref="B1">A1:A2*2</f><v>0</v></c></row>'
            '<row r="2"><c r="A2"><v>2</v></c><c r="B2" t="inlineStr"><is><t>taken</t></is></c></row>')
    from kpisheet.excel.recalc.writer import METADATA_XML
    book = package(tmp_path / "blocked.xlsx", {"S": body}, metadata=METADATA_XML)
    recalc(book)
    assert values(book)[(1, 2)] is Err("#SPILL!")


def test_prefixed_namespace_and_cells_without_r(tmp_path: Path) -> None:
    body = '<x:row r="1"><x:c><x:v>4</x:v></x:c><x:c><x:f>A1*A1</x:f><x:v>0</x:v></x:c></x:row>'
    book = package(tmp_path / "prefixed.xlsx", {"S": body}, prefix="x:")
    recalc(book)
    assert values(book)[(1, 2)] == 16.0
    assert "<x:c><x:f>A1*A1</x:f><x:v>16</x:v></x:c>" in zipfile.ZipFile(book).read("xl/worksheets/sheet1.xml").decode()


def test_iterative_calculation(tmp_path: Path) -> None:
    body = '<row r="1"><c r="A1"><f>B1/2+1</f><v>0</v></c><c r="B1"><f>A1</f><v>0</v></c></row>'
    book = package(tmp_path / "iter.xlsx", {"S": body},
                   calc='<calcPr calcId="191029" iterate="1" iterateCount="100" iterateDelta="0.000001"/>')
    report = recalc(book)
    assert report.circular
    assert values(book)[(1, 1)] == pytest.approx(2.0, abs=1e-5)  # x = x/2 + 1


def test_date1904(tmp_path: Path) -> None:
    body = '<row r="1"><c r="A1"><f>DATE(2025,1,1)</f><v>0</v></c><c r="B1"><f>YEAR(A1)</f><v>0</v></c></row>'
    book = package(tmp_path / "d1904.xlsx", {"S": body}, workbook_extra='<workbookPr date1904="1"/>')
    recalc(book)
    v = values(book)
    assert v[(1, 1)] == 45658.0 - 1462 and v[(1, 2)] == 2025.0


def test_volatile_cells_not_compared_in_check(tmp_path: Path) -> None:
    body = ('<row r="1"><c r="A1"><f>TODAY()</f><v>1</v></c><c r="B1"><f>A1+1</f><v>2</v></c>'
            '<c r="C1"><f>1+1</f><v>3</v></c></row>')
    book = package(tmp_path / "vol.xlsx", {"S": body})
    report = recalc(book, check=True)
    assert [c.place for c in report.changes] == ["S!C1"]
    assert {c.place for c in report.volatile_changes} == {"S!A1", "S!B1"}


def test_external_references_keep_their_cached_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kpisheet.excel.recalc.xlfuncs import FUNCTIONS
    monkeypatch.delitem(FUNCTIONS, "ECMA.CEILING")  # an Excel function of its own the registry lacks
    body = ('<row r="1"><c r="A1"><f>[1]Prices!B2*2</f><v>42</v></c><c r="B1"><f>A1+1</f><v>0</v></c>'
            '<c r="C1" t="e"><f>_xlfn.ECMA.CEILING(1,1)</f><v>#NAME?</v></c></row>')
    book = package(tmp_path / "ext.xlsx", {"S": body})
    report = recalc(book)
    v = values(book)
    assert v[(1, 1)] == 42.0 and v[(1, 2)] == 43.0
    assert any("other workbooks" in w for w in report.warnings)
    assert report.unsupported == {"ECMA.CEILING": "S!C1"}  # Excel's own, not in the registry
    assert [c.place for c in report.changes] == ["S!B1"]


def test_check_does_not_judge_cells_of_unknown_functions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kpisheet.excel.recalc.xlfuncs import FUNCTIONS
    monkeypatch.delitem(FUNCTIONS, "ECMA.CEILING")  # an Excel function of its own the registry lacks
    body = ('<row r="1"><c r="A1"><f>_xlfn.ECMA.CEILING(1,1)</f><v>5</v></c><c r="B1"><f>IFERROR(A1,0)+1</f>'
            '<v>6</v></c><c r="C1"><f>2+2</f><v>4</v></c></row>')
    book = package(tmp_path / "unknown.xlsx", {"S": body})
    report = recalc(book, check=True)
    assert report.changes == [] and report.exit_code == 0
    assert {c.place for c in report.uncertain_changes} == {"S!A1", "S!B1"}
    assert "ECMA.CEILING (S!A1)" in report.warning_lines()[0]


@pytest.mark.parametrize("call", ['CUBEVALUE("x")', 'RTD("srv",,"t")', '_xludf.MYVBA(1)', "MYVBA(1)", '_FV(A2,"Price")'])
def test_functions_computed_outside_the_workbook_keep_their_cached_values(tmp_path: Path, call: str) -> None:
    """A data service's, an add-in's or VBA's function: only the Excel that saved the book has its value."""
    body = (f'<row r="1"><c r="A1"><f>{call}</f><v>5</v></c><c r="B1"><f>A1+1</f><v>0</v></c></row>')
    book = package(tmp_path / "outside.xlsx", {"S": body})
    report = recalc(book)
    assert values(book)[(1, 1)] == 5.0 and values(book)[(1, 2)] == 6.0
    assert report.unsupported == {} and any("computed outside the workbook" in w for w in report.warnings)
