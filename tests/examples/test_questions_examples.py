"""Issue 10 in the examples: units on windows, concentration across accounts, a budget per month
and client (SPEC §8.1-8.3), checked against the workbook's own sheets read independently."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from kpisheet.expr.ast import Call, walk
from kpisheet.init import init
from tests.examples.test_examples import EXAMPLES, book, engine


@pytest.mark.parametrize("name", EXAMPLES)
def test_windows_carry_units(name: str) -> None:
    config = engine(name).config
    exprs = [k.formula for k in config.kpis.values() if k.formula is not None]
    if config.key_accounts is not None:
        exprs += [c.formula for c in config.key_accounts.criteria.values()]
    windows = [n for e in exprs for n in walk(e.node) if isinstance(n, Call) and n.func in ("prev", "rolling")]
    assert windows and all(len(n.args) == 3 for n in windows)


def test_startup_concentration_is_across_accounts() -> None:
    e = engine("startup")
    formulas = {k: v.formula.text for k, v in e.config.kpis.items() if v.formula is not None}
    assert "top_share(revenue, 1)" in formulas["customer_concentration"]
    assert "hhi(revenue)" in formulas["revenue_hhi"]
    # independently: Client A's share of the month's revenue, and the sum of squared shares
    rows = CalamineWorkbook.from_path(str(book("startup"))).get_sheet_by_name("Invoices").to_python()[1:]
    month = [r for r in rows if _day(r[0]).strftime("%Y-%m") == "2026-06" and r[4] != "cancelled"]
    by_client: dict[str, float] = {}
    for r in month:
        by_client[r[1]] = by_client.get(r[1], 0.0) + float(r[3])
    total = sum(by_client.values())
    assert e.result("customer_concentration", "2026-06").value == pytest.approx(max(by_client.values()) / total)
    assert e.result("revenue_hhi", "2026-06").value == pytest.approx(sum((v / total) ** 2 for v in by_client.values()))
    assert e.result("customer_concentration", "2026-06", "Brightwave").value == pytest.approx(
        max(by_client.values()) / total)  # the same for every account asked


def _day(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    assert isinstance(value, dt.date)
    return value


@pytest.mark.parametrize("client, period", [("Client A", "2026-06"), ("Brightwave", "2025-03"),
                                            (None, "2026-10"), ("Mistral Mobility", "2025-12")])
def test_startup_budget_is_the_target_per_month_and_client(client: str | None, period: str) -> None:
    rows = CalamineWorkbook.from_path(str(book("startup"))).get_sheet_by_name("Budget").to_python()[1:]
    lines = [float(r[2]) for r in rows
             if _day(r[0]).strftime("%Y-%m") == period and (client is None or r[1] == client)]
    result = engine("startup").result("revenue", period, client)
    if lines:
        assert result.target == pytest.approx(sum(lines)) and result.status in ("green", "amber", "red")
    else:  # Mistral Mobility was won in 2025-09, after the 2025 plan: no budget line, no status
        assert (result.target, result.status) == (None, "")


def test_budget_sheet_is_in_what_init_copies(tmp_path: Path) -> None:
    init(tmp_path, "startup")
    assert "Budget" in CalamineWorkbook.from_path(str(tmp_path / "startup.xlsx")).sheet_names


@pytest.mark.parametrize("period, target", [("2026-06", 50000), ("2026-Q2", 150000), ("2025", 600000),
                                            ("2025-W10", None)])
def test_startup_targets_per_grain(period: str, target: float | None) -> None:
    result = engine("startup").result("client_a_revenue", period)
    assert result.target == target and (result.status == "") == (target is None)
