"""The registry of SPEC §4's functions (kpisheet/excel/functions.py) against a fake engine:
argument conversion, errors as values, the spilled tables' shapes, key accounts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Optional

import pytest

from kpisheet.errors import EvaluationError
from kpisheet.excel.functions import EXCEL_FUNCTIONS, excel_serial_to_date, invoke, period_arg
from kpisheet.xlerrors import XlError


@dataclass
class R:
    value: Optional[float]
    error: Optional[XlError] = None
    target: Optional[float] = None
    status: str = ""
    trend: str = ""
    unit: Optional[str] = None
    description: Optional[str] = None
    period: str = "2026-01"


@dataclass
class Crit:
    value: Any
    points: float
    error: Optional[XlError] = None


@dataclass
class Acc:
    account: str
    score: float
    tier: str
    key: bool
    criteria: dict[str, Crit] = field(default_factory=dict)


class Fake:
    def __init__(self) -> None:
        self.config = SimpleNamespace(kpis={"revenue": None, "margin": None}, key_accounts=object())
        self.calls: list[tuple[Any, ...]] = []

    def result(self, name: str, period: Any = None, account: Any = None) -> R:
        self.calls.append((name, period, account))
        if name not in self.config.kpis:
            raise EvaluationError(f"unknown KPI '{name}'", kind="#NAME?")
        if period == "bad":
            raise EvaluationError("'bad' is not a period", kind="#VALUE!")
        if name == "margin":
            return R(None, XlError.DIV0, status="red")
        return R(100.0, target=90.0, status="green", trend="up", unit="EUR", description="Revenue")

    def series(self, name: str, start: Any, end: Any, account: Any = None) -> list[R]:
        return [R(1.0, period="2026-01"), R(None, XlError.NA, period="2026-02")]

    def key_accounts(self, period: Any = None) -> list[Acc]:
        # in the engine's order: A, then Z (higher score, but no row in the period), then B
        return [Acc("A", 90.0, "A", True, {"share": Crit(0.6, 50.0), "attr": Crit(5.0, 40.0)}),
                Acc("Z", 95.0, "A", False, {"share": Crit(0.0, 0.0), "attr": Crit(9.0, 95.0)}),
                Acc("B", 40.0, "C", False, {"share": Crit(0.1, 20.0), "attr": Crit(None, 0, XlError.NA)})]


def test_every_function_is_declared_once_with_its_params() -> None:
    assert list(EXCEL_FUNCTIONS) == ["KPI", "KPI_TARGET", "KPI_STATUS", "KPI_TREND", "KPI_TABLE", "KPI_SERIES",
                                     "KEY_ACCOUNTS", "IS_KEY_ACCOUNT", "ACCOUNT_SCORE", "ACCOUNT_TIER"]
    assert EXCEL_FUNCTIONS["KPI"].signature == "KPI(name, [period], [account])"
    assert {n for n, f in EXCEL_FUNCTIONS.items() if f.spills} == {"KPI_TABLE", "KPI_SERIES", "KEY_ACCOUNTS"}


def test_values_and_errors() -> None:
    e = Fake()
    assert invoke("KPI", e, ["revenue"]) == 100.0
    assert invoke("kpi", e, ["revenue", None, 1001.0]) == 100.0 and e.calls[-1] == ("revenue", None, "1001")
    assert invoke("KPI", e, ["margin"]) is XlError.DIV0
    assert invoke("KPI", e, ["nope"]) is XlError.NAME
    assert invoke("KPI", e, ["revenue", "bad"]) is XlError.VALUE
    assert invoke("KPI", e, ["revenue", "bad"], reasons=True) == "#VALUE! 'bad' is not a period"
    assert invoke("KPI", e, []) is XlError.VALUE
    assert invoke("KPI", e, [XlError.NA]) is XlError.NA  # an error argument propagates
    assert invoke("KPI_TARGET", e, ["revenue"]) == 90.0
    assert invoke("KPI_STATUS", e, ["margin"]) == "red"
    assert invoke("KPI_TREND", e, ["revenue"]) == "up"


@pytest.mark.parametrize("arg,expected", [
    (None, None), ("", None), ("  2026-Q3 ", "2026-Q3"), (2026.0, "2026"), (45658.0, dt.date(2025, 1, 1)),
    (dt.datetime(2026, 10, 5, 13, 0), dt.date(2026, 10, 5)), ("latest", "latest")])
def test_period_argument(arg: Any, expected: Any) -> None:
    assert period_arg(arg) == expected


def test_excel_serials() -> None:
    assert excel_serial_to_date(1) == dt.date(1900, 1, 1)
    assert excel_serial_to_date(59) == dt.date(1900, 2, 28)
    assert excel_serial_to_date(61) == dt.date(1900, 3, 1)
    assert excel_serial_to_date(46000.75) == dt.date(2025, 12, 9)


def test_tables() -> None:
    e = Fake()
    table = invoke("KPI_TABLE", e, ["2026-01"])
    assert table[0] == ["KPI", "Description", "Period", "Value", "Target", "Status", "Trend", "Unit"]
    assert table[1] == ["revenue", "Revenue", "2026-01", 100.0, 90.0, "green", "up", "EUR"]
    assert table[2][3] is XlError.DIV0
    assert invoke("KPI_TABLE", e, ["bad"]) is XlError.VALUE
    assert invoke("KPI_SERIES", e, ["revenue", "2026-01", "2026-02"]) == [
        ["Period", "Value"], ["2026-01", 1.0], ["2026-02", XlError.NA]]
    assert invoke("KPI_SERIES", e, ["revenue", "2026-01"]) is XlError.VALUE


def test_key_accounts() -> None:
    e = Fake()
    assert invoke("KEY_ACCOUNTS", e, []) == [
        ["Account", "Score", "Tier", "Key", "share", "attr"],
        ["A", 90.0, "A", True, 0.6, 5.0],
        ["Z", 95.0, "A", False, 0.0, 9.0],  # the engine's order is kept, not sorted again by score
        ["B", 40.0, "C", False, 0.1, XlError.NA]]
    assert invoke("IS_KEY_ACCOUNT", e, ["A"]) is True
    assert invoke("ACCOUNT_SCORE", e, ["B"]) == 40.0
    assert invoke("ACCOUNT_TIER", e, ["B"]) == "C"
    assert invoke("ACCOUNT_TIER", e, ["Y"]) is XlError.NA
    assert invoke("IS_KEY_ACCOUNT", e, [None]) is XlError.VALUE
    e.config.key_accounts = None
    assert invoke("KEY_ACCOUNTS", e, []) is XlError.NA
