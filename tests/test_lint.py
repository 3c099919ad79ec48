"""SMART findings, in SPEC §5's exact line format."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from kpisheet.cli import main
from tests.conftest import D, write_book


def lint(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(["lint", *args])
    return code, capsys.readouterr().out.splitlines()


def test_each_letter(capsys: pytest.CaptureFixture[str], make_config: Callable[..., Path]) -> None:
    cfg = make_config("""\
        good: {description: Net revenue booked in the month, source: sales, measure: sum(amount), grain: month,
               owner: Finance, target: 100}
        vague: {description: Improve sales properly, source: sales, measure: sum(amount), grain: month,
                owner: Finance, target: 1}
        short: {description: Revenue, formula: good, grain: month, owner: Finance, target: 1}
        bare: {formula: good * 2}
        """)
    code, lines = lint(capsys, str(cfg))
    assert code == 0
    assert lines == [
        f"{cfg}:11:24: warning: vague: S: vague description ('Improve'): say what is counted",
        f"{cfg}:13:24: warning: short: S: description 'Revenue' is too short to say what is counted",
        f"{cfg}:14:3: warning: bare: S: no description: say what is counted",
        f"{cfg}:14:3: warning: bare: R: no owner: say who answers for this KPI",
        f"{cfg}:14:3: warning: bare: T: no explicit grain",
        f"{cfg}:14:3: warning: bare: T: no target",
    ]
    assert lint(capsys, str(cfg), "--strict")[0] == 1


def test_measurable_and_achievable_need_the_workbook(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                     make_config: Callable[..., Path]) -> None:
    months = [[D(2025, m, 5), "A", 150 + 10 * m, "ok"] for m in range(1, 13)]  # 160 .. 270, spread 110
    book = write_book(tmp_path / "book.xlsx", {"Sales": [["Date", "Account", "Amount", "Status"], *months],
                                                "Accounts": [["account"]]})
    reachable = "{description: Net revenue booked in the month, source: sales, measure: sum(amount), " \
                "grain: month, owner: Finance, target: %s}"
    cfg = make_config(f"""\
        near: {reachable % 300}
        far: {reachable % 400}
        low: {reachable.replace('target: %s', 'target: %s, direction: lower_is_better') % 0}
        missing: {reachable.replace('sum(amount)', 'sum(price)') % 1}
        """)
    code, lines = lint(capsys, str(cfg), "--workbook", str(book))
    assert code == 1  # an error (M) stops evaluation: lint fails
    assert lines == [f"{book}!Sales!A1: error: missing: M: no column 'price' in source 'sales'; "
                     "columns are: date, account, amount, status"]
    cfg.write_text(cfg.read_text().replace("sum(price)", "sum(amount)"))
    code, lines = lint(capsys, str(cfg), "--workbook", str(book))
    assert code == 0
    assert lines == [
        f"{cfg}:10:130: warning: far: A: target 400 is above every value of the last 12 periods (highest 270) "
        "by more than their spread",
        f"{cfg}:11:130: warning: low: A: target 0 is below every value of the last 12 periods (lowest 160) "
        "by more than their spread",
    ]


def test_achievable_compares_with_the_periods_of_the_data_only(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                              make_config: Callable[..., Path]) -> None:
    # three months of data: the window of 12 periods holds those three, whatever the KPI gives before them
    rows = [[D(2025, 1, 5), "A", 100, "ok"], [D(2025, 2, 5), "A", 100, "ok"], [D(2025, 2, 6), "B", 100, "ok"],
            [D(2025, 3, 5), "A", 100, "ok"], [D(2025, 3, 6), "B", 100, "ok"]]
    book = write_book(tmp_path / "book.xlsx", {"Sales": [["Date", "Account", "Amount", "Status"], *rows],
                                                "Accounts": [["account"]]})
    cfg = make_config("""\
        revenue: {description: Net revenue booked in the month, source: sales, measure: sum(amount),
                  grain: month, owner: Finance, target: 150}
        active: {description: Clients with revenue in the month, formula: count_accounts(revenue > 0),
                 grain: month, owner: Finance, target: 9}
        """)
    code, lines = lint(capsys, str(cfg), "--workbook", str(book))
    assert code == 0
    assert [line.split(": ", 1)[1] for line in lines if ": active: A: " in line] == [
        "warning: active: A: target 9 is above every value of the last 3 periods (highest 2) by more than their "
        "spread"]


def test_unitless_windows_described_as_a_stretch_of_time(capsys: pytest.CaptureFixture[str],
                                                         make_config: Callable[..., Path]) -> None:
    """SPEC §8.1: a T finding where prev/rolling without a unit meet a description naming time."""
    cfg = make_config("""\
        revenue: {description: Net revenue booked in the month, source: sales, measure: sum(amount), grain: month,
                  owner: Finance, target: 100}
        r3: {description: Revenue of the three months ending with this one, formula: "rolling(revenue, 3)",
             grain: month, owner: Finance, target: 1}
        yoy: {description: Revenue growth year over year, formula: "revenue / prev(revenue, 12) - 1",
              grain: month, owner: Finance, target: 1}
        ok: {description: Revenue of the three months ending with this one, formula: "rolling(revenue, 3, 'month')",
             grain: month, owner: Finance, target: 1}
        free: {description: Revenue of the three months ending with this one, formula: "rolling(revenue, 3)",
               owner: Finance, target: 1}
        """)
    code, lines = lint(capsys, str(cfg))
    assert code == 0
    t_lines = [line for line in lines if ": T: " in line]
    assert t_lines[0] == (f"{cfg}:11:81: warning: r3: T: rolling(revenue, 3) counts periods of the asked grain, but "
                          "the description names a stretch of time ('months'): give it a unit, such as "
                          "rolling(revenue, 3, 'month')")
    assert "yoy: T: prev(revenue, 12) counts periods" in t_lines[1] and "('year')" in t_lines[1]
    assert len(t_lines) == 3 and "free: T: no explicit grain" in t_lines[2]
