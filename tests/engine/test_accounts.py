"""Key accounts against scores, tiers, reasons and movements worked out by hand.

Quarter 2026-Q1 of the SALES book (cancelled excluded): revenue A 280, B 55, C 40, D 0, E 0
(total 375); 2025-Q4: A 10, nobody else. Strategic value: A 5, B 2, C 3, D 4, E not listed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from kpisheet import AccountResult, Engine, XlError, load_config
from tests.conftest import ACCOUNTS, SALES, D, write_book

KPIS = """\
revenue: {source: sales, measure: sum(amount), filter: "status != 'cancelled'"}
"""
KEY_ACCOUNTS = """\
key_accounts:
  attributes: accounts
  grain: quarter
  criteria:
    revenue_share: {formula: share(revenue), weight: 50, scale: [0, 0.5]}
    strategic: {formula: attr(strategic_value), weight: 30, scale: [1, 5]}
    growth: {formula: revenue / prev(revenue) - 1, weight: 20, scale: [0, 1]}
  key_if: score >= 60 or pareto(revenue) < 0.5
  tiers:
    A: score >= 70
    B: score >= 40
    C: true
"""


@pytest.fixture
def engine(tmp_path: Path, make_config: Callable[..., Path]) -> Engine:
    book = write_book(tmp_path / "book.xlsx", {"Sales": SALES + [[D(2026, 3, 25), "E", 0, "ok"]],
                                               "Accounts": ACCOUNTS})
    return Engine(load_config(make_config(KPIS, KEY_ACCOUNTS)), book)


def test_scores_tiers_and_reasons(engine: Engine) -> None:
    table = engine.key_accounts("2026-Q1")
    # by score descending, accounts with a row in the quarter first: D (22.5, only in the
    # attributes) comes after B (22.17) and E (0, a row of 0), which have rows
    assert [r.account for r in table] == ["A", "C", "B", "E", "D"]
    assert [r.score for r in table[:3]] == sorted((r.score for r in table[:3]), reverse=True)
    assert by_score(table)[2:] == ["D", "B", "E"]  # what the order would be by score alone
    by = {r.account: r for r in table}
    assert by["A"].score == pytest.approx(100)
    assert by["B"].score == pytest.approx(100 * (50 * (55 / 375) / 0.5 + 30 * 0.25) / 100)
    assert by["C"].score == pytest.approx(100 * (50 * (40 / 375) / 0.5 + 30 * 0.5) / 100)
    assert by["D"].score == pytest.approx(22.5)  # only in the attributes: strategic value alone
    assert by["E"].score == 0  # not in the attributes: attr() is #N/A and adds 0
    assert [(r.tier, r.key) for r in table] == [("A", True), ("C", False), ("C", False), ("C", False), ("C", False)]
    assert [r.account for r in engine.key_accounts("2026-Q1", top=4)] == ["A", "C", "B", "E"]
    assert by["A"].reason == "score = 100 >= 60"
    assert by["C"].reason == "not key: score = 25.67, needs >= 60; pareto(revenue) = 0.8933, needs < 0.5"


def by_score(table: list[AccountResult]) -> list[str]:
    return [r.account for r in sorted(table, key=lambda r: (-(r.score or 0.0), r.account))]


def test_accounts_without_a_counted_row_in_the_period_come_last(tmp_path: Path,
                                                                 make_config: Callable[..., Path]) -> None:
    # "AA" has rows in the quarter, but only cancelled ones, which the criteria's measure does not
    # count: it comes after E (score 0, one row of 0), with D (only in the attributes).
    sales = SALES + [[D(2026, 3, 25), "E", 0, "ok"], [D(2026, 3, 1), "AA", 1000, "cancelled"]]
    book = write_book(tmp_path / "book.xlsx", {"Sales": sales, "Accounts": ACCOUNTS})
    engine = Engine(load_config(make_config(KPIS, KEY_ACCOUNTS)), book)
    table = engine.key_accounts("2026-Q2")  # nobody has a row: by score alone
    assert [r.account for r in table] == by_score(table)
    table = engine.key_accounts("2026-Q1")
    assert [r.account for r in table] == ["A", "C", "B", "E", "D", "AA"]
    assert by_score(table) == ["A", "C", "D", "B", "AA", "E"]
    monthly = engine.key_accounts("2026-03")  # judged at the quarter holding it: the same table
    assert [r.account for r in monthly] == [r.account for r in table]
    assert [r.account for r in engine.key_accounts("2026-Q1", key_only=True)] == ["A"]


def test_criteria_explain_their_points_and_errors(engine: Engine) -> None:
    b = {r.account: r for r in engine.key_accounts("2026-Q1")}["B"]
    assert b.criteria["revenue_share"].value == pytest.approx(55 / 375)
    assert b.criteria["revenue_share"].points == pytest.approx(50 * (55 / 375) / 0.5, abs=1e-6)
    assert b.criteria["strategic"].points == pytest.approx(7.5)
    growth = b.criteria["growth"]  # 2025-Q4 revenue was 0: a division by zero adds 0 and is reported
    assert (growth.value, growth.points, growth.error) == (None, 0, XlError.DIV0)
    e = {r.account: r for r in engine.key_accounts("2026-Q1")}["E"]
    assert e.criteria["strategic"].error == XlError.NA


def test_pareto_makes_a_key_account_and_says_so(tmp_path: Path, make_config: Callable[..., Path]) -> None:
    book = write_book(tmp_path / "book.xlsx", {"Sales": SALES, "Accounts": ACCOUNTS})
    cfg = make_config(KPIS, KEY_ACCOUNTS.replace("score >= 60 or", "score >= 99 or"))
    table = {r.account: r for r in Engine(load_config(cfg), book).key_accounts("2025-Q4")}
    # 2025-Q4: A has all the revenue (score 80, below 99) and no account ranks above it
    assert table["A"].key and table["A"].reason == "pareto(revenue) = 0 < 0.5"


@pytest.mark.parametrize("period, account, previous_tier, movement", [
    ("2025-Q4", "A", None, ""),      # SPEC §8.4: 2025-Q3 lies before the data (2025-12-31 on): no movement
    ("2026-Q1", "A", "A", "same"),
    ("2026-Q2", "A", "A", "lost"),   # no revenue in Q2: share is #DIV/0!, score falls to 30
    ("2026-Q1", "C", "C", "same"),
])
def test_movement(engine: Engine, period: str, account: str, previous_tier: str | None, movement: str) -> None:
    row = {r.account: r for r in engine.key_accounts(period)}[account]
    assert (row.previous_tier, row.movement) == (previous_tier, movement)


def test_latest_and_fiscal_year_grain(tmp_path: Path, make_config: Callable[..., Path]) -> None:
    book = write_book(tmp_path / "book.xlsx", {"Sales": SALES, "Accounts": ACCOUNTS})
    cfg = make_config(KPIS, KEY_ACCOUNTS.replace("grain: quarter", "grain: fiscal_year"))
    cfg.write_text(cfg.read_text().replace("version: 1\n", "version: 1\ncalendar: {fiscal_year_start: 4}\n"))
    engine = Engine(load_config(cfg), book)
    table = engine.key_accounts()
    assert table[0].period == "FY2026" and table[0].account == "A"  # April 2025 - March 2026
    assert table[0].criteria["revenue_share"].value == pytest.approx(290 / 385)
    assert engine.account("B", "FY2026") is not None and engine.account("nobody") is None


def test_key_if_compares_text_as_excel_does(tmp_path: Path, make_config: Callable[..., Path]) -> None:
    """``attr(region) == 'emea'`` holds for "EMEA", as a filter and Excel's ``=`` ignore case
    (issue 13); ordering text ignores case too."""
    book = write_book(tmp_path / "book.xlsx", {"Sales": SALES, "Accounts": ACCOUNTS})
    rules = KEY_ACCOUNTS.replace("key_if: score >= 60 or pareto(revenue) < 0.5",
                                 "key_if: attr(region) == 'emea' or attr(region) < 'amer'")
    engine = Engine(load_config(make_config(KPIS, rules)), book)
    key = {r.account: r.key for r in engine.key_accounts("2026-Q1")}
    assert key == {"A": True, "B": False, "C": True, "D": False}
