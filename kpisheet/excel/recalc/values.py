"""Cell values as the formula engine sees them, and Excel's coercion rules.

A value is ``float`` (numbers, dates as serials), ``str``, ``bool``, ``None`` (an
empty cell) or an :class:`Err`. Arrays are 2-D ``numpy`` object arrays.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Optional, Union

from ...xlerrors import XlError


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

    def to_xlerror(self) -> Optional[XlError]:
        return XlError.from_text(self.text)


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


def parse_number(text: str) -> Optional[float]:
    """Text that Excel would read as a number (``"1,234.5"``, ``"12%"``, ``" 3 "``), or None."""
    t = text.strip()
    if not t:
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
        return d
    if not math.isfinite(x) or t.lower() in ("nan", "inf", "infinity", "-inf", "+inf"):
        return None
    return x / 100 if pct else x


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%d-%b-%Y", "%d %b %Y", "%b %d %Y", "%B %d %Y",
                 "%d %B %Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


def parse_date_text(text: str) -> Optional[float]:
    t = text.strip()
    if not t or not any(ch.isdigit() for ch in t):
        return None
    for fmt in _DATE_FORMATS:
        try:
            d = dt.datetime.strptime(t, fmt)
        except ValueError:
            continue
        serial = datetime_to_serial(d)
        return serial if serial >= 1 else None  # before 1900-01-01 the text is no date to Excel
    return None


_EPOCH = dt.datetime(1899, 12, 30)


def datetime_to_serial(d: Union[dt.datetime, dt.date], date1904: bool = False) -> float:
    if not isinstance(d, dt.datetime):
        d = dt.datetime(d.year, d.month, d.day)
    delta = d - _EPOCH
    serial = delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6
    if serial < 61:
        serial -= 1 if serial >= 1 else 0
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
