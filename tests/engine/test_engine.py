"""The engine against values worked out by hand on the SALES book of conftest."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from kpisheet import Engine, XlError, load_config

KPIS = """\
revenue: {source: sales, measure: sum(amount), filter: "status != 'cancelled'", target: 100}
gross: {source: sales, measure: sum(amount)}
orders: {source: sales, measure: count()}
avg_amount: {source: sales, measure: average(amount), filter: "status != 'cancelled'"}
median_amount: {source: sales, measure: median(amount)}
biggest: {source: sales, measure: max(amount)}
smallest: {source: sales, measure: min(amount)}
clients: {source: sales, measure: count_distinct(account)}
growth: {formula: revenue / prev(revenue) - 1}
two_back: {formula: "prev(revenue, 2)"}
rolling_2: {formula: "rolling(revenue, 2)"}
revenue_ytd: {formula: ytd(revenue)}
revenue_qtd: {formula: qtd(revenue)}
share_rev: {formula: share(revenue)}
total_rev: {formula: total(revenue)}
pareto_rev: {formula: pareto(revenue)}
nothing: {source: sales, measure: sum(amount), filter: "status == 'never'"}
broken: {formula: revenue / nothing}
rescued: {formula: "coalesce(revenue / nothing, -1)"}
guarded: {formula: "if(nothing == 0, 0, revenue / nothing)"}
carried: {formula: broken + 1}
avg_ytd: {formula: ytd(avg_amount)}
med_rolling: {formula: "rolling(median_amount, 2)"}
rounded: {formula: "round(revenue / 7, 2)"}
halves: {formula: "round(2.5) + round(-2.5) * 10"}
hundreds: {formula: "round(revenue * 10 + 0.5, -2)"}
old_avg: {formula: "prev(avg_amount, 24)"}
old_growth: {formula: "prev(growth, 30)"}
"""


@pytest.fixture
def engine(book: Path, make_config: Callable[..., Path]) -> Engine:
    return Engine(load_config(make_config(KPIS)), book)


def value(engine: Engine, kpi: str, period: str | None = None, account: str | None = None) -> float | None:
    return engine.result(kpi, period, account).value


@pytest.mark.parametrize("kpi, period, expected", [
    ("revenue", "2026-01", 155), ("revenue", "2026-02", 120), ("revenue", "2026-03", 100),
    ("revenue", "2025-12", 10), ("revenue", "2026-01-02", 0),  # SPEC §8.4: a day inside the data, without rows
    ("gross", "2026-02", 150), ("orders", "2026-02", 2), ("orders", "2026-01", 3),
    ("revenue", "2026-Q1", 375), ("revenue", "2026", 375), ("revenue", "2025", 10),
    ("revenue", "2026-W01", 15), ("revenue", "2026-W02", 100), ("revenue", "2026-01-05", 100),
    ("avg_amount", "2026-01", 155 / 3), ("median_amount", "2026-02", 75), ("biggest", "2026-Q1", 120),
    ("smallest", "2026-Q1", 5), ("clients", "2026-Q1", 3), ("clients", "2025-12", 1),
    ("growth", "2026-02", 120 / 155 - 1), ("growth", "2026-01", 155 / 10 - 1),
    ("two_back", "2026-03", 155), ("two_back", "2026-02", 10), ("rolling_2", "2026-03", 220), ("rolling_2", "2026-01", 165),
    ("revenue_ytd", "2026-03", 375), ("revenue_ytd", "2026-01", 155), ("revenue_qtd", "2026-02", 275),
    ("share_rev", "2026-01", 1.0), ("total_rev", "2026-01", 155),
    ("rescued", "2026-01", -1), ("guarded", "2026-01", 0),
    ("avg_ytd", "2026-02", (155 + 120) / 4), ("med_rolling", "2026-02", 50),
    ("rounded", "2026-01", 22.14), ("halves", "2026-01", 3 - 30),
    ("hundreds", "2026-01", 1600),  # a negative digits argument (it was an AssertionError)
])
def test_values_worked_by_hand(engine: Engine, kpi: str, period: str, expected: float) -> None:
    assert value(engine, kpi, period) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("kpi, period, account, expected", [
    ("revenue", "2026-01", "A", 100), ("revenue", "2026-01", "B", 55), ("revenue", "2026-01", "C", 0),
    ("share_rev", "2026-01", "A", 100 / 155), ("total_rev", "2026-01", "B", 155),
    ("pareto_rev", "2026-Q1", "A", 0), ("pareto_rev", "2026-Q1", "B", 280 / 375),
    ("pareto_rev", "2026-Q1", "C", 335 / 375),
    ("growth", "2026-02", "A", 120 / 100 - 1), ("clients", "2026-Q1", "A", 1),
])
def test_one_account(engine: Engine, kpi: str, period: str, account: str, expected: float) -> None:
    assert value(engine, kpi, period, account) == pytest.approx(expected)


@pytest.mark.parametrize("kpi, period, account, error", [
    ("avg_amount", "2026-04", None, XlError.NA),       # no rows: average has no value
    ("median_amount", "2026-04", "A", XlError.NA),
    ("growth", "2025-12", None, XlError.NA),            # SPEC §8.4: the month before is before the data
    ("growth", "2026-02", "C", XlError.DIV0),
    ("broken", "2026-01", None, XlError.DIV0),
    ("carried", "2026-01", None, XlError.DIV0),         # errors propagate through formulas
    ("revenue", "2026-01", "nobody", XlError.NA),       # an unknown account
    ("revenue", "2026-01", "D", XlError.NA),            # attributes count only with key_accounts
    ("pareto_rev", "2026-01", None, XlError.NA),        # pareto needs an account
    ("old_avg", "2026-01", None, XlError.NA),           # shifts before the first row of data
    ("old_growth", "2026-03", None, XlError.NA),
    # SPEC §8.4, no data is not zero: periods wholly outside the data's days are #N/A (v1: 0)
    ("revenue", "2026-04", None, XlError.NA), ("revenue", "2030-06", None, XlError.NA),
    ("revenue", "2019-01", None, XlError.NA), ("orders", "2026-04", None, XlError.NA),
    ("clients", "2026-04", None, XlError.NA), ("two_back", "2026-01", None, XlError.NA),
    ("revenue", "2026-04", "A", XlError.NA), ("revenue", "2025-11", "A", XlError.NA),
])
def test_errors_are_values(engine: Engine, kpi: str, period: str, account: str | None, error: XlError) -> None:
    result = engine.result(kpi, period, account)
    assert (result.value, result.error) == (None, error)


def test_pareto_ties_go_by_name(tmp_path: Path, make_config: Callable[..., Path]) -> None:
    from tests.conftest import D, write_book

    rows = [["Date", "Account", "Amount", "Status"], [D(2026, 1, 1), "Zed", 50, "ok"],
            [D(2026, 1, 2), "Abe", 50, "ok"], [D(2026, 1, 3), "Max", 100, "ok"]]
    book = write_book(tmp_path / "ties.xlsx", {"Sales": rows, "Accounts": [["account"]]})
    engine = Engine(load_config(make_config("revenue: {source: sales, measure: sum(amount)}\n"
                                            "p: {formula: pareto(revenue)}\n")), book)
    assert [value(engine, "p", "2026-01", a) for a in ("Max", "Abe", "Zed")] == [0, 0.5, 0.75]


def test_fiscal_year_starting_in_april(book: Path, make_config: Callable[..., Path]) -> None:
    path = make_config(KPIS)
    path.write_text(path.read_text().replace("version: 1\n", "version: 1\ncalendar: {fiscal_year_start: 4}\n"))
    engine = Engine(load_config(path), book)
    assert value(engine, "revenue", "FY2026") == 385        # April 2025 - March 2026
    assert value(engine, "revenue", "FY2026-Q4") == 375     # January - March 2026
    assert value(engine, "revenue", "FY2027-Q1") is None  # after the data: #N/A
    assert value(engine, "revenue_ytd", "2026-02") == 285   # April 2025 - February 2026
    assert value(engine, "revenue_qtd", "2026-02") == 275   # January - February 2026
    assert value(engine, "revenue_ytd", "2026-W01") == 15   # to Sunday 2026-01-04
    assert engine.result("revenue", "FY2026").period == "FY2026"


def test_latest_is_the_last_period_with_rows(engine: Engine) -> None:
    assert engine.result("revenue").period == "2026-03"
    assert engine.result("growth").period == "2026-03"
    assert engine.result("revenue", "latest", "D").period == "2026-03"  # the same period for every account


def test_status_and_trend(engine: Engine) -> None:
    jan, feb, mar = (engine.result("revenue", p) for p in ("2026-01", "2026-02", "2026-03"))
    assert (jan.status, feb.status, mar.status) == ("green", "green", "green")
    assert (feb.trend, mar.trend) == ("down", "down")
    assert engine.result("revenue", "2026-04").status == ""  # SPEC §8.4: #N/A (after the data) has no status
    assert engine.result("orders", "2026-01").status == ""   # no target, no thresholds
    assert engine.result("revenue", "2026-05").trend == ""   # no data either side: no trend
    assert engine.result("revenue", "2026-04").trend == ""
    assert engine.result("revenue", "2025-12").trend == ""   # the month before is before the data
    assert engine.result("broken", "2026-01").status == ""   # no target: no status, even for an error


def test_results_name_their_period_canonically(engine: Engine) -> None:
    import datetime as dt

    assert engine.result("revenue", "2026-q1").period == "2026-Q1"
    assert engine.result("revenue", dt.date(2026, 2, 14)).period == "2026-02"  # a date: the KPI's grain


def test_series(engine: Engine) -> None:
    got = [(r.period, r.value) for r in engine.series("revenue", "2025-12", "2026-03")]
    assert got == [("2025-12", 10), ("2026-01", 155), ("2026-02", 120), ("2026-03", 100)]


def test_every_function_of_the_language_is_evaluated() -> None:
    from kpisheet.engine.formulas import _CALLS
    from kpisheet.expr import FUNCTIONS

    # the row functions of SPEC §7.2 live in row expressions only (kpisheet.expr.frame)
    assert set(_CALLS) == {name for name, fn in FUNCTIONS.items() if fn.contexts != {"filter"}}
