"""Excel's scalar rules, once: rounding, text comparison, blank coercion, date serials.

Three evaluators answer the same expression: row expressions over a frame
(:mod:`kpisheet.expr.frame`: ``where``, ``derive``, KPI ``filter``), KPI formulas over the
period × account grid (:mod:`kpisheet.engine.grid`) and Excel formulas in ``recalc``
(:mod:`kpisheet.excel.recalc`). Each asks this module, so one expression has one answer
(``tests/test_xlrules_agree.py`` runs random expressions through all three). Row expressions
over ``parquet:``/``sql:`` sources are compiled to SQL by :mod:`kpisheet.warehouse.compile`,
which follows the same rules in the database (``tests/warehouse/test_agree.py`` runs the same
random expressions through the frame evaluator and DuckDB/PostgreSQL). The rules:

- **Rounding** (:func:`round_half_away`): Excel keeps 15 significant digits; ``ROUND``
  rounds that decimal half away from zero. ``round(608.44765, 4)`` is 608.4477 (the double
  is 608.447649999..., the decimal Excel shows is 608.44765), ``round(2.675, 2)`` is 2.68,
  ``round(-2.5, 0)`` is -3, and ``round(1e15 + 0.5, 2)`` is 1e15 (the half is a 16th digit,
  past what Excel keeps). The result is the double nearest that decimal.
  :func:`round_half_away_array` is the same rule over a numpy array, exactly: it agrees with
  the scalar form on every input, and runs at numpy speed. ``ROUNDUP`` and ``ROUNDDOWN``
  (:func:`round_up`, :func:`round_down`) round that same decimal away from and towards zero:
  ``ROUNDUP(0.1 + 0.2, 1)`` is 0.3, as Excel shows 0.1 + 0.2 as 0.3 (the double is
  0.30000000000000004), and ``ROUNDDOWN(-3.14159, 1)`` is -3.1.
- **Text comparison** (:func:`fold`, :func:`fold_texts`): ``=``, ``<>`` and the orderings
  compare text ignoring case (Excel's ``="Cancelled"="cancelled"`` is TRUE), by lower-cased
  code point.
- **Blanks** (:func:`blank_beside`): in a comparison a blank (an empty cell, a missing
  value) is 0 beside a number, ``""`` beside text, FALSE beside a logical; two blanks are equal.
- **Order of kinds** (:func:`compare`): numbers < text < logicals, as Excel sorts and compares.
- **Date serials** (:func:`serial_to_datetime`, :func:`serials_to_datetime64`,
  :func:`datetime_to_serial`): the 1900 system, day 1 is 1900-01-01; serials below 61 count
  the 29 February 1900 that Excel keeps from Lotus 1-2-3, which is read as 1900-02-28.
- **Year or serial** (:func:`number_is_year`): a whole number from 1000 to 9999 given
  where a period is expected is a year (``=KPI("revenue", 2026)``); any other number is a
  date serial.

This module imports nothing from the rest of kpisheet: every evaluator can import it.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Context, Decimal
from typing import Any, Optional, Union

import numpy as np
import numpy.typing as npt

__all__ = ["DIGITS", "blank_beside", "compare", "datetime_to_serial", "fold", "fold_texts", "number_is_year",
           "round_down", "round_half_away", "round_half_away_array", "round_up", "serial_to_datetime",
           "serials_to_datetime64"]

DIGITS = 15  # significant decimal digits Excel keeps of a number

# ROUND_HALF_UP is "half away from zero" in the decimal module (it rounds magnitudes)
_TO_15 = Context(prec=DIGITS, rounding=ROUND_HALF_UP)
_QUANTIZE = Context(prec=DIGITS + 5)
_FEWEST = -400  # fewer digits than this round every double to 0 (or, rounding up, past the largest)


# --- rounding --------------------------------------------------------------------------------


def round_half_away(x: float, digits: int) -> float:
    """Excel's ``ROUND(x, digits)``: ``x`` as the decimal of 15 significant digits Excel keeps,
    rounded to ``digits`` places (negative: tens, hundreds ...) half away from zero, as the
    nearest double. NaN and infinities come back unchanged (the caller makes them ``#NUM!``);
    the result is never -0.0."""
    return _round_shown(x, digits, ROUND_HALF_UP)


def round_up(x: float, digits: int) -> float:
    """Excel's ``ROUNDUP(x, digits)``: as :func:`round_half_away`, but away from zero whatever
    the digits dropped (``ROUNDUP(3.2, 0)`` is 4, ``ROUNDUP(-3.14159, 1)`` is -3.2,
    ``ROUNDUP(31415.92654, -2)`` is 31500). Rounding up past the largest double gives an
    infinity (the caller makes it ``#NUM!``)."""
    return _round_shown(x, digits, ROUND_UP)


def round_down(x: float, digits: int) -> float:
    """Excel's ``ROUNDDOWN(x, digits)`` and ``TRUNC``: as :func:`round_half_away`, but towards
    zero (``ROUNDDOWN(3.7, 0)`` is 3, ``ROUNDDOWN(-3.14159, 1)`` is -3.1)."""
    return _round_shown(x, digits, ROUND_DOWN)


def _round_shown(x: float, digits: int, rounding: str) -> float:
    """``x``'s 15-significant-digit decimal rounded to ``digits`` places by ``rounding`` (a
    :mod:`decimal` rounding mode), as the nearest double, never -0.0."""
    if not math.isfinite(x):
        return x
    if x == 0:
        return 0.0
    shown = _TO_15.plus(Decimal(x))  # exact binary value → 15 significant digits, half away
    exponent = shown.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if exponent >= -digits:  # no digit past the place asked for: nothing to round
        return float(shown) + 0.0
    place = Decimal(1).scaleb(-max(digits, _FEWEST))
    return float(shown.quantize(place, rounding=rounding, context=_QUANTIZE)) + 0.0


_POW10 = np.array([10.0**k for k in range(23)])  # exact doubles: 10**0 .. 10**22
_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitter for doubles


def _two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``a * b`` as ``hi + lo`` exactly (Dekker), without overflow for |a*b| well below 1e300."""
    hi = a * b
    ca, cb = _SPLIT * a, _SPLIT * b
    ah = ca - (ca - a)
    bh = cb - (cb - b)
    al, bl = a - ah, b - bh
    lo = ((ah * bh - hi) + ah * bl + al * bh) + al * bl
    return hi, lo


def round_half_away_array(x: Any, digits: int) -> npt.NDArray[np.float64]:
    """:func:`round_half_away` of every entry of ``x`` (NaN stays NaN), as a float64 array.

    Exact, not approximate: for numbers from 1e-8 to 1e15 and ``digits`` from -22 to 22 the
    15-digit decimal is found with an error-free product (``|x| * 10**k`` as a sum of two
    doubles) and rounded in integers; every other entry goes through the scalar form."""
    arr = np.asarray(x, dtype=np.float64)
    flat = arr.reshape(-1)
    out = np.zeros(flat.shape, dtype=np.float64)
    ax = np.abs(flat)
    finite = np.isfinite(flat)
    out[~finite] = flat[~finite]
    live = finite & (ax != 0)
    with np.errstate(all="ignore"):
        e = np.floor(np.log10(np.where(live, ax, 1.0))).astype(np.int64)
        k = 14 - e  # |x| * 10**k has 15 digits before the point
        fast = live & (k >= 0) & (k <= 22) & (abs(digits) <= 22)
        idx = np.flatnonzero(fast)
        a, kk = ax[idx], k[idx]
        hi, lo = _two_product(a, _POW10[kk])
        good = (hi >= 1e14) & (hi < 1e15)  # log10 guessed the digit count right
        idx, kk, hi, lo = idx[good], kk[good], hi[good], lo[good]
        whole = np.floor(hi)
        up = ((hi - whole) - 0.5) + lo >= 0  # the exact fraction, half going up (away from zero)
        n15 = (whole + up).astype(np.int64)  # the 15 significant digits, as an integer
        drop = kk - digits  # digits of n15 past the place asked for
        keep = drop <= 0
        mag = np.empty(len(idx), dtype=np.float64)
        mag[keep] = n15[keep] / _POW10[kk[keep]]  # one correctly rounded division: the nearest double
        cut = ~keep & (drop <= 16)
        step = 10 ** np.minimum(drop[cut], 16).astype(np.int64)
        rounded = ((n15[cut] + step // 2) // step).astype(np.float64)
        if len(rounded):  # only when |digits| <= 22 (``fast``)
            mag[cut] = rounded / _POW10[digits] if digits >= 0 else rounded * _POW10[-digits]
        mag[~keep & (drop > 16)] = 0.0
        out[idx] = np.copysign(mag, flat[idx]) + 0.0
    slow = live.copy()
    slow[idx] = False
    for i in np.flatnonzero(slow):
        out[i] = round_half_away(float(flat[i]), digits)
    return out.reshape(arr.shape)


# --- text, blanks, order -----------------------------------------------------------------------


def fold(text: str) -> str:
    """Text as Excel compares it: case ignored (lower-cased; ordering is then by code point)."""
    return text.lower()


def fold_texts(texts: Any) -> npt.NDArray[Any]:
    """:func:`fold` of every text of an object array; entries that are not text stay as they are."""
    arr = np.asarray(texts, dtype=object)
    out = np.empty(arr.size, dtype=object)
    out[:] = [v.lower() if isinstance(v, str) else v for v in arr.reshape(-1)]
    return out.reshape(arr.shape)


Scalar = Union[float, str, bool, None]


def blank_beside(other: Scalar) -> Scalar:
    """The value a blank takes when compared with ``other``: ``""`` beside text, FALSE beside
    a logical, else 0 (beside a number, and beside another blank: two blanks are equal)."""
    if isinstance(other, str):
        return ""
    if isinstance(other, bool):
        return False
    return 0.0


def _rank(v: Scalar) -> tuple[int, Any]:
    if isinstance(v, bool):
        return (2, v)
    if isinstance(v, str):
        return (1, fold(v))
    if v is None:
        return (0, 0.0)
    return (0, float(v))


def compare(a: Scalar, b: Scalar) -> int:
    """-1, 0 or 1: how ``a`` compares with ``b`` in Excel's ``= < >``. A blank (None) takes
    :func:`blank_beside` the other; numbers < text < logicals; text ignores case."""
    if a is None:
        a = blank_beside(b)
    if b is None:
        b = blank_beside(a)
    ka, kb = _rank(a), _rank(b)
    return (ka > kb) - (ka < kb)


# --- dates -----------------------------------------------------------------------------------

_EPOCH = dt.datetime(1899, 12, 30)  # serial 0 for serials from 61 on (after the fictitious 1900-02-29)
_EPOCH64 = np.datetime64("1899-12-30", "us")
_US_PER_DAY = 86_400_000_000


def serial_to_datetime(serial: float) -> Optional[dt.datetime]:
    """An Excel serial (1900 system) as a datetime, to the microsecond; None when it is no
    date (below 1, past 9999-12-31, not finite). Serials 1..60 count Excel's 29 February
    1900: serial 59 and serial 60 are both 1900-02-28 (there is no 29th)."""
    if not math.isfinite(serial) or serial < 1 or serial >= 2958466:
        return None
    days = math.floor(serial)
    micros = round((serial - days) * _US_PER_DAY)
    if days < 60:
        days += 1  # before the fictitious 1900-02-29, serial n is day n + 1 from 1899-12-30
    return _EPOCH + dt.timedelta(days=days, microseconds=micros)


def serials_to_datetime64(serials: Any) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.bool_]]:
    """:func:`serial_to_datetime` over an array: datetime64[us] (NaT where no date) and which
    entries are no date (NaN is a blank, not counted there)."""
    x = np.asarray(serials, dtype=np.float64)
    bad = ~np.isnan(x) & ((x < 1) | (x >= 2958466) | ~np.isfinite(x))
    ok = ~np.isnan(x) & ~bad
    days = np.floor(np.where(ok, x, 0.0))
    frac = np.where(ok, x, 0.0) - days
    days = np.where(days < 60, days + 1, days)
    micros = np.zeros(x.shape, dtype=np.int64)
    micros[ok] = days[ok].astype(np.int64) * _US_PER_DAY + np.round(frac[ok] * _US_PER_DAY).astype(np.int64)
    out = _EPOCH64 + micros.astype("timedelta64[us]")
    out[~ok] = np.datetime64("NaT")
    return out, bad


def datetime_to_serial(moment: Union[dt.datetime, dt.date]) -> float:
    """A date or datetime as an Excel serial of the 1900 system (the inverse of
    :func:`serial_to_datetime` from 1900-03-01 on; before it, one day less, as Excel counts)."""
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime(moment.year, moment.month, moment.day)
    delta = moment - _EPOCH
    serial = delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6
    if 1 <= serial < 61:
        serial -= 1
    return serial


def number_is_year(number: float) -> bool:
    """Whether a number given where a period belongs is a year (a whole number from 1000 to
    9999) rather than a date serial (``=KPI("revenue", 2026)`` asks for the year 2026)."""
    return math.isfinite(number) and float(number).is_integer() and 1000 <= number <= 9999
