"""Features real workbooks carry that the oracle books may not: one small package per feature,
written part by part as Excel (or another producer) lays it out. Each is run with ``--check``
and written with ``-o``; the run must not fail, the values must be Excel's, and the written
package must be lossless outside the cached values and well-formed (every part parses; rows
and cells unique and in order)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pytest

from kpisheet.excel.recalc import recalc
from kpisheet.excel.recalc.book import load
from kpisheet.excel.recalc.values import Err, Value
from kpisheet.excel.recalc.wellformed import order_problems

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS = f'xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml"
KINDS = {  # kind → (relationship type, folder, root element, content type)
    "worksheet": (f"{REL}/worksheet", "worksheets", "worksheet", f"{CT_MAIN}.worksheet+xml"),
    "chartsheet": (f"{REL}/chartsheet", "chartsheets", "chartsheet", f"{CT_MAIN}.chartsheet+xml"),
    "macrosheet": ("http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet", "macrosheets",
                   "xm:macrosheet", "application/vnd.ms-excel.macrosheet+xml"),  # Excel's root for them
    "dialogsheet": (f"{REL}/dialogsheet", "dialogsheets", "dialogsheet", f"{CT_MAIN}.dialogsheet+xml"),
}


@dataclass
class Case:
    name: str
    sheets: list[tuple[str, str]]  # (name, sheetData body); a name "kind:Name" for other sheet kinds
    expect: dict[tuple[int, int, int], Value]  # (sheet index, row, col) → value after recalc
    shared: Optional[list[str]] = None  # <si> bodies
    workbook_extra: str = ""  # before <sheets>
    after_sheets: str = ""  # after </sheets> (definedNames, calcPr)
    sheet_attrs: dict[int, str] = field(default_factory=dict)  # extra attributes of <sheet>
    sheet_tail: dict[int, str] = field(default_factory=dict)  # XML after </sheetData>
    extra_parts: dict[str, str] = field(default_factory=dict)
    workbook_rels: str = ""
    warning: str = ""  # a warning the run must give
    exit_code: int = 0  # of --check on the file as written


def build(path: Path, case: Case) -> Path:
    over, rels, listing = [], [], []
    for i, (label, body) in enumerate(case.sheets, 1):
        kind, _, name = label.rpartition(":")
        rtype, folder, root, ct = KINDS[kind or "worksheet"]
        part = f"xl/{folder}/sheet{i}.xml"
        over.append(f'<Override PartName="/{part}" ContentType="{ct}"/>')
        rels.append(f'<Relationship Id="rId{i}" Type="{rtype}" Target="{folder}/sheet{i}.xml"/>')
        listing.append(f'<sheet name="{name}" sheetId="{i}"{case.sheet_attrs.get(i - 1, "")} r:id="rId{i}"/>')
    over.append(f'<Override PartName="/xl/workbook.xml" ContentType="{CT_MAIN}.sheet.main+xml"/>')
    if case.shared is not None:
        over.append(f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT_MAIN}.sharedStrings+xml"/>')
        rels.append(f'<Relationship Id="rId90" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="'
                   'application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                   f'ContentType="application/xml"/>{"".join(over)}</Types>')
        z.writestr("_rels/.rels", f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<workbook {NS}>{case.workbook_extra}<sheets>{"".join(listing)}</sheets>'
                                      f'{case.after_sheets}</workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/'
                   f'2006/relationships">{"".join(rels)}{case.workbook_rels}</Relationships>')
        for i, (label, body) in enumerate(case.sheets, 1):
            kind, _, name = label.rpartition(":")
            rtype, folder, root, ct = KINDS[kind or "worksheet"]
            if root == "chartsheet":
                z.writestr(f"xl/{folder}/sheet{i}.xml", f'<chartsheet {NS}><sheetViews><sheetView workbookViewId="0"/>'
                                                        '</sheetViews></chartsheet>')
                continue
            xm = ' xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"' if root.startswith("xm:") else ""
            z.writestr(f"xl/{folder}/sheet{i}.xml", f'<{root} {NS}{xm}><sheetData>{body}</sheetData>'
                                                    f'{case.sheet_tail.get(i - 1, "")}</{root}>')
        if case.shared is not None:
            items = "".join(f"<si>{s}</si>" for s in case.shared)
            z.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}" count="{len(case.shared)}" '
                                               f'uniqueCount="{len(case.shared)}">{items}</sst>')
        for name, text in case.extra_parts.items():
            z.writestr(name, text)
    return path


def row(r: int, *cells: str) -> str:
    return f'<row r="{r}">{"".join(cells)}</row>'


def num(ref: str, v: float) -> str:
    return f'<c r="{ref}"><v>{v}</v></c>'


def fx(ref: str, formula: str, cached: str = "0", attrs: str = "") -> str:
    return f'<c r="{ref}"{attrs}><f>{formula}</f><v>{cached}</v></c>'


CASES = [
    Case("inline strings", [("S", row(1, '<c r="A1" t="inlineStr"><is><t>abc</t></is></c>',
                                      '<c r="B1" t="inlineStr"><is><r><t>ab</t></r><r><t xml:space="preserve"> c</t>'
                                      '</r></is></c>', fx("C1", "LEN(A1)&amp;\"|\"&amp;B1")))],
         {(0, 1, 3): "3|ab c"}),
    Case("rich and phonetic shared strings", [("S", row(1, '<c r="A1" t="s"><v>0</v></c>', '<c r="B1" t="s"><v>1</v></c>',
                                                       fx("C1", "A1&amp;B1")))],
         {(0, 1, 3): "Bold plain日本"},
         shared=['<r><rPr><b/></rPr><t>Bold</t></r><r><t xml:space="preserve"> plain</t></r>',
                 '<t>日本</t><rPh sb="0" eb="2"><t>ニホン</t></rPh><phoneticPr fontId="1"/>']),
    Case("empty text runs written <t/>", [("S", row(1, '<c r="A1" t="s"><v>0</v></c>', '<c r="B1" t="s"><v>1</v></c>',
                                                   '<c r="C1" t="inlineStr"><is><r><t/></r><r><t>in</t></r></is></c>',
                                                   fx("D1", 'A1&amp;"|"&amp;B1&amp;"|"&amp;C1')))],
         {(0, 1, 4): "|ab|in"}, shared=["<t/>", "<r><t/></r><r><t>ab</t></r>"]),
    Case("ISO date cells", [("S", row(1, '<c r="A1" t="d"><v>2024-01-15T00:00:00</v></c>', fx("B1", "A1+1"),
                                      fx("C1", "YEAR(A1)"), '<c r="D1" t="d"><v>2024-01-15T12:00:00.000Z</v></c>',
                                      '<c r="E1" t="d"><v>06:00:00</v></c>', fx("F1", "D1+E1"),
                                      '<c r="G1" t="d"><v>0001-01-01</v></c>', fx("H1", "ISTEXT(G1)")))],
         {(0, 1, 2): 45307.0, (0, 1, 3): 2024.0, (0, 1, 6): 45306.75, (0, 1, 8): True}),
    Case("error cells", [("S", row(1, '<c r="A1" t="e"><v>#DIV/0!</v></c>', fx("B1", "ISERROR(A1)", "0"),
                                   fx("C1", "IFERROR(A1,5)"), fx("D1", "ERROR.TYPE(A1)"), fx("E1", "A1+1")))],
         {(0, 1, 2): True, (0, 1, 3): 5.0, (0, 1, 4): 2.0, (0, 1, 5): Err("#DIV/0!")}),
    Case("shared formulas with mixed references over many rows",
         [("S", "".join(row(r, num(f"A{r}", r),
                                f'<c r="B{r}"><f t="shared" ref="B2:C400" si="0">A1+$A$1+A$1+$A1</f><v>0</v></c>'
                                if r == 2 else f'<c r="B{r}"><f t="shared" si="0"/><v>0</v></c>' if r > 2 else "",
                                f'<c r="C{r}"><f t="shared" si="0"/><v>0</v></c>' if r > 1 else "")
                            for r in range(1, 401)))],
         {(0, 2, 2): 4.0, (0, 400, 2): 399.0 + 1 + 1 + 399, (0, 400, 3): 798.0 + 1 + 0 + 399}),  # C400: B399+$A$1+B$1+$A399
    Case("two shared groups, one with a sheet reference and a name",
         [("S", row(1, num("A1", 2), '<c r="B1"><f t="shared" ref="B1:B3" si="0">D!A1*Rate</f><v>0</v></c>',
                    '<c r="C1"><f t="shared" ref="C1:C3" si="1">SUM($A$1:A1)</f><v>0</v></c>')
           + row(2, num("A2", 3), '<c r="B2"><f t="shared" si="0"/><v>0</v></c>', '<c r="C2"><f t="shared" si="1"/><v>0</v></c>')
           + row(3, num("A3", 4), '<c r="B3"><f t="shared" si="0"/><v>0</v></c>', '<c r="C3"><f t="shared" si="1"/><v>0</v></c>')),
          ("D", row(1, num("A1", 10)) + row(2, num("A2", 20)) + row(3, num("A3", 30)))],
         {(0, 3, 2): 60.0, (0, 3, 3): 9.0},
         after_sheets='<definedNames><definedName name="Rate">2</definedName></definedNames>'),
    Case("legacy array formula", [("S", row(1, num("A1", 1), '<c r="B1"><f t="array" ref="B1:B3">A1:A3*2</f><v>0</v></c>',
                                            '<c r="C1"><f t="array" ref="C1">SUM(A1:A3*A1:A3)</f><v>0</v></c>')
                                   + row(2, num("A2", 2), '<c r="B2"><v>0</v></c>')
                                   + row(3, num("A3", 3), '<c r="B3"><v>0</v></c>'))],
         {(0, 1, 2): 2.0, (0, 2, 2): 4.0, (0, 3, 2): 6.0, (0, 1, 3): 14.0}),
    Case("what-if data table, computed (tests/excel/recalc/test_datatable.py has the rest)",
         [("S", row(1, num("A1", 5), fx("B1", "A1*2", "10"))
           + row(2, num("A2", 1), '<c r="B2"><f t="dataTable" ref="B2:B3" dt2D="0" dtr="0" r1="A1"/><v>0</v></c>',
                 fx("C2", "B2+B3", "0"))
           + row(3, num("A3", 3), '<c r="B3"><v>0</v></c>'))],
         {(0, 1, 1): 5.0, (0, 1, 2): 10.0, (0, 2, 2): 2.0, (0, 3, 2): 6.0, (0, 2, 3): 8.0}),
    Case("prefixed functions", [("S", row(1, num("A1", 3), num("B1", 1),
                                          fx("C1", '_xlfn.CONCAT("a",A1)', "0"),
                                          fx("D1", "_xlfn.LET(_xlpm.x,A1,_xlpm.x*2)"),
                                          fx("E1", "_xlfn.STDEV.S(A1:B1)"),
                                          fx("F1", "_xlfn.XLOOKUP(3,A1:B1,A1:B1)"),
                                          fx("G1", "SUM(_xlfn.BYROW(A1:B1,_xleta.SUM))")))],
         {(0, 1, 3): "a3", (0, 1, 4): 6.0, (0, 1, 5): 2 ** 0.5, (0, 1, 6): 3.0, (0, 1, 7): 4.0}),
    Case("external references keep their cached values",
         [("S", row(1, fx("A1", "[1]Data!$A$1*2", "84"), fx("B1", "A1+1", "85"),
                    fx("C1", "SUM('[1]Data'!$A$1:$A$3)", "7")))],
         {(0, 1, 1): 84.0, (0, 1, 2): 85.0, (0, 1, 3): 7.0}, warning="other workbooks",
         workbook_rels=f'<Relationship Id="rId80" Type="{REL}/externalLink" Target="externalLinks/externalLink1.xml"/>',
         after_sheets='<externalReferences><externalReference r:id="rId80"/></externalReferences>',
         extra_parts={"xl/externalLinks/externalLink1.xml":
                      f'<externalLink xmlns="{MAIN}"><externalBook r:id="rId1" xmlns:r="{REL}"><sheetNames>'
                      '<sheetName val="Data"/></sheetNames><sheetDataSet><sheetData sheetId="0"><row r="1">'
                      '<cell r="A1"><v>42</v></cell></row></sheetData></sheetDataSet></externalBook></externalLink>'}),
    Case("names that refer to #REF!", [("S", row(1, fx("A1", "Gone", "0"), fx("B1", "IFERROR(Gone2,7)"),
                                                  fx("C1", "ISREF(Gone)")))],
         {(0, 1, 1): Err("#REF!"), (0, 1, 2): 7.0, (0, 1, 3): False},
         after_sheets='<definedNames><definedName name="Gone">#REF!</definedName>'
                      '<definedName name="Gone2">S!#REF!*2</definedName></definedNames>'),
    Case("sheet-scoped names shadow the workbook's",
         [("A", row(1, fx("A1", "Rate*10"))), ("B", row(1, fx("A1", "Rate*10"), fx("B1", "A!Rate")))],
         {(0, 1, 1): 30.0, (1, 1, 1): 20.0, (1, 1, 2): 3.0},
         after_sheets='<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">A!$A$1:$A$1'
                      '</definedName><definedName name="_xlnm.Print_Area" localSheetId="1">B!$A$1:$B$1</definedName>'
                      '<definedName name="Rate">1</definedName><definedName name="Rate" localSheetId="1">2'
                      '</definedName><definedName name="Rate" localSheetId="0">3</definedName></definedNames>'),
    Case("hidden sheets, a chartsheet, a dialogsheet and a macrosheet among the worksheets",
         [("S", row(1, fx("A1", "H!A1+V!A1+M!A1+SUM(V!A1:A2)"))), ("chartsheet:Chart", ""), ("H", row(1, num("A1", 1))),
          ("dialogsheet:Dlg", ""), ("V", row(1, num("A1", 10)) + row(2, num("A2", 5))),
          ("macrosheet:M", row(1, '<c r="A1"><f>100+0</f><v>100</v></c>'))],
         {(0, 1, 1): 126.0}, sheet_attrs={2: ' state="hidden"', 4: ' state="veryHidden"', 5: ' state="hidden"'}),
    Case("rows and cells without r", [("S", '<row><c><v>1</v></c><c><v>2</v></c></row><row><c><f>A1+B1</f><v>0</v>'
                                           '</c><c><f>A2*10</f><v>0</v></c></row>')],
         {(0, 2, 1): 3.0, (0, 2, 2): 30.0}),
    Case("styled empty cells and spans", [("S", '<row r="1" spans="1:4" s="3" customFormat="1"><c r="A1" s="2"/>'
                                                '<c r="B1" s="1"><v>4</v></c><c r="C1" s="5"><f>A1+B1</f><v>0</v></c>'
                                                '<c r="D1" s="5"/></row>')],
         {(0, 1, 3): 4.0}),
    Case("AlternateContent and x14 extensions around the sheet data",
         [("S", row(1, num("A1", 2), fx("B1", "A1*3")))],
         {(0, 1, 2): 6.0},
         sheet_tail={0: '<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
                        '<mc:Choice Requires="x14"><controls><control shapeId="1025" r:id="rId9" name="Check"/>'
                        '</controls></mc:Choice><mc:Fallback/></mc:AlternateContent><extLst><ext uri="{78C0D931}" '
                        'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:dataValidations '
                        'count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><x14:dataValidation>'
                        '<x14:formula1><xm:f>S!$A$1:$A$3</xm:f></x14:formula1><xm:sqref>C1</xm:sqref>'
                        '</x14:dataValidation></x14:dataValidations></ext></extLst>'}),
    Case("implicit intersection and whole rows and columns",
         [("S", row(1, num("A1", 1), fx("C1", "SUM(A:A)"), fx("D1", "SUM(2:2)"), fx("E1", "@A1:A3*2")) +
           row(2, num("A2", 2), num("B2", 5), fx("E2", "_xlfn.SINGLE(A1:A3)*2")) + row(3, num("A3", 3)))],
         {(0, 1, 3): 6.0, (0, 1, 4): 11.0, (0, 1, 5): 2.0, (0, 2, 5): 4.0}),
    Case("3-D references", [("S1", row(1, num("A1", 1))), ("S2", row(1, num("A1", 2))), ("S3", row(1, num("A1", 4))),
                            ("T", row(1, fx("A1", "SUM(S1:S3!A1)"), fx("B1", "COUNT('S1:S3'!A1:B1)"),
                                      fx("C1", "AVERAGE(S1:S2!A1)")))],
         {(3, 1, 1): 7.0, (3, 1, 2): 3.0, (3, 1, 3): 1.5}),
    Case("names that look like cells", [("S", row(1, fx("A1", "ZZZ1*2"), fx("B1", "R1C1X+1"),
                                                  fx("C1", "_rate+1"), fx("D1", "A1.B+1")))],
         {(0, 1, 1): 10.0, (0, 1, 2): 2.0, (0, 1, 3): 3.0, (0, 1, 4): 5.0},
         after_sheets='<definedNames><definedName name="_rate">2</definedName><definedName name="A1.B">4'
                      '</definedName><definedName name="R1C1X">1</definedName><definedName name="ZZZ1">5'
                      '</definedName></definedNames>'),
    Case("iterative calculation of a circular reference",
         [("S", row(1, fx("A1", "B1*0.5+10"), fx("B1", "A1*0.5")))],
         {(0, 1, 1): pytest.approx(40 / 3, abs=0.01), (0, 1, 2): pytest.approx(20 / 3, abs=0.01)},
         after_sheets='<calcPr calcId="191029" iterate="1" iterateCount="100" iterateDelta="0.0001"/>'),
    Case("names with relative references, placed where they are used (wrapping round the grid)",
         [("S", row(1, num("A1", 1)) + row(2, num("A2", 2), fx("B2", "C3*100"), fx("C2", "Below*2")) +
           row(3, num("A3", 3), fx("B3", "Left*10"), fx("C3", "A3+1"), fx("D3", "SUM(Next2)"), num("E3", 5),
               num("F3", 6)) +
           "".join(row(r, num(f"A{r}", r), f'<c r="B{r}"><f t="shared" ref="B4:B6" si="0">Left*10</f><v>0</v></c>'
                       if r == 4 else f'<c r="B{r}"><f t="shared" si="0"/><v>0</v></c>',
                       fx("D4", "Above") if r == 4 else "") for r in (4, 5, 6)))],
         {(0, 3, 2): 30.0, (0, 3, 4): 11.0, (0, 4, 4): 11.0, (0, 2, 2): 400.0, (0, 2, 3): 8.0, (0, 6, 2): 60.0},
         after_sheets='<definedNames><definedName name="Above">S!A1048576</definedName><definedName name="Below">S!A2</definedName><definedName name="Left">'
                      'S!XFD1</definedName><definedName name="Next2">S!B1:C1</definedName></definedNames>'),
    Case("quoted sheet names", [("O'Brien 2024", row(1, num("A1", 4))), ("Ünïcode", row(1, num("A1", 6))),
                                ("S", row(1, fx("A1", "'O''Brien 2024'!A1+Ünïcode!A1+'Ünïcode'!A1")))],
         {(2, 1, 1): 16.0}),
    Case("formula text with line breaks and escapes", [("S", row(1, num("A1", 1), fx("B1", "A1\n+\r\n1"),
                                                                  fx("C1", 'LEN("a_x000D_b")'),
                                                                  fx("D1", 'A1&amp;"&lt;&gt;"')))],
         {(0, 1, 2): 2.0, (0, 1, 3): 3.0, (0, 1, 4): "1<>"}),
    Case("names holding constants and formulas", [("S", row(1, num("A1", 1), fx("B1", "SUM(Arr)"), fx("C1", "SUM(Dyn)"))
                                                   + row(2, num("A2", 2)) + row(3, num("A3", 3)))],
         {(0, 1, 2): 6.0, (0, 1, 3): 6.0},
         after_sheets='<definedNames><definedName name="Arr">{1,2,3}</definedName>'
                      '<definedName name="Dyn">OFFSET(S!$A$1,0,0,COUNT(S!$A:$A),1)</definedName></definedNames>'),
    Case("numbers written by other producers", [("S", row(1, num("A1", "1E-3"), num("B1", " 2 "), num("C1", "-0"),  # type: ignore[arg-type]
                                                          fx("D1", "A1*1000+B1+C1")))],
         {(0, 1, 4): 3.0}),
    Case("formula results of every type", [("S", row(1, '<c r="A1" t="b"><f>1=1</f><v>0</v></c>',
                                                     '<c r="B1" t="str"><f>"x"&amp;1</f><v>old</v></c>',
                                                     '<c r="C1" t="e"><f>1/0</f><v>#N/A</v></c>',
                                                     '<c r="D1" t="str"><f>1+1</f><v>2</v></c>'))],
         {(0, 1, 1): True, (0, 1, 2): "x1", (0, 1, 3): Err("#DIV/0!"), (0, 1, 4): 2.0}, exit_code=0),
]


def _text(ref: str, t: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{t}</t></is></c>'


CASES.append(Case(
    "structured references: this row, totals, headers, escaped names, a bare table name",
    [("S", row(1, _text("A1", "Unit Price"), _text("B1", "Qty #"), _text("C1", "[x]"))
      + row(2, num("A2", 2), num("B2", 3), fx("C2", "T[[#This Row],[Unit Price]]*T[@[Qty '#]]"))
      + row(3, num("A3", 4), num("B3", 5), fx("C3", "[@[Unit Price]]*[@[Qty '#]]"))
      + row(4, fx("C4", "SUBTOTAL(109,T['[x']])"))
      + row(6, fx("A6", "SUM(T[[#Totals],['[x']]])"), fx("B6", "ROWS(T[#All])"), fx("C6", "ROWS(T[#Data])"),
            fx("D6", "T[[#Headers],[Qty '#]]"), fx("E6", "SUM(T[[Unit Price]:[Qty '#]])"), fx("F6", "COUNTA(T[#Headers])"),
            fx("G6", "SUM(T)")))],
    {(0, 2, 3): 6.0, (0, 3, 3): 20.0, (0, 4, 3): 26.0, (0, 6, 1): 26.0, (0, 6, 2): 4.0, (0, 6, 3): 2.0,
     (0, 6, 4): "Qty #", (0, 6, 5): 14.0, (0, 6, 6): 3.0, (0, 6, 7): 40.0},
    sheet_tail={0: '<tableParts count="1"><tablePart r:id="rId1"/></tableParts>'},
    extra_parts={"xl/tables/table1.xml":
                 f'<table xmlns="{MAIN}" id="1" name="T" displayName="T" ref="A1:C4" totalsRowCount="1">'
                 '<autoFilter ref="A1:C3"/><tableColumns count="3"><tableColumn id="1" name="Unit Price"/>'
                 '<tableColumn id="2" name="Qty #"/><tableColumn id="3" name="[x]" totalsRowFunction="sum"/>'
                 '</tableColumns></table>',
                 "xl/worksheets/_rels/sheet1.xml.rels":
                 '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 f'<Relationship Id="rId1" Type="{REL}/table" Target="../tables/table1.xml"/></Relationships>'}))


_RELS = '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>'
CASES.append(Case(
    "a pivot table laid out as we never saw fails no file",
    [("S", row(1, num("A1", 2), fx("B1", "A1*2")))],
    {(0, 1, 2): 4.0}, warning="pivot table cannot be read",
    extra_parts={"xl/pivotTables/pivotTable1.xml":
                 f'<pivotTableDefinition xmlns="{MAIN}" name="P" cacheId="1"><location ref="R1C1:R9C9" '
                 'firstHeaderRow="1" firstDataRow="1" firstDataCol="1"/></pivotTableDefinition>',
                 "xl/pivotTables/_rels/pivotTable1.xml.rels":
                 _RELS.format(f'<Relationship Id="rId1" Type="{REL}/pivotCacheDefinition" '
                              'Target="../pivotCache/pivotCacheDefinition1.xml"/>'),
                 "xl/pivotCache/pivotCacheDefinition1.xml": f'<pivotCacheDefinition xmlns="{MAIN}"/>',
                 "xl/worksheets/_rels/sheet1.xml.rels":
                 _RELS.format(f'<Relationship Id="rId1" Type="{REL}/pivotTable" Target="../pivotTables/pivotTable1.xml"/>')}))


CASES.append(Case(
    "a table whose area cannot be read fails no file",
    [("S", row(1, num("A1", 2), fx("B1", "A1*2"), fx("C1", "ROWS(T[#All])")))],
    {(0, 1, 2): 4.0, (0, 1, 3): Err("#REF!")}, warning="a table cannot be read",
    sheet_tail={0: '<tableParts count="1"><tablePart r:id="rId1"/></tableParts>'},
    extra_parts={"xl/tables/table1.xml": f'<table xmlns="{MAIN}" id="1" name="T" displayName="T" ref="A1:B">'
                                         '<tableColumns count="1"><tableColumn id="1" name="x"/></tableColumns></table>',
                 "xl/worksheets/_rels/sheet1.xml.rels":
                 _RELS.format(f'<Relationship Id="rId1" Type="{REL}/table" Target="../tables/table1.xml"/>')}))


def sheet_values(path: Path, index: int) -> dict[tuple[int, int], Value]:
    loaded = load(path)
    try:
        return dict(loaded.book.sheets[index].values)
    finally:
        loaded.pkg.close()


def assert_wellformed(path: Path, before: Path) -> None:
    with zipfile.ZipFile(before) as a, zipfile.ZipFile(path) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        for name in b.namelist():
            data = b.read(name)
            if name.endswith((".xml", ".rels")):
                ET.fromstring(data)  # parses
                if "/worksheets/" in name or "/macrosheets/" in name:
                    assert order_problems(data.decode()) == [], name
            if "/worksheets/" not in name:
                assert data == a.read(name), f"{name} changed"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_feature(tmp_path: Path, case: Case) -> None:
    book = build(tmp_path / "book.xlsx", case)
    check = recalc(book, check=True)
    assert check.exit_code in (0, 1)
    out = tmp_path / "out.xlsx"
    report = recalc(book, out=out)
    assert not report.unsupported, report.unsupported
    if case.warning:
        assert any(case.warning in w for w in report.warnings), report.warnings
    for (s, r, c), want in case.expect.items():
        got = sheet_values(out, s).get((r, c))
        assert got == want, f"sheet {s} {r},{c}: {got!r} != {want!r}"
    assert_wellformed(out, book)
    again = recalc(out, check=True)
    assert again.exit_code == case.exit_code, again.lines()


@pytest.mark.parametrize("switch, expect, circular", [
    (0, [0.0, 100.0, 200.0], []),  # the switch off: a cycle of the text only, computed as Excel does
    (1, [0.0, 0.0, 0.0], ["S!B1", "S!C1"]),  # on, without iterative calculation: Excel's circular 0s
])
def test_circularity_switch(tmp_path: Path, switch: int, expect: list[float], circular: list[str]) -> None:
    """Finance models break their interest circularity with a switch: IF(Switch=1, Balance*Rate, 0)."""
    body = row(1, num("A1", switch), fx("B1", "IF(A1=1,C1*0.1,0)"), fx("C1", "100+B1", "100"), fx("D1", "C1*2", "200"))
    book = build(tmp_path / "circ.xlsx", Case("circ", [("S", body)], {}))
    report = recalc(book)
    assert sorted(report.circular) == circular
    got = sheet_values(book, 0)
    assert [got.get((1, c)) for c in (2, 3, 4)] == expect


def _libreoffice_book(path: Path) -> Path:
    import datetime

    import openpyxl
    wb = openpyxl.Workbook()
    data = wb.active
    data.title = "Data"
    for r in range(1, 21):
        data.cell(r, 1, r)
        data.cell(r, 2, r * 1.5)
        data.cell(r, 3, f"item{r % 4}")
        data.cell(r, 4, datetime.date(2024, 1, r))
    for name, (a1, b2) in {"Jan": (1, 10), "Feb": (2, 20), "Mar": (4, 40)}.items():
        sheet = wb.create_sheet(name)
        sheet["A1"], sheet["B2"] = a1, b2
    wb.create_sheet("P & L 2024")["A1"] = 7
    calc = wb.create_sheet("Calc")
    for i, f in enumerate([
            "=SUM(Data!A:A)", "=SUM(Jan:Mar!A1)", "=AVERAGE(Jan:Mar!B2)", "=MAX(Jan:Mar!A1:B2)", "=COUNT(Jan:Mar!A1:B2)",
            '=SUMIF(Data!C1:C20,"item1",Data!B1:B20)', "='P & L 2024'!A1*2", '=TEXT(Data!D5,"yyyy-mm-dd")',
            "=VLOOKUP(5,Data!A1:C20,3,FALSE)", '=SUMPRODUCT((Data!C1:C20="item2")*Data!B1:B20)', "=SUM(Data!1:1)",
            '=COUNTIFS(Data!A1:A20,">5",Data!C1:C20,"item3")', "=EOMONTH(Data!D1,1)", "=NETWORKDAYS(Data!D1,Data!D20)",
            '=DATEDIF(Data!D1,Data!D20,"d")', "=PMT(0.05/12,360,200000)", "=NPV(0.1,Data!A1:A5)",
            "=SUBTOTAL(9,Data!A1:A20)", "=YEARFRAC(Data!D1,Data!D20,1)", "=A1+A2"], 1):
        calc.cell(i, 1, f)
    wb.save(path)
    return path


def test_a_book_saved_by_libreoffice(tmp_path: Path) -> None:
    """Another producer's layout and values: LibreOffice computes and saves; recalc agrees with
    every cell, and what it writes is well-formed."""
    from tests.excel.libreoffice_tool import make_profile, recalc_with_libreoffice, soffice
    if soffice() is None:
        pytest.skip("LibreOffice is not installed")
    saved = recalc_with_libreoffice([_libreoffice_book(tmp_path / "lo.xlsx")], tmp_path / "out",
                                    make_profile(tmp_path / "profile"))[0]
    report = recalc(saved, check=True)
    assert report.exit_code == 0 and report.formulas == 20, report.lines()
    out = tmp_path / "written.xlsx"
    recalc(saved, out=out)
    assert_wellformed(out, saved)
