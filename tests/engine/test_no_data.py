"""SPEC §8.3-8.4 on the SALES book of conftest (data from 2025-12-31 to 2026-03-20)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from kpisheet import Engine, XlError, load_config

KPIS = """\
revenue: {source: sales, measure: sum(amount), filter: "status != 'cancelled'", target: 100}
budget: {source: sales, measure: sum(amount), when_empty: na}
lines: {source: sales, measure: count(), when_empty: na}
clients: {source: sales, measure: count_distinct(account)}
"""


@pytest.fixture
def engine(book: Path, make_config: Callable[..., Path]) -> Engine:
    return Engine(load_config(make_config(KPIS)), book)


@pytest.mark.parametrize("kpi, period, account, expected", [
    ("revenue", "2025-Q4", None, 10),        # partly inside: the part inside counts
    ("revenue", "2026-Q2", None, None),      # wholly after
    ("revenue", "2025-Q3", None, None),      # wholly before
    ("revenue", "2026-01", "C", 0),          # inside the data, no rows for C: 0
    ("clients", "2026-01-02", None, 0),      # count_distinct over no rows inside the data: 0
    ("budget", "2026-01", "C", None),        # when_empty: na
    ("budget", "2026-01", "B", 55),
    ("lines", "2026-01-02", None, None),
    ("lines", "2026-01", None, 3),
])
def test_values(engine: Engine, kpi: str, period: str, account: str | None, expected: float | None) -> None:
    result = engine.result(kpi, period, account)
    if expected is None:
        assert (result.value, result.error) == (None, XlError.NA)
    else:
        assert (result.value, result.error) == (expected, None)


def test_na_has_no_status_and_no_trend(engine: Engine) -> None:
    after = engine.result("revenue", "2026-04")
    assert (after.error, after.status, after.trend) == (XlError.NA, "", "")
    first = engine.result("revenue", "2025-12")
    assert (first.value, first.status, first.trend) == (10, "red", "")  # the month before is #N/A: no trend


def test_after_data(engine: Engine) -> None:
    import datetime as dt

    assert engine.after_data("revenue", "2026-04") == dt.date(2026, 3, 20)
    assert engine.after_data("revenue", "2026-Q1") is None


def test_when_empty_is_for_measures_only(make_config: Callable[..., Path]) -> None:
    from kpisheet.errors import ConfigError

    with pytest.raises(ConfigError, match="when_empty applies to a measure"):
        load_config(make_config("r: {source: sales, measure: sum(amount)}\nf: {formula: r, when_empty: na}\n"))
