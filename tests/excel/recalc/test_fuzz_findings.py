"""What issue 15's fuzz test (test_recalc_fuzz.py) found, one small book each: written to a real
file, recalculated, read back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kpisheet.excel.recalc import recalc
from kpisheet.excel.recalc.values import Err, XlFail
from kpisheet.excel.recalc.writer import METADATA_XML
from kpisheet.excel.recalc.xlfuncs import FUNCTIONS
from tests.excel.recalc.test_excel_files import package, values
from tests.excel.recalc.test_xlfuncs_fuzz import _Evaluator


def _dyn(at: str, text: str) -> str:
    return f'<c r="{at}" cm="1"><f t="array" ref="{at}">{text}</f><v>0</v></c>'


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
