"""Information and reference functions: ISFORMULA, ISREF, TYPE, ERROR.TYPE, SHEET, SHEETS,
ADDRESS (AREAS, which reads references of several areas, is in ``lookup``).

ERROR.TYPE numbers the errors as Excel does (``#NULL!`` 1 ... ``#N/A`` 7, ``#SPILL!`` 9,
``#CALC!`` 14) and is ``#N/A`` for a value that is no error. ADDRESS writes A1 or R1C1 text,
quoting a sheet name as Excel does when it holds anything but letters, digits and ``_``
(``[Book1]Sheet1`` stays unquoted, ``'EXCEL SHEET'`` is quoted).
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from .... import limits
from .. import values as V
from ..ranges import Ref
from ..sheetxml import a1
from ..values import Err, Value, XlFail, to_bool, to_number, to_text
from .base import fn

_ERROR_NUMBERS = {V.NULL: 1, V.DIV0: 2, V.VALUE: 3, V.REF: 4, V.NAME: 5, V.NUM: 6, V.NA: 7,
                  V.GETTING_DATA: 8, V.SPILL: 9, V.CALC: 14}


@fn("ISFORMULA", "raw", 1, 1)
def _isformula(ev: Any, ref: Any) -> Value:
    if isinstance(ref, Err):
        return ref
    if not isinstance(ref, Ref):
        raise XlFail(V.VALUE)
    return (ref.sheet, ref.r1, ref.c1) in ev.cells


@fn("ISREF", "raw", 1, 1)
def _isref(ev: Any, value: Any) -> Value:
    return isinstance(value, Ref)


@fn("TYPE", "raw", 1, 1)
def _type(ev: Any, value: Any) -> Value:
    """1 number (and empty), 2 text, 4 logical, 16 error, 64 array or range of several cells."""
    if isinstance(value, np.ndarray) or (isinstance(value, Ref) and not value.is_cell):
        return 64.0
    v = ev.deref(value)
    if isinstance(v, Err):
        return 16.0
    if isinstance(v, bool):
        return 4.0
    if isinstance(v, str):
        return 2.0
    return 1.0


@fn("ERROR.TYPE", "raw", 1, 1)
def _error_type(ev: Any, value: Any) -> Value:
    v = ev.deref(value)
    number = _ERROR_NUMBERS.get(v) if isinstance(v, Err) else None
    if number is None:
        raise XlFail(V.NA)
    return float(number)


@fn("SHEET", "raw", 0, 1)
def _sheet(ev: Any, value: Any = None) -> Value:
    if value is None:
        return float(ev.cur.sheet + 1)
    if isinstance(value, Ref):
        return float(value.sheet + 1)
    v = ev.deref(value)
    if isinstance(v, Err):
        return v
    found = ev.sheet_index(to_text(v))
    if found is None:
        raise XlFail(V.NA)
    return float(found + 1)


@fn("SHEETS", "raw", 0, 1)
def _sheets(ev: Any, value: Any = None) -> Value:
    if value is None:
        return float(len(ev.book.sheets))
    if isinstance(value, Ref):
        return 1.0
    raise XlFail(V.VALUE)


def _quoted(sheet: str) -> str:
    """The sheet name as a reference writes it (a leading ``[Book]`` part needs no quotes)."""
    plain = re.sub(r"^\[[^\]]*\]", "", sheet)
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", plain) and not re.fullmatch(r"[A-Za-z]{1,3}\d+", plain):
        return sheet
    return "'" + sheet.replace("'", "''") + "'"


@fn("ADDRESS", min_args=2, max_args=5)
def _address(row: Value, column: Value, abs_num: Value = None, a1_style: Value = None, sheet: Value = None) -> Value:
    r, c = math.trunc(to_number(row)), math.trunc(to_number(column))
    k = 1 if abs_num is None else math.trunc(to_number(abs_num))
    if not 1 <= k <= 4 or not 1 <= r <= limits.MAX_ROWS or not 1 <= c <= limits.MAX_COLS:
        raise XlFail(V.VALUE)
    abs_row, abs_col = k in (1, 2), k in (1, 3)
    if a1_style is None or to_bool(a1_style):
        letters = re.match(r"[A-Z]+", a1(1, c))
        assert letters is not None
        text = ("$" if abs_col else "") + letters.group(0) + ("$" if abs_row else "") + str(r)
    else:
        text = (f"R{r}" if abs_row else f"R[{r}]") + (f"C{c}" if abs_col else f"C[{c}]")
    if sheet is None:
        return text
    name = to_text(sheet)
    return f"{_quoted(name)}!{text}" if name else f"!{text}"
