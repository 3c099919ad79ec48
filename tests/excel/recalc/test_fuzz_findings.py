"""What issue 15's fuzz test (test_recalc_fuzz.py) found, one small book each: written to a real
file, recalculated, read back."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from kpisheet.excel.recalc import recalc
from kpisheet.excel.recalc.values import Err, XlFail
from kpisheet.excel.recalc.writer import METADATA_XML
from kpisheet.excel.recalc.xlfuncs import FUNCTIONS
from tests.excel.recalc.test_excel_files import package, values
from tests.excel.recalc.test_wellformed import assert_wellformed, computed_refs
from tests.excel.recalc.test_xlfuncs_fuzz import _Evaluator


def _dyn(at: str, text: str) -> str:
    return f'<c r="{at}" cm="1"><f t="array" ref="{at}">{text}</f><v>0</v></c>'


def _column_a(extra: dict[int, str]) -> str:
    """A1:A3 = 1, 2, 2, and ``extra`` cells by row."""
    return "".join(f'<row r="{r}">' + (f'<c r="A{r}"><v>{v}</v></c>' if v is not None else "") + extra.get(r, "")
                   + "</row>" for r, v in ((1, 1), (2, 2), (3, 2), (4, None), (5, None)) if v is not None or r in extra)


def test_a_cell_inside_a_legacy_array_is_read_after_the_array(tmp_path: Path) -> None:
    # the dynamic array B1 reads A3, the second cell of the array {=C1} over A2:A3: it must wait
    # for the array (arrays and what they read go first; it read the stale 0 the file held)
    body = (f'<row r="1">{_dyn("B1", "A3*2")}<c r="C1"><v>7</v></c></row>'
            '<row r="2"><c r="A2"><f t="array" ref="A2:A3">C1</f><v>0</v></c></row>'
            '<row r="3"><c r="A3"><v>0</v></c></row>')
    book = package(tmp_path / "b.xlsx", {"S": body}, metadata=METADATA_XML)
    recalc(book)
    assert values(book)[(1, 2)] == 14.0
    assert not recalc(book, check=True).changes


def test_whole_columns_spill_as_excel_does(tmp_path: Path) -> None:
    body = _column_a({1: _dyn("H1", "UNIQUE(A:A)") + _dyn("J1", "A:A*2"),
                      3: _dyn("K3", "A:A") + _dyn("L3", "A:A*2") + _dyn("M3", "UNIQUE(A:A)")})
    book = package(tmp_path / "b.xlsx", {"S": body}, metadata=METADATA_XML)
    expected = computed_refs(book)
    report = recalc(book)
    v = values(book)
    assert [v.get((r, 8)) for r in range(1, 5)] == [1.0, 2.0, 0.0, None]  # the blanks of A:A are one more item
    assert [v.get((r, 13)) for r in range(3, 7)] == [1.0, 2.0, 0.0, None]
    assert v[(3, 11)] == Err("#SPILL!") and v[(3, 12)] == Err("#SPILL!")  # a million rows from row 3 pass the edge
    # from row 1 it fits: Excel spills a million rows; we refuse it, and say so
    assert v[(1, 10)] == Err("#NUM!") and any("S!J1" in w and "whole row or column" in w for w in report.warnings)
    assert_wellformed(book, expected)
    assert not recalc(book, check=True).changes


def test_a_whole_row_spill_does_not_grow_with_each_run(tmp_path: Path) -> None:
    # =3:3 at H14 spilled as wide as row 3's used part, which the spill itself widened: each
    # run spilled further. Excel: 16,384 columns from H pass the grid's edge, #SPILL!
    body = ('<row r="3"><c r="A3"><v>1</v></c><c r="E3"><v>5</v></c></row>'
            f'<row r="14">{_dyn("H14", "3:3")}</row><row r="15">{_dyn("H15", "TOROW(1:4)")}</row>')
    book = package(tmp_path / "b.xlsx", {"S": body}, metadata=METADATA_XML)
    recalc(book)
    v = values(book)
    assert v[(14, 8)] == Err("#SPILL!") and v[(15, 8)] == Err("#SPILL!")
    assert not recalc(book, check=True).changes


def test_a_legacy_array_over_a_whole_column_shows_its_blanks_as_zero(tmp_path: Path) -> None:
    # {=Data!A:A*2} over H1:H5 with Data!A1:A3 used: rows 4 and 5 are blank*2 = 0, not #N/A
    data = '<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>' \
           '<row r="3"><c r="A3"><v>2</v></c></row>'
    body = '<row r="1"><c r="H1"><f t="array" ref="H1:H5">Data!A:A*2</f><v>0</v></c></row>' + \
        "".join(f'<row r="{r}"><c r="H{r}"><v>0</v></c></row>' for r in range(2, 6))
    book = package(tmp_path / "b.xlsx", {"S": body, "Data": data})
    recalc(book)
    v = values(book)
    assert [v[(r, 8)] for r in range(1, 6)] == [2.0, 4.0, 4.0, 0.0, 0.0]
    assert zipfile.ZipFile(book).testzip() is None


@pytest.mark.parametrize("name, args, expected", [
    ("REPT", ("", 1e300), ""),  # int(1E300) is no repeat count: OverflowError
    ("VAR", (np.array([[1e300, -1e300, 5.0]], dtype=object),), Err("#NUM!")),  # statistics.variance overflowed
    ("PMT", (1e-300, 10.0, 100.0), Err("#DIV/0!")),  # (1+1E-300)^10 - 1 is 0: ZeroDivisionError
])
def test_arithmetic_accidents_are_cell_errors(name: str, args: tuple[object, ...], expected: object) -> None:
    f = FUNCTIONS[name]
    try:
        out = f.impl(*args) if f.kind == "scalar" else f.impl(_Evaluator(), *args)
    except XlFail as e:
        out = e.err
    assert out == expected


def test_criteria_over_whole_columns_count_the_blanks_past_the_used_part(tmp_path: Path) -> None:
    # S!A1 = 1 is S's only value; Data!B4 = 7 and Data!B6 = 3. A whole column is read up to its
    # sheet's last used cell: COUNTIF(A:A,"") and COUNTBLANK(A:A) were 0, not 1,048,575, and
    # SUMIFS over Data!B:B with criteria on S!A:A added only row 1 (Data's rows past S's were cut)
    formulas = ['COUNTIF(A:A,"")', "COUNTBLANK(A:A)", 'COUNTIFS(A:A,"",Data!B:B,"")', 'SUMIFS(Data!B:B,A:A,"<>5")',
                'COUNTIF(A:A,"<>1")', 'COUNTIFS(A:A,1,Data!B:B,"x")', 'AVERAGEIF(A:A,"",Data!B:B)']
    cells = "".join(f'<c r="{chr(67 + i)}1"><f>{t.replace("<", "&lt;").replace(">", "&gt;")}</f><v>0</v></c>'
                    for i, t in enumerate(formulas))
    data = '<row r="4"><c r="B4"><v>7</v></c></row><row r="6"><c r="B6"><v>3</v></c></row>'
    book = package(tmp_path / "b.xlsx", {"S": f'<row r="1"><c r="A1"><v>1</v></c>{cells}</row>', "Data": data})
    report = recalc(book)
    assert not report.warnings
    v = values(book)
    # C1:I1 are formulas, not blank: COUNTIF(A:A,"") sees column A only
    assert [v[(1, 3 + i)] for i in range(len(formulas))] == [1048575.0, 1048575.0, 1048573.0, 10.0, 1048575.0, 0.0, 5.0]


def test_array_formulas_whose_value_depends_on_a_whole_row_are_computed_over_all_of_it(tmp_path: Path) -> None:
    # a value from a whole row's items (COLUMNS(LN(1:1))) counted only its used part; ARRAYTOTEXT
    # of two whole rows is longer than Excel's 32,767 characters: #VALUE!, not a cut text
    body = ('<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row>'
            f'<row r="5">{_dyn("A5", "COLUMNS(LN(1:1))")}{_dyn("B5", "ARRAYTOTEXT(1:2)")}</row>')
    book = package(tmp_path / "b.xlsx", {"S": body}, metadata=METADATA_XML)
    recalc(book)
    v = values(book)
    assert v[(5, 1)] == 16384.0 and v[(5, 2)] == Err("#VALUE!")
    assert not recalc(book, check=True).changes


def test_a_normal_cell_over_whole_column_arrays_is_never_a_used_part_answer(tmp_path: Path) -> None:
    # SUMPRODUCT(--(A:A="")) in a normal cell counted only the used part's blanks (0 here): the
    # blanks past it change the answer, so it is computed over the whole column or, past the
    # whole-column cap, #NUM! with a warning; an answer the blanks do not change stands as it was,
    # and a lookup over a whole column reads no array and is not computed again
    formulas = ['SUMPRODUCT(--(A:A=""))', 'SUMPRODUCT((A1:A3=2)*1)', 'SUMPRODUCT((A:A=2)*1)', "SUM(A:A*2)",
                'VLOOKUP(2,A:A,1,FALSE)', 'SUMPRODUCT(--(A1:A5=""))', "TRANSPOSE(A:A)"]
    cells = "".join(f'<c r="{chr(67 + i)}1"><f>{t}</f><v>0</v></c>' for i, t in enumerate(formulas))
    book = package(tmp_path / "b.xlsx", {"S": f'<row r="1"><c r="A1"><v>1</v></c>{cells}</row>'
                                               '<row r="2"><c r="A2"><v>2</v></c></row>'
                                               '<row r="3"><c r="A3"><v>2</v></c></row>'})
    report = recalc(book)
    v = values(book)
    assert v[(1, 3)] == Err("#NUM!") and any("whole row or column" in w for w in report.warnings)
    # SUM(A:A*2) in a normal cell is A1*2: the column meets the formula's row (implicit intersection);
    # an array in a normal cell shows its first item, never a spill
    assert [v[(1, 3 + i)] for i in range(1, len(formulas))] == [2.0, 2.0, 2.0, 2.0, 2.0, 1.0]
    assert len(report.warnings) == 1
