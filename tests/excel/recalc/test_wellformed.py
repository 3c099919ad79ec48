"""Every part ``recalc`` writes is well-formed: it parses as XML, each worksheet's rows and
cells are unique and in order, and each dynamic array's ``ref`` is the area the engine
computed, with a value in every cell of it. Checked here with ElementTree, independently of
the writer's own check (:mod:`kpisheet.excel.recalc.wellformed`)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Callable

import pytest

from kpisheet.errors import WorkbookError
from kpisheet.excel.recalc import recalc
from kpisheet.excel.recalc import writer as writer_module
from kpisheet.excel.recalc.book import load
from kpisheet.excel.recalc.calc import Calculator
from kpisheet.excel.recalc.sheetxml import apply_splices, parse_area
from kpisheet.excel.recalc.writer import METADATA_XML
from tests.excel.recalc.books import rich_book
from tests.excel.recalc.test_excel_files import package

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _cell(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]{1,3})(\d+)", ref)
    assert m, ref
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def assert_wellformed(path: Path, expected_refs: dict[tuple[str, str], str]) -> None:
    """Every XML part parses; rows and cells unique and ordered; dynamic arrays' refs as expected
    (``(sheet part, anchor) → ref``), every cell of a ref holding a value."""
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if not name.endswith((".xml", ".rels")):
                continue
            root = ET.fromstring(z.read(name))  # raises on XML that is not well-formed
            if not name.startswith("xl/worksheets/"):
                continue
            valued: set[tuple[int, int]] = set()
            refs: dict[str, str] = {}
            last_row = 0
            for row in root.iter(f"{MAIN}row"):
                r = int(row.get("r", last_row + 1))
                assert r > last_row, (name, "row", r, "after", last_row)
                last_row, last_col = r, 0
                for c in row.findall(f"{MAIN}c"):
                    rr, cc = _cell(c.get("r", ""))
                    assert rr == r and cc > last_col, (name, c.get("r"), "repeated or out of order")
                    last_col = cc
                    if c.find(f"{MAIN}v") is not None:
                        valued.add((rr, cc))
                    f = c.find(f"{MAIN}f")
                    if f is not None and f.get("t") == "array" and c.get("cm") is not None:
                        refs[c.get("r", "")] = f.get("ref", "")
            for (part, anchor), ref in expected_refs.items():
                if part == name:
                    assert refs.get(anchor) == ref, (name, anchor, refs.get(anchor), ref)
            for anchor, ref in refs.items():
                r1, c1, r2, c2 = parse_area(ref)
                missing = [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1) if (r, c) not in valued]
                assert not missing, (name, anchor, ref, missing)


def computed_refs(path: Path) -> dict[tuple[str, str], str]:
    """The spill areas the engine computes for a book's dynamic arrays, as refs."""
    from kpisheet.excel.recalc.sheetxml import a1
    loaded = load(path)
    try:
        result = Calculator().calculate(loaded.book, {})
        out = {}
        for f, res in zip(result.formulas, result.cells):
            if res.kind == "dynamic" and res.spill_area:
                part = loaded.parts[f.sheet].part
                r1, c1, r2, c2 = res.spill_area
                out[(part or "", a1(f.row, f.col))] = a1(r1, c1) if (r1, c1) == (r2, c2) else f"{a1(r1, c1)}:{a1(r2, c2)}"
        return out
    finally:
        loaded.pkg.close()


def _offset_over_volatile_marks(path: Path) -> Path:
    # Excel marks the cells a volatile dynamic array spills over with <f ca="1"/>: not formulas
    body = ('<row r="1"><c r="A1"><v>1</v></c><c r="B1" cm="1"><f t="array" ref="B1:B3" ca="1">'
            'OFFSET(A1,0,0,4,1)</f><v>1</v></c></row>'
            '<row r="2"><c r="A2"><v>2</v></c><c r="B2"><f ca="1"/><v>2</v></c></row>'
            '<row r="3"><c r="A3"><v>3</v></c><c r="B3"><f ca="1"/><v>3</v></c></row>'
            '<row r="4"><c r="A4"><v>4</v></c></row>')
    return package(path, {"S": body}, metadata=METADATA_XML)


def _growing_and_shrinking(path: Path) -> Path:
    # a spill that grows over missing and self-closing rows, one that shrinks, one beside a value
    body = ('<row r="1"><c r="A1" cm="1"><f t="array" ref="A1:A2">SEQUENCE(5)</f><v>1</v></c>'
            '<c r="C1" cm="1"><f t="array" ref="C1:C6">SEQUENCE(2)</f><v>1</v></c>'
            '<c r="E1" cm="1"><f t="array" ref="E1">SEQUENCE(1,3)</f><v>1</v></c></row>'
            '<row r="2"><c r="A2"><v>2</v></c><c r="C2"><v>2</v></c></row>'
            '<row r="3" spans="1:5"/>'
            '<row r="4"><c r="B4"><v>9</v></c><c r="C4"><v>3</v></c><c r="D4"><f>A4+B4</f><v>0</v></c></row>'
            '<row r="6"><c r="C6"><v>6</v></c></row>')
    return package(path, {"S": body}, metadata=METADATA_XML)


BOOKS: dict[str, Callable[[Path], Path]] = {
    "offset over volatile marks": _offset_over_volatile_marks,
    "growing and shrinking spills": _growing_and_shrinking,
    "rich book": lambda p: rich_book(p.with_suffix(".xlsx")),
}


@pytest.mark.parametrize("make", BOOKS.values(), ids=list(BOOKS))
def test_every_written_part_is_wellformed(tmp_path: Path, make: Callable[[Path], Path]) -> None:
    book = make(tmp_path / "book.xlsx")
    expected = computed_refs(book)
    recalc(book)
    assert_wellformed(book, expected)
    recalc(book)  # a second run over our own output stays well-formed
    assert_wellformed(book, expected)


def test_offset_spill_over_volatile_marks(tmp_path: Path) -> None:
    book = _offset_over_volatile_marks(tmp_path / "b.xlsx")
    report = recalc(book)
    assert not report.warnings
    xml = zipfile.ZipFile(book).read("xl/worksheets/sheet1.xml").decode()
    assert xml.count('r="B2"') == 1 and xml.count('r="B3"') == 1
    assert 'ref="B1:B4"' in xml and '<c r="B4"><v>4</v></c>' in xml
    assert '<c r="B2"><f ca="1"/><v>2</v></c>' in xml  # the mark is kept


def test_spill_areas(tmp_path: Path) -> None:
    book = _growing_and_shrinking(tmp_path / "b.xlsx")
    assert computed_refs(book) == {("xl/worksheets/sheet1.xml", "A1"): "A1:A5",
                                   ("xl/worksheets/sheet1.xml", "C1"): "C1:C2",
                                   ("xl/worksheets/sheet1.xml", "E1"): "E1:G1"}
    recalc(book)
    xml = zipfile.ZipFile(book).read("xl/worksheets/sheet1.xml").decode()
    assert '<row r="5"><c r="A5"><v>5</v></c></row>' in xml
    assert '<c r="C4"/>' in xml and '<c r="C6"/>' in xml  # the old spill's cells are cleared


def test_two_edits_of_one_element_are_refused() -> None:
    with pytest.raises(ValueError):
        apply_splices("<c/><c/>", [(0, 4, "<x/>"), (0, 4, "<y/>")])
    assert apply_splices("<c/>", [(0, 0, "<a/>"), (0, 0, "<b/>"), (0, 4, "<x/>")]) == "<a/><b/><x/>"


def test_writer_refuses_to_write_a_malformed_sheet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = _growing_and_shrinking(tmp_path / "b.xlsx")
    before = book.read_bytes()
    real = writer_module._spill_splices

    def duplicating(text: str, *args: object) -> list[tuple[int, int, str]]:
        out = real(text, *args)  # type: ignore[arg-type]
        at = text.index('<c r="A2">')
        return out + [(at, at, '<c r="A2"><v>0</v></c>')]  # a cell written twice
    monkeypatch.setattr(writer_module, "_spill_splices", duplicating)
    with pytest.raises(WorkbookError, match="malformed sheet"):
        recalc(book)
    assert book.read_bytes() == before


def test_existing_disorder_is_not_ours_to_refuse(tmp_path: Path) -> None:
    body = '<row r="2"><c r="A2"><v>1</v></c></row><row r="1"><c r="A1"><f>1+1</f><v>0</v></c></row>'
    book = package(tmp_path / "b.xlsx", {"S": body})
    recalc(book)
    assert '<f>1+1</f><v>2</v>' in zipfile.ZipFile(book).read("xl/worksheets/sheet1.xml").decode()


@pytest.mark.parametrize("element", ['<c r="D2"><f>KPI(A2,B2)</f><v /></c>', '<c r="D2" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
                                     '<c s="3" r="AB10" t="str"><f>A1</f><v>x</v></c>', '<c r="C1"/>',
                                     '<c r="E1" cm="1"><f t="array" ref="E1">SEQUENCE(1,3)</f><v>1</v></c>'])
@pytest.mark.parametrize("value", [1.5, 'a<b"c', None, True, "", 1e300])
def test_a_cell_rewritten_in_place_keeps_its_r(element: str, value: object) -> None:
    """What lets the writer skip the whole-part order check when it only rewrites cells."""
    from kpisheet.excel.recalc.sheetxml import CellEdit, rewrite_cell
    for edit in (CellEdit(value), CellEdit(value, {"ref": "E1:G1", "t": "array"}, {"cm": "1"})):
        new = rewrite_cell(element, "", edit)  # type: ignore[arg-type]
        old_c, new_c = ET.fromstring(element), ET.fromstring(new)
        assert new_c.tag == "c" and new_c.get("r") == old_c.get("r")
        assert {k: v for k, v in new_c.attrib.items() if k not in ("t", "cm")} == \
            {k: v for k, v in old_c.attrib.items() if k not in ("t", "cm")}


def test_the_whole_part_is_checked_when_cells_are_added(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[int] = []
    real = writer_module.order_problems

    def counting(text: str, limit: int = 5) -> list[str]:
        checked.append(len(text))
        return real(text, limit)
    monkeypatch.setattr(writer_module, "order_problems", counting)
    plain = package(tmp_path / "plain.xlsx", {"S": '<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f>A1*3</f><v>0</v></c>'
                                                   '</row><row r="2"><c r="B2"><f>B1+1</f><v>0</v></c></row>'})
    assert recalc(plain).written and checked == []  # formula cells rewritten in place only
    assert '<c r="B2"><f>B1+1</f><v>7</v></c>' in zipfile.ZipFile(plain).read("xl/worksheets/sheet1.xml").decode()
    spills = _growing_and_shrinking(tmp_path / "spills.xlsx")
    recalc(spills)
    assert len(checked) >= 1  # cells added and cleared: the part is walked again
    assert_wellformed(spills, computed_refs(spills))
