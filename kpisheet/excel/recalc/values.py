"""Cell values as the formula engine sees them, and Excel's coercion rules.

A value is ``float`` (numbers, dates as serials), ``str``, ``bool``, ``None`` (an
empty cell) or an :class:`Err`. Arrays are 2-D ``numpy`` object arrays.
"""

from __future__ import annotations

import calendar
import contextvars
import datetime as dt
import math
import re
from typing import Any, Optional, Union

from ... import xlrules


class Err:
    """An Excel error value (``#DIV/0!`` ...). One instance per kind: compare with ``is``."""

    __slots__ = ("text",)
    text: str
    _all: dict[str, "Err"] = {}

    def __new__(cls, text: str) -> "Err":
        found = cls._all.get(text)
        if found is None:
            found = super().__new__(cls)
            found.text = text
            cls._all[text] = found
        return found

    def __repr__(self) -> str:
        return f"Err({self.text!r})"

    def __str__(self) -> str:
        return self.text

    @classmethod
    def parse(cls, text: str) -> Optional["Err"]:
        t = text.strip().upper()
        return cls._all.get(t) if t in cls._all else None


NULL = Err("#NULL!")
DIV0 = Err("#DIV/0!")
VALUE = Err("#VALUE!")
REF = Err("#REF!")
NAME = Err("#NAME?")
NUM = Err("#NUM!")
NA = Err("#N/A")
SPILL = Err("#SPILL!")
CALC = Err("#CALC!")
GETTING_DATA = Err("#GETTING_DATA")

Value = Union[float, str, bool, None, Err]


class XlFail(Exception):
    """Raised inside a function to make the cell an error value."""

    def __init__(self, err: Err) -> None:
        super().__init__(err.text)
        self.err = err


def num_text(x: float) -> str:
    """A number as Excel's General format shows it in text (``"a"&1.5`` → ``a1.5``)."""
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    text = f"{x:.15g}"
    if "e" in text:
        mant, exp = text.split("e")
        if "." in mant:
            mant = mant.rstrip("0").rstrip(".")
        sign = "-" if exp.startswith("-") else "+"
        text = f"{mant}E{sign}{int(exp.lstrip('+-')):02d}"
    return text


#: the date system of the book being calculated (set by the calculator for the time of a run):
#: date text read as a number in arithmetic or a criterion counts its days from 1904 there
DATE1904: contextvars.ContextVar[bool] = contextvars.ContextVar("DATE1904", default=False)


def parse_number(text: str, date1904: Optional[bool] = None) -> Optional[float]:
    """Text that Excel would read as a number (``"1,234.5"``, ``"12%"``, ``" 3 "``, date and
    time text as a serial of the book's date system: ``date1904``, or the run's), or None."""
    if date1904 is None:
        date1904 = DATE1904.get()
    t = text.strip()
    if not t or "_" in t:
        return None
    pct = t.endswith("%")
    if pct:
        t = t[:-1].strip()
    t = t.replace(",", "")
    if t.startswith("$"):
        t = t[1:]
    try:
        x = float(t)
    except ValueError:
        d = parse_date_text(text)
        if d is not None and date1904 and d >= 1:  # a date, not only a time: counted from 1904
            d -= 1462
            return d if d >= 0 else None
        return d
    if not math.isfinite(x) or t.lower() in ("nan", "inf", "infinity", "-inf", "+inf"):
        return None
    return x / 100 if pct else x


_NUMERIC_DATE = re.compile(r"(\d{1,4})([/-])(\d{1,4})(?:\2(\d{1,4}))?")
_NAMED_DATE = re.compile(r"(?:(?P<d1>\d{1,2})[\s-]+(?P<m1>[a-z]{3,9})\.?(?:[\s,-]+(?P<y1>\d{1,4}))?"
                         r"|(?P<m2>[a-z]{3,9})\.?[\s-]+(?P<d2>\d{1,4})(?:,?[\s-]+(?P<y2>\d{1,4}))?)", re.I)
_ISO_STAMP = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{2}):(\d{2})")
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name} | \
    {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name} | {"sept": 9}


def _year(digits: str) -> Optional[int]:
    """A year as Excel reads it in date text: two digits are 2000-2029 below 30, 1930-1999 from
    30; four digits as written, from 1900 (three digits: not a year)."""
    if len(digits) <= 2:
        y = int(digits)
        return 2000 + y if y < 30 else 1900 + y
    return int(digits) if len(digits) == 4 else None


def _date_parts(t: str) -> Optional[tuple[int, int, int]]:
    """(year, month, day) of date text in the forms Excel reads with US settings, unchecked, or
    None: ``2025-01-15``, ``2025/1/15``, ``1/15/2025``, ``1/15/25``, ``1/15`` (this year),
    ``8/1987`` (the 1st), ``15-Jan-2025``, ``15 January 25``, ``15-Jan`` (this year), ``Aug-98``
    (the 1st), ``Jan 15, 2025``, ``January 15 2025``."""
    m = _NUMERIC_DATE.fullmatch(t)
    if m is not None:
        a, b, c = m.group(1), m.group(3), m.group(4)
        if c is not None:
            if len(a) >= 3:  # year first
                return (int(a), int(b), int(c)) if len(a) == 4 else None
            year = _year(c)
            return None if year is None or len(b) > 2 else (year, int(a), int(b))
        if len(a) > 2:
            return None
        if len(b) > 2 or int(b) > 31:  # month and year: its first day
            year = _year(b)
            return None if year is None else (year, int(a), 1)
        return dt.date.today().year, int(a), int(b)
    m = _NAMED_DATE.fullmatch(t)
    if m is None:
        return None
    month = _MONTHS.get((m.group("m1") or m.group("m2")).lower())
    if month is None:
        return None
    if m.group("m1") is not None:
        day, year_text = m.group("d1"), m.group("y1")
    else:
        day, year_text = m.group("d2"), m.group("y2")
        if year_text is None and (len(day) > 2 or int(day) > 31):  # "Aug-98": month and year
            year = _year(day)
            return None if year is None else (year, month, 1)
    if len(day) > 2:
        return None
    year = dt.date.today().year if year_text is None else _year(year_text)
    return None if year is None else (year, month, int(day))


_TIME = re.compile(r"(?:^|\s)(\d{1,4}):(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?\s*([ap]m?)?$", re.I)


_MINUTES_SECONDS = re.compile(r"(\d{1,2}):(\d{1,4}\.\d*)")


def parse_time_text(text: str) -> Optional[float]:
    """``"1:23"``, ``"13:45:30.5"``, ``"1:23 PM"`` as a fraction of a day, or None; two parts
    with a decimal point are minutes and seconds (``"23:59.5"``; minutes below 60)."""
    lap = _MINUTES_SECONDS.fullmatch(text.strip())
    if lap is not None:
        minutes = int(lap.group(1))
        return (minutes * 60 + float(lap.group(2))) / 86400 if minutes < 60 else None
    m = _TIME.fullmatch(text.strip())
    if m is None:
        return None
    h, mi = int(m.group(1)), int(m.group(2))
    s = float(m.group(3)) if m.group(3) else 0.0
    ampm = (m.group(4) or "").lower()
    if ampm:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if ampm.startswith("p") else 0)
    if mi > 59 or s >= 60:
        return None
    return (h * 3600 + mi * 60 + s) / 86400


def parse_date_text(text: str) -> Optional[float]:
    """Date and/or time text as Excel reads it (``"2025-01-15"``, ``"1/15/2025 13:45"``,
    ``"1:23"``) as a serial of the 1900 system, or None."""
    t = text.strip()
    if not t or not any(ch.isdigit() for ch in t):
        return None
    time = 0.0
    only_time = parse_time_text(t)
    if only_time is not None:
        return only_time
    m = _TIME.search(t)
    if m is not None:
        part = parse_time_text(t[m.start():])
        if part is None:
            return None
        time, t = part, t[:m.start()].strip()
    stamp = _ISO_STAMP.fullmatch(t)
    if stamp is not None:
        parts: Optional[tuple[int, int, int]] = (int(stamp[1]), int(stamp[2]), int(stamp[3]))
        clock = parse_time_text(f"{stamp[4]}:{stamp[5]}:{stamp[6]}")
        if clock is None:
            return None
        time = clock
    else:
        parts = _date_parts(t)
    if parts is None:
        return None
    year, month, day = parts
    if not 1900 <= year <= 9999:
        return None  # before Excel's first date: text, not a date ("7/5/1800" is #VALUE! in YEAR)
    if (year, month, day) == (1900, 2, 29):
        return 60.0 + time  # the day Excel keeps from Lotus 1-2-3
    try:
        return datetime_to_serial(dt.date(year, month, day)) + time
    except ValueError:  # no such day ("2/30/2025"): text
        return None


_EPOCH = dt.datetime(1899, 12, 30)


def datetime_to_serial(d: Union[dt.datetime, dt.date], date1904: bool = False) -> float:
    """:func:`kpisheet.xlrules.datetime_to_serial`, counted from 1904 in a 1904 book."""
    serial = xlrules.datetime_to_serial(d)
    return serial - 1462 if date1904 else serial


def serial_to_datetime(serial: float, date1904: bool = False) -> dt.datetime:
    if date1904:
        serial += 1462
    if serial < 0 or serial >= 2958466:
        raise XlFail(NUM)
    days = int(math.floor(serial))
    frac = serial - days
    if days < 61:
        days = days + 1 if days != 60 else 60
    base = _EPOCH + dt.timedelta(days=days)
    return base + dt.timedelta(seconds=round(frac * 86400))


_DAY_ONE = dt.date(1899, 12, 31)  # serial 1 of the 1900 system: 1900-01-01
_DAY_ZERO_1904 = dt.date(1904, 1, 1)


def serial_ymd(serial: float, date1904: bool = False) -> tuple[int, int, int]:
    """(year, month, day) of a serial's day as Excel shows it; raises ``#NUM!`` outside Excel's dates.

    In the 1900 system serial 0 is the day 1900-01-00 and serial 60 the 1900-02-29 that Excel
    keeps from Lotus 1-2-3 (``DAY(0)`` is 0, ``DAY(60)`` is 29); every later serial is one day
    ahead of the real calendar count from 1899-12-31."""
    if not math.isfinite(serial):
        raise XlFail(NUM)
    n = math.floor(serial)
    if date1904:
        if n < 0 or n > 2957003:
            raise XlFail(NUM)
        d = _DAY_ZERO_1904 + dt.timedelta(days=n)
        return d.year, d.month, d.day
    if n < 0 or n >= 2958466:
        raise XlFail(NUM)
    if n == 0:
        return 1900, 1, 0
    if n == 60:
        return 1900, 2, 29
    d = _DAY_ONE + dt.timedelta(days=n if n < 60 else n - 1)
    return d.year, d.month, d.day


def serial_weekday(serial: float, date1904: bool = False) -> int:
    """1 (Sunday) to 7 (Saturday) of a serial's day, on Excel's count (serial 1 is a Sunday)."""
    n = math.floor(serial) + (1462 if date1904 else 0)
    return (n - 1) % 7 + 1


def serial_hms(serial: float) -> tuple[int, int, int]:
    """(hour, minute, second) of a serial's time of day, rounded to the second as Excel does."""
    if not math.isfinite(serial) or serial < 0:
        raise XlFail(NUM)
    units = math.floor((serial - math.floor(serial)) * 86400 + 0.5) % 86400
    return units // 3600, units // 60 % 60, units % 60


def to_number(v: Value) -> float:
    """Scalar → number, as arithmetic operators do; raises XlFail for errors and bad text."""
    if isinstance(v, float):
        return v
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, str):
        x = parse_number(v)
        if x is None:
            raise XlFail(VALUE)
        return x
    if isinstance(v, Err):
        raise XlFail(v)
    if isinstance(v, int):
        return float(v)
    raise XlFail(VALUE)


def to_text(v: Value) -> str:
    if isinstance(v, str):
        return v
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return num_text(v)
    if isinstance(v, Err):
        raise XlFail(v)
    return str(v)


def to_bool(v: Value) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, float):
        return v != 0
    if v is None:
        return False
    if isinstance(v, str):
        u = v.strip().upper()
        if u == "TRUE":
            return True
        if u == "FALSE":
            return False
        raise XlFail(VALUE)
    if isinstance(v, Err):
        raise XlFail(v)
    raise XlFail(VALUE)


def same(a: Any, b: Any, rel: float = 1e-9) -> bool:
    """Whether two cached values show the same thing (``--check``): numbers within a
    relative 1e-9, text exactly, and the text ``#DIV/0!`` equal to the error ``#DIV/0!``."""
    if isinstance(a, Err) or isinstance(b, Err):
        ta = a.text if isinstance(a, Err) else (a.strip().split(" ")[0].upper() if isinstance(a, str) else None)
        tb = b.text if isinstance(b, Err) else (b.strip().split(" ")[0].upper() if isinstance(b, str) else None)
        return ta is not None and ta == tb
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, float) and isinstance(b, float):
        if a == b:
            return True
        if math.isnan(a) or math.isnan(b):
            return False
        return abs(a - b) <= rel * max(abs(a), abs(b)) or abs(a - b) < 1e-12
    if a is None or b is None:
        return (a is None or a == "") and (b is None or b == "")
    return type(a) is type(b) and a == b


def show(v: Any) -> str:
    """A value as the ``--check`` listing shows it."""
    if v is None:
        return "(empty)"
    if isinstance(v, Err):
        return v.text
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return repr(v) if not v.is_integer() or abs(v) >= 1e15 else str(int(v))
    return repr(v)
