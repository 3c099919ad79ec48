"""Tests for kpisheet.periods: table-driven cases, then hypothesis properties."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpisheet.errors import EvaluationError
from kpisheet.periods import (
    MISSING,
    Calendar,
    Grain,
    Period,
    PeriodError,
    convert,
    day_ordinal,
    day_ordinals,
    end_day,
    is_latest,
    is_missing,
    ordinals,
    ordinals_of_days,
    parse_period,
    period_of_date,
    period_text,
    qtd_start,
    shift,
    span_of,
    spans,
    start_day,
    ytd_start,
)

D = dt.date
JAN, APR, JUL, OCT = Calendar(1), Calendar(4), Calendar(7), Calendar(10)

# ----------------------------------------------------------------- text round trip

# text, grain, ordinal, first day, last day (calendar: fiscal year from April)
TEXTS = [
    ("2026", Grain.YEAR, 2026, D(2026, 1, 1), D(2026, 12, 31)),
    ("2026-Q3", Grain.QUARTER, 2026 * 4 + 2, D(2026, 7, 1), D(2026, 9, 30)),
    ("2026-Q1", Grain.QUARTER, 2026 * 4, D(2026, 1, 1), D(2026, 3, 31)),
    ("2026-10", Grain.MONTH, 2026 * 12 + 9, D(2026, 10, 1), D(2026, 10, 31)),
    ("2024-02", Grain.MONTH, 2024 * 12 + 1, D(2024, 2, 1), D(2024, 2, 29)),
    ("2026-W14", Grain.WEEK, None, D(2026, 3, 30), D(2026, 4, 5)),
    ("1970-W01", Grain.WEEK, 0, D(1969, 12, 29), D(1970, 1, 4)),
    ("2020-W53", Grain.WEEK, None, D(2020, 12, 28), D(2021, 1, 3)),
    ("2026-W53", Grain.WEEK, None, D(2026, 12, 28), D(2027, 1, 3)),
    ("2025-W01", Grain.WEEK, None, D(2024, 12, 30), D(2025, 1, 5)),
    ("2026-10-05", Grain.DAY, day_ordinal(D(2026, 10, 5)), D(2026, 10, 5), D(2026, 10, 5)),
    ("1970-01-01", Grain.DAY, 0, D(1970, 1, 1), D(1970, 1, 1)),
    ("1969-12-31", Grain.DAY, -1, D(1969, 12, 31), D(1969, 12, 31)),
    ("FY2026", Grain.FISCAL_YEAR, 2026, D(2025, 4, 1), D(2026, 3, 31)),
    ("FY2026-Q1", Grain.FISCAL_QUARTER, 2026 * 4, D(2025, 4, 1), D(2025, 6, 30)),
    ("FY2026-Q4", Grain.FISCAL_QUARTER, 2026 * 4 + 3, D(2026, 1, 1), D(2026, 3, 31)),
    ("0001", Grain.YEAR, 1, D(1, 1, 1), D(1, 12, 31)),
    ("9999-12-31", Grain.DAY, day_ordinal(D(9999, 12, 31)), D(9999, 12, 31), D(9999, 12, 31)),
]


@pytest.mark.parametrize("text, grain, ordinal, first, last", TEXTS)
def test_text_round_trip(text: str, grain: Grain, ordinal: int | None, first: dt.date, last: dt.date) -> None:
    p = parse_period(text, APR)
    assert p.grain is grain
    if ordinal is not None:
        assert p.ordinal == ordinal
    assert period_text(p, APR) == text == str(p)
    assert (start_day(p, APR), end_day(p, APR)) == (first, last)
    assert period_of_date(first, grain, APR) == p == period_of_date(last, grain, APR)


@pytest.mark.parametrize("text, canonical", [
    ("  2026-q3 ", "2026-Q3"),
    ("2026-w14", "2026-W14"),
    ("fy2026", "FY2026"),
    ("Fy2026-q2", "FY2026-Q2"),
    ("\t2026-10\n", "2026-10"),
])
def test_lenient_reading(text: str, canonical: str) -> None:
    assert period_text(parse_period(text, JAN)) == canonical


@pytest.mark.parametrize("text, why", [
    ("2026-13", "month"),
    ("2026-00", "month"),
    ("2026-Q5", "quarter"),
    ("2026-Q0", "quarter"),
    ("FY2026-Q5", "quarter"),
    ("2025-W53", "W52"),  # 2025 starts on a Wednesday and is not a leap year: 52 ISO weeks
    ("2026-W54", "W53"),
    ("2026-W00", "W53"),
    ("2026-02-29", "no such day"),
    ("2024-02-30", "no such day"),
    ("0000", "year"),
    ("FY26", "expected"),
    ("26", "expected"),
    ("2026-1", "expected"),
    ("2026-W1", "expected"),
    ("2026/10", "expected"),
    ("FY2026-10", "fiscal"),
    ("FY2026-W01", "fiscal"),
    ("garbage", "expected"),
    ("", "expected"),
    ("2026-10-05T00:00", "expected"),
    ("٢٠٢٦", "expected"),  # Arabic-Indic digits are not read as a year
    ("latest", "latest"),
])
def test_bad_texts(text: str, why: str) -> None:
    with pytest.raises(PeriodError, match=f"^cannot read period '{text}': .*{why}"):
        parse_period(text, JAN)


def test_non_text_is_refused() -> None:
    with pytest.raises(PeriodError, match="cannot read period 2026"):
        parse_period(2026, JAN)  # type: ignore[arg-type]


def test_period_error_is_a_value_error_and_an_evaluation_error() -> None:
    with pytest.raises(ValueError):
        parse_period("2026-13", JAN)
    assert issubclass(PeriodError, EvaluationError)
    assert str(PeriodError("cannot read period 'x'")) == "cannot read period 'x'"


@pytest.mark.parametrize("text, latest", [
    ("latest", True), (" Latest ", True), ("LATEST", True), ("last", False), ("2026", False), (None, False),
])
def test_is_latest(text: object, latest: bool) -> None:
    assert is_latest(text) is latest


def test_text_outside_years_1_to_9999() -> None:
    with pytest.raises(PeriodError):
        period_text(Period(Grain.YEAR, 10000))
    with pytest.raises(PeriodError):
        period_text(Period(Grain.MONTH, -1))
    with pytest.raises(PeriodError):  # FY0001 from April starts in year 0
        start_day(Period(Grain.FISCAL_YEAR, 1), APR)
    assert end_day(Period(Grain.FISCAL_YEAR, 9999), JAN) == D(9999, 12, 31)
    assert start_day(parse_period("9999-W52"), JAN) == D(9999, 12, 27)
    with pytest.raises(PeriodError):  # that week ends on 10000-01-02
        end_day(parse_period("9999-W52"), JAN)
    assert start_day(parse_period("0001-W01"), JAN) == D(1, 1, 1)


# ----------------------------------------------------------------- ISO weeks

@pytest.mark.parametrize("day, text", [
    (D(2027, 1, 1), "2026-W53"),
    (D(2026, 12, 31), "2026-W53"),
    (D(2027, 1, 4), "2027-W01"),
    (D(2024, 12, 30), "2025-W01"),
    (D(2024, 12, 29), "2024-W52"),
    (D(2021, 1, 3), "2020-W53"),
    (D(2021, 1, 4), "2021-W01"),
    (D(1970, 1, 1), "1970-W01"),
    (D(1969, 12, 28), "1969-W52"),
])
def test_iso_week_of_date(day: dt.date, text: str) -> None:
    p = period_of_date(day, Grain.WEEK, JAN)
    assert period_text(p) == text
    assert parse_period(text) == p


# ----------------------------------------------------------------- fiscal calendars

@pytest.mark.parametrize("cal, day, fy, fq", [
    (APR, D(2025, 4, 1), "FY2026", "FY2026-Q1"),
    (APR, D(2025, 3, 31), "FY2025", "FY2025-Q4"),
    (APR, D(2025, 12, 31), "FY2026", "FY2026-Q3"),
    (APR, D(2026, 1, 1), "FY2026", "FY2026-Q4"),
    (APR, D(2026, 3, 31), "FY2026", "FY2026-Q4"),
    (OCT, D(2025, 10, 1), "FY2026", "FY2026-Q1"),
    (OCT, D(2025, 9, 30), "FY2025", "FY2025-Q4"),
    (OCT, D(2026, 1, 15), "FY2026", "FY2026-Q2"),
    (OCT, D(2026, 7, 1), "FY2026", "FY2026-Q4"),
    (JUL, D(2026, 6, 30), "FY2026", "FY2026-Q4"),
    (JAN, D(2026, 1, 1), "FY2026", "FY2026-Q1"),
    (JAN, D(2026, 12, 31), "FY2026", "FY2026-Q4"),
])
def test_fiscal_naming(cal: Calendar, day: dt.date, fy: str, fq: str) -> None:
    assert period_text(period_of_date(day, Grain.FISCAL_YEAR, cal)) == fy
    assert period_text(period_of_date(day, Grain.FISCAL_QUARTER, cal)) == fq


@pytest.mark.parametrize("cal, text, first, last", [
    (OCT, "FY2026", D(2025, 10, 1), D(2026, 9, 30)),
    (OCT, "FY2026-Q1", D(2025, 10, 1), D(2025, 12, 31)),
    (OCT, "FY2026-Q2", D(2026, 1, 1), D(2026, 3, 31)),
    (OCT, "FY2026-Q4", D(2026, 7, 1), D(2026, 9, 30)),
    (APR, "FY2026-Q3", D(2025, 10, 1), D(2025, 12, 31)),
    (JAN, "FY2026", D(2026, 1, 1), D(2026, 12, 31)),
    (JAN, "FY2026-Q2", D(2026, 4, 1), D(2026, 6, 30)),
    (Calendar(2), "FY2025-Q4", D(2024, 11, 1), D(2025, 1, 31)),
    (Calendar(12), "FY2026", D(2025, 12, 1), D(2026, 11, 30)),
])
def test_fiscal_spans(cal: Calendar, text: str, first: dt.date, last: dt.date) -> None:
    p = parse_period(text, cal)
    assert (start_day(p, cal), end_day(p, cal)) == (first, last)


@pytest.mark.parametrize("cal, day, ytd, qtd", [
    (APR, D(2026, 2, 15), D(2025, 4, 1), D(2026, 1, 1)),
    (APR, D(2025, 4, 1), D(2025, 4, 1), D(2025, 4, 1)),
    (APR, D(2025, 3, 31), D(2024, 4, 1), D(2025, 1, 1)),
    (APR, D(2025, 8, 31), D(2025, 4, 1), D(2025, 7, 1)),
    (OCT, D(2025, 11, 30), D(2025, 10, 1), D(2025, 10, 1)),
    (OCT, D(2026, 9, 30), D(2025, 10, 1), D(2026, 7, 1)),
    (OCT, D(2026, 10, 1), D(2026, 10, 1), D(2026, 10, 1)),
    (JAN, D(2026, 5, 31), D(2026, 1, 1), D(2026, 4, 1)),
    (JAN, D(2026, 12, 31), D(2026, 1, 1), D(2026, 10, 1)),
    (JAN, D(1969, 12, 31), D(1969, 1, 1), D(1969, 10, 1)),
])
def test_ytd_qtd_start(cal: Calendar, day: dt.date, ytd: dt.date, qtd: dt.date) -> None:
    days = np.array([day_ordinal(day), MISSING], dtype=np.int64)
    assert ytd_start(days, cal).tolist() == [day_ordinal(ytd), MISSING]
    assert qtd_start(days, cal).tolist() == [day_ordinal(qtd), MISSING]


@pytest.mark.parametrize("start", [0, 13, -1, True, 4.0, "4"])
def test_bad_calendar(start: object) -> None:
    with pytest.raises(PeriodError, match="fiscal_year_start"):
        Calendar(start)  # type: ignore[arg-type]


# ----------------------------------------------------------------- shifting

@pytest.mark.parametrize("text, n, expected", [
    ("2026-01", -1, "2025-12"),
    ("2025-12", 1, "2026-01"),
    ("2026-01", -13, "2024-12"),
    ("2026-Q1", -1, "2025-Q4"),
    ("2026-Q4", 1, "2027-Q1"),
    ("2026", -1, "2025"),
    ("FY2026-Q1", -1, "FY2025-Q4"),
    ("FY2026", 2, "FY2028"),
    ("2026-01-01", -1, "2025-12-31"),
    ("2024-02-28", 1, "2024-02-29"),
    ("2026-W01", -1, "2025-W52"),
    ("2020-W53", 1, "2021-W01"),
    ("2021-W01", -1, "2020-W53"),
    ("2026-W53", 1, "2027-W01"),
    ("2026-10", 0, "2026-10"),
])
def test_shift(text: str, n: int, expected: str) -> None:
    assert period_text(shift(parse_period(text), n)) == expected


def test_period_value_object() -> None:
    p = Period("month", np.int64(2026 * 12))  # type: ignore[arg-type]
    assert p.grain is Grain.MONTH and type(p.ordinal) is int
    assert p == parse_period("2026-01") and hash(p) == hash(parse_period("2026-01"))
    assert shift(p, -1) < p
    with pytest.raises(PeriodError, match="unknown grain"):
        Period("decade", 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Period(Grain.DAY, 1.5)  # type: ignore[arg-type]


# ----------------------------------------------------------------- arrays

def test_ordinals_of_datetime64_with_times_nat_and_old_dates() -> None:
    dates = np.array(
        ["2026-10-05T23:59:59", "NaT", "1969-12-31T23:00", "1970-01-01T00:00", "2027-01-01"],
        dtype="datetime64[ns]",
    )
    assert day_ordinals(dates).tolist() == [day_ordinal(D(2026, 10, 5)), MISSING, -1, 0,
                                            day_ordinal(D(2027, 1, 1))]
    weeks = ordinals(dates, Grain.WEEK, JAN)
    assert is_missing(weeks).tolist() == [False, True, False, False, False]
    assert [period_text(Period(Grain.WEEK, int(w))) for w in weeks[~is_missing(weeks)]] == [
        "2026-W41", "1970-W01", "1970-W01", "2026-W53"]
    fq = ordinals(dates, Grain.FISCAL_QUARTER, APR)
    assert fq[1] == MISSING
    assert period_text(Period(Grain.FISCAL_QUARTER, int(fq[0]))) == "FY2027-Q3"


@pytest.mark.parametrize("dtype", ["datetime64[D]", "datetime64[s]", "datetime64[us]", "datetime64[ns]"])
def test_ordinals_any_unit(dtype: str) -> None:
    dates = np.array(["2025-03-31", "2025-04-01", "NaT"], dtype=dtype)
    assert ordinals(dates, Grain.FISCAL_YEAR, APR).tolist() == [2025, 2026, MISSING]
    assert ordinals(dates, "month", APR).tolist() == [2025 * 12 + 2, 2025 * 12 + 3, MISSING]


def test_ordinals_of_date_objects_and_refusal_of_numbers() -> None:
    dates = np.array([D(2026, 10, 5), None, dt.datetime(2026, 12, 31, 18)], dtype=object)
    assert ordinals(dates, Grain.QUARTER).tolist() == [2026 * 4 + 3, MISSING, 2026 * 4 + 3]
    with pytest.raises(TypeError):
        ordinals(np.array([46000.0]), Grain.DAY)


def test_spans_and_convert_pass_missing_through() -> None:
    o = np.array([2026 * 12 + 1, MISSING], dtype=np.int64)
    first, last = spans(Grain.MONTH, o, JAN)
    assert first.tolist() == [day_ordinal(D(2026, 2, 1)), MISSING]
    assert last.tolist() == [day_ordinal(D(2026, 2, 28)), MISSING]
    assert convert(o, Grain.MONTH, Grain.FISCAL_YEAR, APR).tolist() == [2026, MISSING]
    assert convert(o, Grain.MONTH, Grain.WEEK, JAN, at="first").tolist() == [
        parse_period("2026-W05").ordinal, MISSING]
    assert ordinals_of_days(o * 0 + MISSING, Grain.DAY).tolist() == [MISSING, MISSING]


def test_scalar_dates_of_other_kinds() -> None:
    p = parse_period("2026-10-05")
    assert period_of_date(dt.datetime(2026, 10, 5, 23, 59), Grain.DAY) == p
    assert period_of_date(np.datetime64("2026-10-05T12:00"), Grain.DAY) == p
    with pytest.raises(PeriodError):
        period_of_date(np.datetime64("NaT"), Grain.DAY)


# ----------------------------------------------------------------- properties

GRAINS = st.sampled_from(list(Grain))
CALENDARS = st.builds(Calendar, st.integers(1, 12))
DATES = st.dates(min_value=D(2, 1, 1), max_value=D(9998, 12, 31))


@st.composite
def periods(draw: st.DrawFn) -> Period:
    """A period of any grain whose days lie in years 0002-9998, by its ordinal."""
    grain = draw(GRAINS)
    lo = period_of_date(D(2, 1, 1), grain, OCT).ordinal + 1
    hi = period_of_date(D(9998, 12, 31), grain, APR).ordinal - 1
    return Period(grain, draw(st.integers(lo, hi)))


def _fiscal_year(day: dt.date, cal: Calendar) -> int:
    """An independent statement of the fiscal year naming rule."""
    start = cal.fiscal_year_start
    return day.year + 1 if start > 1 and day.month >= start else day.year


@settings(max_examples=300, deadline=None)
@given(periods(), CALENDARS)
def test_text_round_trips(p: Period, cal: Calendar) -> None:
    text = period_text(p, cal)
    assert parse_period(text, cal) == p
    assert parse_period(f" {text.lower()} ", cal) == p


@settings(max_examples=300, deadline=None)
@given(DATES, GRAINS, CALENDARS)
def test_date_lies_in_its_period(day: dt.date, grain: Grain, cal: Calendar) -> None:
    p = period_of_date(day, grain, cal)
    assert start_day(p, cal) <= day <= end_day(p, cal)
    assert span_of(grain, p.ordinal, cal) == (day_ordinal(start_day(p, cal)), day_ordinal(end_day(p, cal)))


@settings(max_examples=200, deadline=None)
@given(DATES, CALENDARS)
def test_agrees_with_independent_rules(day: dt.date, cal: Calendar) -> None:
    iso_year, iso_week, _ = day.isocalendar()
    assert period_text(period_of_date(day, Grain.WEEK, cal)) == f"{iso_year:04d}-W{iso_week:02d}"
    assert period_of_date(day, Grain.FISCAL_YEAR, cal).ordinal == _fiscal_year(day, cal)
    assert period_of_date(day, Grain.DAY, cal).ordinal == (day - D(1970, 1, 1)).days
    fq = period_of_date(day, Grain.FISCAL_QUARTER, cal)
    months_in = (day.month - cal.fiscal_year_start) % 12
    assert fq.ordinal == _fiscal_year(day, cal) * 4 + months_in // 3
    first = np.array([day_ordinal(day)], dtype=np.int64)
    assert ytd_start(first, cal)[0] == day_ordinal(start_day(period_of_date(day, Grain.FISCAL_YEAR, cal), cal))
    assert qtd_start(first, cal)[0] == day_ordinal(start_day(fq, cal))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(DATES, st.none()), min_size=1, max_size=40), GRAINS, CALENDARS)
def test_vectorised_agrees_with_scalar(days: list[dt.date | None], grain: Grain, cal: Calendar) -> None:
    arr = np.array([np.datetime64(d, "D") if d else np.datetime64("NaT", "D") for d in days])
    got = ordinals(arr, grain, cal)
    want = [period_of_date(d, grain, cal).ordinal if d else MISSING for d in days]
    assert got.dtype == np.int64 and got.tolist() == want
    first, last = spans(grain, got, cal)
    want_spans = [span_of(grain, o, cal) if o != MISSING else (MISSING, MISSING) for o in want]
    assert list(zip(first.tolist(), last.tolist())) == want_spans


@settings(max_examples=300, deadline=None)
@given(periods(), CALENDARS)
def test_consecutive_periods_tile_the_days(p: Period, cal: Calendar) -> None:
    nxt = shift(p, 1)
    assert start_day(p, cal) <= end_day(p, cal)
    assert end_day(p, cal) + dt.timedelta(days=1) == start_day(nxt, cal)
    assert shift(nxt, -1) == p


@settings(max_examples=50, deadline=None)
@given(GRAINS, CALENDARS, st.integers(1970 * 12, 2100 * 12))
def test_runs_of_periods_tile_the_days(grain: Grain, cal: Calendar, month: int) -> None:
    lo = convert(np.array([month]), Grain.MONTH, grain, cal, at="first")[0]
    o = np.arange(lo, lo + 60, dtype=np.int64)
    first, last = spans(grain, o, cal)
    assert (first <= last).all()
    assert (first[1:] == last[:-1] + 1).all()
    days = np.arange(first[0], last[-1] + 1, dtype=np.int64)
    assert (ordinals_of_days(days, grain, cal) == np.repeat(o, last - first + 1)).all()
