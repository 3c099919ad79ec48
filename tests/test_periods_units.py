"""SPEC §8.1's month arithmetic in periods.py, against dateutil's relativedelta (which clamps the
day to the month's end, as the SPEC asks), and the ordering that keeps spans sorted."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from kpisheet import periods

DATES = st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2200, 10, 31))
UNITS = st.sampled_from(periods.UNITS)
STEP = {"day": relativedelta(days=1), "week": relativedelta(days=7), "month": relativedelta(months=1),
        "quarter": relativedelta(months=3), "year": relativedelta(years=1)}


def _day(d: dt.date) -> int:
    return periods.day_ordinal(d)


@given(DATES, st.integers(min_value=-60, max_value=60), UNITS)
def test_add_units_is_relativedelta(d: dt.date, n: int, unit: str) -> None:
    expected = d + STEP[unit] * n
    assert int(periods.add_units([_day(d)], n, unit)[0]) == _day(expected)


@given(st.lists(DATES, min_size=2, max_size=20), st.integers(min_value=-30, max_value=30), UNITS)
def test_add_units_keeps_order(days: list[dt.date], n: int, unit: str) -> None:
    ordered = np.array(sorted(_day(d) for d in days), dtype=np.int64)
    moved = periods.add_units(ordered, n, unit)
    assert (np.diff(moved) >= 0).all()


@pytest.mark.parametrize("day, n, unit, expected", [
    ("2022-03-31", -1, "month", "2022-02-28"),
    ("2024-02-29", -12, "month", "2023-02-28"),
    ("2024-02-29", -1, "year", "2023-02-28"),
    ("2022-05-31", -1, "quarter", "2022-02-28"),
    ("2022-01-01", -1, "week", "2021-12-25"),
])
def test_clamped_examples(day: str, n: int, unit: str, expected: str) -> None:
    got = periods.add_units([_day(dt.date.fromisoformat(day))], n, unit)[0]
    assert int(got) == _day(dt.date.fromisoformat(expected))


def test_missing_stays_missing_and_units_are_checked() -> None:
    assert periods.add_units([periods.MISSING], 3, "month")[0] == periods.MISSING
    with pytest.raises(ValueError, match="unknown time unit"):
        periods.add_units([0], 1, "fortnight")


def test_spans_of_the_spec() -> None:
    y2022 = periods.span_of("year", 2022)
    first, last = periods.shifted_spans([y2022[0]], [y2022[1]], 12, "month")
    assert (int(first[0]), int(last[0])) == periods.span_of("year", 2021)
    start = periods.window_starts([_day(dt.date(2022, 12, 15))], 3, "month")
    assert int(start[0]) == _day(dt.date(2022, 9, 16))
