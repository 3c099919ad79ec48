"""SPEC §8.1, windows with time units, against tests/engine/oracle.py's independent reckoning."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

import pandas as pd
import pytest

from kpisheet import Engine, XlError, load_config
from kpisheet.errors import ConfigError
from tests.conftest import ORACLE_SALES_SOURCE, base_config, config_text, write_book
from tests.engine import oracle as o

KPIS = """\
revenue: {source: sales, measure: sum(amount)}
orders: {source: sales, measure: count()}
avg_amount: {source: sales, measure: average(amount)}
biggest: {source: sales, measure: max(amount)}
last_year: {formula: "prev(revenue, 12, 'month')"}
yoy: {formula: "revenue / prev(revenue, 1, 'year') - 1"}
r3m: {formula: "rolling(revenue, 3, 'month')"}
r3m_avg: {formula: "rolling(avg_amount, 3, 'month')"}
r2w_max: {formula: "rolling(biggest, 2, 'week')"}
r3m_last_year: {formula: "prev(r3m, 1, 'year')"}
per_order: {formula: revenue / orders}
per_order_r1q: {formula: "rolling(per_order, 1, 'quarter')"}
week_ago: {formula: "prev(revenue, 7, 'day')"}
rev_ytd: {formula: ytd(revenue)}
ytd_last_year: {formula: "prev(rev_ytd, 1, 'year')"}
prev_plain: {formula: "prev(revenue)"}
rolling_plain: {formula: "rolling(revenue, 3)"}
"""
PERIODS = ["2022", "2022-Q2", "2022-03", "2022-12-15", "2022-W10", "2021-02", "2021-01-10", "2023-Q3", "2024-03"]
ACCOUNTS: list[Optional[str]] = [None, "Acme", "Fjord"]


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return o.make_rows()


@pytest.fixture(scope="module")
def engine(rows: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    folder = tmp_path_factory.mktemp("windows")
    table = [list(rows.columns)] + rows.values.tolist()
    book = write_book(folder / "book.xlsx", {"Sales": table})
    cfg = folder / "kpisheet.yaml"
    cfg.write_text(config_text(KPIS, base=base_config(ORACLE_SALES_SOURCE)))
    return Engine(load_config(cfg), book)


def expected(df: pd.DataFrame, kpi: str, period: str, account: Optional[str]) -> float | XlError:
    s = o.span(period)
    m = lambda func, sp: o.measure(df, func, sp, account)  # noqa: E731
    if kpi == "last_year":
        return m("sum", o.back(s, 12, "month"))
    if kpi == "yoy":
        now, before = m("sum", s), m("sum", o.back(s, 1, "year"))
        if math.isnan(now) or math.isnan(before):
            return XlError.NA
        return XlError.DIV0 if before == 0 else now / before - 1
    if kpi == "r3m":
        return m("sum", o.window(s, 3, "month"))
    if kpi == "r3m_avg":
        return m("average", o.window(s, 3, "month"))
    if kpi == "r2w_max":
        return m("max", o.window(s, 2, "week"))
    if kpi == "r3m_last_year":
        return m("sum", o.window(o.back(s, 1, "year"), 3, "month"))
    if kpi in ("per_order", "per_order_r1q"):
        sp = s if kpi == "per_order" else o.window(s, 1, "quarter")
        rev, n = m("sum", sp), m("count", sp)
        if math.isnan(rev):
            return XlError.NA
        return XlError.DIV0 if n == 0 else rev / n
    if kpi == "week_ago":
        return m("sum", o.back(s, 7, "day"))
    if kpi == "ytd_last_year":  # the year to date a year before: [1 January, last day] moved back a year
        ytd = (o.dt.date(s[1].year, 1, 1), s[1])
        return m("sum", o.back(ytd, 1, "year"))
    raise AssertionError(kpi)


def _check(engine: Engine, df: pd.DataFrame, kpi: str, period: str, account: Optional[str]) -> None:
    want = expected(df, kpi, period, account)
    got = engine.result(kpi, period, account)
    if isinstance(want, float) and math.isnan(want):
        want = XlError.NA
    if isinstance(want, XlError):
        assert (got.value, got.error) == (None, want), (kpi, period, account)
    else:
        assert got.error is None and got.value == pytest.approx(want, rel=1e-12), (kpi, period, account, got)


@pytest.mark.parametrize("kpi", ["last_year", "yoy", "r3m", "r3m_avg", "r2w_max", "r3m_last_year",
                                 "per_order", "per_order_r1q", "week_ago", "ytd_last_year"])
def test_windows_with_units_at_every_grain(engine: Engine, rows: pd.DataFrame, kpi: str) -> None:
    for period in PERIODS:
        for account in ACCOUNTS:
            _check(engine, rows, kpi, period, account)


def test_the_spec_examples(engine: Engine, rows: pd.DataFrame) -> None:
    revenue = lambda p: engine.result("revenue", p).value  # noqa: E731
    assert engine.result("last_year", "2022").value == revenue("2021")
    assert engine.result("last_year", "2022-03").value == revenue("2021-03")
    assert engine.result("last_year", "2022-Q2").value == revenue("2021-Q2")
    oct_dec = sum(revenue(m) or 0 for m in ("2022-10", "2022-11", "2022-12"))
    assert engine.result("r3m", "2022").value == engine.result("r3m", "2022-Q4").value == pytest.approx(oct_dec)
    apr_jun = sum(revenue(m) or 0 for m in ("2022-04", "2022-05", "2022-06"))
    assert engine.result("r3m", "2022-06").value == pytest.approx(apr_jun)
    sep16 = o.rows_in(rows, (o.dt.date(2022, 9, 16), o.dt.date(2022, 12, 15)))["Amount"].sum()
    assert engine.result("r3m", "2022-12-15").value == pytest.approx(sep16)


def test_unitless_windows_keep_their_v1_meaning(engine: Engine) -> None:
    revenue = lambda p: engine.result("revenue", p).value  # noqa: E731
    assert engine.result("prev_plain", "2022").value == revenue("2021")  # one period of the asked grain
    assert engine.result("prev_plain", "2022-Q2").value == revenue("2022-Q1")
    assert engine.result("rolling_plain", "2022").value == pytest.approx(revenue("2021") + revenue("2022"))
    assert engine.result("rolling_plain", "2022-Q2").value == pytest.approx(
        revenue("2021-Q4") + revenue("2022-Q1") + revenue("2022-Q2"))


def test_month_arithmetic_is_clamped(engine: Engine, rows: pd.DataFrame) -> None:
    # 2022-03-31 one month back is 2022-02-28 (a day that does exist)
    feb28 = o.rows_in(rows, (o.dt.date(2022, 2, 28), o.dt.date(2022, 2, 28)))["Amount"].sum()
    cfg_result = engine.result("last_year", "2023-02-28").value
    assert cfg_result == o.rows_in(rows, (o.dt.date(2022, 2, 28), o.dt.date(2022, 2, 28)))["Amount"].sum()
    assert engine.result("r3m", "2022-05-31").value == pytest.approx(
        o.rows_in(rows, (o.dt.date(2022, 3, 1), o.dt.date(2022, 5, 31)))["Amount"].sum())
    assert feb28 >= 0


@pytest.mark.parametrize("formula, covers_all", [  # n at most limits.MAX_PERIOD_STEPS (2,958,465); more is a config error
    ("rolling(revenue, 2958465, 'year')", True), ("rolling(revenue, 2958465, 'day')", True),
    ("prev(revenue, 2958465, 'week')", False), ("rolling(avg_amount, 2958465, 'month')", True),
    ("rolling(revenue, 2958465)", True), ("prev(revenue, 2958465)", False),
])
def test_huge_windows_cost_what_the_data_costs(rows: pd.DataFrame, tmp_path: Path, formula: str,
                                               covers_all: bool) -> None:
    """A window far wider than the data is clipped to the data's days: no overflow, no huge arrays."""
    table = [list(rows.columns)] + rows.values.tolist()
    book = write_book(tmp_path / "book.xlsx", {"Sales": table})
    cfg = tmp_path / "kpisheet.yaml"
    cfg.write_text(config_text("revenue: {source: sales, measure: sum(amount)}\n"
                               "avg_amount: {source: sales, measure: average(amount)}\n"
                               f"x: {{formula: \"{formula}\"}}\n", base=base_config(ORACLE_SALES_SOURCE)))
    got = Engine(load_config(cfg), book).result("x", "2023-06")
    if not covers_all:
        assert got.error is XlError.NA
    elif "avg_amount" in formula:
        assert got.value == pytest.approx(rows["Amount"].mean())
    else:
        assert got.value == pytest.approx(rows["Amount"].sum())


@pytest.mark.parametrize("formula", ["rolling(revenue, 9999999999, 'year')", "prev(revenue, 99999999999999999999)"])
def test_windows_past_excels_dates_are_config_errors(tmp_path: Path, formula: str) -> None:
    """SPEC §9: a step count past Excel's whole calendar is refused when the config loads."""
    cfg = tmp_path / "kpisheet.yaml"
    cfg.write_text("version: 1\nsources:\n  sales: {sheet: Sales}\nkpis:\n"
                   "  revenue: {source: sales, measure: sum(amount)}\n"
                   f"  x: {{formula: \"{formula}\"}}\n")
    with pytest.raises(ConfigError, match="must be at most 2,958,465"):
        load_config(cfg)
