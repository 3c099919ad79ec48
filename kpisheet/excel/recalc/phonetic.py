"""The furigana of a workbook's shared strings, for PHONETIC: each ``<si>`` item that carries
phonetic runs (``<rPh sb=".." eb=".."><t>トウキョウ</t></rPh>``, the reading of the base text's
characters sb to eb) read as its base text with each such span replaced by its reading
("東京都" with one run over all three characters reads "トウキョウト").

    readings(sst_xml)  # {"東京都": "トウキョウト", ...}: base text → reading

A reading this module cannot pin is ``None``, for PHONETIC to refuse (``#N/A``) rather than
return a plausible wrong reading: two items of the same text with different readings, or one
with runs and one without (a cell's value is the text, not which item it came from), runs that overlap or fall outside the text, a base text with
characters outside the Basic Multilingual Plane (Excel counts sb and eb in UTF-16 units), or a
``phoneticPr`` asking for another script than full-width katakana (Excel's default, which the
stored runs are written in; whether PHONETIC converts them is not documented).
"""

from __future__ import annotations

import re
from typing import Optional

from .sheetxml import unescape

_SI = re.compile(r"<(?:\w+:)?si\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?si>)", re.S)
_RPH = re.compile(r"<(?:\w+:)?rPh\b([^>]*)>(.*?)</(?:\w+:)?rPh>", re.S)
_T = re.compile(r"<(?:\w+:)?t(?:\s[^>]*)?(?<!/)>(.*?)</(?:\w+:)?t>", re.S)
_NUM = re.compile(r'\b(sb|eb)="(\d+)"')
_TYPE = re.compile(r'<(?:\w+:)?phoneticPr\b[^>]*\btype="(\w+)"')


def _reading(body: str) -> Optional[str]:
    """One item's reading, or None when it cannot be pinned (see the module's contract)."""
    m = _TYPE.search(body)
    if m and m.group(1) != "fullwidthKatakana":
        return None
    runs = []
    for attrs, inner in _RPH.findall(body):
        at = dict(_NUM.findall(attrs))
        if "sb" not in at or "eb" not in at:
            return None
        runs.append((int(at["sb"]), int(at["eb"]), "".join(unescape(t) for t in _T.findall(inner))))
    base = "".join(unescape(t) for t in _T.findall(_RPH.sub("", body)))
    if any(ord(ch) > 0xFFFF for ch in base):
        return None
    out, at_ = [], 0
    for sb, eb, text in sorted(runs):
        if sb < at_ or eb < sb or eb > len(base):
            return None
        out += [base[at_:sb], text]
        at_ = eb
    out.append(base[at_:])
    return "".join(out)


def readings(xml: str) -> dict[str, Optional[str]]:
    """Base text → reading of the shared strings part ``xml``, for the items with phonetic runs;
    None where two items of one text read differently or a reading cannot be pinned."""
    out: dict[str, Optional[str]] = {}
    if "rPh" not in xml:
        return out
    plain: set[str] = set()  # texts of items without runs: PHONETIC gives them back as they are
    for m in _SI.finditer(xml):
        body = m.group(1) or ""
        if "rPh" not in body:
            plain.add("".join(unescape(t) for t in _T.findall(body)))
            continue
        base = "".join(unescape(t) for t in _T.findall(_RPH.sub("", body)))
        reading = _reading(body)
        if base in out and out[base] != reading:
            reading = None
        out[base] = reading
    for base in plain & out.keys():
        if out[base] != base:
            out[base] = None
    return out
