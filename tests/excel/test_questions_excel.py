"""Issue 10 at the Excel door: KPI_TABLE, KPI_SERIES, KEY_ACCOUNTS and the scalar functions follow
the engine's SPEC §8 answers (through ``invoke``, the code ``recalc`` and the add-in run)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from kpisheet import Engine, XlError, load_config
from kpisheet.excel.functions import invoke
from tests.conftest import ACCOUNTS, SALES, write_book

KPIS = """\
revenue: {source: sales, measure: sum(amount), filter: "status != 'cancelled'", target: {month: 100, quarter: 300}}
last_year: {formula: "prev(revenue, 12, 'month')"}
r2m: {formula: "rolling(revenue, 2, 'month')"}
top1: {formula: "top_share(revenue, 1)"}
"""
KEY_ACCOUNTS = """\
key_accounts:
  attributes: accounts
  grain: quarter
  criteria:
    revenue: {formula: share(revenue), weight: 100, scale: [0, 0.5]}
  key_if: revenue >= 0.5
  tiers: {A: true}
"""


@pytest.fixture
def engine(tmp_path: Path, make_config: Callable[..., Path]) -> Engine:
    book = write_book(tmp_path / "book.xlsx", {"Sales": SALES, "Accounts": ACCOUNTS})
    return Engine(load_config(make_config(KPIS, KEY_ACCOUNTS)), book)


def test_scalar_functions(engine: Engine) -> None:
    assert invoke("KPI", engine, ["r2m", "2026-Q1"]) == 220  # February and March
    assert invoke("KPI", engine, ["top1", "2026-Q1", "B"]) == pytest.approx(280 / 375)
    assert invoke("KPI", engine, ["revenue", "2026-05"]) is XlError.NA  # after the data
    assert invoke("KPI_STATUS", engine, ["revenue", "2026-05"]) == ""
    assert invoke("KPI_TREND", engine, ["revenue", "2026-05"]) == ""
    assert invoke("KPI_TARGET", engine, ["revenue", "2026"]) == ""  # the mapping lacks year
    assert invoke("KPI_TARGET", engine, ["revenue", "2026-Q1"]) == 300
    assert invoke("KPI", engine, ["last_year", "2026-03"]) is XlError.NA  # 2025-03: before the data


def test_kpi_table_and_series(engine: Engine) -> None:
    table = invoke("KPI_TABLE", engine, ["2026-04"])
    assert isinstance(table, list)
    rows = {r[0]: r for r in table[1:]}
    assert rows["revenue"][3] is XlError.NA and rows["revenue"][5] == ""  # value, status
    assert rows["r2m"][3] == 100  # March only (A 60, C 40): April lies after the data
    series = invoke("KPI_SERIES", engine, ["revenue", "2025-11", "2026-04"])
    assert isinstance(series, list)
    assert [r[1] for r in series[1:]] == [XlError.NA, 10, 155, 120, 100, XlError.NA]


def test_key_accounts_are_judged_at_the_grain_period(engine: Engine) -> None:
    q1 = invoke("KEY_ACCOUNTS", engine, ["2026-Q1"])
    assert invoke("KEY_ACCOUNTS", engine, ["2026-02"]) == q1
    assert invoke("IS_KEY_ACCOUNT", engine, ["A", "2026-03-15"]) is True
    assert invoke("ACCOUNT_SCORE", engine, ["A", "2026-01"]) == pytest.approx(100)  # 280/375 >= 0.5
