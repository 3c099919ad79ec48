"""How many cells an OpenDocument sheet expands to, before python-calamine reads it (README#hostile-and-broken-input).

An .ods sheet may say "this cell, 16,000 times across" and "this row, a million times
down" (``table:number-columns-repeated``, ``table:number-rows-repeated``), so a file of a
few hundred bytes can stand for billions of cells, which python-calamine would allocate.
:func:`ods_problem` walks the tags of ``content.xml`` once (linear time, no tree) and
says which sheet must not be read and why, when the rectangle its values expand to passes
:data:`~kpisheet.limits.DENSE_CELLS` and DENSE_FACTOR times the cells written in the
file. Empty cells repeated to the sheet's edge, as LibreOffice writes them, do not count.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from typing import Optional

from .. import limits

_TAG = re.compile(rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>")
_NAME = re.compile(rb'table:name="([^"]*)"')
_ROWS = re.compile(rb'table:number-rows-repeated="(\d{1,12})"')
_COLS = re.compile(rb'table:number-columns-repeated="(\d{1,12})"')


def _repeat(pattern: "re.Pattern[bytes]", attrs: bytes) -> int:
    m = pattern.search(attrs)
    return max(1, int(m.group(1))) if m else 1


def ods_problem(data: bytes) -> Optional[tuple[str, str]]:
    """The first sheet of the .ods ``data`` that must not be read whole, and why; None when all may.

    python-calamine parses every sheet of an .ods when the file is opened, so all are judged."""
    try:
        content = zipfile.ZipFile(io.BytesIO(data)).read("content.xml")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None  # calamine will say what is wrong with the file
    sheet = ""
    written = rows = width = 0
    row_repeat = row_cols = row_last = 0
    for m in _TAG.finditer(content):
        closing, tag, attrs, empty = m.group(1), m.group(2), m.group(3), m.group(4)
        if tag == b"table":
            if not closing:
                name = _NAME.search(attrs)
                sheet = html.unescape(name.group(1).decode("utf-8", "replace")) if name else ""
                written = rows = width = 0
            continue
        if tag == b"table-row":
            if not closing:
                row_repeat, row_cols, row_last = _repeat(_ROWS, attrs), 0, 0
            if closing or empty:
                rows += row_repeat
                if row_last:  # a row holding values: the rectangle reaches it
                    width = max(width, row_last)
                    if rows * width > max(limits.DENSE_CELLS, limits.DENSE_FACTOR * written):
                        return sheet, (f"the sheet expands to {rows:,} rows by {width:,} columns through repeated "
                                       f"cells, from {written:,} cells written in the file: refused; save it "
                                       "again with only the data")
            continue
        if closing:
            continue
        repeat = _repeat(_COLS, attrs)
        written += 1
        row_cols += repeat
        if b"value-type" in attrs or not empty:
            row_last = row_cols
    return None
