"""An independent cross-check: LibreOffice headless (OOXMLRecalcMode 0) recalculates the same
generated workbooks, and every cell of Excel's own functions must agree with recalc."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from kpisheet.excel.recalc import recalc
from kpisheet.excel.recalc.book import load
from kpisheet.excel.recalc.values import Err, same
from tests.excel.libreoffice_tool import recalc_with_libreoffice, soffice
from tests.excel.recalc.books import finance_book, rich_book
from tests.excel.recalc.test_formulas import cases_book

pytestmark = pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")

# Where LibreOffice itself differs from Excel (documented Excel behaviour is what recalc follows).
LIBREOFFICE_DIFFERS: set[str] = {
    '="a"&1.5&TRUE',  # Excel: a1.5TRUE; LibreOffice turns TRUE into 1
    '="a"<TRUE',  # Excel orders numbers < text < logicals
    "=(-8)^(1/3)",  # Excel: #NUM!
    "=SUM(D!D2:D6)", "=COUNT(D!D2:D6)",  # Excel skips logicals inside references
    '=SUM(1,TRUE,"2")',  # Excel coerces logicals and number-like text given directly
    "=COUNTA(_xlfn.UNIQUE(D!B2:B6))",  # counts LibreOffice 7.4's #NAME? for UNIQUE
}
NOT_IN_LIBREOFFICE = Err("#NAME?")  # functions LibreOffice 7.4 lacks (XLOOKUP, SORT, FILTER, LET ...)

def _formula_values(path: Path) -> dict[tuple[str, int, int], tuple[Any, str]]:
    loaded = load(path)
    out = {}
    for sp in loaded.parts:
        if sp.scan:
            for fc in sp.scan.formulas:
                out[(sp.name, fc.row, fc.col)] = (fc.cached, fc.text or "")
    loaded.pkg.close()
    return out


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, Path]]:
    folder = tmp_path_factory.mktemp("lo")
    src = folder / "src"
    src.mkdir()
    books = [finance_book(src / "finance.xlsx", rows=3000), cases_book(src / "cases.xlsx", future_functions=True),
             rich_book(src / "rich.xlsx")]
    ours = folder / "ours"
    ours.mkdir()
    mine = []
    for b in books:
        target = ours / b.name
        shutil.copy(b, target)
        recalc(target)
        mine.append(target)
    theirs = recalc_with_libreoffice(books, folder / "lo")
    return list(zip(mine, theirs))


def test_excel_functions_agree_with_libreoffice(pairs: list[tuple[Path, Path]]) -> None:
    total = 0
    disagree = []
    for mine, theirs in pairs:
        a, b = _formula_values(mine), _formula_values(theirs)
        for key, (value, text) in a.items():
            if "=" + text in LIBREOFFICE_DIFFERS or key not in b or b[key][0] is NOT_IN_LIBREOFFICE:
                continue
            total += 1
            if not same(value, b[key][0], rel=1e-9):
                disagree.append(f"{mine.name}!{key[0]}!{key[1]},{key[2]} ={text}: ours {value!r}, LibreOffice {b[key][0]!r}")
    assert total > 1000
    assert not disagree, "\n".join(disagree)
