"""SPEC §10: the same rows from a workbook and from Parquet files give the same KPIs."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from kpisheet.config import load_config
from kpisheet.engine.core import Engine, Result

PERIODS = ["2024-03", "2024-12", "2025-06", "2025-12", "2024-Q2", "2025-Q4", "2024", "2025", "FY2025", "FY2026-Q1",
           "2025-W10", "2025-02-14", "latest"]


def engines(folder: Path) -> tuple[Engine, Engine]:
    excel = Engine(load_config(folder / "xlsx" / "kpis.yaml"), folder / "book.xlsx")
    parquet = Engine(load_config(folder / "parquet" / "kpis.yaml"))
    return excel, parquet


def same(a: Result, b: Result) -> bool:
    if (a.error, a.status, a.trend, a.period, a.account) != (b.error, b.status, b.trend, b.period, b.account):
        return False
    if a.value is None or b.value is None:
        return a.value is b.value
    return math.isclose(a.value, b.value, rel_tol=1e-9, abs_tol=1e-9)


def test_every_kpi_every_period_every_account_equals_the_workbook(same_rows: Path) -> None:
    excel, parquet = engines(same_rows)
    assert parquet.accounts == excel.accounts == ["Acme", "Bolt", "Café Rossi", "Dyna", "Echo", "Fox"]
    compared = 0
    for period in PERIODS:
        for account in [None, *excel.accounts, "Nobody"]:
            for kpi in excel.config.kpis:
                a, b = excel.result(kpi, period, account), parquet.result(kpi, period, account)
                assert same(a, b), (kpi, period, account, a, b)
                compared += 1
                if a.value is not None and a.value != 0:
                    nonzero = True
    assert compared == len(PERIODS) * 8 * len(excel.config.kpis)
    assert nonzero


def test_the_numbers_are_not_trivial(same_rows: Path) -> None:
    """Guards the comparison above: the KPIs hold real, different numbers and #N/A where due."""
    _, parquet = engines(same_rows)
    values = {k: parquet.result(k, "2025-06").value for k in parquet.config.kpis}
    assert values["revenue"] and values["revenue"] > 1000
    assert values["revenue"] != values["revenue_expr"]
    assert values["items"] == 5  # four menu items and the unmatched Z9
    assert values["big_accounts"] and 0 < values["big_accounts"] <= 6 and values["concentration"]
    assert parquet.result("nothing_found", "2025-06").error is not None  # when_empty: na
    for kpi in ("med_qty", "big_lines"):  # before the data: no data, not zero
        assert parquet.result(kpi, "2023-06").error is not None
    excel, _ = engines(same_rows)
    assert excel.result("big_lines", "2023-06").error == parquet.result("big_lines", "2023-06").error


def test_the_database_returns_grids_not_rows(same_rows: Path) -> None:
    """Only day x account groups come back: fewer rows than the source holds."""
    _, parquet = engines(same_rows)
    kpi = parquet.config.kpis["revenue"]
    daily = parquet.warehouse.daily(kpi)
    assert 0 < len(daily) < 3000
    assert set(daily.columns) == {"day", "account", "n", "s"}  # a sum needs its row count and its sum only


KEY_ACCOUNTS = """
key_accounts:
  grain: quarter
  criteria:
    share: {formula: share(revenue), weight: 60, scale: [0, 0.3]}
    lines: {formula: big_lines, weight: 40, scale: [0, 40]}
  key_if: score >= 40 or pareto(revenue) < 0.5
  tiers: {A: score >= 60, B: score >= 30, C: "true"}
"""


def test_key_accounts_over_parquet_equal_the_workbook(same_rows: Path) -> None:
    """SPEC §10: key accounts run on the grids, the same code whatever the source."""
    for kind in ("xlsx", "parquet"):
        path = same_rows / kind / "kpis.yaml"
        path.write_text(path.read_text(encoding="utf-8") + KEY_ACCOUNTS, encoding="utf-8")
    excel, parquet = engines(same_rows)
    for period in ["2024-Q3", "2025-Q2", "latest"]:
        a, b = excel.key_accounts(period), parquet.key_accounts(period)
        assert [(r.account, r.tier, r.key, r.movement) for r in a] == [(r.account, r.tier, r.key, r.movement) for r in b]
        assert [r.score for r in a] == pytest.approx([r.score for r in b], rel=1e-9)
        assert len({r.tier for r in a}) > 1  # the rules separate the accounts: a comparison that could fail


def test_the_excel_functions_read_parquet_kpis_as_they_read_the_workbooks(same_rows: Path) -> None:
    """SPEC §10 item 5: the Excel functions work over these sources unchanged."""
    from kpisheet.excel.functions import invoke

    excel, parquet = engines(same_rows)
    for args in (["revenue", "2025-06"], ["revenue", "2025-06", "Acme"], ["med_qty", "FY2025"],
                 ["growth", "2024-11", "Fox"], ["items", "2023-01"]):
        assert invoke("KPI", parquet, args) == pytest.approx(invoke("KPI", excel, args)), args
        assert invoke("KPI_STATUS", parquet, args) == invoke("KPI_STATUS", excel, args), args


def test_accounts_command_runs_without_a_workbook(capsys: pytest.CaptureFixture[str], same_rows: Path) -> None:
    from kpisheet.cli import main

    for kind in ("xlsx", "parquet"):
        path = same_rows / kind / "kpis.yaml"
        path.write_text(path.read_text(encoding="utf-8") + KEY_ACCOUNTS, encoding="utf-8")
    assert main(["accounts", "--config", str(same_rows / "parquet"), "--period", "2025-Q2", "-f", "csv"]) == 0
    from_parquet = capsys.readouterr().out
    assert main(["accounts", str(same_rows / "book.xlsx"), "--config", str(same_rows / "xlsx"), "--period",
                 "2025-Q2", "-f", "csv"]) == 0
    from_workbook = capsys.readouterr().out
    assert from_parquet.splitlines()[0] == from_workbook.splitlines()[0]
    assert [line.split(",")[:5] for line in from_parquet.splitlines()] == \
        [line.split(",")[:5] for line in from_workbook.splitlines()]
    assert len(from_parquet.splitlines()) == 7  # a header and six accounts


DASH = ['=KPI("revenue","2025-06")', '=KPI("revenue","2025-06","Acme")', '=KPI("med_qty","FY2025")',
        '=KPI_STATUS("revenue","2025-06")', '=KPI("growth","2024-11","Fox")', '=KPI("items","2025-Q2")',
        '=ROUND(KPI("revenue","2025-06")/KPI("big_lines","2025-06"),2)', '=IFERROR(KPI("med_qty","2023-06"),"none")']


def test_recalc_of_a_workbook_over_parquet_kpis_writes_the_workbooks_values(same_rows: Path) -> None:
    """SPEC §10 item 5: ``kpisheet recalc`` of a book whose cells call KPI(...) with a config of
    parquet: sources writes what the same cells give over the workbook's rows, Excel's own
    functions around them included."""
    import xlsxwriter

    from kpisheet.cli import main
    from kpisheet.excel.functions import invoke
    from kpisheet.excel.recalc.book import load

    dash = same_rows / "dash.xlsx"
    wb = xlsxwriter.Workbook(str(dash))
    sheet = wb.add_worksheet("Dash")
    for r, formula in enumerate(DASH):
        sheet.write_formula(r, 0, formula)
    wb.close()
    assert main(["recalc", str(dash), "--config", str(same_rows / "parquet" / "kpis.yaml")]) == 0
    loaded = load(dash)
    got = {r: v for sp in loaded.parts if sp.scan for (r, c), v in sp.scan.values.items() if c == 1}
    loaded.pkg.close()
    excel, _ = engines(same_rows)
    revenue, lines = invoke("KPI", excel, ["revenue", "2025-06"]), invoke("KPI", excel, ["big_lines", "2025-06"])
    expected = [revenue, invoke("KPI", excel, ["revenue", "2025-06", "Acme"]), invoke("KPI", excel, ["med_qty", "FY2025"]),
                invoke("KPI_STATUS", excel, ["revenue", "2025-06"]), invoke("KPI", excel, ["growth", "2024-11", "Fox"]),
                invoke("KPI", excel, ["items", "2025-Q2"]), round(revenue / lines, 2), "none"]
    assert [got[r + 1] for r in range(len(DASH))] == pytest.approx(expected), got
    assert isinstance(revenue, float) and revenue > 1000 and expected[3] in ("green", "amber", "red")


NAN_KPIS = """version: 1
sources:
  lines: {SOURCE, columns: {date: Date, account: Customer, amount: Amount}}
kpis:
  revenue: {source: lines, measure: sum(amount)}
  positive: {source: lines, measure: count(), filter: amount > 0}
  average: {source: lines, measure: average(amount)}
  rounded: {source: lines, measure: sum(round(amount, 1))}
  low: {source: lines, measure: min(amount)}
"""


NAN_ROWS = ([dt.date(2025, 1, 5), dt.date(2025, 1, 9), dt.date(2025, 2, 3), dt.date(2025, 2, 4)],
            ["A", "A", "B", "B"], [10.25, math.nan, 2.5, -4.0])


def nan_workbook_engine(folder: Path) -> Engine:
    """NAN_ROWS in an .xlsx, the NaN an empty cell, and its engine over NAN_KPIS."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(["Date", "Customer", "Amount"])
    for day, name, amount in zip(*NAN_ROWS):
        sheet.append([day, name, None if math.isnan(amount) else amount])
    book.save(folder / "book.xlsx")
    (folder / "x.yaml").write_text(NAN_KPIS.replace("SOURCE", "sheet: Data"))
    return Engine(load_config(folder / "x.yaml"), folder / "book.xlsx")


def assert_nan_read_as_blank(excel: Engine, other: Engine) -> None:
    for period in ["2025-01", "2025-02", "2025"]:
        for account in [None, "A", "B"]:
            for kpi in excel.config.kpis:
                a, b = excel.result(kpi, period, account), other.result(kpi, period, account)
                assert same(a, b), (kpi, period, account, a, b)
    assert other.result("revenue", "2025-01").value == 10.25
    assert other.result("rounded", "2025").value == 10.3 + 2.5 - 4.0


def test_a_nan_in_parquet_is_a_blank_as_the_workbooks_empty_cell(tmp_path: Path) -> None:
    """A float NaN stored in Parquet (not a null) neither makes a sum NaN nor stops round():
    the database reads it as the workbook reads its empty cell."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    days, names, amounts = NAN_ROWS
    pq.write_table(pa.table({"Date": pa.array(days), "Customer": names,
                             "Amount": pa.array(amounts, from_pandas=False)}), tmp_path / "lines.parquet")
    assert pq.read_table(tmp_path / "lines.parquet")["Amount"].null_count == 0  # a NaN, not a null
    (tmp_path / "p.yaml").write_text(NAN_KPIS.replace("SOURCE", "parquet: lines.parquet"))
    assert_nan_read_as_blank(nan_workbook_engine(tmp_path), Engine(load_config(tmp_path / "p.yaml")))
