"""Issue 12: a question about all accounts is answered on grids of column 0 alone, and every
number and error is the one the grids of every account give there, to the last digit.

Each config is evaluated twice over the same tables: by an engine as it is, and by one made to
take the wide path for everything (its ``_totals_only`` false); their grids' column 0 and their
results must be equal, bit for bit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Optional

import numpy as np
import openpyxl
import pytest

from kpisheet import Engine, load_config
from kpisheet.config import Config
from kpisheet.engine.axis import PLAIN
from kpisheet.engine.formulas import _CALLS, TOTALS_ONLY, needs_accounts
from kpisheet.engine.grid import Grid
from kpisheet.expr.parser import parse
from kpisheet.periods import Grain
from kpisheet.sources import FileReader
from tests.engine import oracle as o

ROOT = Path(__file__).resolve().parents[2]

KPIS = """\
  revenue: {source: sales, measure: sum(amount), target: "prev(orders) * 60",
            thresholds: {green: "budget * 1.1", amber: 500}}
  orders: {source: sales, measure: count()}
  avg_amount: {source: sales, measure: average(amount), target: "middle * 0.99"}
  middle: {source: sales, measure: median(amount)}
  smallest: {source: sales, measure: min(amount)}
  biggest: {source: sales, measure: max(amount)}
  buyers: {source: sales, measure: count_distinct(account)}
  kinds: {source: sales, measure: count_distinct(status)}
  big: {source: sales, measure: sum(amount), filter: "amount > 50 and status != 'void'"}
  per_unit: {source: sales, measure: sum(amount / qty)}
  by_unit_filter: {source: sales, measure: count(), filter: "amount / qty > 20"}
  rare: {source: sales, measure: sum(amount), filter: "status == 'rare'", when_empty: na}
  rare_count: {source: sales, measure: count(), filter: "status == 'rare'", when_empty: na}
  rare_median: {source: sales, measure: median(amount), filter: "status == 'rare'", when_empty: na}
  budget: {source: budget, measure: sum(amount), when_empty: na}
  staff: {source: staff, measure: sum(fte)}
  rooms: {source: rooms, measure: count()}
  per_head: {formula: revenue / staff}
  growth: {formula: revenue / prev(revenue) - 1, target: 0.01}
  growth_before: {formula: "prev(growth, 2)"}
  yoy: {formula: "revenue / prev(revenue, 12) - 1"}
  last_year: {formula: "prev(revenue, 1, 'year')"}
  r3: {formula: "rolling(revenue, 3)"}
  r3m_avg: {formula: "rolling(avg_amount, 3, 'month')"}
  r2w_max: {formula: "rolling(biggest, 2, 'week')"}
  r10d_median: {formula: "rolling(middle, 10, 'day')"}
  r3_buyers: {formula: "rolling(buyers, 3)"}
  rev_ytd: {formula: ytd(revenue), target: {month: "ytd(budget)", quarter: 5000}}
  rev_qtd: {formula: qtd(per_unit)}
  ytd_before: {formula: "prev(rev_ytd)"}
  ytd_last_year: {formula: "prev(rev_ytd, 1, 'year')"}
  vs_budget: {formula: "revenue - budget", direction: on_target, target: 0,
              thresholds: {green: 100, amber: "rolling(budget, 2)"}}
  mixed: {formula: "if(revenue > 1000, coalesce(growth, 0), round(abs(min(revenue, budget, 7)), 2))"}
  wrapped: {formula: "max(coalesce(per_unit, -1), rare) + (orders in (3, 5)) - (not (orders >= 2))"}
  all_of: {formula: total(revenue) / 2}
  share_now: {formula: share(revenue)}
  ranked: {formula: rank(revenue)}
  spread: {formula: hhi(revenue)}
  many: {formula: count_accounts(revenue > 100)}
  strategic: {formula: attr(strategic_value) * revenue}
  top: {formula: "top_share(revenue, 2) + growth"}
  over_share: {formula: share_now * 2}
"""
NEEDS_ACCOUNTS = {"share_now", "ranked", "spread", "many", "strategic", "top", "over_share"}
CONFIG = """\
version: 1
sources:
  sales:
    sheet: Sales
    columns: {date: Date, account: Account, amount: Amount, qty: Qty, status: Status}
  budget:
    sheet: Budget
    columns: {date: Month, amount: Amount}
  staff:
    sheet: Staff
    date: none
    columns: {account: Team, fte: FTE}
  rooms:
    sheet: Rooms
    date: none
  accounts:
    sheet: Accounts
kpis:
"""
KEY_ACCOUNTS = """\
key_accounts:
  attributes: accounts
  criteria:
    share: {formula: share(revenue), weight: 60, scale: [0, 0.3]}
    growing: {formula: "revenue - prev(revenue)", weight: 40, scale: [0, 100]}
  key_if: score >= 50 or pareto(revenue) < 0.5
  tiers: {A: score >= 75, B: score >= 40, C: "true"}
"""
# before the data, its first periods, the middle, its last, after it; at every grain
PERIODS = ["2020-12", "2021-01", "2021-02", "2022-03", "2022-12-15", "2021-01-05", "2022-W10", "2021-W01",
           "2022-Q2", "2021-Q1", "2022", "2021", "2023-06", "2023-06-28", "2023-Q3", "2024-03", "FY2022",
           "FY2023-Q1"]


def _book(path: Path) -> Path:
    """The oracle's sales rows (amounts whose sums round: the order of adding shows) with a
    quantity (some 0: a division by zero in ``amount / qty``), a status, and a few error cells."""
    rows = o.make_rows()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sales"
    ws.append(["Date", "Account", "Amount", "Qty", "Status"])
    for i, (date, account, amount) in enumerate(rows.itertuples(index=False)):
        status = "rare" if i % 97 == 0 else "void" if i % 11 == 0 else "ok"
        qty = None if i % 13 == 0 else i % 5
        ws.append([date, account, amount * 1.37 / 3, qty, status])
    for cell, text in (("C40", "#N/A"), ("C700", "#DIV/0!"), ("D901", "#VALUE!")):
        ws[cell] = text
        ws[cell].data_type = "e"  # a real error cell, as Excel saves one
    budget = wb.create_sheet("Budget")
    budget.append(["Month", "Amount"])
    for m in range(18):  # 2021-01 .. 2022-06, then no budget (#N/A: when_empty na)
        budget.append([dt.datetime(2021 + m // 12, m % 12 + 1, 1), 1000.0 + m * 13.7])
    staff = wb.create_sheet("Staff")
    staff.append(["Team", "FTE"])
    for team, fte in (("Acme", 1.5), ("Bolt", 2.25), ("Nobody", 0.1)):
        staff.append([team, fte])
    rooms = wb.create_sheet("Rooms")
    rooms.append(["Room"])
    for room in ("North", "South"):
        rooms.append([room])
    accounts = wb.create_sheet("Accounts")
    accounts.append(["account", "strategic_value"])
    for i, name in enumerate(o.ACCOUNTS):
        accounts.append([name, i + 1])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Path]:
    folder = tmp_path_factory.mktemp("totals")
    book = _book(folder / "book.xlsx")
    cfg = folder / "kpisheet.yaml"
    cfg.write_text(CONFIG + KPIS + KEY_ACCOUNTS)
    return load_config(cfg), book


def _wide(config: Config, book: Optional[Path], reader: FileReader) -> Engine:
    """An engine that answers every question on the grids of every account (the path before issue 12)."""
    engine = Engine(config, book, reader=reader)
    engine._totals_only = lambda name: False  # type: ignore[method-assign]
    engine._reads_totals = lambda node: False  # type: ignore[method-assign]
    return engine


def _outcome(call: Any) -> Any:
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 - both paths must fail alike
        return (type(exc).__name__, str(exc))


def _same_column(totals: Grid, wide: Grid) -> None:
    assert totals.shape == (wide.shape[0], 1)
    assert np.array_equal(totals.err, wide.err[:, :1])
    if totals.val.dtype == object or wide.val.dtype == object:
        assert totals.val.tolist() == wide.val[:, :1].tolist()
    else:
        assert totals.val.dtype == wide.val.dtype
        assert np.array_equal(totals.val, wide.val[:, :1], equal_nan=True)  # bit for bit, NaN where errors


def _check_grids(config: Config, book: Optional[Path], one_engine: bool = False) -> int:
    """Column 0 of every KPI's grid, target and thresholds at every grain, both ways (by two
    engines, or ``one_engine``); how many KPIs took the totals path."""
    reader = FileReader()
    totals = Engine(config, book, reader=reader)
    wide = totals if one_engine else _wide(config, book, reader)
    taken = 0
    for grain in Grain:
        for name, kpi in config.kpis.items():
            if totals._totals_only(name):
                taken += 1
                got = _outcome(lambda: totals._grid(name, grain, PLAIN, True))
                want = _outcome(lambda: wide._grid(name, grain))
                if isinstance(got, Grid) and isinstance(want, Grid):
                    _same_column(got, want)
                else:
                    assert got == want, (name, grain)
            for totals_bound, wide_bound in ((totals._target_grid(name, grain, True), wide._target_grid(name, grain)),
                                             *zip(totals._threshold_grids(name, grain, True) or (),
                                                  wide._threshold_grids(name, grain) or ())):
                assert (totals_bound is None) == (wide_bound is None)
                if totals_bound is not None and wide_bound is not None:
                    assert np.array_equal(totals_bound.err[:, 0], wide_bound.err[:, 0])
                    assert np.array_equal(totals_bound.val[:, 0], wide_bound.val[:, 0], equal_nan=True)
    return taken


def _check_results(config: Config, book: Optional[Path], periods: list[str], accounts: list[Optional[str]]) -> None:
    """Every KPI's result at each period (fresh engines: windows of the axis where a period is
    short), all accounts together then some accounts on the same engine, both ways."""
    reader = FileReader()
    for period in periods:
        totals, wide = Engine(config, book, reader=reader), _wide(config, book, reader)
        for account in accounts:
            for name in config.kpis:
                got = _outcome(lambda: totals.result(name, period, account))
                assert got == _outcome(lambda: wide.result(name, period, account)), (name, period, account)


def test_the_totals_path_gives_the_wide_path_numbers_to_the_last_digit(made: tuple[Config, Path]) -> None:
    config, book = made
    taken = _check_grids(config, book)
    assert taken == len(Grain) * (len(config.kpis) - len(NEEDS_ACCOUNTS))
    _check_results(config, book, PERIODS, [None, "Acme", None, "Nobody", "Fjord"])


def test_a_totals_question_never_factorises_the_accounts(made: tuple[Config, Path]) -> None:
    config, book = made
    engine = Engine(config, book)
    results = engine.results("2022-12-15", kpis=[k for k in config.kpis if k not in NEEDS_ACCOUNTS])
    assert all(r.error is not None or r.value is not None for r in results)
    assert engine._accounts is None and not engine._source_codes and not engine._distinct
    assert engine._grids and all(grid.shape[1] == 1 for grid in engine._grids.values())
    # then an account question on the same engine: the wide grids beside the totals, each its own
    acme = engine.result("revenue", "2022-12-15", "Acme")
    assert acme == _wide(config, book, FileReader()).result("revenue", "2022-12-15", "Acme")
    assert {key[3] for key in engine._grids} == {True, False}
    assert engine.results("2022-12-15") == _wide(config, book, FileReader()).results("2022-12-15")


@pytest.mark.parametrize("name", ["share_now", "ranked", "spread", "many", "strategic", "top", "over_share"])
def test_a_kpi_reading_the_accounts_takes_the_wide_path(made: tuple[Config, Path], name: str) -> None:
    config, book = made
    engine = Engine(config, book)
    assert not engine._totals_only(name)
    engine.result(name, "2022-03")
    assert engine._accounts is not None
    assert engine._grids[(name, Grain.MONTH, PLAIN, False)].shape[1] == len(engine.accounts) + 1


def test_totals_only_holds_exactly_the_functions_reading_column_0_alone() -> None:
    assert TOTALS_ONLY <= set(_CALLS)
    assert set(_CALLS) - TOTALS_ONLY == {"share", "pareto", "attr", "top_share", "hhi", "count_accounts",
                                         "sum_accounts", "avg_accounts", "rank"}
    assert not needs_accounts(parse("if(a > 1, round(abs(prev(b, 2, 'month')), 2), total(c)) / ytd(d)"))
    assert needs_accounts(parse("coalesce(a, 1 + pareto(b))"))
    assert needs_accounts(parse("count_accounts(a > 1)"))


@pytest.mark.parametrize("name", ["startup", "consulting", "agency", "restaurant"])
def test_the_examples_totals_are_the_wide_path_numbers(name: str) -> None:
    config = load_config(ROOT / "config" / name)
    book = ROOT / "templates" / f"{name}.xlsx"
    assert _check_grids(config, book) > 0
    _check_results(config, book, ["latest", "2026-03", "2025-Q4", "2026", "2026-02-10", "2025-W50"], [None])


def test_your_data_totals_are_the_wide_path_numbers() -> None:
    """Where, join, derive, a measure expression and a snapshot source (README#your-data)."""
    config = load_config(ROOT / "config" / "yourdata")
    assert _check_grids(config, None) > 0
    _check_results(config, None, ["2023-08", "2023-07", "2023-Q3", "2023-08-03", "all", "latest"], [None])


def test_database_totals_are_the_wide_path_numbers() -> None:
    """README#when-the-data-outgrows-the-workbook: a database's grids come grouped by account; the
    totals are their column 0. One engine: DuckDB's parallel SUM of doubles may differ in the
    last digit from one query to the next (so two engines may, whichever path they take)."""
    config = load_config(ROOT / "config" / "warehouse")
    assert _check_grids(config, None, one_engine=True) > 0
    for period in ["latest", "2025-06", "FY2025", "2025-Q2"]:
        engine = Engine(config, None)
        totals = engine.results(period)
        engine._totals_only = lambda name: False  # type: ignore[method-assign]
        engine._reads_totals = lambda node: False  # type: ignore[method-assign]
        assert engine.results(period) == totals
        assert {key[3] for key in engine._grids} == {True, False}
