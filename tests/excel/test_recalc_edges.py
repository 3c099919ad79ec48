"""Excel's edge cases in ``recalc``'s functions (issue 15), by cause. Expected values are the
examples of Microsoft's documentation for each function (support.microsoft.com), the values
Excel gives for the cases the issue measured, or facts that follow from a documented
definition (``[h]`` is elapsed hours: 1.5 days is 36 hours)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from kpisheet.excel.recalc import recalc
from kpisheet.excel.recalc.book import load
from kpisheet.excel.recalc.textformat import format_value
from kpisheet.excel.recalc.values import Err
from tests.excel.test_recalc_formulas import cases_book

E = Err.parse

TEXT_CASES: list[tuple[str, Any]] = [
    # the TEXT function's page
    ('=TEXT(1234.567,"$#,##0.00")', "$1,234.57"), ('=TEXT(0.285,"0.0%")', "28.5%"),
    ('=TEXT(4.34,"# ?/?")', "4 1/3"), ('=TRIM(TEXT(0.34,"# ?/?"))', "1/3"),
    ('=TEXT(12200000,"0.00E+00")', "1.22E+07"), ('=TEXT(1234,"0000000")', "0001234"),
    ('=TEXT(1234567898,"[<=9999999]###-####;(###) ###-####")', "(123) 456-7898"),
    ("=TEXT(123456,\"##0° 00' 00''\")", "12° 34' 56''"),
    # "Number format codes": optional digits, scaling, thousands
    ('=TEXT(1234.59,"####.#")', "1234.6"), ('=TEXT(8.9,"#.000")', "8.900"), ('=TEXT(0.631,"0.#")', "0.6"),
    ('=TEXT(12,"#.0#")', "12.0"), ('=TEXT(1234.568,"#.0#")', "1234.57"), ('=TEXT(12000,"#,###")', "12,000"),
    ('=TEXT(12000,"#,")', "12"), ('=TEXT(12200000,"0.0,,")', "12.2"), ('=TEXT(12200000,"#,###.0,")', "12,200.0"),
    ('=TEXT(1,"#.###")', "1."),  # measured in Excel by the issue
    # elapsed time and fractions of a second
    ('=TEXT(1.5,"[h]:mm")', "36:00"), ('=TEXT(0.5,"[mm]:ss")', "720:00"), ('=TEXT(1/24/60,"[ss]")', "60"),
    ('=TEXT(TIME(4,36,3)+0.75/86400,"h:mm:ss.00")', "4:36:03.75"), ('=TEXT(0.75,"h:mm AM/PM")', "6:00 PM"),
    ('=TEXT(DATE(2025,1,15),"dddd, mmmm d, yyyy")', "Wednesday, January 15, 2025"),
    ('=TEXT(DATE(2025,1,15),"mmm-yy")', "Jan-25"), ('=TEXT(0,"yyyy-mm-dd")', "1900-01-00"),
]

DATE_CASES: list[tuple[str, Any]] = [
    # serial 0 and 60 (1900-02-29, kept from Lotus 1-2-3), measured in Excel by the issue
    ("=DAY(60)", 29.0), ("=MONTH(60)", 2.0), ("=DAY(0)", 0.0), ("=MONTH(0)", 1.0), ("=YEAR(0)", 1900.0),
    ("=DAY(61)", 1.0), ("=MONTH(61)", 3.0), ("=DAY(59)", 28.0),
    # time text: HOUR, MINUTE, SECOND pages
    ('=HOUR("1:23")', 1.0), ('=MINUTE("1:23")', 23.0), ("=HOUR(0.75)", 18.0), ('=HOUR("7/18/2011 7:45")', 7.0),
    ('=HOUR("4/21/2012")', 0.0), ('=MINUTE("12:45:00 PM")', 45.0), ('=SECOND("4:48:18 PM")', 18.0),
    ('=SECOND("4:48 PM")', 0.0), ('=VALUE("16:48:00")-VALUE("12:00:00")', 0.2),
    ('=DATEVALUE("8/22/2011")', 40777.0), ('=DATEVALUE("22-MAY-2011")', 40685.0),
    ('=DATEVALUE("2011/02/23")', 40597.0),
    # logicals in the Analysis ToolPak's date functions
    ("=EDATE(366,FALSE)", E("#VALUE!")), ("=EOMONTH(TRUE,1)", E("#VALUE!")),
    ("=EDATE(DATE(2011,1,15),1)", 40589.0), ("=EDATE(DATE(2011,1,15),-1)", 40527.0),
]

CASES = TEXT_CASES + DATE_CASES


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = cases_book(tmp_path_factory.mktemp("edges") / "edges.xlsx", cases=CASES)
    report = recalc(path)
    assert not report.unsupported, report.unsupported
    assert not report.warnings, report.warnings
    loaded = load(path)
    cells = {(fc.row, fc.col): fc.cached for fc in loaded.parts[0].scan.formulas}  # type: ignore[union-attr]
    loaded.pkg.close()
    return {formula: cells.get((i + 1, 1)) for i, (formula, _) in enumerate(CASES)}


@pytest.mark.parametrize("formula,expected", CASES, ids=[c[0] for c in CASES])
def test_formula(computed: dict[str, Any], formula: str, expected: Any) -> None:
    got = computed[formula]
    if isinstance(expected, float) and isinstance(got, float):
        assert math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-12), (formula, got)
    else:
        assert got == expected or got is expected, (formula, got)


@pytest.mark.parametrize("value,fmt", [
    (-1234.567, '"dd"$#,##0.00'),  # a literal before the digits: once an IndexError that lost a whole workbook
    (1.5, '[Red]"x"0;"'), (1.5, "[h"), (1.5, "#,##0.00_);[Red](#,##0.00)"), (1.5, "?/"), (1.5, "0E+"),
    (1e300, "#,##0.00"), (-1e-300, "0.0E+00"), (1.5, '\\'), (1.5, "*"), (1.5, "@;@"), (99999999, "[h]:mm:ss"),
])
def test_any_format_gives_text_or_an_error_value(value: float, fmt: str) -> None:
    from kpisheet.excel.recalc.values import XlFail
    try:
        out = format_value(value, fmt)
    except XlFail:
        return
    assert isinstance(out, str)


def test_literal_before_digits_of_a_negative_number() -> None:
    out = format_value(-1234.567, '"dd"$#,##0.00')
    assert out.startswith("-") and out.endswith("dd$1,234.57")
