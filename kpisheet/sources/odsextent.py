"""How many cells an OpenDocument sheet expands to, before python-calamine reads it (README#hostile-and-broken-input).

An .ods sheet may say "this cell, 16,000 times across" and "this row, a million times
down" (``table:number-columns-repeated``, ``table:number-rows-repeated``), so a file of a
few hundred bytes can stand for billions of cells, which python-calamine would allocate.
:func:`ods_problem` walks the tags of ``content.xml`` once (linear time, no tree) and
says which sheet must not be read and why, when the values its repeats stand for pass
:data:`~kpisheet.limits.DENSE_CELLS` and DENSE_FACTOR times the cells written in the
file. A sheet whose *rectangle* passes that (empty cells and rows repeated up to one far
value) is no reason to refuse: the book is then read by its cells (:mod:`.odscells`),
without calamine. Empty cells repeated to the sheet's edge, as LibreOffice writes them,
do not count.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Optional

from .. import limits

_TAG = re.compile(rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>")
_NAME = re.compile(rb'table:name="([^"]*)"')
_ROWS = re.compile(rb'table:number-rows-repeated="(\d{1,12})"')
_COLS = re.compile(rb'table:number-columns-repeated="(\d{1,12})"')
_SPACES = re.compile(rb'<text:s\s[^>]*?text:c="(\d+)"')


def _repeat(pattern: "re.Pattern[bytes]", attrs: bytes) -> int:
    m = pattern.search(attrs)
    return max(1, int(m.group(1))) if m else 1


@dataclass
class OdsExtent:
    """What the walk found: the sheets' names, whether calamine may open the book (it expands
    every sheet's rectangle on opening) and, if the book must be refused, where and why."""

    sheets: list[str] = field(default_factory=list)
    too_sparse: bool = False  # a sheet's rectangle passes the cap: read every sheet by its cells
    refused: Optional[tuple[str, str]] = None  # (sheet, why): values repeated past the file


def ods_problem(data: bytes) -> Optional[tuple[str, str]]:
    """The first sheet of the .ods ``data`` whose repeated values must not be read, and why."""
    return ods_extent(data).refused


def ods_extent(data: bytes) -> OdsExtent:
    """Judge every sheet of the .ods ``data``: python-calamine parses them all when the file is opened.

    A sheet whose *values*, repeated, pass :data:`~kpisheet.limits.DENSE_CELLS` and DENSE_FACTOR
    times the cells written is refused; one whose rectangle (empty cells and rows repeated up to a
    far value) passes it makes the book one to read by its cells (:mod:`.odscells`)."""
    out = OdsExtent()
    try:
        content = zipfile.ZipFile(io.BytesIO(data)).read("content.xml")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return out  # calamine will say what is wrong with the file
    spaces, most = 0, max(len(content), 1 << 24)
    for m in _SPACES.finditer(content):  # <text:s text:c="999999999"/>: calamine writes out every space
        spaces += int(m.group(1)) if len(m.group(1)) <= 12 else most + 1
        if spaces > most:  # more than the file: read by cells instead, where a cell's spaces are capped
            out.too_sparse = True
            break
    sheet = ""
    written = rows = width = values = 0
    row_values = 0
    row_repeat = row_cols = row_last = 0
    for m in _TAG.finditer(content):
        closing, tag, attrs, empty = m.group(1), m.group(2), m.group(3), m.group(4)
        if tag == b"table":
            if not closing:
                name = _NAME.search(attrs)
                sheet = html.unescape(name.group(1).decode("utf-8", "replace")) if name else ""
                out.sheets.append(sheet)
                written = rows = width = values = 0
            continue
        if tag == b"table-row":
            if not closing:
                row_repeat, row_cols, row_last, row_values = _repeat(_ROWS, attrs), 0, 0, 0
            if closing or empty:
                rows += row_repeat
                values += row_repeat * row_values
                cap = max(limits.DENSE_CELLS, limits.DENSE_FACTOR * written)
                if values > cap:
                    out.refused = sheet, (f"the sheet's repeated cells hold {values:,} values, from {written:,} "
                                          "cells written in the file: refused; save it again with only the data")
                    return out
                if row_last:  # a row holding values: the rectangle reaches it
                    width = max(width, row_last)
                    if rows * width > cap:
                        out.too_sparse = True
            continue
        if closing:
            continue
        repeat = _repeat(_COLS, attrs)
        written += 1
        row_cols += repeat
        if b"value-type" in attrs or not empty:
            row_last = row_cols
            row_values += repeat
    return out
