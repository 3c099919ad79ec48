"""SPEC §8.2 and §8.6, functions across accounts, against tests/engine/oracle.py's reckoning."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Callable, Optional

import pandas as pd
import pytest

from kpisheet import Engine, XlError, load_config
from tests.conftest import ACCOUNTS_SOURCE, ORACLE_SALES_SOURCE, base_config, config_text, write_book
from tests.engine import oracle as o

KPIS = """\
revenue: {source: sales, measure: sum(amount)}
orders: {source: sales, measure: count()}
avg_amount: {source: sales, measure: average(amount)}
r3m: {formula: "rolling(revenue, 3, 'month')"}
top2: {formula: "top_share(revenue, 2)"}
top2_r3m: {formula: "top_share(r3m, 2)"}
top9: {formula: "top_share(revenue, 9)"}
conc: {formula: hhi(revenue)}
big: {formula: "count_accounts(revenue >= 1000)"}
active: {formula: "count_accounts(revenue > 0)"}
sum_acc: {formula: sum_accounts(revenue)}
mean_acc: {formula: avg_accounts(revenue)}
mean_avg: {formula: avg_accounts(avg_amount)}
rank_rev: {formula: rank(revenue)}
rank_avg: {formula: rank(avg_amount)}
per_order: {formula: revenue / orders}
mean_per_order: {formula: avg_accounts(per_order)}
"""
KEY_ACCOUNTS = """\
key_accounts:
  attributes: accounts
  grain: quarter
  criteria:
    revenue: {formula: revenue}
  key_if: rank(revenue) <= 2
  tiers: {A: "rank(revenue) == 1", B: true}
"""
UNIVERSE = o.ACCOUNTS + ["Gala"]  # Gala: only in the attributes
PERIODS = ["2022", "2022-Q2", "2022-03", "2022-12-15", "2021-W10", "2023-Q3", "2021-01-04"]


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return o.make_rows()


@pytest.fixture(scope="module")
def engine(rows: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    folder = tmp_path_factory.mktemp("across")
    table = [list(rows.columns)] + rows.values.tolist()
    accounts = [["account", "segment"]] + [[a, "x"] for a in UNIVERSE]
    book = write_book(folder / "book.xlsx", {"Sales": table, "Accounts": accounts})
    cfg = folder / "kpisheet.yaml"
    cfg.write_text(config_text(KPIS, KEY_ACCOUNTS, base=base_config(ORACLE_SALES_SOURCE, ACCOUNTS_SOURCE)))
    return Engine(load_config(cfg), book)


def values(df: pd.DataFrame, func: str, s: o.Span) -> dict[str, float]:
    return o.per_account(df, func, s, UNIVERSE)


def by_rank(vals: dict[str, float]) -> list[str]:
    """Accounts with a value, largest first, ties by name."""
    return sorted((a for a, v in vals.items() if not math.isnan(v)), key=lambda a: (-vals[a], a))


def expected(df: pd.DataFrame, kpi: str, period: str, account: Optional[str]) -> float | XlError:
    s = o.span(period)
    window = o.window(s, 3, "month") if kpi == "top2_r3m" else s
    rev = values(df, "sum", window)
    counted = {a: v for a, v in rev.items() if not math.isnan(v)}
    total = o.measure(df, "sum", window)
    if kpi in ("rank_avg", "mean_avg"):
        avg = values(df, "average", s)
        counted = {a: v for a, v in avg.items() if not math.isnan(v)}
        if kpi == "mean_avg":
            return sum(counted.values()) / len(counted) if counted else XlError.NA
        if account is None or account not in counted:
            return XlError.NA
        return float(by_rank(counted).index(account) + 1)
    if not counted:
        return XlError.NA
    if kpi in ("top2", "top2_r3m", "top9"):
        n = 9 if kpi == "top9" else 2
        return XlError.DIV0 if total == 0 else sum(counted[a] for a in by_rank(counted)[:n]) / total
    if kpi == "conc":
        return XlError.DIV0 if total == 0 else sum((v / total) ** 2 for v in counted.values())
    if kpi == "big":
        return float(sum(v >= 1000 for v in counted.values()))
    if kpi == "active":
        return float(sum(v > 0 for v in counted.values()))
    if kpi == "sum_acc":
        return sum(counted.values())
    if kpi == "mean_acc":
        return sum(counted.values()) / len(counted)
    if kpi == "rank_rev":
        return XlError.NA if account is None else float(by_rank(counted).index(account) + 1)
    if kpi == "mean_per_order":
        orders = values(df, "count", s)
        if any(orders[a] == 0 for a in counted):
            return XlError.DIV0  # an error other than #N/A propagates
        return sum(counted[a] / orders[a] for a in counted) / len(counted)
    raise AssertionError(kpi)


@pytest.mark.parametrize("kpi", ["top2", "top2_r3m", "top9", "conc", "big", "active", "sum_acc", "mean_acc",
                                 "mean_avg", "rank_rev", "rank_avg", "mean_per_order"])
def test_across_accounts_at_every_grain(engine: Engine, rows: pd.DataFrame, kpi: str) -> None:
    seen = set()
    for period in PERIODS:
        for account in [None, "Acme", "Bolt", "Fjord", "Gala"]:
            want = expected(rows, kpi, period, account)
            got = engine.result(kpi, period, account)
            seen.add(type(want))
            if isinstance(want, XlError):
                assert (got.value, got.error) == (None, want), (kpi, period, account, got)
            else:
                assert got.error is None and got.value == pytest.approx(want, rel=1e-12), (kpi, period, account, got)
    if kpi != "mean_per_order":  # Gala never orders: its #DIV/0! is in every period
        assert float in seen  # each KPI has numbers somewhere, not only errors


def test_the_same_number_for_every_account(engine: Engine) -> None:
    shares = {engine.result("top2", "2022", a).value for a in (None, "Acme", "Gala", "Echo")}
    assert len(shares) == 1


def test_ties_go_by_name(tmp_path: Path, make_config: Callable[..., Path]) -> None:
    from tests.conftest import D

    sales = [["Date", "Account", "Amount", "Status"], [D(2026, 1, 1), "Zed", 50, "ok"],
             [D(2026, 1, 2), "Abe", 50, "ok"], [D(2026, 1, 3), "Max", 100, "ok"]]
    book = write_book(tmp_path / "ties.xlsx", {"Sales": sales, "Accounts": [["account"]]})
    engine = Engine(load_config(make_config("revenue: {source: sales, measure: sum(amount)}\n"
                                            "r: {formula: rank(revenue)}\nt: {formula: 'top_share(revenue, 2)'}\n")),
                    book)
    assert [engine.result("r", "2026-01", a).value for a in ("Max", "Abe", "Zed")] == [1, 2, 3]
    assert engine.result("t", "2026-01").value == 0.75


def test_key_if_and_tiers_can_rank(engine: Engine, rows: pd.DataFrame) -> None:
    table = engine.key_accounts("2022-Q2")
    top = by_rank(values(rows, "sum", o.span("2022-Q2")))
    assert sorted(r.account for r in table if r.key) == sorted(top[:2])
    assert [r.account for r in table if r.tier == "A"] == top[:1]
