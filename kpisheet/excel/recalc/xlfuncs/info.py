"""Information and reference functions: ISFORMULA, ISREF, TYPE, ERROR.TYPE, SHEET, SHEETS,
ADDRESS, FORMULATEXT, CELL and INFO (AREAS, which reads references of several areas, is in
``lookup``).

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


# --- FORMULATEXT --------------------------------------------------------------------------------

_CELL_REF = re.compile(r"(?<![A-Za-z0-9_.$])(\$?)([A-Za-z]{1,3})(\$?)([0-9]{1,7})(?![A-Za-z0-9_(.!])")
_LINE_RANGE = re.compile(r"(?<![A-Za-z0-9_.$])(\$?)([A-Za-z]{1,3}|[0-9]{1,7}):(\$?)([A-Za-z]{1,3}|[0-9]{1,7})"
                         r"(?![A-Za-z0-9_(.!])")
_PREFIXES = re.compile(r"_xl(?:fn|pm|ws|udf)\.", re.I)


def _shift_plain(text: str, dr: int, dc: int) -> str:
    """References in ``text`` (no strings, no brackets) moved by ``dr`` rows and ``dc`` columns,
    as Excel shows a shared formula in a cell away from where it was written."""
    from ..sheetxml import col_index, col_letters

    def col(fixed: str, letters: str) -> str:
        n = col_index(letters.upper())
        if n > limits.MAX_COLS:
            raise ValueError("not a column")
        m = n if fixed else n + dc
        if not 1 <= m <= limits.MAX_COLS:
            raise XlFail(V.REF)
        return fixed + col_letters(m)

    def row(fixed: str, digits: str) -> str:
        n = int(digits)
        m = n if fixed else n + dr
        if not 1 <= m <= limits.MAX_ROWS:
            raise XlFail(V.REF)
        return fixed + str(m)

    def cell(m: re.Match[str]) -> str:
        try:
            return col(m.group(1), m.group(2)) + row(m.group(3), m.group(4))
        except ValueError:
            return m.group(0)

    def line(m: re.Match[str]) -> str:
        a, b = m.group(2), m.group(4)
        if a.isdigit() != b.isdigit():
            return m.group(0)
        if a.isdigit():
            return row(m.group(1), a) + ":" + row(m.group(3), b)
        try:
            return col(m.group(1), a) + ":" + col(m.group(3), b)
        except ValueError:
            return m.group(0)

    return _CELL_REF.sub(cell, _LINE_RANGE.sub(line, text))


def shifted_formula(text: str, dr: int, dc: int) -> str:
    """``text`` with its references moved, strings, quoted sheet names and brackets untouched."""
    if dr == 0 and dc == 0:
        return text
    out: list[str] = []
    plain: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "\"'[":
            out.append(_shift_plain("".join(plain), dr, dc))
            plain = []
            close = "]" if ch == "[" else ch
            j = i + 1
            depth = 1
            while j < len(text):
                if ch == "[" and text[j] == "[":
                    depth += 1
                elif text[j] == close:
                    if ch != "[" and j + 1 < len(text) and text[j + 1] == close:
                        j += 2
                        continue
                    depth -= 1
                    if depth == 0 or ch != "[":
                        break
                j += 1
            out.append(text[i:j + 1])
            i = j + 1
            continue
        plain.append(ch)
        i += 1
    out.append(_shift_plain("".join(plain), dr, dc))
    return "".join(out)


@fn("FORMULATEXT", "raw", 1, 1)
def _formulatext(ev: Any, ref: Any) -> Value:
    """The formula of the referenced cell (its top-left) as Excel shows it: ``=`` and the text,
    without the ``_xlfn.`` prefixes of the file; a legacy array formula in braces. A cell with no
    formula is ``#N/A``."""
    if isinstance(ref, Err):
        return ref
    if not isinstance(ref, Ref):
        raise XlFail(V.VALUE)
    i = ev.cells.get((ref.sheet, ref.r1, ref.c1))
    if i is None:  # a cell inside a legacy array formula's area shows that formula
        i = next((k for k, g in enumerate(ev.book.formulas) if g.kind == "array" and g.area is not None
                  and g.sheet == ref.sheet and g.area[0] <= ref.r1 <= g.area[2] and g.area[1] <= ref.c1 <= g.area[3]),
                 None)
    if i is None:
        raise XlFail(V.NA)
    f = ev.book.formulas[i]
    text = "=" + _PREFIXES.sub("", shifted_formula(f.text, f.row - f.anchor[0], f.col - f.anchor[1]))
    return "{" + text + "}" if f.kind == "array" else text


# --- CELL and INFO --------------------------------------------------------------------------------


def _book_file(ev: Any) -> tuple[str, str]:
    """The directory (with its separator) and the file name of the book ("" before a save)."""
    path = getattr(ev.book, "path", "")
    if not path:
        return "", ""
    head, sep, tail = path.rpartition("/") if "/" in path else path.rpartition("\\")
    return head + sep, tail


@fn("CELL", "raw", 1, 2)
def _cell(ev: Any, info_type: Any, reference: Any = None) -> Value:
    """CELL's kinds of information that the file's values hold: ``address``, ``col``, ``row``,
    ``contents``, ``type``, ``filename``; the kinds that read formatting, widths or protection
    (``format``, ``width``, ``color``, ``parentheses``, ``prefix``, ``protect``) are ``#N/A``
    rather than a guess. Without a reference, the cell of the formula (Excel: the active cell)."""
    kind = ev.deref(info_type)
    if isinstance(kind, Err):
        return kind
    if not isinstance(kind, str):
        raise XlFail(V.VALUE)
    kind = kind.strip().lower()
    if kind in ("format", "width", "color", "parentheses", "prefix", "protect"):
        raise XlFail(V.NA)
    if kind not in ("address", "col", "row", "contents", "type", "filename"):
        raise XlFail(V.VALUE)
    if reference is None:
        ref = Ref(ev.cur.sheet, ev.cur.row, ev.cur.col, ev.cur.row, ev.cur.col)
    elif isinstance(reference, Err):
        return reference
    elif isinstance(reference, Ref):
        ref = reference
    else:
        raise XlFail(V.VALUE)
    sheet_name = ev.book.sheets[ref.sheet].name
    if kind == "address":
        text = "$" + re.sub(r"(\d+)$", r"$\1", a1(ref.r1, ref.c1))
        if ref.sheet == ev.cur.sheet:
            return text
        return f"{_quoted('[' + _book_file(ev)[1] + ']' + sheet_name)}!{text}"
    if kind == "col":
        return float(ref.c1)
    if kind == "row":
        return float(ref.r1)
    if kind == "contents":
        v = ev.cell(ref.sheet, ref.r1, ref.c1)
        return 0.0 if v is None else v  # type: ignore[no-any-return]
    if kind == "type":
        v = ev.cell(ref.sheet, ref.r1, ref.c1)
        return "b" if v is None else "l" if isinstance(v, str) else "v"
    folder, name = _book_file(ev)  # filename
    return f"{folder}[{name}]{sheet_name}" if name else ""


@fn("INFO", "raw", 1, 1)
def _info(ev: Any, type_text: Any) -> Value:
    """INFO's ``directory`` (the book's folder), ``numfile`` (its sheets) and ``recalc``
    (``Automatic``: recalc computes every formula); what describes the Excel installation
    (``osversion``, ``release``, ``system``, ``origin``) is ``#N/A``, which recalc cannot know."""
    kind = ev.deref(type_text)
    if isinstance(kind, Err):
        return kind
    if not isinstance(kind, str):
        raise XlFail(V.VALUE)
    kind = kind.strip().lower()
    if kind == "directory":
        return _book_file(ev)[0]
    if kind == "numfile":
        return float(len(ev.book.sheets))
    if kind == "recalc":
        return "Automatic"
    if kind in ("osversion", "release", "system", "origin"):
        raise XlFail(V.NA)
    raise XlFail(V.VALUE)
