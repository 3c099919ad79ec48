"""Text functions."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from .. import values as V
from ..cellguard import check_text_length
from ..ranges import Ref
from ..values import Value, XlFail, to_bool, to_number, to_text
from ..operators import broadcast_n, first_error_wins
from .base import _flat, fn, lifted

# --- text -------------------------------------------------------------------------------------


@fn("CONCATENATE", min_args=1)
def _concatenate(*args: Value) -> Value:
    return "".join(to_text(a) for a in args)


@fn("CONCAT", "raw", 1)
def _concat(ev: Any, *args: Any) -> Value:
    out = []
    for a in args:
        for v in _flat(ev, a) if isinstance(a, (Ref, np.ndarray)) else [a]:
            out.append(to_text(v))
    return "".join(out)


@fn("TEXTJOIN", "raw", 3)
def _textjoin(ev: Any, sep: Any, ignore: Any, *args: Any) -> Value:
    s = to_text(ev.deref(sep))
    skip = to_bool(ev.deref(ignore))
    out = []
    for a in args:
        for v in _flat(ev, a) if isinstance(a, (Ref, np.ndarray)) else [a]:
            t = to_text(v)
            if skip and t == "":
                continue
            out.append(t)
    return s.join(out)


@fn("LEFT", min_args=1, max_args=2)
def _left(s: Value, n: Value = 1.0) -> Value:
    k = int(to_number(n))
    if k < 0:
        raise XlFail(V.VALUE)
    return to_text(s)[:k]


@fn("RIGHT", min_args=1, max_args=2)
def _right(s: Value, n: Value = 1.0) -> Value:
    k = int(to_number(n))
    if k < 0:
        raise XlFail(V.VALUE)
    t = to_text(s)
    return t[len(t) - k:] if k else ""


@fn("MID", min_args=3, max_args=3)
def _mid(s: Value, start: Value, n: Value) -> Value:
    a, k = int(to_number(start)), int(to_number(n))
    if a < 1 or k < 0:
        raise XlFail(V.VALUE)
    return to_text(s)[a - 1:a - 1 + k]


@fn("LEN", min_args=1, max_args=1)
def _len(s: Value) -> Value:
    return float(len(to_text(s)))


@fn("UPPER", min_args=1, max_args=1)
def _upper(s: Value) -> Value:
    return to_text(s).upper()


@fn("LOWER", min_args=1, max_args=1)
def _lower(s: Value) -> Value:
    return to_text(s).lower()


@fn("PROPER", min_args=1, max_args=1)
def _proper(s: Value) -> Value:
    return re.sub(r"[A-Za-z]+", lambda m: m.group(0).capitalize(), to_text(s))


@fn("TRIM", min_args=1, max_args=1)
def _trim(s: Value) -> Value:
    return re.sub(" +", " ", to_text(s)).strip(" ")


@fn("REPT", min_args=2, max_args=2)
def _rept(s: Value, n: Value) -> Value:
    k = to_number(n)
    if k < 0 or k != k:
        raise XlFail(V.VALUE)
    text = to_text(s)
    if not text:  # REPT("",1E300) is "": no repeat count to convert (int(1E300) is no index)
        return ""
    check_text_length(len(text) * k)  # before REPT("x",3E9) builds 3 GB
    return text * int(k)


@fn("EXACT", min_args=2, max_args=2)
def _exact(a: Value, b: Value) -> Value:
    return to_text(a) == to_text(b)


@fn("SUBSTITUTE", min_args=3, max_args=4)
def _substitute(s: Value, old: Value, new: Value, nth: Value = None) -> Value:
    t, o, n = to_text(s), to_text(old), to_text(new)
    if not o:
        return t
    if nth is None:
        return t.replace(o, n)
    k = int(to_number(nth))
    if k < 1:
        raise XlFail(V.VALUE)
    pos = -1
    for _ in range(k):
        pos = t.find(o, pos + 1)
        if pos < 0:
            return t
    return t[:pos] + n + t[pos + len(o):]


def _start(hay: str, start: Value) -> int:
    """FIND's and SEARCH's 0-based start: ``#VALUE!`` when start_num is below 1 or past the text."""
    s = int(to_number(start))
    if s < 1 or (s > len(hay) and not (s == 1 and hay == "")):
        raise XlFail(V.VALUE)
    return s - 1


@fn("FIND", min_args=2, max_args=3)
def _find(needle: Value, hay: Value, start: Value = 1.0) -> Value:
    n, h = to_text(needle), to_text(hay)
    i = h.find(n, _start(h, start))
    if i < 0:
        raise XlFail(V.VALUE)
    return float(i + 1)


@fn("SEARCH", min_args=2, max_args=3)
def _search(needle: Value, hay: Value, start: Value = 1.0) -> Value:
    from ..ranges import _wild_regex
    n, h = to_text(needle).lower(), to_text(hay).lower()
    s = _start(h, start)
    rx = _wild_regex(n)
    if rx is None:
        i = h.find(n, s)
    else:
        m = re.compile(rx.pattern, re.S | re.I).search(h, s)
        i = m.start() if m else -1
    if i < 0:
        raise XlFail(V.VALUE)
    return float(i + 1)


@fn("VALUE NUMBERVALUE", min_args=1, max_args=3)
def _value(s: Value, *_: Value) -> Value:
    """A number, or text read as one (``"$1,000"``, ``"16:48:00"``); an empty cell is 0, the
    text ``""`` is ``#VALUE!``."""
    if isinstance(s, float):
        return s
    if s is None:
        return 0.0
    x = V.parse_number(to_text(s))
    if x is None:
        raise XlFail(V.VALUE)
    return x


@fn("TEXT", "raw", 2, 2)
def _text(ev: Any, v: Any, fmt: Any) -> Any:
    """TEXT(value, format) in the book's date system; item by item over arrays."""
    from ..textformat import format_value
    date1904 = ev.date1904

    def one(x: Value, f: Value) -> Value:
        return format_value(x, to_text(f), date1904)
    a, b = lifted(ev, v), lifted(ev, fmt)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return broadcast_n(first_error_wins(one), [a, b])
    return first_error_wins(one)(a, b)


@fn("CHAR", "raw", 1, 1)
def _char(ev: Any, n: Any) -> Any:
    """The character of a code 1-255 in the character set of the Excel that saved the book:
    Windows' (cp1252) or, for a book saved by Excel for Mac, Macintosh's (mac_roman)."""
    charset = ev.book.charset

    def one(x: Value) -> Value:
        k = int(to_number(x))
        if not 1 <= k <= 255:
            raise XlFail(V.VALUE)
        return bytes([k]).decode(charset, errors="replace")
    v = lifted(ev, n)
    if isinstance(v, np.ndarray):
        return broadcast_n(first_error_wins(one), [v])
    return first_error_wins(one)(v)


