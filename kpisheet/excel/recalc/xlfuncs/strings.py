"""More text functions: REPLACE, CODE, UNICODE, UNICHAR, CLEAN, FIXED, DOLLAR, TEXTBEFORE,
TEXTAFTER, TEXTSPLIT, VALUETOTEXT, ARRAYTOTEXT, HYPERLINK, and the byte-counting forms (LEFTB ...).

Values become text as ``&`` makes them (:func:`..values.to_text`); positions and counts are
truncated, and a position before the first character is ``#VALUE!``. CODE answers in Windows'
code page 1252 (what Excel on Windows answers; a character outside it is 63, "?"); DOLLAR
writes the en-US currency format ``$1,234.57`` / ``($1,234.57)``.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from .. import values as V
from ..ranges import Ref
from ..values import Err, Value, XlFail, to_bool, to_number, to_text
from .base import FUNCTIONS, _flat, fn
from .maths import _round_half_away

_MAX_DECIMALS = 127


@fn("REPLACE", min_args=4, max_args=4)
def _replace(old: Value, start: Value, count: Value, new: Value) -> Value:
    s = to_text(old)
    i, n = math.trunc(to_number(start)), math.trunc(to_number(count))
    if i < 1 or n < 0:
        raise XlFail(V.VALUE)
    return s[:i - 1] + to_text(new) + s[i - 1 + n:]


@fn("CODE", min_args=1, max_args=1)
def _code(text: Value) -> Value:
    s = to_text(text)
    if not s:
        raise XlFail(V.VALUE)
    encoded = s[0].encode("cp1252", errors="replace")
    return float(encoded[0])


@fn("UNICODE", min_args=1, max_args=1)
def _unicode(text: Value) -> Value:
    s = to_text(text)
    if not s:
        raise XlFail(V.VALUE)
    return float(ord(s[0]))


@fn("UNICHAR", min_args=1, max_args=1)
def _unichar(number: Value) -> Value:
    n = math.trunc(to_number(number))
    if not 1 <= n <= 0x10FFFF:
        raise XlFail(V.VALUE)
    if 0xD800 <= n <= 0xDFFF:  # a lone surrogate is no character
        raise XlFail(V.NA)
    return chr(n)


@fn("CLEAN", min_args=1, max_args=1)
def _clean(text: Value) -> Value:
    """Removes the 32 non-printing characters of 7-bit ASCII (codes 0-31)."""
    return "".join(ch for ch in to_text(text) if ord(ch) >= 32)


def _grouped(x: float, decimals: int, commas: bool) -> str:
    """``x`` rounded half away from zero to ``decimals`` (negative: left of the point)."""
    if decimals > _MAX_DECIMALS:
        raise XlFail(V.VALUE)
    r = _round_half_away(abs(x), decimals)
    places = max(decimals, 0)
    return f"{r:,.{places}f}" if commas else f"{r:.{places}f}"


@fn("FIXED", min_args=1, max_args=3)
def _fixed(number: Value, decimals: Value = None, no_commas: Value = None) -> Value:
    x = to_number(number)
    d = 2 if decimals is None else math.trunc(to_number(decimals))
    commas = no_commas is None or not to_bool(no_commas)
    text = _grouped(x, d, commas)
    return "-" + text if x < 0 and any(ch not in "0.," for ch in text) else text


@fn("DOLLAR", min_args=1, max_args=2)
def _dollar(number: Value, decimals: Value = None) -> Value:
    x = to_number(number)
    d = 2 if decimals is None else math.trunc(to_number(decimals))
    text = "$" + _grouped(x, d, True)
    return f"({text})" if x < 0 and any(ch not in "$0.," for ch in text) else text


def _delimiters(ev: Any, d: Any) -> list[str]:
    found = []
    for v in _flat(ev, d) if isinstance(d, (Ref, np.ndarray)) else [ev.deref(d)]:
        if isinstance(v, Err):
            raise XlFail(v)
        found.append(to_text(v))
    return found


def _split_at(ev: Any, text: Any, delimiter: Any, instance: Any, match_mode: Any,
              match_end: Any) -> Optional[tuple[str, int, int]]:
    """The text and where (start, end) its chosen delimiter is; None when not found."""
    s = to_text(ev.deref(text))
    delims = _delimiters(ev, delimiter)
    n = 1 if instance is None or ev.deref(instance) is None else math.trunc(to_number(ev.deref(instance)))
    fold = match_mode is not None and ev.deref(match_mode) is not None and to_number(ev.deref(match_mode)) != 0
    at_end = match_end is not None and ev.deref(match_end) is not None and to_number(ev.deref(match_end)) != 0
    if n == 0 or abs(n) > len(s) + 1:
        raise XlFail(V.VALUE)
    hay = s.lower() if fold else s
    needles = [d.lower() if fold else d for d in delims]
    if any(d == "" for d in needles):
        return (s, 0, 0) if n > 0 else (s, len(s), len(s))
    hits: list[tuple[int, int]] = []
    i = 0
    while i <= len(hay):
        best = None
        for d in needles:
            j = hay.find(d, i)
            if j >= 0 and (best is None or j < best[0]):
                best = (j, j + len(d))
        if best is None:
            break
        hits.append(best)
        i = best[1] if best[1] > best[0] else best[0] + 1
    if at_end:
        hits = ([(0, 0)] if n < 0 else []) + hits + ([(len(s), len(s))] if n > 0 else [])
    if len(hits) < abs(n):
        return None
    start, end = hits[n - 1] if n > 0 else hits[n]
    return s, start, end


def _not_found(ev: Any, if_not_found: Any) -> Value:
    if if_not_found is None:
        return V.NA
    v = ev.deref(if_not_found)
    return V.NA if v is None else v


@fn("TEXTBEFORE", "raw", 2, 6)
def _textbefore(ev: Any, text: Any, delimiter: Any, instance: Any = None, match_mode: Any = None,
                match_end: Any = None, if_not_found: Any = None) -> Value:
    found = _split_at(ev, text, delimiter, instance, match_mode, match_end)
    return _not_found(ev, if_not_found) if found is None else found[0][:found[1]]


@fn("TEXTAFTER", "raw", 2, 6)
def _textafter(ev: Any, text: Any, delimiter: Any, instance: Any = None, match_mode: Any = None,
               match_end: Any = None, if_not_found: Any = None) -> Value:
    found = _split_at(ev, text, delimiter, instance, match_mode, match_end)
    return _not_found(ev, if_not_found) if found is None else found[0][found[2]:]


def _as_text(v: Value, strict: bool) -> str:
    """A value as VALUETOTEXT writes it: errors as their text, text quoted when ``strict``."""
    if isinstance(v, Err):
        return v.text
    if isinstance(v, str):
        return '"' + v.replace('"', '""') + '"' if strict else v
    return to_text(v)


def _format_flag(ev: Any, v: Any) -> bool:
    x = None if v is None else ev.deref(v)
    k = 0 if x is None else math.trunc(to_number(x))
    if k not in (0, 1):
        raise XlFail(V.VALUE)
    return k == 1


@fn("VALUETOTEXT", "raw", 1, 2)
def _valuetotext(ev: Any, value: Any, fmt: Any = None) -> Value:
    return _as_text(ev.deref(value), _format_flag(ev, fmt))


@fn("ARRAYTOTEXT", "raw", 1, 2, array_args=True)
def _arraytotext(ev: Any, a: Any, fmt: Any = None) -> Value:
    """Concise: the values joined with ", "; strict: ``{a,b;c,d}`` with text quoted."""
    strict = _format_flag(ev, fmt)
    arr = ev.array(a) if isinstance(a, (Ref, np.ndarray)) else np.array([[ev.deref(a)]], dtype=object)
    if not strict:
        return ", ".join(_as_text(v, False) for v in arr.ravel())
    return "{" + ";".join(",".join(_as_text(v, True) for v in row) for row in arr) + "}"


@fn("TEXTSPLIT", "raw", 2, 6)
def _textsplit(ev: Any, text: Any, col_delimiter: Any, row_delimiter: Any = None, ignore_empty: Any = None,
               match_mode: Any = None, pad_with: Any = None) -> Any:
    """The text cut at the column delimiters, and into rows at the row delimiters (either may be
    an array of delimiters); short rows are padded with ``pad_with`` (#N/A)."""
    s = to_text(ev.deref(text))
    fold = match_mode is not None and ev.deref(match_mode) is not None and to_number(ev.deref(match_mode)) != 0
    skip = ignore_empty is not None and ev.deref(ignore_empty) is not None and to_bool(ev.deref(ignore_empty))
    cols = _delimiters(ev, col_delimiter) if col_delimiter is not None and ev.deref(col_delimiter) is not None else []
    rows = _delimiters(ev, row_delimiter) if row_delimiter is not None and ev.deref(row_delimiter) is not None else []
    if not cols and not rows or any(d == "" for d in cols + rows):
        raise XlFail(V.VALUE)
    lines = _cut(s, rows, fold) if rows else [s]
    table = [_cut(line, cols, fold) if cols else [line] for line in lines]
    if skip:
        table = [[c for c in r if c != ""] for r in table]
        table = [r for r in table if r]
    if not table:
        raise XlFail(V.CALC)
    width = max(len(r) for r in table)
    pad = V.NA if pad_with is None or ev.deref(pad_with) is None else ev.deref(pad_with)
    out = np.full((len(table), width), pad, dtype=object)
    for i, r in enumerate(table):
        out[i, :len(r)] = r
    return out


def _cut(s: str, delimiters: list[str], fold: bool) -> list[str]:
    """``s`` cut at every occurrence of any delimiter (the longest where two start together)."""
    hay = s.lower() if fold else s
    needles = sorted({d.lower() if fold else d for d in delimiters}, key=len, reverse=True)
    parts: list[str] = []
    start = i = 0
    while i < len(s):
        hit = next((d for d in needles if hay.startswith(d, i)), None)
        if hit is None:
            i += 1
            continue
        parts.append(s[start:i])
        i += len(hit)
        start = i
    parts.append(s[start:])
    return parts


@fn("HYPERLINK", "raw", 1, 2)
def _hyperlink(ev: Any, link: Any, friendly: Any = None) -> Value:
    """The cell shows the friendly name (an empty one shows 0), else the link."""
    if friendly is None:
        return ev.deref(link)
    v = ev.deref(friendly)
    return 0.0 if v is None else v


# In a single-byte language setting (Excel's default outside East Asia) the byte-counting text
# functions count characters, exactly as their plain forms.
for _name in ("LEFT", "RIGHT", "MID", "LEN", "FIND", "SEARCH", "REPLACE"):
    FUNCTIONS[_name + "B"] = FUNCTIONS[_name]
