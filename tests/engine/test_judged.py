"""SPEC §8.5: key accounts judged once per grain period; names, reasons and points.

Quarter 2026-Q1 of the SALES book (cancelled excluded): revenue A 280, B 55, C 40 (total 375).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest

from kpisheet import Engine, load_config
from kpisheet.cli import main
from tests.conftest import ACCOUNTS, SALES, write_book

KPIS = """\
revenue: {source: sales, measure: sum(amount), filter: "status != 'cancelled'"}
growth: {formula: revenue / prev(revenue) - 1}
"""
KEY_ACCOUNTS = """\
key_accounts:
  attributes: accounts
  grain: quarter
  criteria:
    revenue: {formula: share(revenue), weight: 60, scale: [0, 0.5]}
    strategic: {formula: attr(strategic_value), weight: 40, scale: [1, 5]}
    growth: {formula: growth}
  key_if: score >= 70 or (revenue > 0.1 and strategic >= 3)
  tiers:
    A: revenue >= 0.5
    B: score >= 40
    C: true
"""


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_book(tmp_path / "book.xlsx", {"Sales": SALES, "Accounts": ACCOUNTS})


@pytest.fixture
def engine(book: Path, make_config: Callable[..., Path]) -> Engine:
    return Engine(load_config(make_config(KPIS, KEY_ACCOUNTS)), book)


def test_a_finer_period_is_widened_to_the_grain_period(engine: Engine) -> None:
    q1 = engine.key_accounts("2026-Q1")
    for asked in ("2026-02", "2026-03-15", "2026-W10", None):
        table = engine.key_accounts(asked)
        assert [(r.account, r.period, r.key, r.score) for r in table] == [
            (r.account, r.period, r.key, r.score) for r in q1], asked
    assert engine.key_accounts("2026")[0].period == "2026"  # coarser: used as asked


def test_criterion_names_win_in_rules(engine: Engine) -> None:
    by = {r.account: r for r in engine.key_accounts("2026-Q1")}
    # 'revenue' in tiers is the criterion (a share), not the KPI (280): only A holds >= 0.5
    assert by["A"].tier == "A" and by["C"].tier != "A"
    assert by["A"].criteria["revenue"].value == pytest.approx(280 / 375)
    # C: share 40/375 > 0.1 and strategic 3 >= 3
    assert by["C"].key and by["C"].reason == "revenue = 0.1067 > 0.1 and strategic = 3 >= 3"


def test_reasons_that_did_not_hold_say_what_was_needed(engine: Engine) -> None:
    by = {r.account: r for r in engine.key_accounts("2026-Q1")}
    b_score = 100 * (60 * (55 / 375) / 0.5 + 40 * 0.25) / 100
    assert by["B"].score == pytest.approx(b_score)
    assert by["B"].reason == (f"not key: score = {b_score:.4g}, needs >= 70; "
                              "revenue = 0.1467 > 0.1 and strategic = 2, needs >= 3")


def test_a_criterion_without_weight_has_no_points(book: Path, make_config: Callable[..., Path],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    cfg = make_config(KPIS, KEY_ACCOUNTS)
    code = main(["accounts", str(book), "-c", str(cfg), "-p", "2026-Q1", "-f", "json"])
    out = capsys.readouterr().out
    assert code == 0
    rows = {r["account"]: r for r in json.loads(out)}
    assert rows["A"]["criteria"]["growth"]["points"] is None
    assert rows["A"]["criteria"]["growth"]["value"] == pytest.approx(280 / 10 - 1)
    assert rows["A"]["criteria"]["revenue"]["points"] == pytest.approx(60.0)
    assert main(["accounts", str(book), "-c", str(cfg), "-p", "2026-Q1"]) == 0  # the table shows it too


def test_evaluate_key_accounts_same_for_latest_and_the_period_it_names(
        book: Path, make_config: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    cfg = make_config(KPIS, KEY_ACCOUNTS)
    runs = []
    for period in ("latest", "2026-03"):
        assert main(["evaluate", str(book), "-c", str(cfg), "-p", period, "--key-accounts", "-k", "revenue",
                     "-f", "json"]) == 0
        runs.append(sorted(r["account"] for r in json.loads(capsys.readouterr().out)))
    assert runs[0] == runs[1] == ["A", "C"]


def test_a_later_period_does_not_break_earlier_grids(engine: Engine) -> None:
    before = [(r.account, r.score) for r in engine.key_accounts("2026-Q1")]
    later = engine.key_accounts("2027-Q3")  # after the data: the axis grows
    assert not any(r.key for r in later)
    assert [(r.account, r.score) for r in engine.key_accounts("2026-Q2")] != before
    assert [(r.account, r.score) for r in engine.key_accounts("2026-Q1")] == before
