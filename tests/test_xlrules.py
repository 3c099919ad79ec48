"""kpisheet.xlrules: Excel's scalar rules, table-driven, and the array form against the scalar."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpisheet import xlrules as X

ROUNDS = [
    (608.44765, 4, 608.4477),  # the double is 608.44764999...: Excel rounds the decimal it shows
    (2.675, 2, 2.68), (1.005, 2, 1.01), (-2.5, 0, -3.0), (2.5, 0, 3.0), (0.5, 0, 1.0), (-0.5, 0, -1.0),
    (0.49999999999999994, 0, 1.0),  # 0.500000000000000 to 15 digits
    (0.1 + 0.2, 15, 0.3), (0.1 + 0.2, 2, 0.3),
    (1e15 + 0.5, 2, 1e15), (1e15 + 0.5, 0, 1e15),  # the half is a 16th digit: not Excel's
    (100000000000000.5, 0, 100000000000001.0),  # a 15-digit tie, away from zero
    (999999999999999.5, 0, 1e15),
    (1234567.891, -2, 1234600.0), (1250.0, -2, 1300.0), (-1250.0, -2, -1300.0), (49.0, -2, 0.0), (50.0, -2, 100.0),
    (7.0, 400, 7.0), (3.0, -400, 0.0), (5e-324, 300, 0.0), (1e300, -300, 1e300), (-0.4, 0, 0.0),
]


@pytest.mark.parametrize("x, digits, want", ROUNDS)
def test_round_half_away(x: float, digits: int, want: float) -> None:
    assert X.round_half_away(x, digits) == want
    assert X.round_half_away_array(np.array([x]), digits)[0] == want


UPS_DOWNS = [  # x, digits, ROUNDUP, ROUNDDOWN
    (3.2, 0, 4.0, 3.0), (-3.14159, 1, -3.2, -3.1), (31415.92654, -2, 31500.0, 31400.0),
    (0.1 + 0.2, 1, 0.3, 0.3),  # Excel sees 0.3, not 0.30000000000000004: nothing to round up
    (1.005, 2, 1.01, 1.0), (1.21, 1, 1.3, 1.2), (-1.29, 1, -1.3, -1.2),
    (682.2, -5, 100000.0, 0.0),  # not 99999.99999999999 (the old x * 10**-5, ceiling, / 10**-5)
    (-324826.64761177, 12, -324826.64761177, -324826.64761177),  # 15 digits: nothing past the 12th place
    (0.0001, 2, 0.01, 0.0), (-0.0001, 2, -0.01, 0.0), (7.0, 400, 7.0, 7.0), (1e-300, 0, 1.0, 0.0),
    (5.0, -400, math.inf, 0.0), (1.7e308, -308, math.inf, 1e308),  # past the largest double: the caller's #NUM!
]


@pytest.mark.parametrize("x, digits, up, down", UPS_DOWNS)
def test_round_up_and_down(x: float, digits: int, up: float, down: float) -> None:
    assert X.round_up(x, digits) == up
    assert X.round_down(x, digits) == down
    assert str(X.round_down(-x, digits)) == str(-down + 0.0)  # symmetric, and never -0.0
    assert X.round_up(-x, digits) == -up


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.floats(-1e12, 1e12), st.integers(-14, 14))
def test_round_half_away_lies_between_down_and_up(x: float, digits: int) -> None:
    down, half, up = X.round_down(x, digits), X.round_half_away(x, digits), X.round_up(x, digits)
    assert abs(down) <= abs(half) <= abs(up)
    assert half in (down, up)


def test_round_never_negative_zero_and_keeps_nan() -> None:
    assert str(X.round_half_away(-0.4, 0)) == "0.0"
    out = X.round_half_away_array(np.array([-0.4, np.nan, np.inf]), 0)
    assert str(out[0]) == "0.0" and np.isnan(out[1]) and out[2] == np.inf


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                          st.integers(-10**9, 10**9).map(lambda n: n / 1000 + 0.0005),  # near-halves
                          st.integers(-10**16, 10**16).map(float)), min_size=1, max_size=20),
       st.integers(-25, 25))
def test_array_form_is_the_scalar_form(xs: list[float], digits: int) -> None:
    """The numpy form takes a fast integer path for most numbers: it must agree exactly."""
    got = X.round_half_away_array(np.array(xs), digits)
    assert [float(v) for v in got] == [X.round_half_away(x, digits) for x in xs]


@pytest.mark.parametrize("a, b, want", [
    ("Enterprise", "enterprise", 0), ("a", "B", -1), ("b", "A", 1), (1.0, "a", -1), ("z", True, -1),
    (None, 0.0, 0), (None, "", 0), (None, False, 0), (None, None, 0), (None, -1.0, 1), (None, "a", -1),
    (True, 1.0, 1), (2.0, 10.0, -1),
])
def test_compare(a: X.Scalar, b: X.Scalar, want: int) -> None:
    assert X.compare(a, b) == want
    assert X.compare(b, a) == -want


def test_fold_texts_leaves_other_values() -> None:
    out = X.fold_texts(np.array(["ABC", None, 1.5, "Déjà"], dtype=object))
    assert list(out) == ["abc", None, 1.5, "déjà"]


@pytest.mark.parametrize("serial, want", [
    (1, dt.datetime(1900, 1, 1)), (59, dt.datetime(1900, 2, 28)), (60, dt.datetime(1900, 2, 28)),
    (61, dt.datetime(1900, 3, 1)), (45658.75, dt.datetime(2025, 1, 1, 18)), (0, None), (2958466, None),
    (float("nan"), None),
])
def test_serials(serial: float, want: dt.datetime | None) -> None:
    assert X.serial_to_datetime(serial) == want
    stamps, bad = X.serials_to_datetime64(np.array([serial]))
    if want is None:
        assert np.isnat(stamps[0]) and bad[0] == (serial == serial)
    else:
        assert stamps[0] == np.datetime64(want, "us") and not bad[0]


@pytest.mark.parametrize("moment", [dt.date(1900, 1, 1), dt.date(1900, 2, 28), dt.datetime(1900, 3, 1, 12),
                                    dt.datetime(2026, 10, 5, 8, 30)])
def test_datetime_to_serial_round_trips(moment: dt.date) -> None:
    serial = X.datetime_to_serial(moment)
    back = X.serial_to_datetime(serial)
    assert back is not None and back == (moment if isinstance(moment, dt.datetime)
                                         else dt.datetime(moment.year, moment.month, moment.day))


@pytest.mark.parametrize("number, year", [(2026, True), (1000, True), (9999, True), (999, False), (10000, False),
                                          (2026.5, False), (45658, False), (float("nan"), False)])
def test_number_is_year(number: float, year: bool) -> None:
    assert X.number_is_year(number) is year


@pytest.mark.parametrize("serial", [1, 59, 60, 61, 45658.75, 2958465.5])
def test_every_reader_of_serials_agrees(serial: float) -> None:
    """Source columns, the Excel functions' period argument and recalc's cell writer read and
    write serials through xlrules: one date a serial (60, Excel's 1900-02-29, is the 28th)."""
    from kpisheet.excel.functions import excel_serial_to_date
    from kpisheet.excel.recalc.values import datetime_to_serial
    from kpisheet.sources.table import serials_to_datetimes

    moment = X.serial_to_datetime(serial)
    assert moment is not None
    assert excel_serial_to_date(serial) == moment.date()
    stamps, bad = serials_to_datetimes(np.array([serial]))
    if serial < 2958465:  # past 2262 datetime64[ns] holds no date: a source says so
        assert stamps[0] == np.datetime64(moment, "ns") and not bad[0]
    else:
        assert bad[0]
    assert datetime_to_serial(moment) == (59 if serial == 60 else serial)
    assert datetime_to_serial(moment, date1904=True) == (59 if serial == 60 else serial) - 1462
