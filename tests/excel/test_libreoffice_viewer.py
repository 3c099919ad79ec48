"""What a viewer without kpisheet shows: a workbook after ``kpisheet recalc``, opened by
LibreOffice with its own default of never recalculating on load.

LibreOffice's OOXML import (``sc/source/filter/oox/formulabuffer.cxx``,
``applyCellFormulaValues``) takes a formula cell's cached result only when it is a number
(``t="n"``) or, from a generator it trusts such as Excel, a text (``t="str"``). A cached
boolean (``t="b"``) or error (``t="e"``) leaves the cell marked for recalculation, and array
formulas (``applyArrayFormulas``, our spilled tables) are always computed on load. LibreOffice
does not know kpisheet's functions, so those cells show ``#NAME?`` whatever the file caches.

These tests pin that behaviour, so that the README's "Viewing without kpisheet" stays true:
if a LibreOffice release starts to read cached booleans, errors or arrays, they fail, and the
README (and the Dashboards) can be simplified.
"""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kpisheet.cli import main
from tests.conftest import ACCOUNTS, SALES, write_book
from tests.excel.libreoffice_tool import soffice

pytestmark = pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")

CONFIG = """\
version: 1
sources:
  sales: {sheet: Sales, columns: {date: Date, account: Account, amount: Amount, status: Status}}
  accounts: {sheet: Accounts}
kpis:
  revenue: {description: Net revenue booked, source: sales, measure: sum(amount), target: 100, unit: EUR}
  growth: {description: Month over month revenue growth, formula: revenue / prev(revenue) - 1, unit: "%"}
key_accounts:
  attributes: accounts
  criteria:
    revenue_share: {formula: share(revenue), weight: 60, scale: [0, 0.5]}
  key_if: score >= 60
  tiers: {A: score >= 80, B: score >= 50, C: true}
"""

# cell -> (formula, what LibreOffice shows, why)
CELLS = {
    "A1": ('=KPI("revenue","2026-02")', "150", "a number: the cached value"),
    "A2": ('=KPI_STATUS("revenue","2026-02")', "green", "a text: the cached value"),
    "A3": ('=ACCOUNT_TIER("A","2026")', "A", "a text: the cached value"),
    "A4": ('=IF(IS_KEY_ACCOUNT("A","2026"),"yes","no")', "yes", "a boolean turned into text: cached"),
    "A5": ('=IS_KEY_ACCOUNT("A","2026")', "#NAME?", "a boolean: recomputed, unknown function"),
    "A6": ('=KPI("growth","2025-12","A")', "#NAME?", "an error (#N/A: no data before 2025-12): recomputed"),
    "A8": ('=KPI_TABLE("2026-02")', "#NAME?", "a spilled table: recomputed, unknown function"),
}

NEVER_RECALCULATE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>1</value></prop></item>
</oor:items>
"""


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workbook whose View sheet holds the cells above, after ``kpisheet recalc``."""
    folder = tmp_path_factory.mktemp("viewer")
    path = write_book(folder / "book.xlsx", {"Sales": SALES, "Accounts": ACCOUNTS})
    wb = load_workbook(path)
    ws = wb.create_sheet("View", 0)
    for ref, (text, _, _) in CELLS.items():
        ws[ref] = text
    wb.save(path)
    (folder / "kpisheet.yaml").write_text(CONFIG)
    assert main(["recalc", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def shown(book: Path) -> dict[str, str]:
    """Each cell of the View sheet as LibreOffice shows it."""
    profile = book.parent / "lo" / "user"
    profile.mkdir(parents=True)
    (profile / "registrymodifications.xcu").write_text(NEVER_RECALCULATE)
    subprocess.run([str(soffice()), f"-env:UserInstallation={profile.parent.resolve().as_uri()}", "--headless",
                    "--norestore", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true",
                    "--outdir", str(book.parent / "out"), str(book)], check=True, capture_output=True, timeout=180)
    rows = list(csv.reader((book.parent / "out" / "book.csv").open(encoding="utf-8")))
    return {f"A{i}": (row[0] if row else "") for i, row in enumerate(rows, start=1)}


def test_the_file_caches_every_value(book: Path) -> None:
    """What kpisheet writes is complete; the #NAME? cells below are LibreOffice's reading."""
    ws = load_workbook(book, data_only=True)["View"]
    assert ws["A1"].value == 150 and ws["A2"].value == "green" and ws["A4"].value == "yes"
    assert ws["A5"].value is True
    assert ws["A6"].value == "#N/A" and ws["A6"].data_type == "e"  # SPEC §8.4: growth on a month before the data
    assert [ws.cell(8, c).value for c in range(1, 5)] == ["KPI", "Description", "Period", "Value"]
    assert ws["A9"].value == "revenue" and ws["D9"].value == 150


@pytest.mark.parametrize("ref", list(CELLS))
def test_what_libreoffice_shows(ref: str, shown: dict[str, str]) -> None:
    formula, expected, why = CELLS[ref]
    assert shown[ref] == expected, f"{formula}: {why}; LibreOffice showed {shown[ref]!r}"
