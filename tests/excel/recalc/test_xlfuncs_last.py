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


def computed(path: Path, cases: list[tuple[str, Any]], data: list[list[Any]] | None = None) -> dict[str, Any]:
    """Each case's formula in Cases!A1.., ``data`` in sheet T from A1; recalculated on disk and
    read back: formula → the value written."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Cases")
    t = wb.add_worksheet("T")
    for r, row in enumerate(data or []):
        for c, v in enumerate(row):
            if v is not None:
                t.write_string(r, c, v) if isinstance(v, str) else t.write(r, c, v)
    for i, (formula, _) in enumerate(cases):
        ws.write_formula(i, 0, formula)
    wb.close()
    report = recalc(path)
    assert not report.unsupported, report.unsupported
    loaded = load(path)
    got = dict(loaded.book.sheets[0].values)
    loaded.pkg.close()
    return {formula: got.get((i + 1, 1)) for i, (formula, _) in enumerate(cases)}


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
