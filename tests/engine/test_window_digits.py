"""``ytd`` and ``rolling`` over thousands of rows a month, to the last digit, for every account
and for all of them together: each day's rows summed in doubles, in the rows' order, and the
days added up without rounding (long doubles, within a part in 10^19), as since the first
version.

For a while (issue 12's segments) a month's rows were summed in doubles before the months
were added up, and 2,400 rounding steps a month showed in the result: 16626869.740000024 on
the benchmark book, where the rows' exact sum, and what the code gave before, is 16626869.74."""

from __future__ import annotations

import math
import random
from datetime import date
from pathlib import Path

import pytest

from kpisheet.config import load_config
from kpisheet.engine.core import Engine
from kpisheet.xlerrors import XlError

ACCOUNTS = ["A", "B", "C"]
CONFIG = """version: 1
sources:
  sales:
    workbook: sales.csv
kpis:
  revenue: {source: sales, measure: sum(amount), grain: month}
  revenue_ytd: {formula: ytd(revenue)}
  revenue_rolling: {formula: rolling(revenue, 3)}
"""


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[date, str, float]]]:
    """A folder with the config and 6 months of 2,500 rows each, amounts in cents."""
    folder = tmp_path_factory.mktemp("digits")
    rng = random.Random(7)
    found = [(date(2025, m, rng.randint(1, 28)), rng.choice(ACCOUNTS), rng.randint(1, 900_000) / 100)
             for m in range(1, 7) for _ in range(2500)]
    (folder / "sales.csv").write_text("date,account,amount\n" + "".join(f"{d},{a},{v:.2f}\n" for d, a, v in found))
    (folder / "kpisheet.yaml").write_text(CONFIG)
    return folder, found


def by_days(found: list[tuple[date, str, float]], months: range, account: str | None) -> float:
    """The days' sums in doubles (rows in order), added up exactly."""
    days: dict[date, float] = {}
    for d, a, v in found:
        if d.month in months and account in (None, a):
            days[d] = days.get(d, 0.0) + v
    return math.fsum(days.values())


def test_ytd_and_rolling_add_up_the_days_sums_exactly(rows: tuple[Path, list[tuple[date, str, float]]]) -> None:
    folder, found = rows
    engine = Engine(load_config(folder / "kpisheet.yaml"))
    checked = 0
    for month in range(1, 7):
        for account in [None, *ACCOUNTS]:
            ytd = engine.result("revenue_ytd", f"2025-{month:02d}", account).value
            rolling = engine.result("revenue_rolling", f"2025-{month:02d}", account).value
            assert ytd == by_days(found, range(1, month + 1), account), (month, account)
            if month >= 3:
                assert rolling == by_days(found, range(month - 2, month + 1), account), (month, account)
                checked += 1
    assert checked == 16


def test_a_rolling_sum_after_a_pasted_id_is_num_not_a_near_number(tmp_path: Path) -> None:
    """An ID pasted into the amount column (1e20) in January: the rolling sums of the months
    after it, whose running sums carry it, kept no digit of the cents (0.0); now #NUM!."""
    (tmp_path / "sales.csv").write_text("date,account,amount\n2025-01-10,A,1e20\n2025-04-10,A,0.01\n"
                                        "2025-04-11,B,2.5\n")
    (tmp_path / "kpisheet.yaml").write_text(CONFIG)
    engine = Engine(load_config(tmp_path / "kpisheet.yaml"))
    assert engine.result("revenue", "2025-04", "A").value == 0.01
    assert engine.result("revenue_rolling", "2025-04", "A").error == XlError.NUM
    assert engine.result("revenue_rolling", "2025-04", "B").value == 2.5  # its own sums hold
    assert engine.result("revenue_rolling", "2025-01", "A").value == 1e20
