"""What every worksheet part ``recalc`` writes must satisfy, checked before it is written.

Excel refuses (or "repairs", dropping content) a sheet whose rows or cells are repeated or
out of order. The writer patches parts by splicing text, so it checks its own output: a
part whose ``<row r>`` are not strictly increasing, or a row whose ``<c r>`` are not
strictly increasing or name another row, is a bug of ours, and the run stops without
writing rather than hand Excel a file it must repair.

    problems = order_problems(text)   # [] when the part is well-formed in this sense
"""

from __future__ import annotations

import re

from .sheetxml import col_index, patterns, root_prefix, sheet_data_span

_R_ROW = re.compile(r'\br="(\d+)"')
_R_CELL = re.compile(r'\br="\$?([A-Za-z]{1,3})\$?(\d+)"')


def order_problems(text: str, limit: int = 5) -> list[str]:
    """Rows and cells of a worksheet part that are repeated or out of order (at most ``limit``).

    Rows and cells without ``r`` take the next place, as Excel reads them."""
    prefix = root_prefix(text)
    item = patterns(prefix)[0]
    lo, hi = sheet_data_span(text, prefix)
    out: list[str] = []
    row = 0
    col = 0
    cols: dict[str, int] = {}
    row_r = _R_ROW.search
    cell_r = _R_CELL.search
    for m in item.finditer(text, lo, hi):
        cattrs = m.group(3)
        if cattrs is None:  # <row>
            ra = row_r(m.group(1))
            r = int(ra.group(1)) if ra else row + 1
            if r <= row:
                out.append(f"row {r} after row {row}")
                if len(out) >= limit:
                    break
            row, col = r, 0
            continue
        rm = cell_r(cattrs)
        if rm is None:
            col += 1
            continue
        letters, digits = rm.groups()
        c = cols.get(letters)
        if c is None:
            c = cols[letters] = col_index(letters)
        r = int(digits)
        if r != row or c <= col:
            place = f"{letters.upper()}{r}"
            out.append(f"cell {place} inside row {row}" if r != row else f"cell {place} repeated or out of order")
            if len(out) >= limit:
                break
        col = c
    return out
