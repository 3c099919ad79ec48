"""BAHTTEXT: a number as Thai words for an amount of baht and satang (1234 is
หนึ่งพันสองร้อยสามสิบสี่บาทถ้วน, Microsoft's example).

The rules of Thai numerals: tens are สิบ (one ten), ยี่สิบ (two) or the digit and สิบ; a final
one after anything else is เอ็ด (101 หนึ่งร้อยเอ็ด, 11 สิบเอ็ด); millions repeat ล้าน per six
digits. The amount is rounded to satang (two decimals); no satang ends with ถ้วน, satang end
with สตางค์; zero is ศูนย์บาทถ้วน and a negative amount starts with ลบ.
"""

from __future__ import annotations

import math

from .. import values as V
from ..values import Value, XlFail, to_number
from .base import fn

_DIGITS = ["", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า"]
_PLACES = ["", "สิบ", "ร้อย", "พัน", "หมื่น", "แสน"]
_MILLION, _BAHT, _SATANG, _EXACT, _MINUS, _ZERO = "ล้าน", "บาท", "สตางค์", "ถ้วน", "ลบ", "ศูนย์"


def _block(n: int, before: str) -> str:
    """Up to six digits in words; ``before`` is what precedes them (for เอ็ด)."""
    out = ""
    digits = str(n).zfill(6)
    for i, ch in enumerate(digits):
        d, place = int(ch), 5 - i
        if d == 0:
            continue
        if place == 1:
            out += ("" if d == 1 else "ยี่" if d == 2 else _DIGITS[d]) + _PLACES[1]
        elif place == 0:
            out += "เอ็ด" if d == 1 and (before + out) else _DIGITS[d]
        else:
            out += _DIGITS[d] + _PLACES[place]
    return out


def _words(n: int) -> str:
    """A whole number of any size, six digits a ล้าน."""
    blocks: list[int] = []
    while True:
        n, rest = divmod(n, 1_000_000)
        blocks.append(rest)
        if n == 0:
            break
    text = ""
    for level in range(len(blocks) - 1, -1, -1):
        part = _block(blocks[level], text)
        text += part
        if level > 0 and text:
            text += _MILLION
    return text


@fn("BAHTTEXT", min_args=1, max_args=1)
def _bahttext(number: Value) -> Value:
    x = to_number(number)  # text that is no number is #VALUE!
    if abs(x) >= 1e15:
        raise XlFail(V.NUM)
    cents = int(math.floor(abs(x) * 100 + 0.5))
    baht, satang = divmod(cents, 100)
    if baht == 0 and satang == 0:
        return _ZERO + _BAHT + _EXACT
    text = _MINUS if x < 0 else ""
    if baht:
        text += _words(baht) + _BAHT
    text += _EXACT if satang == 0 else _words(satang) + _SATANG
    return text
