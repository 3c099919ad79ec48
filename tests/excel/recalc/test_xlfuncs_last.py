"""The last of Excel's functions issue 15 lists: PIVOTBY, PHONETIC, ECMA.CEILING, and the
FORECAST.ETS family (kept as Excel cached it). Expected values are the examples of Microsoft's
documentation, or follow from a function's definition over the same data; each workbook is
written to disk, recalculated, and read back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from kpisheet.excel.recalc import recalc
from kpisheet.excel.recalc.book import load
from kpisheet.excel.recalc.values import Err
from tests.excel.recalc.test_excel_files import package, values
from tests.excel.recalc.test_xlfuncs_breadth import assert_excel_value

E = Err.parse

CEILINGS: list[tuple[str, Any]] = [
    # ECMA-376's first edition CEILING: away from zero, #NUM! when the signs differ
    ("=_xlfn.ECMA.CEILING(2.5,1)", 3.0), ("=_xlfn.ECMA.CEILING(-2.5,-2)", -4.0), ("=_xlfn.ECMA.CEILING(1.5,0.1)", 1.5),
    ("=_xlfn.ECMA.CEILING(0.234,0.01)", 0.24), ("=_xlfn.ECMA.CEILING(4.42,0.05)", 4.45),
    ("=_xlfn.ECMA.CEILING(-2.5,2)", E("#NUM!")), ("=_xlfn.ECMA.CEILING(2.5,-2)", E("#NUM!")),
    ("=_xlfn.ECMA.CEILING(2,0)", 0.0), ('=_xlfn.ECMA.CEILING("x",1)', E("#VALUE!")),
    ("=CEILING(-2.5,2)", -2.0),  # where the two part
]



def values_after_recalc(path: Path, cases: list[tuple[str, Any]]) -> dict[str, Any]:
    """Each case's formula (in column A, one a row, in ``cases``' order) -> its value after
    ``recalc`` of the book at ``path``, which must know every function the cases call."""
    report = recalc(path)
    assert not report.unsupported, report.unsupported
    loaded = load(path)
    got = dict(loaded.book.sheets[0].values)
    loaded.pkg.close()
    return {formula: got.get((i + 1, 1)) for i, (formula, _) in enumerate(cases)}

def computed(path: Path, cases: list[tuple[str, Any]], data: list[list[Any]] | None = None,
             spill: bool = False) -> dict[str, Any]:
    """Each case's formula in Cases!A1.. (a dynamic array formula when ``spill``), ``data`` in
    sheet T from A1; recalculated on disk and read back: formula → the value written."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Cases")
    t = wb.add_worksheet("T")
    for r, row in enumerate(data or []):
        for c, v in enumerate(row):
            if v is not None:
                t.write_string(r, c, v) if isinstance(v, str) else t.write(r, c, v)
    for i, (formula, _) in enumerate(cases):
        ws.write_dynamic_array_formula(i, 0, i, 0, formula) if spill else ws.write_formula(i, 0, formula)
    wb.close()
    return values_after_recalc(path, cases)


@pytest.fixture(scope="module")
def ceilings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return computed(tmp_path_factory.mktemp("ceil") / "ceil.xlsx", CEILINGS)


@pytest.mark.parametrize("formula,expected", CEILINGS, ids=[c[0] for c in CEILINGS])
def test_ecma_ceiling(ceilings: dict[str, Any], formula: str, expected: Any) -> None:
    assert_excel_value(formula, ceilings[formula], expected)


@pytest.mark.parametrize("call", ["_xlfn.FORECAST.ETS(7,B1:B6,C1:C6)", "_xlfn.FORECAST.ETS.CONFINT(7,B1:B6,C1:C6)",
                                  "_xlfn.FORECAST.ETS.SEASONALITY(B1:B6,C1:C6)", "_xlfn.FORECAST.ETS.STAT(B1:B6,C1:C6,1)"])
def test_forecast_ets_keeps_what_excel_cached(tmp_path: Path, call: str) -> None:
    """No published example pins Excel's fitting: the cell keeps Excel's value, with a warning
    saying why, its dependents are recalculated from it, and nothing is reported as #NAME?."""
    rows = "".join(f'<row r="{r}"><c r="B{r}"><v>{10 + 2 * r}</v></c><c r="C{r}"><v>{r}</v></c></row>'
                   for r in range(2, 7))
    body = (f'<row r="1"><c r="A1"><f>{call}</f><v>23.5</v></c><c r="B1"><v>12</v></c><c r="C1"><v>1</v></c>'
            f'<c r="D1"><f>A1*2</f><v>0</v></c></row>{rows}')
    book = package(tmp_path / "ets.xlsx", {"S": body})
    report = recalc(book)
    v = values(book)
    assert v[(1, 1)] == 23.5 and v[(1, 4)] == 47.0
    assert report.unsupported == {}
    name = call.split("(")[0].replace("_xlfn.", "")
    assert any(name in w and "undocumented" in w and "cached values are kept" in w for w in report.warnings)


# PIVOTBY: sales by product (rows) and year (columns); every product sold in both years in
# T!A2:C6, Cherries only in 2024 (row 7). Worked out from the function's definition.
SALES = [["Product", "Year", "Sales"], ["Apples", 2023, 10], ["Pears", 2023, 20], ["Apples", 2024, 30],
         ["Pears", 2024, 5], ["Apples", 2023, 7], ["Cherries", 2024, 4]]
PJ = '_xlfn.TEXTJOIN(",",TRUE,_xlfn.PIVOTBY('
R, C, V = "T!A2:A6", "T!B2:B6", "T!C2:C6"
PIVOTBY: list[tuple[str, Any]] = [
    (f"={PJ}{R},{C},{V},_xleta.SUM))", "2023,2024,Total,Apples,17,30,47,Pears,20,5,25,Total,37,35,72"),
    ("=ROWS(_xlfn.PIVOTBY(T!A2:A6,T!B2:B6,T!C2:C6,_xleta.SUM))", 4.0),
    ("=COLUMNS(_xlfn.PIVOTBY(T!A2:A6,T!B2:B6,T!C2:C6,_xleta.SUM))", 4.0),
    ('=INDEX(_xlfn.PIVOTBY(T!A2:A6,T!B2:B6,T!C2:C6,_xleta.SUM),1,1)=""', True),  # the blank corner
    # the header row detected (text over a number) and left out, as field_headers 1 says
    (f"={PJ}T!A1:A6,T!B1:B6,T!C1:C6,_xleta.SUM))", "2023,2024,Total,Apples,17,30,47,Pears,20,5,25,Total,37,35,72"),
    (f"={PJ}T!A1:A6,T!B1:B6,T!C1:C6,_xleta.SUM,1))", "2023,2024,Total,Apples,17,30,47,Pears,20,5,25,Total,37,35,72"),
    (f"={PJ}{R},{C},{V},_xleta.SUM,0,0,,0))", "2023,2024,Apples,17,30,Pears,20,5"),
    (f"={PJ}{R},{C},{V},_xleta.SUM,0,-1))", "2023,2024,Total,Total,37,35,72,Apples,17,30,47,Pears,20,5,25"),
    (f"={PJ}{R},{C},{V},_xleta.SUM,0,1,,-1))", "Total,2023,2024,Apples,47,17,30,Pears,25,20,5,Total,72,37,35"),
    (f"={PJ}{R},{C},{V},_xleta.SUM,0,1,-1,1,-1))", "2024,2023,Total,Pears,5,20,25,Apples,30,17,47,Total,35,37,72"),
    (f"={PJ}{R},{C},{V},_xleta.SUM,0,1,1,1,1,{V}<>7))", "2023,2024,Total,Apples,10,30,40,Pears,20,5,25,Total,30,35,65"),
    (f"={PJ}{R},{C},{V},_xlfn.LAMBDA(_xlpm.x,COUNT(_xlpm.x))))", "2023,2024,Total,Apples,2,1,3,Pears,1,1,2,Total,3,2,5"),
    (f"={PJ}{R},{C},{V},_xleta.MAX))", "2023,2024,Total,Apples,10,30,30,Pears,20,5,20,Total,20,30,30"),
    (f"={PJ}{R},{C},{V},_xleta.SUM,0,1,1,1,1,,0))", "2023,2024,Total,Apples,17,30,47,Pears,20,5,25,Total,37,35,72"),
    # what is not laid out here is refused, never a different layout
    ("=_xlfn.PIVOTBY(T!A2:A7,T!B2:B7,T!C2:C7,_xleta.SUM)", E("#VALUE!")),  # Cherries in 2023: an empty crossing
    (f"=_xlfn.PIVOTBY({R},{C},{V},_xleta.SUM,0,1,1,1,1,{V}>5)", E("#VALUE!")),  # Pears in 2024 filtered away
    (f"=_xlfn.PIVOTBY({R},T!B2:C6,{V},_xleta.SUM)", E("#VALUE!")),  # two column fields: subtotals
    (f"=_xlfn.PIVOTBY(T!A2:B6,{C},{V},_xleta.SUM)", E("#VALUE!")),
    (f"=_xlfn.PIVOTBY({R},{C},T!B2:C6,_xleta.SUM)", E("#VALUE!")),  # two value columns
    (f"=_xlfn.PIVOTBY({R},{C},{V},_xleta.SUM,3)", E("#VALUE!")), (f"=_xlfn.PIVOTBY({R},{C},{V},_xleta.SUM,2)", E("#VALUE!")),
    (f"=_xlfn.PIVOTBY({R},{C},{V},_xleta.SUM,0,2)", E("#VALUE!")), (f"=_xlfn.PIVOTBY({R},{C},{V},_xleta.SUM,0,1,2)", E("#VALUE!")),
    (f"=_xlfn.PIVOTBY({R},{C},{V},_xleta.SUM,0,1,1,1,1,,1)", E("#VALUE!")),
    (f"=_xlfn.PIVOTBY({R},{C},T!C2:C5,_xleta.SUM)", E("#VALUE!")), (f"=_xlfn.PIVOTBY({R},{C},{V},1)", E("#VALUE!")),
    (f"=_xlfn.PIVOTBY({R},{C},{V},_xleta.SUM,0,1,1,1,1,{V}>100)", E("#CALC!")),  # nothing left
    (f"=_xlfn.PIVOTBY({R},{C},{V},_xleta.SUM,0,1,{{1,-1}})", E("#VALUE!")),  # a vector of sorts: never its first
    (f"=_xlfn.GROUPBY({R},{V},_xleta.SUM,0,1,{{1,-1}})", E("#VALUE!")),
    (f"=_xlfn.PIVOTBY({R},{C},{V},_xleta.SUM,T!C2:C3)", E("#VALUE!")),
]


@pytest.fixture(scope="module")
def pivots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return computed(tmp_path_factory.mktemp("pivotby") / "pivotby.xlsx", PIVOTBY, SALES)


@pytest.mark.parametrize("formula,expected", PIVOTBY, ids=[c[0] for c in PIVOTBY])
def test_pivotby(pivots: dict[str, Any], formula: str, expected: Any) -> None:
    assert_excel_value(formula, pivots[formula], expected)


def test_pivotby_spills_its_table(tmp_path: Path) -> None:
    """The whole table written to the sheet, the corner showing nothing (empty text, not 0)."""
    cases = [("=_xlfn.PIVOTBY(T!A2:A6,T!B2:B6,T!C2:C6,_xleta.SUM)", None)]
    path = tmp_path / "spill.xlsx"
    computed(path, cases, SALES, spill=True)
    loaded = load(path)
    got = loaded.book.sheets[0].values
    loaded.pkg.close()
    grid = [[got.get((r, c)) for c in range(1, 5)] for r in range(1, 5)]
    assert grid == [["", 2023.0, 2024.0, "Total"], ["Apples", 17.0, 30.0, 47.0], ["Pears", 20.0, 5.0, 25.0],
                    ["Total", 37.0, 35.0, 72.0]]


# PHONETIC: Microsoft's examples (東京都 reads トウキョウト, 大阪府 オオサカフ), stored as Excel
# stores furigana: phonetic runs in the shared string, sb..eb the base characters they read.
RUNS = {
    "P1": '<t>東京都</t><rPh sb="0" eb="3"><t>トウキョウト</t></rPh><phoneticPr fontId="1"/>',
    "P2": '<t>大阪府</t><rPh sb="0" eb="3"><t>オオサカフ</t></rPh>',
    "P4": '<t>田中さん</t><rPh sb="0" eb="2"><t>タナカ</t></rPh>',
    "P8": '<t>中田</t><rPh sb="0" eb="2"><t>ナカタ</t></rPh>',
    "P9": '<t>中田</t><rPh sb="0" eb="2"><t>ナカダ</t></rPh>',  # the same text read otherwise
}
PHONETIC: list[tuple[str, Any]] = [
    ("=PHONETIC(T!A1)", "トウキョウト"), ("=PHONETIC(T!A2)", "オオサカフ"), ("=PHONETIC(T!A4)", "タナカさん"),
    ("=PHONETIC(T!A3)", "Hello"),  # no runs: the text itself
    ("=PHONETIC(T!A6)", ""), ('=PHONETIC("東京")', "東京"), ("=T!A1", "東京都"),  # the runs stay out of the value
    ("=PHONETIC(T!A5)", E("#N/A")),  # a number: no runs are stored for it
    ("=PHONETIC(T!A7)", E("#N/A")),  # a formula's text
    ("=PHONETIC(T!A8)", E("#N/A")),  # 中田 read two ways in the file: which one is this cell's?
    ("=PHONETIC(T!A1:A2)", E("#N/A")), ("=PHONETIC((T!A1,T!A2))", E("#N/A")), ("=PHONETIC(1)", E("#N/A")),
    ("=PHONETIC(T!A99)", ""), ("=PHONETIC(#REF!)", E("#REF!")),
]


@pytest.fixture(scope="module")
def phonetics(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import zipfile
    path = tmp_path_factory.mktemp("phonetic") / "phonetic.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Cases")
    t = wb.add_worksheet("T")
    for r, v in enumerate(["P1", "P2", "Hello", "P4", 123, None, '="東京都"', "P8", "P9"]):
        if isinstance(v, str) and v.startswith("="):
            t.write_formula(r, 0, v, None, "東京都")
        elif v is not None:
            t.write(r, 0, v)
    for i, (formula, _) in enumerate(PHONETIC):
        ws.write_formula(i, 0, formula)
    wb.close()
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sst = parts["xl/sharedStrings.xml"].decode()
    for key, body in RUNS.items():
        assert f"<si><t>{key}</t></si>" in sst
        sst = sst.replace(f"<si><t>{key}</t></si>", f"<si>{body}</si>")
    parts["xl/sharedStrings.xml"] = sst.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return values_after_recalc(path, PHONETIC)


@pytest.mark.parametrize("formula,expected", PHONETIC, ids=[c[0] for c in PHONETIC])
def test_phonetic(phonetics: dict[str, Any], formula: str, expected: Any) -> None:
    assert_excel_value(formula, phonetics[formula], expected)


@pytest.mark.parametrize("body,reading", [
    ('<t>東京都庁</t><rPh sb="0" eb="3"><t>トウキョウト</t></rPh><rPh sb="3" eb="4"><t>チョウ</t></rPh>', "トウキョウトチョウ"),
    ('<r><t>東</t></r><r><t>京</t></r><rPh sb="1" eb="2"><t>キョウ</t></rPh>', "東キョウ"),
    ('<t>東京</t><rPh sb="0" eb="2"><t>トウ</t></rPh><rPh sb="1" eb="2"><t>キョウ</t></rPh>', None),  # overlapping
    ('<t>東京</t><rPh sb="0" eb="5"><t>トウキョウ</t></rPh>', None),  # past the text
    ('<t>東京</t><rPh sb="0" eb="2"><t>とうきょう</t></rPh><phoneticPr fontId="1" type="Hiragana"/>', None),
    ('<t>東京</t><rPh sb="0"><t>トウキョウ</t></rPh>', None),
])
def test_a_reading_is_pinned_or_refused(body: str, reading: str | None) -> None:
    from kpisheet.excel.recalc.phonetic import readings
    got = readings(f"<sst><si>{body}</si></sst>")
    assert list(got.values()) == [reading]


def test_a_text_stored_with_and_without_runs_is_refused() -> None:
    from kpisheet.excel.recalc.phonetic import readings
    sst = '<sst><si><t>東京</t></si><si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh></si></sst>'
    assert readings(sst) == {"東京": None}
    assert readings("<sst><si><t>東京</t></si></sst>") == {}
