"""A division by zero in a row expression is ``#DIV/0!`` for its row (SPEC §7.2, §7.3, §8.6).

Over a real .xlsx: a derived column holds the error in the table's error codes, a measure over
``amount / qty`` is ``#DIV/0!`` at the period and account holding the row and the number
(computed here with plain pandas) elsewhere, the ``if`` guard has no error, a blank divisor is
a blank that aggregates skip, ``count()`` is unaffected, a KPI filter that divides by zero
makes the KPI ``#DIV/0!`` where the row falls, and a ``where`` that does is refused.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from kpisheet.config import load_config
from kpisheet.engine.core import Engine
from kpisheet.errors import WorkbookError
from kpisheet.xlerrors import XlError

D = dt.datetime
# February's second row divides by zero (B's); March's divisor is blank.
ROWS = [
    (D(2026, 1, 5), "A", 100.0, 4.0),
    (D(2026, 1, 9), "B", 60.0, 3.0),
    (D(2026, 2, 2), "A", 90.0, 3.0),
    (D(2026, 2, 6), "B", 50.0, 0.0),
    (D(2026, 3, 3), "A", 80.0, None),
    (D(2026, 3, 4), "B", 30.0, 2.0),
]
CONFIG = """
sources:
  sales:
    sheet: Sales
    columns: {date: Date, account: Customer, amount: Amount, qty: Qty}
    derive:
      unit: amount / qty
      guarded: if(qty == 0, 0, amount / qty)
kpis:
  unit_sum: {source: sales, measure: sum(amount / qty), grain: month}
  unit_avg: {source: sales, measure: average(amount / qty), grain: month}
  unit_derived: {source: sales, measure: average(unit), grain: month}
  unit_guarded: {source: sales, measure: sum(guarded), grain: month}
  unit_if: {source: sales, measure: sum(if(qty == 0, 0, amount / qty)), grain: month}
  unit_coalesce: {source: sales, measure: sum(coalesce(amount / qty, 0)), grain: month}
  orders: {source: sales, measure: count(), grain: month}
  big_units: {source: sales, measure: count(), filter: amount / qty > 20, grain: month}
"""


@pytest.fixture
def book(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sales"
    ws.append(["Date", "Customer", "Amount", "Qty"])
    for row in ROWS:
        ws.append(list(row))
    path = tmp_path / "sales.xlsx"
    wb.save(path)
    (tmp_path / "kpisheet.yaml").write_text(textwrap.dedent(CONFIG))
    return path


@pytest.fixture
def engine(book: Path) -> Engine:
    return Engine(load_config(book.parent / "kpisheet.yaml"), book)


def expected() -> pd.DataFrame:
    """The answers by hand, with plain pandas over the same cells."""
    df = pd.DataFrame(ROWS, columns=["date", "account", "amount", "qty"])
    df["month"] = df["date"].dt.strftime("%Y-%m")
    df["unit"] = df["amount"] / df["qty"].where(df["qty"] != 0)  # the zero row set aside: it is the error
    return df


def test_a_derived_column_holds_div0_in_the_tables_error_codes(engine: Engine) -> None:
    table = engine.table("sales")
    codes = table.error_codes("unit")
    assert codes is not None and codes.tolist() == [0, 0, 0, int(XlError.DIV0), 0, 0]
    assert table.error_codes("guarded") is None
    assert np.isnan(table.df["unit"].iloc[3]) and np.isnan(table.df["unit"].iloc[4])  # the error, the blank
    assert table.df["guarded"].iloc[3] == 0
    assert engine.source_warnings() == []  # no cell of the sheet is an error: the KPIs show it


@pytest.mark.parametrize("kpi", ["unit_sum", "unit_avg", "unit_derived", "unit_coalesce"])
def test_a_measure_over_a_division_by_zero_is_div0_where_its_row_falls(engine: Engine, kpi: str) -> None:
    feb = engine.result(kpi, "2026-02")
    assert (feb.value, feb.error) == (None, XlError.DIV0)  # not 30: Excel's SUM/AVERAGE over the cells is #DIV/0!
    assert engine.result(kpi, "2026-02", "B").error == XlError.DIV0
    df = expected()
    a_feb = df[(df.month == "2026-02") & (df.account == "A")]["unit"]
    agg = "mean" if kpi in ("unit_avg", "unit_derived") else "sum"
    assert engine.result(kpi, "2026-02", "A").value == pytest.approx(getattr(a_feb, agg)())  # A's rows: no error
    jan = df[df.month == "2026-01"]["unit"]
    assert engine.result(kpi, "2026-01").value == pytest.approx(getattr(jan, agg)())
    assert engine.result(kpi, "2026-01").error is None


@pytest.mark.parametrize("kpi", ["unit_sum", "unit_avg", "unit_derived"])
def test_a_blank_divisor_is_a_blank_that_aggregates_skip(engine: Engine, kpi: str) -> None:
    march = engine.result(kpi, "2026-03")
    assert march.error is None
    assert march.value == pytest.approx(30.0 / 2.0)  # 80 / blank is skipped: only B's 15 counts


@pytest.mark.parametrize("kpi", ["unit_guarded", "unit_if"])
def test_the_if_guard_has_no_error(engine: Engine, kpi: str) -> None:
    df = expected()
    guarded = (df["amount"] / df["qty"]).where(df["qty"].fillna(0) != 0, 0.0)
    for month in ("2026-01", "2026-02", "2026-03"):
        got = engine.result(kpi, month)
        assert got.error is None
        assert got.value == pytest.approx(guarded[df.month == month].sum())
    assert engine.result(kpi, "2026-02").value == pytest.approx(30.0)  # 90/3 + 0


def test_count_is_unaffected(engine: Engine) -> None:
    assert [engine.result("orders", m).value for m in ("2026-01", "2026-02", "2026-03")] == [2, 2, 2]


def test_a_kpi_filter_that_divides_by_zero_is_div0_where_its_row_falls(engine: Engine) -> None:
    """Excel's FILTER over such a row is the error: the KPI is #DIV/0! there, not a count without it."""
    feb = engine.result("big_units", "2026-02")
    assert (feb.value, feb.error) == (None, XlError.DIV0)
    assert engine.result("big_units", "2026-02", "B").error == XlError.DIV0
    df = expected()
    for month, account in (("2026-01", None), ("2026-02", "A"), ("2026-03", None)):
        rows = df[(df.month == month) & ((df.account == account) if account else True)]
        want = int((rows["unit"] > 20).sum())  # a blank unit (blank qty) is not > 20
        got = engine.result("big_units", month, account) if account else engine.result("big_units", month)
        assert (got.value, got.error) == (want, None)


def test_a_where_that_divides_by_zero_is_refused(book: Path) -> None:
    config = book.parent / "where.yaml"
    config.write_text(textwrap.dedent("""
        sources:
          sales:
            sheet: Sales
            columns: {date: Date, account: Customer, amount: Amount, qty: Qty}
            where: amount / qty > 20
        kpis:
          orders: {source: sales, measure: count(), grain: month}
    """))
    with pytest.raises(WorkbookError) as caught:
        Engine(load_config(config), book).result("orders", "2026-01")
    message = str(caught.value)
    assert "#DIV/0!" in message and "1 row" in message
    assert f"{book}!Sales!A5" in message  # the fourth data row, under the header in row 1
