"""Columns of ``=KPI(A2,B2,C2)`` cells computed at once (issue 12): the same values, warnings and
bytes as the cell-by-cell path, on a real book whose arguments hold every kind of value the
functions take or refuse (known, unknown and blank accounts, bad periods, unknown KPIs, error
cells, numbers, logicals), and the engine's column question gives :meth:`Engine.result`'s results."""

from __future__ import annotations

import itertools
import zipfile
from pathlib import Path
from typing import Any, Callable

import pytest

import kpisheet.engine.core as core
from kpisheet.config import load_config
from kpisheet.engine.core import Engine
from kpisheet.excel.recalc import calc, recalc
from kpisheet.excel.recalc.values import Err
from tests.conftest import ACCOUNTS, KEY_ACCOUNTS, SALES, write_book
from tests.excel.recalc.test_kpi import KPIS, _values

NAMES = ["revenue", "orders", "growth", "nope", " Revenue ", "#N/A", True, None]
PERIODS = ["2026-01", "2026-02", "2026-03", "2025-12", None, "2026-13", 2026, 46035.0, "2026-Q1", "#DIV/0!",
           False, "  2026-02 "]
ACCOUNT_ARGS = ["A", "B", "C", "D", "Z", None, " A ", 12345, True, "#N/A", ""]
FUNCTIONS = ["KPI", "KPI_STATUS", "KPI_TARGET", "KPI_TREND"]


def _rows() -> list[list[Any]]:
    """One row a combination: name, period, account, then one cell a function over them, one with
    two arguments, one reading a formula cell (J: ``=C``), which is computed cell by cell, and
    one whose KPI is always row 2's (``A$2``)."""
    rows: list[list[Any]] = [["KPI", "Period", "Account", *FUNCTIONS, "Two", "Formula arg", "J", "Fixed"]]
    for r, (name, period, account) in enumerate(itertools.product(NAMES, PERIODS, ACCOUNT_ARGS), start=2):
        rows.append([name, period, account, *(f"={fn}(A{r},B{r},C{r})" for fn in FUNCTIONS),
                     f"=KPI(A{r},B{r})", f"=KPI_STATUS(A{r},B{r},J{r})", f"=C{r}&\"\"", f"=KPI(A$2,B{r},C{r})"])
    return rows


@pytest.fixture
def columns(tmp_path: Path, make_config: Callable[..., Path]) -> Path:
    make_config(KPIS, KEY_ACCOUNTS)
    return write_book(tmp_path / "columns.xlsx", {"Sales": SALES, "Accounts": ACCOUNTS, "Cells": _rows()})


def _sheets(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_columns_at_once_match_cell_by_cell(columns: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    real = core.Engine.results_for_accounts

    def spy(self: Engine, name: str, period: object, accounts: Any) -> Any:
        asked.append(len(accounts))
        return real(self, name, period, accounts)

    monkeypatch.setattr(core.Engine, "results_for_accounts", spy)
    at_once = recalc(columns, out=tmp_path / "at_once.xlsx")
    assert asked and sum(asked) < len(_rows()) * 4  # asked by column, each account once per KPI and period
    monkeypatch.setattr(calc.Evaluation, "_batched", lambda self: set())
    asked.clear()
    by_cell = recalc(columns, out=tmp_path / "by_cell.xlsx")
    assert not asked
    assert _sheets(tmp_path / "at_once.xlsx") == _sheets(tmp_path / "by_cell.xlsx")
    assert sorted(at_once.warnings) == sorted(by_cell.warnings)
    assert [c.place for c in at_once.changes] == [c.place for c in by_cell.changes]
    # and the values are what the functions say, not the same wrong value twice
    values = _values(tmp_path / "at_once.xlsx")
    row = {(name, period, account): r for r, (name, period, account)
           in enumerate(itertools.product(NAMES, PERIODS, ACCOUNT_ARGS), start=2)}
    cell = lambda key, col: values.get(("Cells", row[key], col))  # noqa: E731
    assert cell(("revenue", "2026-01", "A"), 4) == 100.0
    assert cell(("revenue", "2026-01", None), 4) == 155.0
    assert cell(("revenue", "2026-01", " A "), 4) == 100.0
    assert cell(("revenue", "2026-01", "Z"), 4) == Err("#N/A")
    assert cell(("revenue", "2026-01", "D"), 4) == 0.0 or isinstance(cell(("revenue", "2026-01", "D"), 4), Err)
    assert cell(("revenue", "2026-13", "A"), 4) == Err("#VALUE!")
    assert cell(("nope", "2026-01", "A"), 4) == Err("#NAME?")
    assert cell(("#N/A", "2026-01", "A"), 4) == Err("#N/A")
    assert cell(("revenue", "#DIV/0!", "A"), 4) == Err("#DIV/0!")
    assert cell(("revenue", "2026-01", True), 4) == Err("#VALUE!")
    assert cell(("revenue", 2026, None), 4) == 375.0
    assert cell(("revenue", "2026-01", None), 5) == "green"
    assert cell(("revenue", "2026-02", None), 5) == "amber"
    assert cell(("revenue", "2026-03", None), 5) == "red"
    assert cell(("revenue", "2026-01", None), 6) == 130.0
    assert cell(("revenue", "2026-02", None), 7) == "down"
    assert cell(("revenue", "2026-01", "B"), 8) == 155.0  # the two-argument shape: all accounts
    assert cell(("revenue", "2026-01", "A"), 9) == values[("Cells", row[("revenue", "2026-01", "A")], 5)]
    assert cell((None, "2026-01", "A"), 4) == Err("#VALUE!")  # a KPI name is needed
    assert cell((None, "2026-01", "A"), 11) == 100.0  # A$2: revenue
    assert cell(("orders", "2026-02", None), 11) == 120.0


def test_engine_column_question_gives_each_result(columns: Path) -> None:
    engine = Engine(load_config(columns.parent / "kpisheet.yaml"), columns)
    accounts = ["A", "B", "C", "D", "Z", None, " a ", "12345", "A"]
    for name in engine.config.kpis:
        for period in ("2026-01", "2026-03", "2025-12", None, "2026-Q1", "2031-01"):
            try:
                expected = [engine.result(name, period, a) for a in accounts]
            except Exception as exc:  # noqa: BLE001 - the column question raises the same
                with pytest.raises(type(exc)):
                    engine.results_for_accounts(name, period, accounts)
                continue
            assert engine.results_for_accounts(name, period, accounts) == expected, (name, period)
    with pytest.raises(Exception) as bad:
        engine.results_for_accounts("revenue", "2026-13", ["A"])
    with pytest.raises(type(bad.value)):
        engine.result("revenue", "2026-13", "A")
