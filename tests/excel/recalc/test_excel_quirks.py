"""Excel's behaviour at the edges of its date text, DATEDIF, the Analysis ToolPak functions,
DATE, INDEX, WEEKNUM and TEXT's AM/PM, as Excel computes it (US settings). Each row is a
fact about Excel: from Microsoft's documentation where it states it (DATEDIF's "MD" that can
be negative, two-digit years 00-29 read as 2000-2029, ACCRINT's logical calc_method) and
otherwise from Excel's own results. One workbook of cases, recalculated once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from kpisheet.excel.recalc.values import Err, parse_date_text
from tests.excel.recalc.test_formulas import assert_excel_value, recalc_cases

E = Err.parse

DATE_TEXT: list[tuple[str, Any]] = [
    ('=DATEVALUE("1/1/00")', 36526.0), ('=DATEVALUE("01/01/29")', 47119.0), ('=DATEVALUE("01/01/30")', 10959.0),
    ('=DATEVALUE("1/1/99")', 36161.0), ('=DATEVALUE("8/22/2011")', 40777.0), ('=DATEVALUE("22-MAY-2011")', 40685.0),
    ('=DATEVALUE("2011/02/23")', 40597.0), ('=DATEVALUE("8/1987")', 31990.0), ('=DATEVALUE("22 August 20")', 44065.0),
    ('=DATEVALUE("Aug-98")', 36008.0), ('=DATEVALUE("Jan 15, 2025")', 45672.0), ('=DATEVALUE("15-Jan-50")', 18278.0),
    ('=DATEVALUE("2/29/1900")', 60.0), ('=DATEVALUE("2/30/2025")', E("#VALUE!")), ('=DATEVALUE("13/5/2020")', E("#VALUE!")),
    ('=DATEVALUE("7/5/1800")', E("#VALUE!")), ('=DAY("22 August 20")', 22.0), ('=YEAR("1/15/25")', 2025.0),
    ('=EDATE("15-Jan-11", 1)', 40589.0),
]

DATEDIF: list[tuple[str, Any]] = [
    ('=DATEDIF("1/31/2015","3/1/2015","MD")', -2.0),  # the negative result Microsoft's page warns of
    ('=DATEDIF("12/31/2001","12/29/2008","MD")', 28.0), ('=DATEDIF("12/20/2001","12/19/2008","MD")', 29.0),
    ('=DATEDIF("1/1/2001","3/1/2008","YD")', 59.0), ('=DATEDIF("1/1/2001","2/29/2008","YD")', 59.0),
    ('=DATEDIF("1/31/2001","1/29/2008","YD")', 363.0), ('=DATEDIF("1/31/2001","3/29/2007","YD")', 57.0),
    ('=DATEDIF(60,222222,"YD")', 94.0), ('=DATEDIF(222,222289,"YD")', 364.0), ('=DATEDIF(222,222222,"YD")', 297.0),
    ('=DATEDIF(222,222289,"MD")', 30.0), ('=DATEDIF(222,222222,"MD")', 24.0), ('=DATEDIF(222,222290,"Y")', 608.0),
    ('=DATEDIF(222,222222,"M")', 7293.0), ('=DATEDIF(222,222222,"D")', 222000.0), ('=DATEDIF(1,0,"YD")', E("#NUM!")),
    ('=DATEDIF("1/31/01","2/29/08","YM")', 0.0),
]

TOOLPAK_LOGICALS: list[tuple[str, Any]] = [
    ("=EDATE(366,FALSE)", E("#VALUE!")), ("=EDATE(1,TRUE)", E("#VALUE!")), ("=GCD(5.2,-1,TRUE)", E("#VALUE!")),
    ("=GCD(5.2,10)", 5.0), ("=GCD(#N/A,TRUE)", E("#N/A")), ("=ISEVEN(TRUE)", E("#VALUE!")),
    ("=YEARFRAC(0,345,TRUE)", E("#VALUE!")), ("=CUMIPMT(0.09/12,30*12,125000,13,24,TRUE)", E("#VALUE!")),
    ("=WORKDAY(1,TRUE)", E("#VALUE!")), ("=DEC2BIN(TRUE)", E("#VALUE!")),
    ("=ROUND(ACCRINT(DATE(2008,3,5),39691,39569,0.1,1000,2,0,FALSE),9)", 15.555555556),  # logical by its docs
    ("=WEEKDAY(TRUE,2)", 7.0), ("=SUM(TRUE,1)", 2.0),  # Excel's own functions read TRUE as 1
]

EDGES: list[tuple[str, Any]] = [
    ("=DATE(9999,12,31)", 2958465.0), ("=DATE(9999,12,32)", E("#NUM!")), ("=DATE(1900,2,29)", 60.0),
    ("=INDEX({2,3;4,5},0,0,-1)", E("#VALUE!")), ("=INDEX({2,3;4,5},1,1,2)", E("#REF!")),
    ("=INDEX({2,3;4,5},2,2,1)", 5.0),
    ("=WEEKNUM(1,22)", E("#NUM!")), ("=WEEKNUM(12425,12)", 2.0), ("=WEEKNUM(12425,17)", 1.0),
    ('=TEXT(45141.2,"A/P a/P A/p a/p am/pm")', "A a A a AM"), ('=TEXT(45141.6,"A/P a/P A/p a/p am/pm")', "P P p p PM"),
    ('=TEXT(0.75,"h:mm am/pm")', "6:00 PM"),
    ("=CUMIPMT(3,5.5,125000,3,5,1)", -265999.0229604), ("=CUMIPMT(3,5.5,125000,1,5,1)", -359611.6267708),
    ("=CUMIPMT(0.01,1E300,1000,1,1E300,0)", E("#NUM!")), ("=ROUND(CUMPRINC(0.00001,99999,1000,1,99999,0),6)", -1000.0),
    ("=ROUND(RATE(1500,-200,8000),9)", 0.025), ("=ROUND(RATE(43,-200,8000),12)", 0.003331551825),
]

LOGICALS: list[tuple[str, Any]] = [  # text among AND/OR/XOR's arguments is ignored, given directly too
    ('=OR("0",FALSE)', False), ('=OR({0,0,0},FALSE,"0")', False), ('=AND(TRUE,"0",#REF!)', E("#REF!")),
    ('=OR(FALSE,"0",#REF!)', E("#REF!")), ('=AND("TRUE",1)', True), ('=AND("x")', E("#VALUE!")),
    ('=XOR(TRUE,"x",FALSE)', True), ('=OR("false")', False),
]

KTH: list[tuple[str, Any]] = [  # LARGE and SMALL: k below 1 before rounding up; the array's error first
    ("=LARGE({3,1,2},0.1)", E("#NUM!")), ("=SMALL({3,1,2},1.1)", 2.0), ("=LARGE({3,1,2},3.1)", E("#NUM!")),
    ('=LARGE("abc",2)', E("#NUM!")), ('=LARGE("99.9",1)', 99.9), ('=LARGE({3,1,2},"abc")', E("#VALUE!")),
    ('=LARGE({-1.1,4.1,#REF!},"c")', E("#VALUE!")), ("=LARGE({-1.1,4.1,#REF!},#N/A)", E("#N/A")),
    ("=LARGE(#N/A,#VALUE!)", E("#N/A")), ("=SMALL({3,1,TRUE},3)", E("#NUM!")), ("=LARGE({3,1,2},TRUE)", 3.0),
]

def test_date_text_without_a_year_is_this_year() -> None:
    """``"1/15"`` and ``"15-Jan"`` are the 15th of January of the year the run is in, as Excel reads them."""
    this_year = parse_date_text(f"1/15/{dt.date.today().year}")
    assert this_year is not None
    assert parse_date_text("1/15") == parse_date_text("15-Jan") == this_year


@pytest.mark.parametrize("text", ["hello 5", "1/2/3/4", "Janvier 5 2020", "5 Jan 123", "10.5", "1/15/2025x"])
def test_text_that_is_no_date_stays_text(text: str) -> None:
    assert parse_date_text(text) is None


def _schedule(rate: float, nper: int, pv: float, due: bool) -> list[tuple[float, float]]:
    """(interest, principal) of each payment of a loan, by walking its balance, as Excel counts
    them: a payment at the start of a period (``due``) pays, from the second on, the interest
    the previous period accrued; the first pays none."""
    pmt = pv * rate / (1 - (1 + rate) ** -nper) / (1 + rate if due else 1)
    balance, rows = pv, []
    for i in range(1, nper + 1):
        if due:
            interest = 0.0 if i == 1 else balance * rate
            balance += interest - pmt  # accrued over the period before, then paid down
        else:
            interest = balance * rate
            balance += interest - pmt
        rows.append((-interest, -(pmt - interest)))
    return rows


@pytest.mark.parametrize("due", [0, 1])
def test_cumipmt_and_cumprinc_sum_the_schedule(tmp_path: Path, due: int) -> None:
    """Payments at the start of each period (type 1) as at the end: CUMIPMT's interest and
    CUMPRINC's principal over periods 3..7 and 1..12 are the schedule's sums."""
    rate, nper, pv = 0.09 / 12, 12, 125000.0
    rows = _schedule(rate, nper, pv, bool(due))
    spans = [(3, 7), (1, 12), (1, 1), (12, 12)]
    cases = [(f"=CUMIPMT({rate},{nper},{pv},{a},{b},{due})", sum(r[0] for r in rows[a - 1:b])) for a, b in spans] + \
            [(f"=CUMPRINC({rate},{nper},{pv},{a},{b},{due})", sum(r[1] for r in rows[a - 1:b])) for a, b in spans]
    got = recalc_cases(tmp_path / "loans.xlsx", cases)
    for formula, want in cases:
        assert got[formula] == pytest.approx(want, rel=1e-11, abs=1e-9), formula
    assert sum(r[1] for r in rows) == pytest.approx(-pv)  # the schedule repays the loan


TEXT_FORMATS: list[tuple[str, Any]] = [
    ('=TEXT("2021-01-05","ddddd")', "Tuesday"), ('=TEXT("2021-01-05","yyyyy")', "2021"), ('=TEXT("2021-01-05","y")', "21"),
    ('=TEXT("23:59.012345","#.#######")', ".0166552"), ('=TEXT("60:9999.5","#.#")', "60:9999.5"),
    ('=TEXT("3:33 pm","h:mm:ss.00")', "15:33:00.00"), ('=TEXT(-55,"")', "-"), ('=TEXT(55,"")', ""),
    ('=TEXT(0,"\\")', E("#VALUE!")), ('=TEXT(0,"[")', E("#VALUE!")), ('=TEXT(0,"[hm]")', E("#VALUE!")),
    ('=TEXT(0,"#@")', E("#VALUE!")), ('=TEXT(0,"#m")', E("#VALUE!")), ('=TEXT("a","#mm")', E("#VALUE!")),
    ('=TEXT(0,"m@")', E("#VALUE!")), ('=TEXT(0,"@;@")', E("#VALUE!")), ('=TEXT(0,"@;#")', E("#VALUE!")),
    ('=TEXT("","0.00*")', E("#VALUE!")), ('=TEXT(0,"a\\a")', "aa"), ('=TEXT("X","##.00;##.0;""ZERO"";->@<-")', "->X<-"),
    ('=TEXT(1234.5,"[Red][<=100]0;[Blue]#,##0.0")', "1,234.5"), ('=TEXT(0.5,"[h]:mm:ss")', "12:00:00"),
]


def test_excels_own_number_formats_are_valid() -> None:
    """No format Excel writes itself is refused (the accounting one as Excel stores it)."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS

    from kpisheet.excel.recalc.textformat import is_valid_format

    accounting = '_("$"* #,##0.00_);_("$"* \\(#,##0.00\\);_("$"* "-"??_);_(@_)'
    formats = [f for f in BUILTIN_FORMATS.values() if "@_)" not in f] + [accounting, "[$-409]mmmm d, yyyy;@",
                                                                        "#,##0.0,,\"M\"", "yyyy-mm-dd\"T\"hh:mm:ss"]
    assert [f for f in formats if not is_valid_format(f)] == []


# MATCH over unsorted data, as Excel answers (its search, not a sorted data's answer): array,
# needle, then the results of match types 1, 0 and -1
UNSORTED: list[tuple[str, str, Any, Any, Any]] = [
    ('{5,4,3,2,1}', "3", 3.0, 3.0, 3.0), ('{1,2,3,2,4}', "3", 3.0, 3.0, E("#N/A")), ('{1,2,3,2,4}', "3.5", 4.0, E("#N/A"), E("#N/A")),
    ('{4,3,2,3,1}', "3", 4.0, 2.0, 2.0), ('{4,3,2,3,1}', "1", E("#N/A"), 5.0, 5.0), ('{5,3,3,3,1}', "3", 4.0, 2.0, 2.0),
    ('{1,3,3,3,5}', "3", 4.0, 2.0, E("#N/A")), ('{3,5,4.5,3,1}', "4", 1.0, E("#N/A"), E("#N/A")),
    ('{"d","c","b","c","a"}', '"c"', 4.0, 2.0, 2.0), ('{"e","d",TRUE,"b","a"}', '"c"', 5.0, E("#N/A"), 2.0),
    ('{FALSE,TRUE,FALSE}', "TRUE", 2.0, 2.0, E("#N/A")), ('{TRUE,FALSE,FALSE}', "FALSE", 3.0, 2.0, 2.0),
    ('{"b",4.1,"a",1.1}', "4.1", 2.0, 2.0, None), ('{"b",4.1,"a",5.1}', "4.1", None, None, 2.0),
    ('{"AAB","a","rars"}', '"b"', 2.0, E("#N/A"), E("#N/A")),
]
MATCHES = [(f"=MATCH({needle},{array},{kind})", want) for array, needle, *wants in UNSORTED
           for kind, want in zip((1, 0, -1), wants) if want is not None]


CASES = DATE_TEXT + DATEDIF + TOOLPAK_LOGICALS + EDGES + LOGICALS + KTH + TEXT_FORMATS + MATCHES


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every case above in one workbook, recalculated once."""
    return recalc_cases(tmp_path_factory.mktemp("quirks") / "cases.xlsx", CASES)


@pytest.mark.parametrize("formula,expected", CASES, ids=[c[0] for c in CASES])
def test_excel_gives(computed: dict[str, Any], formula: str, expected: Any) -> None:
    assert_excel_value(formula, computed[formula], expected)
