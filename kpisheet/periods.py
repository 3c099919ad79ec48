"""Grains, the fiscal calendar, period text, spans and shifting (docs/reference.md#periods-and-calendars).

A period is a grain and an integer *ordinal*. Each grain numbers its periods
contiguously, so "the previous period" is ``ordinal - 1`` and a grid of periods
is ``range(lo, hi + 1)``:

    ============== ================================================ ==============
    grain          ordinal                                          text
    ============== ================================================ ==============
    day            days since 1970-01-01                            ``2026-10-05``
    week           ISO (Monday) weeks since the week of 1970-01-01  ``2026-W14``
    month          year * 12 + month - 1                            ``2026-10``
    quarter        year * 4 + quarter - 1                           ``2026-Q3``
    year           year                                             ``2026``
    fiscal_year    the calendar year in which the fiscal year ends  ``FY2026``
    fiscal_quarter fiscal_year * 4 + fiscal quarter - 1             ``FY2026-Q1``
    ============== ================================================ ==============

Week 0 starts on Monday 1969-12-29; its Thursday is day 0, so the Thursday of
week ``w`` is day ``7 * w`` and the ISO year of a week is the year of its
Thursday. With ``fiscal_year_start = 4``, April 2025 - March 2026 is FY2026 and
FY2026-Q1 is April - June 2025; with the default start (January) a fiscal year
is the calendar year. Ordinals and text do not depend on the calendar; only the
days a fiscal period covers do.

Arrays of dates or days are handled with numpy, without Python loops. Inside
arrays a missing date (``NaT``) becomes :data:`MISSING`, which every array
function passes through unchanged; :func:`is_missing` gives the mask.
Texts are read and written for years 0001 to 9999.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as _dt
import enum
import re
from dataclasses import dataclass
from typing import Any, Callable, Final, Literal, Union

import numpy as np
import numpy.typing as npt

from .errors import EvaluationError

__all__ = [
    "MISSING", "Calendar", "Grain", "Period", "PeriodError", "convert", "day_ordinal",
    "day_ordinals", "end_day", "is_latest", "is_missing", "ordinals", "ordinals_of_days",
    "parse_period", "period_of_date", "period_text", "qtd_start", "shift", "span_of", "spans",
    "start_day", "ytd_start",
]

IntArray = npt.NDArray[np.int64]
DateLike = Union[_dt.date, np.datetime64]

MISSING: Final[int] = int(np.iinfo(np.int64).min)
"""The ordinal (of any grain, days included) that stands for a missing date in arrays."""

_EPOCH: Final = _dt.date(1970, 1, 1).toordinal()  # proleptic Gregorian ordinal of day 0
_MONTH0: Final = 1970 * 12  # month ordinal of 1970-01, where datetime64[M] counts from


class PeriodError(EvaluationError, ValueError):
    """A period text, grain or calendar that cannot be read; shown as ``#VALUE!``."""


class Grain(str, enum.Enum):
    """A span of time: day, ISO week, month, quarter, year, fiscal quarter or fiscal year."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    FISCAL_QUARTER = "fiscal_quarter"
    FISCAL_YEAR = "fiscal_year"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Calendar:
    """The fiscal calendar: the month (1-12) in which the fiscal year starts."""

    fiscal_year_start: int = 1

    def __post_init__(self) -> None:
        s = self.fiscal_year_start
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or not 1 <= s <= 12:
            raise PeriodError(f"fiscal_year_start must be a month number 1 to 12, not {s!r}")
        object.__setattr__(self, "fiscal_year_start", int(s))

    @property
    def month_offset(self) -> int:
        """Months to add to a month ordinal to count it in fiscal months (FY*12 + fiscal month - 1)."""
        return (13 - self.fiscal_year_start) % 12


_DEFAULT_CALENDAR: Final = Calendar()


@dataclass(frozen=True, order=True)
class Period:
    """A period: a grain and its ordinal in that grain (see the module docstring)."""

    grain: Grain
    ordinal: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "grain", _grain(self.grain))
        if isinstance(self.ordinal, bool) or not isinstance(self.ordinal, (int, np.integer)):
            raise TypeError(f"a period ordinal is an integer, not {self.ordinal!r}")
        object.__setattr__(self, "ordinal", int(self.ordinal))

    def __str__(self) -> str:
        return period_text(self)


def _grain(grain: Grain | str) -> Grain:
    try:
        return Grain(grain)
    except ValueError:
        raise PeriodError(f"unknown grain {grain!r}") from None


# --------------------------------------------------------------------------- scalars


def day_ordinal(d: DateLike) -> int:
    """Days since 1970-01-01 of a date (a datetime counts as its date)."""
    if isinstance(d, np.datetime64):
        if np.isnat(d):
            raise PeriodError("no date (NaT)")
        return int(d.astype("datetime64[D]").astype(np.int64))
    if isinstance(d, _dt.datetime):
        d = d.date()
    return d.toordinal() - _EPOCH


def _day_date(day: int) -> _dt.date:
    try:
        return _dt.date.fromordinal(day + _EPOCH)
    except (ValueError, OverflowError):
        raise PeriodError(f"day {day} is outside the dates 0001-01-01 to 9999-12-31") from None


def _month_date(month: int, last: bool) -> int:
    """Day ordinal of the first (or last) day of a month ordinal."""
    year, m = divmod(month, 12)
    if not 1 <= year <= 9999:
        raise PeriodError(f"year {year} is outside 0001 to 9999")
    day = _calendar.monthrange(year, m + 1)[1] if last else 1
    return _dt.date(year, m + 1, day).toordinal() - _EPOCH


def _months(grain: Grain, ordinal: int, cal: Calendar) -> tuple[int, int]:
    """First month ordinal and number of months of a month-based period."""
    if grain is Grain.MONTH:
        return ordinal, 1
    if grain is Grain.QUARTER:
        return 3 * ordinal, 3
    if grain is Grain.YEAR:
        return 12 * ordinal, 12
    if grain is Grain.FISCAL_QUARTER:
        return 3 * ordinal - cal.month_offset, 3
    if grain is Grain.FISCAL_YEAR:
        return 12 * ordinal - cal.month_offset, 12
    raise AssertionError(grain)


def span_of(grain: Grain | str, ordinal: int, cal: Calendar = _DEFAULT_CALENDAR) -> tuple[int, int]:
    """First and last day ordinal (inclusive) of a period."""
    grain = _grain(grain)
    if grain is Grain.DAY:
        return ordinal, ordinal
    if grain is Grain.WEEK:
        return 7 * ordinal - 3, 7 * ordinal + 3
    first, n = _months(grain, ordinal, cal)
    return _month_date(first, last=False), _month_date(first + n - 1, last=True)


def start_day(p: Period, cal: Calendar = _DEFAULT_CALENDAR) -> _dt.date:
    """The first day of a period."""
    return _day_date(span_of(p.grain, p.ordinal, cal)[0])


def end_day(p: Period, cal: Calendar = _DEFAULT_CALENDAR) -> _dt.date:
    """The last day of a period (inclusive)."""
    return _day_date(span_of(p.grain, p.ordinal, cal)[1])


def period_of_date(d: DateLike, grain: Grain | str, cal: Calendar = _DEFAULT_CALENDAR) -> Period:
    """The period of a grain that holds a date (a datetime counts as its date)."""
    grain = _grain(grain)
    day = day_ordinal(d)
    if grain is Grain.DAY:
        return Period(grain, day)
    if grain is Grain.WEEK:
        return Period(grain, (day + 3) // 7)
    date = _day_date(day)
    month = date.year * 12 + date.month - 1
    fiscal_month = month + cal.month_offset
    ordinal = {
        Grain.MONTH: month,
        Grain.QUARTER: month // 3,
        Grain.YEAR: month // 12,
        Grain.FISCAL_QUARTER: fiscal_month // 3,
        Grain.FISCAL_YEAR: fiscal_month // 12,
    }[grain]
    return Period(grain, ordinal)


def shift(p: Period, n: int) -> Period:
    """The period ``n`` periods later at the same grain (earlier when ``n`` is negative)."""
    return Period(p.grain, p.ordinal + n)


# --------------------------------------------------------------------------- text


def period_text(p: Period, cal: Calendar = _DEFAULT_CALENDAR) -> str:
    """The canonical text of a period: ``2026``, ``2026-Q3``, ``2026-10``, ``2026-W14``,
    ``2026-10-05``, ``FY2026``, ``FY2026-Q1``. The text does not depend on ``cal``."""
    g, o = p.grain, p.ordinal
    if g is Grain.DAY:
        return _day_date(o).isoformat()
    if g is Grain.WEEK:
        year, week, _ = _day_date(7 * o).isocalendar()  # the week's Thursday names it
        return f"{year:04d}-W{week:02d}"
    year, rest = divmod(o, {Grain.MONTH: 12, Grain.QUARTER: 4, Grain.FISCAL_QUARTER: 4}.get(g, 1))
    if not 1 <= year <= 9999:
        raise PeriodError(f"the {g} period {o} is outside the years 0001 to 9999")
    if g is Grain.MONTH:
        return f"{year:04d}-{rest + 1:02d}"
    if g is Grain.QUARTER:
        return f"{year:04d}-Q{rest + 1}"
    if g is Grain.YEAR:
        return f"{year:04d}"
    if g is Grain.FISCAL_YEAR:
        return f"FY{year:04d}"
    return f"FY{year:04d}-Q{rest + 1}"


_FORMS: Final = "2026, 2026-Q3, 2026-10, 2026-W14, 2026-10-05, FY2026 or FY2026-Q1"
_PATTERN: Final = re.compile(
    r"(?P<fy>FY)?(?P<year>\d{4})"
    r"(?:-Q(?P<quarter>\d)|-W(?P<week>\d\d)|-(?P<month>\d\d)(?:-(?P<day>\d\d))?)?",
    re.ASCII,
)


def is_latest(text: object) -> bool:
    """Whether a period argument is ``latest`` (any case, surrounding spaces allowed)."""
    return isinstance(text, str) and text.strip().lower() == "latest"


def parse_period(text: str, cal: Calendar = _DEFAULT_CALENDAR) -> Period:
    """Read a period written in any form of docs/reference.md#periods-and-calendars except ``latest`` (see
    :func:`is_latest`).

    Surrounding spaces and lower-case ``q``, ``w``, ``fy`` are accepted. Raises
    :class:`PeriodError` ``cannot read period '...': why``.
    """
    if not isinstance(text, str):
        raise PeriodError(f"cannot read period {text!r}: expected a text such as {_FORMS}")
    m = _PATTERN.fullmatch(text.strip().upper())

    def bad(why: str) -> PeriodError:
        return PeriodError(f"cannot read period {text!r}: {why}")

    if m is None:
        if is_latest(text):
            raise bad("'latest' is resolved by the engine, against the data")
        raise bad(f"expected {_FORMS}")
    year = int(m["year"])
    if year == 0:
        raise bad("the year must be 0001 to 9999")
    if m["fy"] and (m["week"] or m["month"]):
        raise bad("a fiscal period is FY2026 or FY2026-Q1")
    if m["quarter"]:
        q = int(m["quarter"])
        if not 1 <= q <= 4:
            raise bad("the quarter must be Q1 to Q4")
        return Period(Grain.FISCAL_QUARTER if m["fy"] else Grain.QUARTER, year * 4 + q - 1)
    if m["fy"]:
        return Period(Grain.FISCAL_YEAR, year)
    if m["week"]:
        week = int(m["week"])
        weeks = _dt.date(year, 12, 28).isocalendar()[1]  # 28 December is in the last ISO week
        if not 1 <= week <= weeks:
            raise bad(f"ISO year {year:04d} has weeks W01 to W{weeks}")
        monday = _dt.date.fromisocalendar(year, week, 1)
        return Period(Grain.WEEK, (day_ordinal(monday) + 3) // 7)
    if m["month"]:
        month = int(m["month"])
        if not 1 <= month <= 12:
            raise bad("the month must be 01 to 12")
        if m["day"] is None:
            return Period(Grain.MONTH, year * 12 + month - 1)
        try:
            date = _dt.date(year, month, int(m["day"]))
        except ValueError:
            raise bad("there is no such day") from None
        return Period(Grain.DAY, day_ordinal(date))
    return Period(Grain.YEAR, year)


def resolve_period(period: object, grain: Grain, cal: Calendar,
                   latest: Callable[[], Period | None]) -> Period | None:
    """A period argument as a :class:`Period` (docs/reference.md#periods-and-calendars), or None where
    ``latest()`` is None.

    None or ``latest`` (see :func:`is_latest`) → ``latest()``; a :class:`Period` as is; a date or
    datetime → the period of ``grain`` holding its day; anything else is read as text with
    :func:`parse_period`. Text that cannot be read raises :class:`~kpisheet.errors.EvaluationError`
    with kind ``#VALUE!``.
    """
    if period is None or is_latest(period):
        return latest()
    if isinstance(period, Period):
        return period
    if isinstance(period, (_dt.date, _dt.datetime)):
        day = period.date() if isinstance(period, _dt.datetime) else period
        return period_of_date(day, grain, cal)
    try:
        return parse_period(str(period), cal)
    except PeriodError as exc:
        raise EvaluationError(str(exc), kind="#VALUE!") from None


# --------------------------------------------------------------------------- arrays


def is_missing(ordinals: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Where an ordinal (or day) array holds :data:`MISSING`."""
    mask: npt.NDArray[np.bool_] = np.asarray(ordinals) == MISSING
    return mask


def day_ordinals(dates: npt.ArrayLike) -> IntArray:
    """Days since 1970-01-01 of an array of dates; NaT gives :data:`MISSING`.

    ``datetime64`` of any unit (times of day are dropped, towards the earlier day);
    other arrays (``datetime.date`` objects, ``None``, ISO texts) are converted by
    numpy first. Numbers are refused: an Excel serial is not a date here.
    """
    arr = np.asarray(dates)
    if arr.dtype.kind in "biufc":
        raise TypeError(f"dates expected, not numbers ({arr.dtype})")
    if arr.dtype.kind != "M":
        arr = arr.astype("datetime64[D]")
    return arr.astype("datetime64[D]").astype(np.int64)  # NaT -> int64 min == MISSING


def _month_of_days(days: IntArray) -> IntArray:
    """Month ordinal (year * 12 + month - 1) of day ordinals; garbage where MISSING.

    Many days over a short stretch (a source's rows: 250,000 days within two years) are
    looked up in a table of that stretch's months, made by the same conversion: the same
    numbers, without the calendar arithmetic on every row (11 ms against 0.3 ms there)."""
    if days.size > _LOOKUP_MIN:
        lo, hi = int(days.min()), int(days.max())
        if lo != MISSING and hi - lo < days.size // 4:
            table = _months_by_calendar(np.arange(lo, hi + 1, dtype=np.int64))
            return table[days - lo]
    return _months_by_calendar(days)


_LOOKUP_MIN = 4096  # days converted one by one below this many


def _months_by_calendar(days: IntArray) -> IntArray:
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) + _MONTH0


def _first_day_of_months(months: IntArray) -> IntArray:
    return (months - _MONTH0).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def ordinals_of_days(days: npt.ArrayLike, grain: Grain | str, cal: Calendar = _DEFAULT_CALENDAR) -> IntArray:
    """The ordinal, at a grain, of the period holding each day ordinal; MISSING stays MISSING."""
    grain = _grain(grain)
    d: IntArray = np.asarray(days, dtype=np.int64)
    missing = d == MISSING
    if grain is Grain.DAY:
        return d.astype(np.int64, copy=True)
    if grain is Grain.WEEK:
        out = (np.where(missing, 0, d) + 3) // 7
    else:
        month = _month_of_days(d)
        if grain is Grain.MONTH:
            out = month
        elif grain is Grain.QUARTER:
            out = month // 3
        elif grain is Grain.YEAR:
            out = month // 12
        elif grain is Grain.FISCAL_QUARTER:
            out = (month + cal.month_offset) // 3
        else:
            out = (month + cal.month_offset) // 12
    return np.where(missing, MISSING, out).astype(np.int64)


def ordinals(dates: npt.ArrayLike, grain: Grain | str, cal: Calendar = _DEFAULT_CALENDAR) -> IntArray:
    """The ordinal, at a grain, of the period holding each date; NaT gives :data:`MISSING`.

    Accepts what :func:`day_ordinals` accepts (``datetime64[ns]``, ``[us]``, ``[D]`` ...).
    """
    return ordinals_of_days(day_ordinals(dates), grain, cal)


def spans(
    grain: Grain | str, ordinals: npt.ArrayLike, cal: Calendar = _DEFAULT_CALENDAR
) -> tuple[IntArray, IntArray]:
    """First and last day ordinal (inclusive) of each period; MISSING gives MISSING in both."""
    grain = _grain(grain)
    o = np.asarray(ordinals, dtype=np.int64)
    missing = o == MISSING
    o = np.where(missing, 0, o)
    if grain is Grain.DAY:
        first, last = o, o
    elif grain is Grain.WEEK:
        first, last = 7 * o - 3, 7 * o + 3
    else:
        if grain is Grain.MONTH:
            lo, n = o, 1
        elif grain is Grain.QUARTER:
            lo, n = 3 * o, 3
        elif grain is Grain.YEAR:
            lo, n = 12 * o, 12
        elif grain is Grain.FISCAL_QUARTER:
            lo, n = 3 * o - cal.month_offset, 3
        else:
            lo, n = 12 * o - cal.month_offset, 12
        first = _first_day_of_months(lo)
        last = _first_day_of_months(lo + n) - 1
    return (np.where(missing, MISSING, first).astype(np.int64),
            np.where(missing, MISSING, last).astype(np.int64))


def _fiscal_start(days: npt.ArrayLike, cal: Calendar, months: int) -> IntArray:
    d = np.asarray(days, dtype=np.int64)
    missing = d == MISSING
    fiscal_month = _month_of_days(np.where(missing, 0, d)) + cal.month_offset
    first = _first_day_of_months(fiscal_month // months * months - cal.month_offset)
    return np.where(missing, MISSING, first).astype(np.int64)


def ytd_start(last_day_ordinals: npt.ArrayLike, cal: Calendar = _DEFAULT_CALENDAR) -> IntArray:
    """First day ordinal of the fiscal year holding each day ordinal (MISSING stays MISSING)."""
    return _fiscal_start(last_day_ordinals, cal, 12)


def qtd_start(last_day_ordinals: npt.ArrayLike, cal: Calendar = _DEFAULT_CALENDAR) -> IntArray:
    """First day ordinal of the fiscal quarter holding each day ordinal (MISSING stays MISSING)."""
    return _fiscal_start(last_day_ordinals, cal, 3)


def convert(
    ordinals: npt.ArrayLike,
    grain_from: Grain | str,
    grain_to: Grain | str,
    cal: Calendar = _DEFAULT_CALENDAR,
    *,
    at: Literal["first", "last"] = "last",
) -> IntArray:
    """The period of ``grain_to`` holding the last (or first) day of each ``grain_from`` period."""
    first, last = spans(grain_from, ordinals, cal)
    days: Any = last if at == "last" else first
    return ordinals_of_days(days, grain_to, cal)


# --------------------------------------------------------------------------- time units (README#real-questions)

UNITS: Final = ("day", "week", "month", "quarter", "year")
"""The time units of ``prev(k, n, unit)`` and ``rolling(k, n, unit)``."""

_UNIT_MONTHS: Final = {"month": 1, "quarter": 3, "year": 12}
_UNIT_DAYS: Final = {"day": 1, "week": 7}


# A shift of more than 20,000 years leaves the dates a period can name (0001-9999) whatever it
# starts from; larger ones are cut to that, which changes no result (such a span holds no data)
# and keeps numpy's 64-bit dates from overflowing on prev(k, 10**15, 'year').
_MAX_SHIFT_MONTHS: Final = 12 * 20_000
_MAX_SHIFT_DAYS: Final = 366 * 20_000


def _clamp(n: int, limit: int) -> int:
    return max(-limit, min(limit, n))


def add_units(days: npt.ArrayLike, n: int, unit: str) -> IntArray:
    """Day ordinals plus ``n`` units (``n`` may be negative); MISSING stays MISSING.

    Month arithmetic keeps the day of the month, clamped to the month's last day
    (2022-03-31 minus one month is 2022-02-28); a quarter is 3 months, a year 12, a week
    7 days. The result never decreases where the input increases, which keeps spans in order.
    """
    d = np.asarray(days, dtype=np.int64)
    missing = d == MISSING
    if unit in _UNIT_DAYS:
        out = d + _clamp(n * _UNIT_DAYS[unit], _MAX_SHIFT_DAYS)
    elif unit in _UNIT_MONTHS:
        safe = np.where(missing, 0, d)
        month = safe.astype("datetime64[D]").astype("datetime64[M]")
        day_of_month = safe - month.astype("datetime64[D]").astype(np.int64)
        target = month + np.timedelta64(_clamp(n * _UNIT_MONTHS[unit], _MAX_SHIFT_MONTHS), "M")
        first = target.astype("datetime64[D]").astype(np.int64)
        length = (target + np.timedelta64(1, "M")).astype("datetime64[D]").astype(np.int64) - first
        out = first + np.minimum(day_of_month, length - 1)
    else:
        raise ValueError(f"unknown time unit {unit!r}; expected one of {', '.join(UNITS)}")
    return np.where(missing, MISSING, out).astype(np.int64)


def shifted_spans(first: npt.ArrayLike, last: npt.ArrayLike, n: int, unit: str) -> tuple[IntArray, IntArray]:
    """Spans ``[first, last]`` moved ``n`` units back: [first − n, (last + 1 day) − n − 1 day]
    (README#real-questions)."""
    f = add_units(first, -n, unit)
    last_arr = np.asarray(last, dtype=np.int64)
    after = np.where(last_arr == MISSING, MISSING, last_arr + 1)
    moved = add_units(after, -n, unit)
    return f, np.where(moved == MISSING, MISSING, moved - 1).astype(np.int64)


def window_starts(last: npt.ArrayLike, n: int, unit: str) -> IntArray:
    """First day of the ``n`` units ending with each day of ``last``: (last + 1 day) − n units
    (README#real-questions)."""
    last_arr = np.asarray(last, dtype=np.int64)
    after = np.where(last_arr == MISSING, MISSING, last_arr + 1)
    return add_units(after, -n, unit)
