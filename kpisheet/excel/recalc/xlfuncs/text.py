"""Text functions."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from .. import values as V
from ..cellguard import check_text_length
from ..ranges import Ref
from ..values import Value, XlFail, to_bool, to_number, to_text
from .base import _flat, fn

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
    check_text_length(len(text) * k if text else 0)  # before REPT("x",3E9) builds 3 GB
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


@fn("FIND", min_args=2, max_args=3)
def _find(needle: Value, hay: Value, start: Value = 1.0) -> Value:
    i = to_text(hay).find(to_text(needle), int(to_number(start)) - 1)
    if i < 0:
        raise XlFail(V.VALUE)
    return float(i + 1)


@fn("SEARCH", min_args=2, max_args=3)
def _search(needle: Value, hay: Value, start: Value = 1.0) -> Value:
    from ..ranges import _wild_regex
    n, h = to_text(needle).lower(), to_text(hay).lower()
    s = int(to_number(start)) - 1
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
    if isinstance(s, float):
        return s
    x = V.parse_number(to_text(s))
    if x is None:
        raise XlFail(V.VALUE)
    return x


@fn("TEXT", min_args=2, max_args=2)
def _text(v: Value, fmt: Value) -> Value:
    from ..textformat import format_value
    return format_value(v, to_text(fmt))


@fn("CHAR", min_args=1, max_args=1)
def _char(n: Value) -> Value:
    k = int(to_number(n))
    if not 1 <= k <= 255:
        raise XlFail(V.VALUE)
    return bytes([k]).decode("cp1252", errors="replace")


