"""One config with every construct of SPEC §8, evaluated at year, quarter, month and day, for all
accounts and single accounts, against tests/engine/oracle.py's independent reckoning.

The windows (§8.1) and across-account functions (§8.2) reuse the expectations of
test_windows.py and test_across.py; targets and budgets (§8.3), no data (§8.4) and key
accounts (§8.5) are reckoned here.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Optional

import pandas as pd
import pytest

from kpisheet import Engine, XlError, load_config
from tests.conftest import ACCOUNTS_SOURCE, BUDGET_SOURCE, ORACLE_SALES_SOURCE, base_config, config_text, write_book
from tests.engine import oracle as o
from tests.engine import test_across as across
from tests.engine import test_windows as windows

TARGETS = """\
budget_revenue: {source: budget, measure: sum(amount), when_empty: na}
budgeted: {source: sales, measure: sum(amount), target: budget_revenue}
by_grain: {source: sales, measure: sum(amount), target: {month: 2000, quarter: 6000, year: 24000}}
banded: {source: sales, measure: sum(amount), thresholds: {green: budget_revenue, amber: "0.5 * budget_revenue"}}
"""
KEY_ACCOUNTS = """\
key_accounts:
  attributes: accounts
  grain: quarter
  criteria:
    revenue: {formula: share(revenue), weight: 100, scale: [0, 0.5]}
    r3m: {formula: r3m}
  key_if: rank(revenue) <= 2
  tiers: {A: revenue >= 0.3, B: true}
"""
BUDGET = {"Acme": 1000.0, "Bolt": 500.0}  # a line a month in 2022 only
PERIODS = ["2022", "2022-Q2", "2022-03", "2022-03-15", "2021-06", "2023-08"]
ACCOUNTS: list[Optional[str]] = [None, "Acme", "Bolt", "Fjord", "Gala"]


def _kpis() -> str:
    seen: dict[str, str] = {}
    for block in (windows.KPIS, across.KPIS, TARGETS):
        for line in block.splitlines():
            if line.startswith(" ") and seen:
                seen[list(seen)[-1]] += "\n" + line
            else:
                seen.setdefault(line.split(":")[0], line)
    return "\n".join(seen.values())


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return o.make_rows()


@pytest.fixture(scope="module")
def engine(rows: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    folder = tmp_path_factory.mktemp("section8")
    sales = [list(rows.columns)] + rows.values.tolist()
    budget = [["Month", "Account", "Amount"]] + [[dt.datetime(2022, m, 1), a, v] for m in range(1, 13)
                                                 for a, v in BUDGET.items()]
    accounts = [["account", "segment"]] + [[a, "x"] for a in across.UNIVERSE]
    book = write_book(folder / "book.xlsx", {"Sales": sales, "Accounts": accounts, "Budget": budget})
    cfg = folder / "kpisheet.yaml"
    cfg.write_text(config_text(_kpis() + "\n", KEY_ACCOUNTS,
                               base=base_config(ORACLE_SALES_SOURCE, BUDGET_SOURCE, ACCOUNTS_SOURCE)))
    return Engine(load_config(cfg), book)


def _same(got: object, want: float | XlError, what: tuple[object, ...]) -> None:
    from kpisheet.engine.core import Result

    assert isinstance(got, Result)
    if isinstance(want, float) and math.isnan(want):
        want = XlError.NA
    if isinstance(want, XlError):
        assert (got.value, got.error) == (None, want), what
    else:
        assert got.error is None and got.value == pytest.approx(want, rel=1e-12), (what, got)


@pytest.mark.parametrize("period", PERIODS)
def test_windows_and_across_accounts(engine: Engine, rows: pd.DataFrame, period: str) -> None:
    for account in ACCOUNTS:
        for kpi in ("last_year", "yoy", "r3m", "r3m_avg", "r2w_max", "r3m_last_year", "per_order_r1q", "week_ago"):
            _same(engine.result(kpi, period, account), windows.expected(rows, kpi, period, account),
                  (kpi, period, account))
        for kpi in ("top2", "top2_r3m", "conc", "big", "active", "sum_acc", "mean_acc", "mean_avg", "rank_rev",
                    "rank_avg", "mean_per_order"):
            _same(engine.result(kpi, period, account), across.expected(rows, kpi, period, account),
                  (kpi, period, account))


def _budget(period: str, account: Optional[str]) -> Optional[float]:
    first, last = o.span(period)
    lines = [v for m in range(1, 13) for a, v in BUDGET.items()
             if first <= dt.date(2022, m, 1) <= last and account in (None, a)]
    return sum(lines) if lines else None


def _status(value: float, green: Optional[float], amber: Optional[float]) -> str:
    if math.isnan(value) or green is None or amber is None:
        return ""
    return "green" if value >= green else "amber" if value >= amber else "red"


@pytest.mark.parametrize("period", PERIODS)
def test_targets_budgets_and_no_data(engine: Engine, rows: pd.DataFrame, period: str) -> None:
    grain_target = 6000.0 if "-Q" in period else {4: 24000.0, 7: 2000.0}.get(len(period))
    for account in ACCOUNTS:
        value = o.measure(rows, "sum", o.span(period), account)
        budget = _budget(period, account)
        got = engine.result("budgeted", period, account)
        _same(got, value, ("budgeted", period, account))
        assert got.target == budget, (period, account)
        assert got.status == _status(value, budget, None if budget is None else 0.9 * budget), (period, account)
        banded = engine.result("banded", period, account)
        assert banded.status == _status(value, budget, None if budget is None else 0.5 * budget)
        by_grain = engine.result("by_grain", period, account)
        assert by_grain.target == grain_target
        assert by_grain.status == _status(value, grain_target, None if grain_target is None else 0.9 * grain_target)


@pytest.mark.parametrize("period", PERIODS)
def test_key_accounts(engine: Engine, rows: pd.DataFrame, period: str) -> None:
    first, last = o.span(period)
    if len(period) > 7 or len(period) == 7 and "-Q" not in period:  # finer than a quarter: widened
        q = (last.month - 1) // 3 + 1
        judged = f"{last.year}-Q{q}"
    else:
        judged = period
    s = o.span(judged)
    revenue = across.values(rows, "sum", s)
    total = o.measure(rows, "sum", s)
    table = engine.key_accounts(period)
    if math.isnan(total):  # after the data: every share is #N/A, nobody is ranked
        assert not any(r.key for r in table)
        return
    ranked = across.by_rank(revenue)
    assert {r.period for r in table} == {judged}
    assert sorted(r.account for r in table if r.key) == sorted(ranked[:2])
    for r in table:
        share = revenue[r.account] / total
        assert r.criteria["revenue"].value == pytest.approx(share)
        assert r.criteria["r3m"].points is None  # no weight: shown, not scored
        assert r.tier == ("A" if share >= 0.3 else "B")
        if not r.key:
            assert r.reason == f"not key: rank(revenue) = {ranked.index(r.account) + 1}, needs <= 2"
