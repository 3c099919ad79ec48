"""Functions Excel added lately: PERCENTOF, TRIMRANGE, REGEXTEST, REGEXEXTRACT, REGEXREPLACE,
and ENCODEURL.

The REGEX functions run Python's ``re`` where Excel runs PCRE2: the common syntax is the same
(classes, quantifiers, groups, anchors, lookarounds, ``\\d``/``\\w``/``\\s``); a pattern
``re`` cannot read (``\\K``, ``\\h`` ...) is ``#VALUE!``, never a different match. A
replacement's ``$1``/``${name}`` name groups as in Excel. ``case_sensitivity`` 0 (default) is
case-sensitive, 1 not. REGEXEXTRACT's ``return_mode``: 0 the first match, 1 every match (a
column), 2 the first match's groups (a row); no match is ``#N/A``.
"""

from __future__ import annotations

import math
import re
import urllib.parse
from typing import Any

import numpy as np

from .. import values as V
from ..ranges import Ref
from ..values import Err, Value, XlFail, to_number, to_text
from .base import _numbers, elementwise, fn, seqsum


@fn("PERCENTOF", "raw", 2, 2)
def _percentof(ev: Any, subset: Any, whole: Any) -> Value:
    """The sum of ``subset`` over the sum of ``whole``."""
    total = seqsum(_numbers(ev, (whole,), False))
    if total == 0:
        raise XlFail(V.DIV0)
    return seqsum(_numbers(ev, (subset,), False)) / total


@fn("TRIMRANGE", "raw", 1, 3)
def _trimrange(ev: Any, rng: Any, trim_rows: Any = None, trim_cols: Any = None) -> Value:
    """The range without its blank outer rows and columns (1 leading, 2 trailing, 3 both: the
    default, 0 none); a range with no value at all is ``#REF!``."""
    if isinstance(rng, Err):
        return rng
    if not isinstance(rng, Ref):
        raise XlFail(V.VALUE)

    def mode(v: Any) -> int:
        x = ev.deref(v) if v is not None else None
        m = 3 if x is None else math.trunc(to_number(x))
        if m not in (0, 1, 2, 3):
            raise XlFail(V.VALUE)
        return m

    rows, cols = mode(trim_rows), mode(trim_cols)
    vals = ev.data(rng).values
    filled = np.vectorize(lambda v: v is not None, otypes=[bool])(vals) if vals.size else np.zeros((0, 0), bool)
    if not filled.any():
        raise XlFail(V.REF)
    used_r = np.flatnonzero(filled.any(axis=1))
    used_c = np.flatnonzero(filled.any(axis=0))
    r1 = rng.r1 + int(used_r[0]) if rows in (1, 3) else rng.r1
    r2 = rng.r1 + int(used_r[-1]) if rows in (2, 3) else rng.r2
    c1 = rng.c1 + int(used_c[0]) if cols in (1, 3) else rng.c1
    c2 = rng.c1 + int(used_c[-1]) if cols in (2, 3) else rng.c2
    return Ref(rng.sheet, r1, c1, r2, c2)  # type: ignore[return-value]


def _pattern(pattern: Value, case: Value) -> re.Pattern[str]:
    flags = 0
    if case is not None:
        c = math.trunc(to_number(case))
        if c not in (0, 1):
            raise XlFail(V.VALUE)
        flags = re.IGNORECASE if c == 1 else 0
    try:
        return re.compile(to_text(pattern), flags)
    except (re.error, OverflowError, RecursionError):
        raise XlFail(V.VALUE) from None


def _text(v: Value) -> str:
    if isinstance(v, Err):
        raise XlFail(v)
    return to_text(v)


@fn("REGEXTEST", "raw", 2, 3)
@elementwise
def _regextest(ev: Any, text: Any, pattern: Any, case: Any = None) -> Value:
    t, p, c = (ev.deref(x) if x is not None else None for x in (text, pattern, case))
    return _pattern(_text(p), c).search(_text(t)) is not None


@fn("REGEXEXTRACT", "raw", 2, 4)
def _regexextract(ev: Any, text: Any, pattern: Any, return_mode: Any = None, case: Any = None) -> Value:
    t, p, m, c = (ev.deref(x) if x is not None else None for x in (text, pattern, return_mode, case))
    rx = _pattern(_text(p), c)
    s = _text(t)
    mode = 0 if m is None else math.trunc(to_number(m))
    if mode == 0:
        found = rx.search(s)
        if found is None:
            raise XlFail(V.NA)
        return found.group(0)
    if mode == 1:
        every = [x.group(0) for x in rx.finditer(s)]
        if not every:
            raise XlFail(V.NA)
        out = np.empty((len(every), 1), dtype=object)
        out[:, 0] = every
        return out  # type: ignore[return-value]
    if mode == 2:
        found = rx.search(s)
        if found is None:
            raise XlFail(V.NA)
        groups = found.groups() or (found.group(0),)
        row = np.empty((1, len(groups)), dtype=object)
        row[0, :] = [g if g is not None else "" for g in groups]
        return row  # type: ignore[return-value]
    raise XlFail(V.VALUE)


_DOLLAR = re.compile(r"\$(?:(\d+)|\{(\w+)\})|\\")


def _replacement(text: str) -> str:
    """Excel's ``$1``/``${name}`` in Python's replacement syntax (a backslash kept literal)."""
    return _DOLLAR.sub(lambda m: "\\\\" if m.group(0) == "\\" else f"\\g<{m.group(1) or m.group(2)}>", text)


@fn("REGEXREPLACE", "raw", 3, 5)
@elementwise
def _regexreplace(ev: Any, text: Any, pattern: Any, replacement: Any, occurrence: Any = None,
                  case: Any = None) -> Value:
    t, p, r, o, c = (ev.deref(x) if x is not None else None for x in (text, pattern, replacement, occurrence, case))
    rx = _pattern(_text(p), c)
    s, rep = _text(t), _replacement(_text(r))
    n = 0 if o is None else math.trunc(to_number(o))
    try:
        if n == 0:
            return rx.sub(rep, s)
        hits = list(rx.finditer(s))
        k = n - 1 if n > 0 else len(hits) + n
        if not 0 <= k < len(hits):
            return s
        h = hits[k]
        return s[:h.start()] + h.expand(rep) + s[h.end():]
    except (re.error, IndexError):
        raise XlFail(V.VALUE) from None


@fn("ENCODEURL", min_args=1, max_args=1)
def _encodeurl(text: Value) -> Value:
    """Percent-encoded UTF-8, letters, digits and ``-_.~`` kept."""
    if isinstance(text, bool):
        return "TRUE" if text else "FALSE"
    return urllib.parse.quote(to_text(text), safe="")

