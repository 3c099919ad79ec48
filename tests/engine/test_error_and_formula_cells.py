"""SPEC §7.3: error cells and formula cells without a cached value are never read as blanks.

The two cases of issue 9 that were silently wrong (revenue 150 for an ``#N/A`` cell; 150
instead of 160 for a formula column written by openpyxl) are here with real files, and each
number is checked against pandas over the same cells.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from kpisheet.cli import cli
from kpisheet.config import load_config
from kpisheet.engine.core import Engine
from kpisheet.sources import FileReader, SourceRef
from kpisheet.sources.frames import build_frame
from kpisheet.xlerrors import XlError

D = dt.datetime
CONFIG = """
sources:
  sales: {sheet: Sales, columns: {date: Date, account: Customer, amount: Amount}}
kpis:
  revenue: {source: sales, measure: sum(amount), grain: month}
  average_sale: {source: sales, measure: average(amount), grain: month}
  orders: {source: sales, measure: count(), grain: month}
  revenue_3m: {formula: rolling(revenue, 3), grain: month}
"""
SALES = [(D(2026, 1, 5), "A", 100), (D(2026, 1, 6), "B", 50), (D(2026, 1, 9), "A", 10), (D(2026, 2, 6), "B", 7)]


def error_book(path: Path, errors: dict[str, str]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sales"
    ws.append(["Date", "Customer", "Amount"])
    for row in SALES:
        ws.append(list(row))
    for cell, text in errors.items():
        ws[cell] = text
        ws[cell].data_type = "e"  # a real error cell, as Excel saves one
    wb.save(path)
    return path


def formula_book(path: Path) -> Path:
    """Amount is =Qty*Price in every row, written by openpyxl: no cached values."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sales"
    ws.append(["Date", "Customer", "Qty", "Price", "Amount"])
    for i, (day, who, qty, price) in enumerate([(D(2026, 1, 5), "A", 2, 10.5), (D(2026, 1, 6), "B", 3, 20),
                                                 (D(2026, 2, 6), "A", 4, 10), (D(2026, 2, 7), "B", 1, 5)], start=2):
        ws.append([day, who, qty, price, f"=C{i}*D{i}"])
    wb.save(path)
    return path


def engine(tmp_path: Path, book: Path, recalc: bool = False) -> Engine:
    (tmp_path / "kpisheet.yaml").write_text(textwrap.dedent(CONFIG))
    return Engine(load_config(tmp_path / "kpisheet.yaml"), book, reader=FileReader(recalc=recalc))


def test_an_error_cell_makes_the_kpi_that_error_where_its_row_falls(tmp_path: Path) -> None:
    book = error_book(tmp_path / "errors.xlsx", {"C3": "#N/A"})  # B's sale of 6 January
    e = engine(tmp_path, book)
    jan = e.result("revenue", "2026-01")
    assert (jan.value, jan.error) == (None, XlError.NA)  # not 110: Excel's SUM over these cells is #N/A
    assert e.result("revenue", "2026-01", "B").error == XlError.NA
    assert e.result("revenue", "2026-01", "A").value == 110  # A's rows hold no error
    assert e.result("average_sale", "2026-01").error == XlError.NA
    assert e.result("revenue", "2026-02").value == 7
    assert e.result("revenue_3m", "2026-02").error == XlError.NA  # the span holds the row
    assert e.result("revenue_3m", "2026-02", "A").value == 110
    assert e.result("orders", "2026-01").value == 3  # count() does not read the cell


def test_the_first_error_by_row_order_wins_and_the_warning_counts_them(tmp_path: Path) -> None:
    book = error_book(tmp_path / "errors.xlsx", {"C4": "#DIV/0!", "C3": "#REF!", "C5": "#SPILL!"})
    e = engine(tmp_path, book)
    assert e.result("revenue", "2026-01").error == XlError.REF
    assert e.result("revenue", "2026-01", "A").error == XlError.DIV0
    e.table("sales")
    assert e.source_warnings() == [f"{book}!Sales!C3: source 'sales' has 3 error cells (the first: #REF!); "
                                   "the KPIs that read them show the error"]


def test_cli_warns_once_per_source_and_json_still_parses(tmp_path: Path) -> None:
    import json

    book = error_book(tmp_path / "errors.xlsx", {"C3": "#N/A"})
    (tmp_path / "kpisheet.yaml").write_text(textwrap.dedent(CONFIG))
    run = CliRunner().invoke(cli, ["evaluate", str(book), "-p", "2026-01", "-f", "json"])
    assert run.exit_code == 0
    rows = {r["kpi"]: r for r in json.loads(run.stdout)}
    assert rows["revenue"]["error"] == "#N/A" and rows["revenue"]["value"] is None
    assert rows["orders"]["value"] == 3
    assert run.stderr.count("warning: ") == 1
    assert f"warning: {book}!Sales!C3: source 'sales' has an error cell (the first: #N/A)" in run.stderr


def test_formula_cells_without_cached_values_are_computed_and_the_file_is_untouched(tmp_path: Path) -> None:
    book = formula_book(tmp_path / "formulas.xlsx")
    before = book.read_bytes()
    rows = pd.read_excel(book, sheet_name="Sales", engine="openpyxl")
    assert rows["Amount"].isna().all()  # what a reader of cached values sees
    rows["month"] = rows["Date"].dt.strftime("%Y-%m")
    rows["amount"] = rows["Qty"] * rows["Price"]
    e = engine(tmp_path, book)
    for month in ("2026-01", "2026-02"):
        assert e.result("revenue", month).value == pytest.approx(rows.loc[rows["month"] == month, "amount"].sum())
    assert e.result("revenue", "2026-01", "A").value == pytest.approx(21.0)
    assert book.read_bytes() == before


def _with_stale_cache(book: Path, out: Path) -> Path:
    """``book`` with 999 cached in every formula cell (as if inputs changed in another program)."""
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"(</f>)<v\s*/>", rb"\1<v>999</v>", data)
            dst.writestr(item, data)
    return out


def test_recalc_recomputes_formula_cells_whatever_their_cache_says(tmp_path: Path) -> None:
    stale = _with_stale_cache(formula_book(tmp_path / "fresh.xlsx"), tmp_path / "stale.xlsx")
    assert engine(tmp_path, stale).result("revenue", "2026-01").value == 999 * 2  # the cache, as Excel left it
    assert engine(tmp_path, stale, recalc=True).result("revenue", "2026-01").value == pytest.approx(81.0)
    (tmp_path / "kpisheet.yaml").write_text(textwrap.dedent(CONFIG))
    run = CliRunner().invoke(cli, ["evaluate", str(stale), "-p", "2026-01", "-k", "revenue", "-f", "csv", "--recalc"])
    assert run.exit_code == 0 and "revenue,2026-01,,81.0," in run.stdout


def test_error_cells_reach_joined_and_derived_columns(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Lines"
    ws.append(["Date", "Customer", "Item", "Qty"])
    for row in [(D(2026, 1, 5), "A", "x", 2), (D(2026, 1, 6), "B", "y", 3), (D(2026, 2, 6), "B", "x", 1)]:
        ws.append(list(row))
    menu = wb.create_sheet("Menu")
    menu.append(["Item", "Price"])
    menu.append(["x", 10])
    menu.append(["y", "#VALUE!"])
    menu["B3"].data_type = "e"
    wb.save(tmp_path / "book.xlsx")
    (tmp_path / "kpisheet.yaml").write_text(textwrap.dedent("""
        sources:
          menu: {sheet: Menu, columns: {item: Item, price: Price}}
          lines:
            sheet: Lines
            columns: {date: Date, account: Customer, item: Item, qty: Qty}
            join: {menu: {on: {item: item}}}
            derive: {amount: qty * menu.price}
        kpis:
          revenue: {source: lines, measure: sum(amount), grain: month}
          revenue_expr: {source: lines, measure: sum(qty * menu.price), grain: month}
    """))
    e = Engine(load_config(tmp_path / "kpisheet.yaml"), tmp_path / "book.xlsx")
    for kpi in ("revenue", "revenue_expr"):
        assert e.result(kpi, "2026-01").error == XlError.VALUE
        assert e.result(kpi, "2026-01", "A").value == 20
        assert e.result(kpi, "2026-02").value == 10


def test_the_live_door_hands_error_text_and_gets_error_cells() -> None:
    """The Excel door's reader gives error cells as their text; the shared table builder
    turns them into error cells, so live workbooks get SPEC §7.3 too."""
    grid = [["Date", "Amount"], [D(2026, 1, 5), 5.0], [D(2026, 1, 6), "#SPILL!"], [D(2026, 1, 7), "#N/A"]]
    frame = build_frame(grid, 1, 1, "Sales", "live!Sales")
    table = frame.to_table(SourceRef("sales", Path("live"), sheet="Sales", columns={"amount": "Amount"}))
    assert table.df["amount"].dtype == np.float64  # the rest of the column stays numbers
    codes = table.error_codes("amount")
    assert codes is not None and codes.tolist() == [0, int(XlError.SPILL), int(XlError.NA)]
    assert table.error_summary() == (2, "live!Sales!B3", "#SPILL!")


@pytest.mark.parametrize("kind", ["xls", "ods"])
def test_error_cells_of_xls_and_ods_workbooks(tmp_path: Path, kind: str) -> None:
    """Made by LibreOffice from a real error cell (the test skips where it is not installed):
    calamine reads their error cells as blanks; xlrd (.xls) and content.xml (.ods) say what they are."""
    import shutil
    import subprocess

    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    book = error_book(tmp_path / "errors.xlsx", {"C3": "#N/A"})
    profile = (tmp_path / "profile").resolve().as_uri()
    subprocess.run([exe, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", kind,
                    "--outdir", str(tmp_path / kind), str(book)], check=True, capture_output=True, timeout=300)
    e = engine(tmp_path, tmp_path / kind / f"errors.{kind}")
    assert e.result("revenue", "2026-01").error == XlError.NA
    assert e.result("revenue", "2026-01", "A").value == 110
    assert e.result("orders", "2026-01").value == 3


def test_blanks_of_an_xlsb_workbook_are_said_to_may_be_errors(tmp_path: Path) -> None:
    """python-calamine reads an .xlsb error cell as blank and nothing here can make an .xlsb file
    (so this test stops at the reader's edge: the table as an .xlsb read gives it). Never silent:
    a source of an .xlsb workbook with blank cells gets a warning saying errors may hide there."""
    from dataclasses import replace

    from kpisheet.sources import Table

    class AsXlsb:
        def read(self, ref: SourceRef) -> Table:
            return replace(FileReader().read(ref), path=ref.path.with_suffix(".xlsb"))

    (tmp_path / "kpisheet.yaml").write_text(textwrap.dedent(CONFIG))
    config = load_config(tmp_path / "kpisheet.yaml")
    book = error_book(tmp_path / "book.xlsx", {})
    clean = Engine(config, book, reader=AsXlsb())
    clean.results("2026-01")
    assert clean.source_warnings() == []  # no blank cell: nothing can hide
    wb = openpyxl.load_workbook(book)
    wb["Sales"]["C3"] = None
    wb.save(book)
    holed = Engine(config, book, reader=AsXlsb())
    holed.results("2026-01")
    (line,) = holed.source_warnings()
    assert line.startswith(f"{tmp_path / 'book.xlsb'}!Sales!") and "an error cell (#N/A ...) reads as blank" in line
