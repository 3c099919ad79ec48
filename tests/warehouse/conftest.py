"""The same rows as a workbook and as Parquet files, for SPEC §10's comparisons."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ibis", reason="the warehouse extra (ibis-framework[duckdb]) is not installed")

KPIS = """
calendar: {fiscal_year_start: 4}
kpis:
  revenue: {source: lines, measure: sum(amount), filter: status != 'cancelled', target: 5000}
  revenue_expr: {source: lines, measure: sum(qty * menu.price), grain: quarter}
  avg_qty: {source: lines, measure: average(qty)}
  med_qty: {source: lines, measure: median(qty)}
  min_qty: {source: lines, measure: min(qty), filter: menu.category == 'food'}
  max_qty: {source: lines, measure: max(qty), filter: "status in ('Open', 'paid') and weekday(date) <= 5"}
  big_lines: {source: lines, measure: count(), filter: big}
  items: {source: lines, measure: count_distinct(item), grain: quarter}
  labels: {source: lines, measure: count_distinct(label), grain: year}
  growth: {formula: revenue / prev(revenue) - 1, unit: "%"}
  rolling_revenue: {formula: rolling(revenue, 3)}
  ytd_median: {formula: ytd(med_qty)}
  rolling_items: {formula: rolling(items, 2), grain: quarter}
  share_revenue: {formula: share(revenue)}
  revenue_45_days: {formula: "rolling(revenue, 45, 'day')"}
  median_2_months: {formula: "rolling(med_qty, 2, 'month')"}
  revenue_year_ago: {formula: "prev(revenue, 1, 'year')"}
  concentration: {formula: hhi(revenue)}
  big_accounts: {formula: count_accounts(revenue > 3000)}
  all_accounts: {formula: sum_accounts(revenue)}
  nothing_found: {source: lines, measure: sum(qty), filter: "status == 'void'", when_empty: na}
"""
PIPELINE = """
    where: account != 'TOTAL'
    join:
      menu: {on: {item: item}}
    derive:
      amount: qty * menu.price
      big: amount >= 100
      label: upper(left(account, 3)) & '-' & coalesce(menu.category, '?')
"""


def rows(n: int = 3000, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Invoice lines over two years and a menu; blanks, mixed case, an unmatched item, a footer."""
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D")
    qty = rng.integers(1, 40, n).astype(float)
    qty[rng.random(n) < 0.05] = np.nan
    lines = pd.DataFrame({
        "Order Date": days.floor("D"),
        "Customer": rng.choice(["Acme", "Bolt", "Café Rossi", "Dyna", "Echo", "Fox"], n),
        "Item": rng.choice(["A1", "b2", "C3", "D4", "Z9"], n),
        "Qty": qty,
        "Status": rng.choice(["open", "Open", "paid", "cancelled", "Cancelled"], n),
    })
    footer = pd.DataFrame({"Order Date": [pd.NaT], "Customer": ["TOTAL"], "Item": [None],
                           "Qty": [float(np.nansum(qty))], "Status": [None]})
    lines = pd.concat([lines, footer], ignore_index=True)
    menu = pd.DataFrame({"item_id": ["A1", "B2", "C3", "D4"], "Price": [12.5, 3.0, 8.0, 1000.25],
                         "Category": ["Food", "Drink", "food", "Wine"]})
    return lines, menu


def config_text(kind: str) -> str:
    if kind == "xlsx":
        lines, menu = "sheet: Lines", "sheet: Menu"
    else:
        lines, menu = "parquet: lines*.parquet", "parquet: menu.parquet"
    return (f"sources:\n  menu:\n    {menu}\n    columns: {{item: item_id, price: Price, category: Category}}\n"
            f"  lines:\n    {lines}\n    columns: {{date: Order Date, account: Customer, item: Item, qty: Qty,"
            f" status: Status}}\n{PIPELINE}{KPIS}")


@pytest.fixture
def same_rows(tmp_path: Path) -> Path:
    """A folder with book.xlsx, lines-1/2.parquet, menu.parquet and one config for each."""
    lines, menu = rows()
    with pd.ExcelWriter(tmp_path / "book.xlsx", engine="xlsxwriter") as xl:
        lines.to_excel(xl, sheet_name="Lines", index=False)
        menu.to_excel(xl, sheet_name="Menu", index=False)
    half = len(lines) // 2  # a glob of two files
    lines.iloc[:half].to_parquet(tmp_path / "lines-1.parquet", index=False)
    lines.iloc[half:].to_parquet(tmp_path / "lines-2.parquet", index=False)
    menu.to_parquet(tmp_path / "menu.parquet", index=False)
    for kind in ("xlsx", "parquet"):
        (tmp_path / kind).mkdir()
        (tmp_path / kind / "kpis.yaml").write_text(config_text(kind).replace("lines*.parquet", "../lines*.parquet")
                                                   .replace("menu.parquet", "../menu.parquet"), encoding="utf-8")
    return tmp_path
