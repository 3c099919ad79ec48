"""SPEC §10 over the shapes of data that §7 reads from workbooks: snapshot sources (``date:
none``), text dates with ``date_format``, date arithmetic in row expressions and join keys of
mixed types. Each is computed in the database and compared with the same rows read from an
.xlsx; what cannot run there is a config error with its place."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpisheet.cli import main
from kpisheet.config import load_config
from kpisheet.engine.core import Engine, Result
from kpisheet.errors import ConfigError, EvaluationError, WorkbookError

pytest.importorskip("ibis", reason="the warehouse extra (ibis-framework[duckdb]) is not installed")

KPIS = """
kpis:
  revenue: {source: orders, measure: sum(amount), filter: "paid - shipped <= 20"}
  late: {source: orders, measure: count(), filter: "paid > shipped + 14.5", grain: quarter}
  days_to_pay: {source: orders, measure: average(paid - shipped)}
  due_in_2025: {source: orders, measure: count(), filter: "shipped + 30 >= '2025-01-01'", grain: year}
  food: {source: orders, measure: sum(amount), filter: "menu.category == 'food'"}
  not_101: {source: orders, measure: count(), filter: "item != '101'"}
  low_items: {source: orders, measure: count(), filter: "item < '103' and 'A' <= account"}
  stock: {source: stock, measure: sum(qty), target: 100}
  stock_avg: {source: stock, measure: average(qty)}
  stock_median: {source: stock, measure: median(qty)}
  stock_items: {source: stock, measure: count_distinct(item)}
  stock_big: {source: stock, measure: count(), filter: qty >= 20}
  stock_none: {source: stock, measure: min(qty), filter: qty > 1000, when_empty: na}
  turnover: {formula: revenue / stock}
  stock_growth: {formula: stock / prev(stock) - 1}
"""


def _frames(n: int = 400, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Orders with text dates (day first), a shipping and a payment date; a menu keyed by numbers
    that the orders write as text; a stock list without dates."""
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2024-06-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D")
    shipped = days + pd.to_timedelta(rng.integers(0, 5, n), unit="D")
    paid = shipped + pd.to_timedelta(rng.integers(0, 40, n), unit="D") + pd.to_timedelta(rng.integers(0, 24, n), unit="h")
    orders = pd.DataFrame({
        "Date": [d.strftime("%d/%m/%Y") for d in days],
        "Shipped": shipped,
        "Paid": paid,
        "Customer": rng.choice(["Acme", "Bolt", "Cy"], n),
        "Item": rng.choice(["101", " 102", "103 ", "999"], n),  # text keys, spaces around some
        "Amount": rng.integers(1, 500, n).astype(float),
    })
    orders.loc[5, "Date"] = ""  # a blank date: undated, as in the workbook
    orders.loc[[9, 10], "Item"] = None  # blank items: '' beside text, so != '101' and < '103'
    menu = pd.DataFrame({"Id": [101, 102, 103], "Category": ["Food", "Drink", "food"]})
    stock = pd.DataFrame({"Customer": ["Acme", "Acme", "Bolt", "Cy", "Cy", "Dyna"],
                          "Item": ["101", "102", "101", "103", "103", "102"],
                          "Qty": [12.0, 30.0, 5.0, 44.0, np.nan, 20.0]})
    return orders, menu, stock


def _config(kind: str) -> str:
    def read(sheet: str) -> str:
        if kind == "pg":  # tests/warehouse/test_postgres.py loads the frames as shapes_* tables
            return f"sql: select * from shapes_{sheet.lower()}\n    connection: ${{KPISHEET_TEST_PG}}"
        return f"sheet: {sheet}" if kind == "xlsx" else f"parquet: ../{sheet.lower()}.parquet"

    return (f"sources:\n"
            f"  menu:\n    {read('Menu')}\n    columns: {{id: Id, category: Category}}\n"
            f"  orders:\n    {read('Orders')}\n    date_format: '%d/%m/%Y'\n"
            f"    columns: {{date: Date, shipped: Shipped, paid: Paid, account: Customer, item: Item, amount: Amount}}\n"
            f"    join:\n      menu: {{on: {{item: id}}}}\n"
            f"  stock:\n    {read('Stock')}\n    date: none\n    columns: {{account: Customer, item: Item, qty: Qty}}\n"
            + KPIS)


@pytest.fixture
def shapes(tmp_path: Path) -> Path:
    orders, menu, stock = _frames()
    with pd.ExcelWriter(tmp_path / "book.xlsx", engine="xlsxwriter") as xl:
        for name, df in (("Orders", orders), ("Menu", menu), ("Stock", stock)):
            df.to_excel(xl, sheet_name=name, index=False)
            df.to_parquet(tmp_path / f"{name.lower()}.parquet", index=False)
    for kind in ("xlsx", "parquet"):
        (tmp_path / kind).mkdir()
        (tmp_path / kind / "kpis.yaml").write_text(_config(kind), encoding="utf-8")
    return tmp_path


def _engines(folder: Path) -> tuple[Engine, Engine]:
    return (Engine(load_config(folder / "xlsx" / "kpis.yaml"), folder / "book.xlsx"),
            Engine(load_config(folder / "parquet" / "kpis.yaml")))


def _result(engine: Engine, kpi: str, period: str, account: str | None) -> Result | str:
    try:
        return engine.result(kpi, period, account)
    except EvaluationError as exc:
        return str(exc)


def test_the_parquet_columns_are_what_the_workbook_holds(shapes: Path) -> None:
    """Guards the comparison: text dates stay text, the menu's keys are numbers, the stock has no date."""
    orders = pd.read_parquet(shapes / "orders.parquet")
    assert orders["Date"].dtype != "datetime64[ns]" and orders["Date"].iloc[0].count("/") == 2
    assert pd.api.types.is_integer_dtype(pd.read_parquet(shapes / "menu.parquet")["Id"])
    assert "Date" not in pd.read_parquet(shapes / "stock.parquet").columns


def test_snapshots_text_dates_date_arithmetic_and_mixed_keys_equal_the_workbook(shapes: Path) -> None:
    excel, parquet = _engines(shapes)
    assert parquet.accounts == excel.accounts == ["Acme", "Bolt", "Cy", "Dyna"]
    compared = refused = 0
    for period in ["2024-07", "2024-12", "2025-03", "2025-Q2", "2025", "all", "latest", "2023-01"]:
        for account in [None, "Acme", "Cy", "Dyna", "Nobody"]:
            for kpi in excel.config.kpis:
                a, b = _result(excel, kpi, period, account), _result(parquet, kpi, period, account)
                if isinstance(a, str) or isinstance(b, str):  # 'all' of a dated KPI: the same refusal
                    assert a == b and "cannot read period 'all'" in a, (kpi, period, account, a, b)
                    refused += 1
                    continue
                assert (a.error, a.status, a.period, a.trend) == (b.error, b.status, b.period, b.trend), \
                    (kpi, period, account, a, b)
                assert (a.value is None) == (b.value is None), (kpi, period, account, a, b)
                if a.value is not None and b.value is not None:
                    assert math.isclose(a.value, b.value, rel_tol=1e-9, abs_tol=1e-9), (kpi, period, account, a, b)
                compared += 1
    assert refused == 8 * 5  # the eight KPIs reading dated rows have no period 'all'
    assert compared + refused == 8 * 5 * len(excel.config.kpis)


def test_the_values_compared_are_the_ones_meant(shapes: Path) -> None:
    """Worked out from the frames with pandas, so that a shared mistake would still fail."""
    orders, menu, stock = _frames()
    _, parquet = _engines(shapes)
    assert parquet.result("stock").value == pytest.approx(stock["Qty"].sum())
    assert parquet.result("stock", "2025-03").period == "all"
    assert parquet.result("stock_median", "all", "Acme").value == pytest.approx(21.0)
    assert parquet.result("stock_items").value == 3 and parquet.result("stock_big").value == 3
    assert parquet.result("stock_none").error is not None  # when_empty: na
    dated = orders[orders["Date"] != ""]
    day = pd.to_datetime(dated["Date"], format="%d/%m/%Y")
    late = dated[(dated["Paid"] - dated["Shipped"]) > pd.Timedelta(days=14.5)]
    in_q = (pd.to_datetime(late["Date"], format="%d/%m/%Y").dt.to_period("Q") == pd.Period("2025Q1"))
    assert parquet.result("late", "2025-Q1").value == in_q.sum() > 0
    month = day.dt.to_period("M") == pd.Period("2025-02")
    key = pd.to_numeric(dated["Item"].str.strip(), errors="coerce")
    food = key.map(dict(zip(menu["Id"], menu["Category"].str.lower()))) == "food"
    assert parquet.result("food", "2025-02").value == pytest.approx(dated.loc[month & food, "Amount"].sum())
    assert parquet.result("turnover", "2025-02").value == pytest.approx(
        parquet.result("revenue", "2025-02").value / stock["Qty"].sum())


@pytest.mark.parametrize("change, message", [
    ("filter: \"paid - shipped <= 20\"", "filter: \"paid + shipped <= 20\""),
    ("filter: \"paid > shipped + 14.5\"", "filter: \"paid > 14.5 - shipped\""),
])
def test_date_arithmetic_that_means_nothing_is_a_config_error_with_its_place(
        capsys: pytest.CaptureFixture[str], shapes: Path, change: str, message: str) -> None:
    path = shapes / "parquet" / "kpis.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(change, message), encoding="utf-8")
    assert main(["evaluate", "--config", str(path)]) == 2
    out = capsys.readouterr().err
    assert "cannot take date and" in out or "cannot take number and date" in out, out
    assert "kpis.yaml:" in out and "Traceback" not in out


def test_join_keys_of_kinds_that_never_match_are_a_config_error_with_its_place(
        capsys: pytest.CaptureFixture[str], shapes: Path) -> None:
    path = shapes / "parquet" / "kpis.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("on: {item: id}", "on: {paid: id}"), encoding="utf-8")
    assert main(["evaluate", "--config", str(path)]) == 2
    out = capsys.readouterr().err
    assert "join menu: the keys paid (dates) and menu.id (numbers) cannot match" in out, out
    assert "kpis.yaml:" in out and len(out.splitlines()) == 1


def test_a_text_date_not_matching_date_format_fails_the_query_not_silently(shapes: Path) -> None:
    """The workbook path stops at such a cell; the database refuses to parse it: an error naming
    the source, never a row quietly left undated."""
    orders, menu, stock = _frames()
    orders.loc[7, "Date"] = "2025-13-45"
    orders.to_parquet(shapes / "orders.parquet", index=False)
    parquet = Engine(load_config(shapes / "parquet" / "kpis.yaml"))
    with pytest.raises(WorkbookError) as err:
        parquet.result("revenue", "2025-02")
    assert "source orders: the grouped query: the query failed" in str(err.value)
    assert "kpis.yaml:" in err.value.problems[0].place


def test_date_format_without_a_code_is_refused_for_parquet_too(tmp_path: Path) -> None:
    (tmp_path / "k.yaml").write_text("sources:\n  s:\n    parquet: a.parquet\n    date_format: dd/mm/yyyy\n"
                                     "kpis:\n  n: {source: s, measure: count()}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="has no strftime code"):
        load_config(tmp_path / "k.yaml")
