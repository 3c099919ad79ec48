"""Excel's own functions in ``recalc``: one workbook of cases, recalculated once, each cell
checked against the value Excel gives (worked out by hand, Excel's documented behaviour)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Optional

import pytest
import xlsxwriter

from kpisheet.excel.recalc import recalc
from kpisheet.excel.recalc.book import load
from kpisheet.excel.recalc.values import Err

E = Err.parse
DATA = [  # sheet "D", A1:D6
    ["n", "t", "d", "m"],
    [1, "a", 45658, 10],       # 45658 = 2025-01-01
    [2, "b", 45689, "x"],      # 2025-02-01
    [3, "A", 45717, True],     # 2025-03-01
    [4, "c", 45748, None],     # 2025-04-01
    [5, "b", 45778, -2.5],     # 2025-05-01
]

CASES: list[tuple[str, Any]] = [
    # arithmetic and operators
    ("=1+2*3", 7.0), ("=-2^2", 4.0), ("=2^3^2", 64.0), ("=10/4", 2.5), ("=1/0", E("#DIV/0!")),
    ("=50%", 0.5), ('="a"&1.5&TRUE', "a1.5TRUE"), ("=1=1", True), ('="A"="a"', True), ('=1<"a"', True),
    ('="a"<TRUE', True), ("=D!D5*2", 0.0), ('="3"+1', 4.0), ('="x"+1', E("#VALUE!")), ("=(-8)^(1/3)", E("#NUM!")),
    ("=0.1+0.2", 0.30000000000000004), ("=0.5-0.4-0.1", 0.0), ("=1*(0.5-0.4-0.1)", -2.7755575615628914e-17),
    # aggregates
    ("=SUM(D!A2:A6)", 15.0), ("=SUM(D!D2:D6)", 7.5), ("=SUM(1,TRUE,\"2\")", 4.0), ("=AVERAGE(D!A2:A6)", 3.0),
    ("=AVERAGE(D!B2:B6)", E("#DIV/0!")), ("=MAX(D!D2:D6)", 10.0), ("=MIN(D!A2:A6,-1)", -1.0), ("=COUNT(D!D2:D6)", 2.0),
    ("=COUNTA(D!D2:D6)", 4.0), ("=COUNTBLANK(D!D2:D6)", 1.0), ("=MEDIAN(D!A2:A6)", 3.0), ("=PRODUCT(D!A2:A6)", 120.0),
    ("=SUMPRODUCT(D!A2:A6,D!A2:A6)", 55.0), ("=SUMPRODUCT((D!B2:B6=\"b\")*D!A2:A6)", 7.0),
    ("=LARGE(D!A2:A6,2)", 4.0), ("=SMALL(D!A2:A6,2)", 2.0),
    # criteria
    ('=SUMIF(D!B2:B6,"b",D!A2:A6)', 7.0), ('=SUMIFS(D!A2:A6,D!B2:B6,"a")', 4.0), ('=COUNTIF(D!B2:B6,"<>b")', 3.0),
    ('=COUNTIFS(D!A2:A6,">=2",D!A2:A6,"<5")', 3.0), ('=AVERAGEIFS(D!A2:A6,D!B2:B6,"b")', 3.5),
    ('=COUNTIF(D!B2:B6,"?")', 5.0), ('=COUNTIF(D!B2:B6,"b*")', 2.0), ('=SUMIFS(D!A2:A6,D!C2:C6,">="&DATE(2025,3,1))', 12.0),
    ('=COUNTIF(D!D2:D6,"")', 1.0), ('=COUNTIF(D!D2:D6,10)', 1.0), ('=AVERAGEIF(D!B2:B6,"z",D!A2:A6)', E("#DIV/0!")),
    ('=MAXIFS(D!A2:A6,D!B2:B6,"b")', 5.0), ('=MINIFS(D!A2:A6,D!B2:B6,"b")', 2.0),
    ("=COUNTIF(D!A2:A6,\">\"&D!A3)", 3.0),
    # logic and information
    ('=IF(D!A2>0,"pos","neg")', "pos"), ("=IF(FALSE,1)", False), ("=IFERROR(1/0,\"n/a\")", "n/a"),
    ("=IFNA(NA(),0)", 0.0), ("=AND(TRUE,1)", True), ("=OR(FALSE,0)", False), ("=NOT(0)", True),
    ("=ISERROR(1/0)", True), ("=ISNA(1/0)", False), ("=ISBLANK(D!D5)", True), ("=ISNUMBER(D!A2)", True),
    ("=ISTEXT(D!B2)", True), ('=IFS(1>2,"a",TRUE,"b")', "b"), ("=CHOOSE(2,\"x\",\"y\")", "y"),
    ('=SWITCH(2,1,"one",2,"two","other")', "two"), ("=IF(1/0,1,2)", E("#DIV/0!")),
    # lookups
    ("=VLOOKUP(3,D!A2:B6,2,FALSE)", "A"), ('=VLOOKUP("c",D!B2:D6,3,FALSE)', None), ("=VLOOKUP(9,D!A2:B6,2,FALSE)", E("#N/A")),
    ("=VLOOKUP(3.5,D!A2:B6,2)", "A"), ('=MATCH("C",D!B2:B6,0)', 4.0), ("=MATCH(3.7,D!A2:A6,1)", 3.0),
    ("=INDEX(D!A2:B6,2,2)", "b"), ('=INDEX(D!B2:B6,MATCH(4,D!A2:A6,0))', "c"), ("=INDEX(D!A2:A6,3)", 3.0),
    ('=HLOOKUP("t",D!A1:D3,3,FALSE)', "b"), ('=_xlfn.XLOOKUP("c",D!B2:B6,D!A2:A6)', 4.0),
    ('=_xlfn.XLOOKUP("z",D!B2:B6,D!A2:A6,"none")', "none"), ("=SUM(INDEX(D!A2:A6,2):INDEX(D!A2:A6,4))", 9.0),
    ("=ROWS(D!A2:B6)*10+COLUMNS(D!A2:B6)", 52.0), ("=SUM(OFFSET(D!A2,1,0,2,1))", 5.0), ('=INDIRECT("D!A4")', 3.0),
    ("=ROW(D!C7)", 7.0),
    # maths
    ("=ROUND(2.5,0)", 3.0), ("=ROUND(-2.5,0)", -3.0), ("=ROUND(1.005,2)", 1.01), ("=ROUND(1234.5678,-2)", 1200.0),
    ("=ROUNDUP(1.21,1)", 1.3), ("=ROUNDDOWN(-1.29,1)", -1.2), ("=ROUNDUP(3.2,0)", 4.0),
    ("=ROUNDDOWN(-3.14159,1)", -3.1), ("=ROUNDUP(31415.92654,-2)", 31500.0), ("=ROUNDUP(0.1+0.2,1)", 0.3),
    ("=ROUNDUP(682.2,-5)", 100000.0), ("=TRUNC(-8.9)", -8.0), ("=INT(-1.5)", -2.0), ("=MOD(-3,2)", 1.0),
    ("=ABS(-4)", 4.0), ("=SQRT(16)", 4.0), ("=POWER(2,10)", 1024.0), ("=CEILING(4.1,2)", 6.0), ("=FLOOR(4.1,2)", 4.0),
    ("=MROUND(10,3)", 9.0), ("=LN(1)", 0.0), ("=LOG(100)", 2.0), ("=SIGN(-3)", -1.0),
    # text
    ('=LEFT("kpisheet",3)', "kpi"), ('=RIGHT("kpisheet",5)', "sheet"), ('=MID("kpisheet",4,5)', "sheet"),
    ('=LEN("abc")', 3.0), ('=UPPER("a")&LOWER("B")', "Ab"), ('=TRIM("  a   b ")', "a b"),
    ('=CONCATENATE("a",1,"b")', "a1b"), ('=_xlfn.TEXTJOIN("-",TRUE,"a","","b")', "a-b"),
    ('=SUBSTITUTE("a-b-c","-","+")', "a+b+c"), ('=FIND("s","kpisheet")', 4.0), ('=SEARCH("S*E","kpisheet")', 4.0),
    ('=VALUE("1,234.5")', 1234.5), ('=TEXT(1234.567,"#,##0.00")', "1,234.57"), ('=TEXT(0.256,"0.0%")', "25.6%"),
    ('=TEXT(D!C2,"yyyy-mm")', "2025-01"), ('=TEXT(D!C3,"mmm yyyy")', "Feb 2025"), ('=TEXT(-5,"0")', "-5"),
    ('=TEXT(5,"00")', "05"), ('="Q"&ROUNDUP(MONTH(D!C5)/3,0)', "Q2"),
    # dates
    ("=DATE(2025,13,1)", 46023.0), ("=YEAR(D!C4)", 2025.0), ("=MONTH(D!C4)", 3.0), ("=DAY(D!C4+9)", 10.0),
    ("=EOMONTH(D!C3,0)", 45716.0), ("=EDATE(D!C2,1)", 45689.0), ("=WEEKDAY(D!C2)", 4.0), ("=WEEKDAY(D!C2,2)", 3.0),
    ("=DATE(2025,1,31)-DATE(2025,1,1)", 30.0), ("=ISOWEEKNUM(DATE(2025,12,29))", 1.0),
    # dynamic-array functions and LET
    ("=SUM(_xlfn.SEQUENCE(4))", 10.0), ('=INDEX(_xlfn._xlws.SORT(D!B2:B6),1)', "a"),
    ("=INDEX(_xlfn._xlws.SORT(D!A2:A6,1,-1),1)", 5.0), ('=COUNTA(_xlfn.UNIQUE(D!B2:B6))', 3.0),
    ("=_xlfn._xlws.SORT(D!A2:A6)", E("#SPILL!")),  # XlsxWriter makes it a dynamic array; the cells below are taken
    ('=SUM(_xlfn._xlws.FILTER(D!A2:A6,D!B2:B6="b"))', 7.0),
    ('=_xlfn._xlws.FILTER(D!A2:A6,D!A2:A6>9,"none")', "none"), ("=SUM(TRANSPOSE(D!A2:A6))", 15.0),
    ("=_xlfn.LET(_xlpm.x,2,_xlpm.y,_xlpm.x*3,_xlpm.x+_xlpm.y)", 8.0),
    # finance and statistics (the examples of Excel's own documentation)
    ("=ROUND(PMT(0.08/12,10,10000),2)", -1037.03), ("=ROUND(FV(0.06/12,10,-200,-500,1),2)", 2581.40),
    ("=ROUND(PV(0.08/12,12*20,500,,0),2)", -59777.15), ("=ROUND(NPV(0.1,-10000,3000,4200,6800),2)", 1188.44),
    ("=ROUND(IRR({-70000,12000,15000,18000,21000,26000}),6)", 0.086631),
    ("=ROUND(XNPV(0.09,{-10000,2750,4250,3250,2750},{39448,39508,39751,39859,39904}),2)", 2086.65),
    ("=ROUND(XIRR({-10000,2750,4250,3250,2750},{39448,39508,39751,39859,39904}),6)", 0.373363),
    ("=RANK(3,D!A2:A6)", 3.0), ("=_xlfn.RANK.EQ(2,D!A2:A6,1)", 2.0), ("=PERCENTILE(D!A2:A6,0.3)", 2.2),
    ("=QUARTILE(D!A2:A6,1)", 2.0), ("=SUBTOTAL(9,D!A2:A6)", 15.0), ("=SUBTOTAL(101,D!A2:A6)", 3.0),
    ("=NETWORKDAYS(DATE(2025,1,1),DATE(2025,1,31))", 23.0), ("=WORKDAY(DATE(2025,1,3),1)", 45663.0),
]


def cases_book(path: Path, future_functions: bool = False,
               cases: Optional[list[tuple[str, Any]]] = None) -> Path:
    """Sheet ``D`` holds DATA; sheet ``Cases`` one formula of ``cases`` (CASES) a row, in column A."""
    wb = xlsxwriter.Workbook(str(path), {"use_future_functions": future_functions})
    ws = wb.add_worksheet("Cases")
    d = wb.add_worksheet("D")
    for r, row in enumerate(DATA):
        for c, v in enumerate(row):
            if v is not None:
                d.write(r, c, v)
    for i, (formula, _) in enumerate(CASES if cases is None else cases):
        ws.write_formula(i, 0, formula)
    wb.close()
    return path


def recalc_cases(path: Path, cases: list[tuple[str, Any]], no_warnings: bool = False) -> dict[str, Any]:
    """Each case's formula -> the value ``recalc`` cached for it, in a book of :func:`cases_book`."""
    cases_book(path, cases=cases)
    report = recalc(path)
    assert not report.unsupported, report.unsupported
    if no_warnings:
        assert not report.warnings, report.warnings
    loaded = load(path)
    cells = {(fc.row, fc.col): fc.cached for fc in loaded.parts[0].scan.formulas}  # type: ignore[union-attr]
    loaded.pkg.close()
    return {formula: cells.get((i + 1, 1)) for i, (formula, _) in enumerate(cases)}


def assert_excel_value(formula: str, got: Any, expected: Any) -> None:
    """Numbers to 12 significant digits (Excel shows 15), anything else exactly."""
    if isinstance(expected, float) and isinstance(got, float):
        assert math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-12), (formula, got)
    else:
        assert got == expected or got is expected, (formula, got)


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return recalc_cases(tmp_path_factory.mktemp("formulas") / "cases.xlsx", CASES)


@pytest.mark.parametrize("formula,expected", CASES, ids=[c[0] for c in CASES])
def test_formula(computed: dict[str, Any], formula: str, expected: Any) -> None:
    # a formula that reads an empty cell shows 0
    assert_excel_value(formula, computed[formula], 0.0 if expected is None else expected)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from kpisheet.excel.recalc.parser import FormulaSyntaxError, parse, shape  # noqa: E402

_PIECES = st.sampled_from(["A1", "$B$2", "Sheet1!C3", "'My Sheet'!A1:B2", "SUM(", "IF(", ")", ",", "+", "-", "*",
                           "/", "^", "&", "=", "<>", "1", "2.5", '"x"', "TRUE", "#N/A", "{1,2;3,4}", "%", ":",
                           "A:A", "3:3", "Name", "Tbl[Col]", "[@Col]", "_xlfn.XLOOKUP(", "A1#", " ", "(", "@"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join) | st.text(max_size=30))
def test_parser_reads_or_refuses_cleanly(text: str) -> None:
    try:
        parse(text)
    except FormulaSyntaxError:
        pass
    shape(text, 5, 5)  # never raises


def test_formulas_copied_down_share_a_shape() -> None:
    assert shape("KPI(A2,B2,$C$2)", 2, 4) == shape("KPI(A9,B9,$C$2)", 9, 4) == "KPI(R[0]C[-3],R[0]C[-2],R2C3)"
    assert shape('A1&"A1"&ZZZ1', 1, 2) == 'R[0]C[-1]&"A1"&ZZZ1'  # text and names are not references


def _token_pattern_with_ranges_written_out() -> "re.Pattern[str]":
    """The token pattern as first written, U+00A1..U+FFFF as a range in each class: the oracle."""
    import re
    from kpisheet.excel.recalc import parser as P
    bare = r"[A-Za-z_\u00A1-\uFFFF][\w.\u00A1-\uFFFF]*"
    pattern = P._TOKEN.pattern.replace(P._BARE, bare).replace(
        rf"(?:[A-Za-z_\\]|{P._WIDE})(?:[\w.?\\]|{P._WIDE})*", r"[A-Za-z_\\\u00A1-\uFFFF][\w.?\\\u00A1-\uFFFF]*")
    assert "_WIDE" not in pattern and P._WIDE not in pattern
    return re.compile(pattern, re.X)


_OLD_TOKEN: list[Any] = []


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES | st.sampled_from(["é", "Ventes_été!A1", "'Q1 ☃'!B2", "名前", "\u00a0", "\u00a1x", "x\uffff",
                                           "\U0001d400", "a\U0001f600b", "Jan:Mär!C3", "\\path", "a?b", "Sheet1!"]),
                max_size=10).map("".join) | st.text(max_size=25))
def test_tokens_are_those_of_the_pattern_with_ranges_written_out(text: str) -> None:
    from kpisheet.excel.recalc.parser import _TOKEN
    if not _OLD_TOKEN:
        _OLD_TOKEN.append(_token_pattern_with_ranges_written_out())
    old = [(m.lastgroup, m.span()) for m in _OLD_TOKEN[0].finditer(text)]
    assert [(m.lastgroup, m.span()) for m in _TOKEN.finditer(text)] == old
