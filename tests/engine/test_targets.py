"""SPEC §8.3: targets and thresholds per grain, as formulas, and budgets per period and account.

SALES of conftest, cancelled excluded: 2025-12 A 10; 2026-01 A 100, B 55; 2026-02 A 120;
2026-03 A 60, C 40. The Budget sheet below has lines for some months and accounts only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

import pytest

from kpisheet import Engine, load_config
from kpisheet.errors import ConfigError
from tests.conftest import ACCOUNTS, BUDGET_SOURCE, SALES, SALES_SOURCE, D, base_config, write_book

BUDGET = [["Month", "Account", "Amount"],
          [D(2026, 1, 1), "A", 90], [D(2026, 1, 1), "B", 60], [D(2026, 2, 1), "A", 150],
          [D(2026, 3, 1), "A", 60], [D(2026, 3, 1), "C", 50]]
SOURCES = base_config(SALES_SOURCE, BUDGET_SOURCE)
KPIS = """\
revenue: {source: sales, measure: sum(amount), filter: "status != 'cancelled'", target: budget_revenue}
budget_revenue: {source: budget, measure: sum(amount), when_empty: na}
by_grain: {source: sales, measure: sum(amount), filter: "status != 'cancelled'", target: {month: 100, quarter: 300}}
banded: {source: sales, measure: sum(amount), filter: "status != 'cancelled'",
         thresholds: {green: budget_revenue, amber: "0.9 * budget_revenue"}}
grain_bands: {source: sales, measure: sum(amount), filter: "status != 'cancelled'", target: 100,
              thresholds: {month: {green: 150, amber: 110}}}
on_budget: {source: sales, measure: sum(amount), filter: "status != 'cancelled'", direction: on_target,
            target: budget_revenue, thresholds: {green: 5, amber: 10}}
"""


@pytest.fixture
def engine(tmp_path: Path, make_config: Callable[..., Path]) -> Engine:
    book = write_book(tmp_path / "book.xlsx", {"Sales": SALES, "Accounts": ACCOUNTS, "Budget": BUDGET})
    return Engine(load_config(make_config(KPIS, base=SOURCES)), book)


@pytest.mark.parametrize("kpi, period, account, target, status", [
    ("revenue", "2026-01", None, 150, "green"),
    ("revenue", "2026-01", "A", 90, "green"),
    ("revenue", "2026-01", "B", 60, "amber"),      # 55 >= 54
    ("revenue", "2026-01", "C", None, ""),         # no budget line: no target, not green
    ("revenue", "2026-02", "A", 150, "red"),       # 120 < 135
    ("revenue", "2026-02", "B", None, ""),
    ("revenue", "2025-12", None, None, ""),        # before the budget's data: #N/A target
    ("revenue", "2026-Q1", None, 410, "amber"),    # 375 >= 369
    ("revenue", "2026-Q1", "C", 50, "red"),        # 40 < 45
    ("by_grain", "2026-01", None, 100, "green"),
    ("by_grain", "2026-Q1", "A", 300, "amber"),    # 280 >= 270
    ("by_grain", "2026", None, None, ""),          # the mapping lacks year: no target, no status
    ("by_grain", "2026-W02", None, None, ""),
    ("banded", "2026-01", "B", None, "amber"),     # green 60, amber 54
    ("banded", "2026-02", "A", None, "red"),
    ("banded", "2026-01", "C", None, ""),          # a threshold that is #N/A: no status
    ("grain_bands", "2026-01", None, 100, "green"),
    ("grain_bands", "2026-02", None, 100, "amber"),  # month thresholds 150/110: 120
    ("grain_bands", "2026-03", None, 100, "red"),
    ("grain_bands", "2026-Q1", None, 100, "green"),  # no quarter thresholds: from the target
    ("grain_bands", "2025-Q4", None, 100, "red"),
    ("on_budget", "2026-01", "A", 90, "amber"),    # |100 - 90| = 10
    ("on_budget", "2026-01", None, 150, "green"),  # |155 - 150| = 5
    ("on_budget", "2026-03", "A", 60, "green"),
])
def test_targets_and_status(engine: Engine, kpi: str, period: str, account: Optional[str],
                            target: Optional[float], status: str) -> None:
    result = engine.result(kpi, period, account)
    assert (result.target, result.status) == (target, status)


def test_a_budget_kpi_itself(engine: Engine) -> None:
    assert engine.result("budget_revenue", "2026-02", "B").value is None  # when_empty: na
    assert engine.result("budget_revenue", "2026-Q1", "A").value == 300


@pytest.mark.parametrize("kpis, message", [
    ("r: {source: sales, measure: sum(amount), target: {month: 1, decade: 2}}", "decade"),
    ("r: {source: sales, measure: sum(amount), thresholds: {month: {green: 1, amber: 2}}}",
     "thresholds green 1 and amber 2 are in the wrong order for higher_is_better"),
    ("r: {source: sales, measure: sum(amount), target: {month: nope * 2}}", "unknown KPI 'nope'"),
    ("r: {source: sales, measure: sum(amount), thresholds: {green: r2, amber: 1}}", "unknown KPI 'r2'"),
])
def test_config_errors(make_config: Callable[..., Path], kpis: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(make_config(kpis + "\n"))


def test_cycles_through_targets_are_found(make_config: Callable[..., Path]) -> None:
    with pytest.raises(ConfigError, match="cycle"):
        load_config(make_config("a: {source: sales, measure: sum(amount), target: {month: b}}\n"
                                "b: {formula: a, thresholds: {green: a, amber: 1}}\n"))
