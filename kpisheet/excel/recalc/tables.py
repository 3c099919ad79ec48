"""Excel tables (ListObjects): reading their definitions and resolving structured references
such as ``Sales[Amount]``, ``Sales[@Amount]``, ``Sales[[#This Row],[Amount]]``,
``Sales[[#All],[Date]:[Amount]]``."""

from __future__ import annotations

import re
from typing import Any, Mapping, Optional

from . import values as V
from .ranges import Ref
from .sheetxml import parse_area, unescape

TableDef = tuple[int, tuple[int, int, int, int], list[str], int, int]  # sheet, area, columns, header rows, totals rows

_TABLE = re.compile(r"<(?:\w+:)?table\b([^>]*)>")
_COLUMN = re.compile(r"<(?:\w+:)?tableColumn\b([^>]*?)/?>")
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')


def read_table(xml: str, sheet: int) -> Optional[tuple[str, TableDef]]:
    m = _TABLE.search(xml)
    if not m:
        return None
    attrs = dict(_ATTR.findall(m.group(1)))
    name = unescape(attrs.get("displayName") or attrs.get("name") or "")
    if not name or "ref" not in attrs:
        return None
    cols = [unescape(dict(_ATTR.findall(c)).get("name", "")) for c in _COLUMN.findall(xml)]
    header = int(attrs.get("headerRowCount", "1"))
    totals = int(attrs.get("totalsRowCount", "0"))
    return name, (sheet, parse_area(attrs["ref"]), cols, header, totals)


def table_at(tables: Mapping[str, TableDef], sheet: int, row: int, col: int) -> Optional[TableDef]:
    """The table holding cell (``sheet``, ``row``, ``col``), which an unqualified ``[@Qty]`` there
    refers to; None when no table holds it.

    Excel lets no two tables overlap, so a cell is in at most one. Where a damaged file has
    them overlap, the table whose name comes first (case-insensitively: ``tables`` is keyed by
    the upper-cased name) is taken, whatever the order of the file's parts, so that a formula's
    value and its dependencies are read from the same table.
    """
    holding = [name for name, (s, (r1, c1, r2, c2), *_rest) in tables.items()
               if s == sheet and r1 <= row <= r2 and c1 <= col <= c2]
    return tables[min(holding)] if holding else None


def _items(spec: str) -> list[str]:
    """``[[#This Row],[Qty]]`` → ``["#This Row", "Qty"]``; ``[@Qty]`` → ``["@", "Qty"]``; ``:`` kept."""
    inner = spec[1:-1] if spec.startswith("[") and spec.endswith("]") else spec
    out: list[str] = []
    if inner.startswith("@"):
        out.append("@")
        inner = inner[1:]
    depth = 0
    part = ""
    i = 0
    while i < len(inner):
        ch = inner[i]
        if ch == "'" and i + 1 < len(inner):
            part += inner[i:i + 2]
            i += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if depth == 0 and ch in ",:":
            out.append(part)
            if ch == ":":
                out.append(":")
            part = ""
        else:
            part += ch
        i += 1
    out.append(part)
    return [p.strip()[1:-1] if p.strip().startswith("[") and p.strip().endswith("]") else p.strip()
            for p in out if p.strip()]


def resolve_table_ref(table: TableDef, spec: str, row: int) -> Any:
    sheet, (r1, c1, r2, c2), cols, header, totals = table
    data_top = r1 + header
    data_bottom = r2 - totals
    items = _items(spec)
    rows = (data_top, data_bottom)
    chosen_cols: list[int] = []
    i = 0
    specials = {"#ALL": (r1, r2), "#DATA": (data_top, data_bottom), "#HEADERS": (r1, r1 + header - 1),
                "#TOTALS": (data_bottom + 1, r2)}
    picked_rows: list[tuple[int, int]] = []
    this_row = False
    while i < len(items):
        it = items[i].strip()
        if it.startswith("@"):
            this_row = True
            it = it[1:].strip()
            if not it:
                i += 1
                continue
        up = it.upper()
        if up == "#THIS ROW":
            this_row = True
        elif up in specials:
            picked_rows.append(specials[up])
        elif it == ":":
            pass
        else:
            name = re.sub(r"'(.)", r"\1", it)
            lower = [c.lower() for c in cols]
            if name.lower() not in lower:
                return V.REF
            chosen_cols.append(c1 + lower.index(name.lower()))
        i += 1
    if picked_rows:
        rows = (min(p[0] for p in picked_rows), max(p[1] for p in picked_rows))
    if this_row:
        if not data_top <= row <= data_bottom:
            return V.VALUE
        rows = (row, row)
    if rows[0] > rows[1]:
        return V.REF
    if chosen_cols:
        return Ref(sheet, rows[0], min(chosen_cols), rows[1], max(chosen_cols))
    return Ref(sheet, rows[0], c1, rows[1], c2)
