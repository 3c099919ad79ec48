"""Shared test helpers: real workbooks and configs written into tmp_path."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any, Callable

import pytest
from openpyxl import Workbook

D = dt.datetime

# A small sales book whose every KPI value is worked out by hand in the tests.
SALES = [
    ["Date", "Account", "Amount", "Status"],
    [D(2025, 12, 31), "A", 10, "ok"],       # ISO week 2026-W01
    [D(2026, 1, 1), "B", 5, "ok"],          # ISO week 2026-W01
    [D(2026, 1, 5), "A", 100, "ok"],        # a Monday: 2026-W02
    [D(2026, 1, 20), "B", 50, "ok"],
    [D(2026, 2, 3), "A", 120, "ok"],
    [D(2026, 2, 10), "B", 30, "cancelled"],
    [D(2026, 3, 15), "A", 60, "ok"],
    [D(2026, 3, 20), "C", 40, "ok"],
]
ACCOUNTS = [
    ["account", "region", "strategic_value"],
    ["A", "EMEA", 5],
    ["B", "AMER", 2],
    ["C", "EMEA", 3],
    ["D", "APAC", 4],   # only in the attributes
]


def write_book(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    wb = Workbook()
    first = True
    for name, rows in sheets.items():
        ws = wb.active if first else wb.create_sheet(name)
        ws.title = name
        first = False
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


#: Source blocks for :func:`base_config`: the Sales and Accounts sheets of :func:`book`, a
#: Budget sheet (Month, Account, Amount), and the Sales sheet of ``tests.engine.oracle``'s rows
#: (Date, Account, Amount; no status).
SALES_SOURCE = """\
  sales:
    sheet: Sales
    columns: {date: Date, account: Account, amount: Amount, status: Status}
"""
ACCOUNTS_SOURCE = """\
  accounts:
    sheet: Accounts
"""
BUDGET_SOURCE = """\
  budget:
    sheet: Budget
    columns: {date: Month, account: Account, amount: Amount}
"""
ORACLE_SALES_SOURCE = """\
  sales:
    sheet: Sales
    columns: {date: Date, account: Account, amount: Amount}
"""


def base_config(*sources: str) -> str:
    """A config's head: ``version``, the source blocks given, and ``kpis:`` to append KPIs to."""
    return "version: 1\nsources:\n" + "".join(sources) + "kpis:\n"


BASE_CONFIG = base_config(SALES_SOURCE, ACCOUNTS_SOURCE)


def config_text(kpis: str, extra: str = "", base: str = BASE_CONFIG) -> str:
    """``base`` (ending in ``kpis:``), the KPIs' YAML indented under it, then ``extra``
    (top-level blocks such as ``key_accounts``)."""
    return base + textwrap.indent(textwrap.dedent(kpis), "  ") + textwrap.dedent(extra)


#: Key accounts of the Sales book by quarter, on revenue share and the Accounts sheet's
#: strategic value; append to a config with ``make_config(kpis, KEY_ACCOUNTS)`` (the KPIs must
#: define ``revenue``). Scores at 2026-Q1 with cancelled orders excluded: A 100, C 32.8, D 30,
#: B 27.6; only A is key.
KEY_ACCOUNTS = """\
key_accounts:
  attributes: accounts
  grain: quarter
  criteria:
    revenue_share: {formula: share(revenue), weight: 60, scale: [0, 0.5]}
    strategic: {formula: attr(strategic_value), weight: 40, scale: [1, 5]}
  key_if: score >= 60
  tiers: {A: score >= 80, B: score >= 50, C: true}
"""


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_book(tmp_path / "book.xlsx", {"Sales": SALES, "Accounts": ACCOUNTS})


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., Path]:
    """Write a config: ``make_config(kpis_yaml, extra_yaml="", base=BASE_CONFIG)``."""

    def make(kpis: str, extra: str = "", base: str = BASE_CONFIG, name: str = "kpisheet.yaml") -> Path:
        path = tmp_path / name
        path.write_text(config_text(kpis, extra, base))
        return path

    return make
