"""ASC, and JIS/DBCS its inverse: full-width (double-byte) letters, digits, signs, the
ideographic space and katakana to their half-width forms, and back. Other characters are
kept. A voiced katakana (ガ) is two half-width characters (ｶﾞ), as Excel writes it.

PHONETIC(reference): the furigana of the text in one cell, as the file stores it with the
shared string (:mod:`..phonetic`); a text without phonetic runs, or a text given directly, is
itself; an empty cell is empty text. ``#N/A`` where the answer is not pinned: a reference of
several areas (Microsoft's page), several cells (the page says the top-left cell's reading, and
common practice in Japan reads the cells joined: not settled), a number, a logical, an error or a
formula's result (no runs are stored for them), or a reading :mod:`..phonetic` could not pin.
"""

from __future__ import annotations

import unicodedata

from typing import Any

from .. import values as V
from ..ranges import Areas, Ref
from ..values import Value, XlFail, num_text
from .base import fn


def _tables() -> tuple[dict[str, str], dict[str, str]]:
    to_half: dict[str, str] = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
    to_half["\u3000"] = " "
    for c in range(0xFF61, 0xFFA0):  # half-width katakana and their signs: NFKC gives the full forms
        h = chr(c)
        full = unicodedata.normalize("NFKC", h)
        if len(full) == 1 and full != h:
            to_half.setdefault(full, h)
        for mark in ("\uFF9E", "\uFF9F"):
            voiced = unicodedata.normalize("NFKC", h + mark)
            if len(voiced) == 1:
                to_half.setdefault(voiced, h + mark)
    to_full = {h: f for f, h in to_half.items()}
    return to_half, to_full


_TO_HALF, _TO_FULL = _tables()


def _text(v: Value) -> str:
    if isinstance(v, V.Err):
        raise XlFail(v)
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return num_text(v)
    return "" if v is None else str(v)


@fn("ASC", min_args=1, max_args=1)
def _asc(text: Value) -> Value:
    return "".join(_TO_HALF.get(ch, ch) for ch in _text(text))


@fn("JIS DBCS", min_args=1, max_args=1)
def _jis(text: Value) -> Value:
    s = _text(text)
    out: list[str] = []
    i = 0
    while i < len(s):
        pair = s[i:i + 2]
        if len(pair) == 2 and pair in _TO_FULL:  # a half-width kana with its voicing mark: one character
            out.append(_TO_FULL[pair])
            i += 2
            continue
        out.append(_TO_FULL.get(s[i], s[i]))
        i += 1
    return "".join(out)


@fn("PHONETIC", "raw", 1, 1)
def _phonetic(ev: Any, reference: Any) -> Value:
    if isinstance(reference, V.Err):
        raise XlFail(reference)
    if isinstance(reference, Areas) or (isinstance(reference, Ref) and not reference.is_cell):
        raise XlFail(V.NA)
    if not isinstance(reference, Ref):
        if isinstance(reference, str):
            return reference
        raise XlFail(V.NA)
    if (reference.sheet, reference.r1, reference.c1) in ev.cells:  # a formula's result
        raise XlFail(V.NA)
    v = ev.deref(reference)
    if v is None:
        return ""
    if not isinstance(v, str):
        raise XlFail(V.NA)
    known: dict[str, Any] = getattr(ev.book, "phonetic", {})
    if v not in known:
        return v
    reading = known[v]
    if reading is None:
        raise XlFail(V.NA)
    return reading  # type: ignore[no-any-return]
