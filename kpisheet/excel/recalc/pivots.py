"""Pivot tables as GETPIVOTDATA reads them: where each one sits on its sheet, and which items
each row and column of its body shows.

Excel writes a pivot table's body as plain cell values; its definition part
(``xl/pivotTables/pivotTableN.xml``) says where the body is (``location``), which fields are
on rows and columns, and, in ``rowItems``/``colItems``, the item of each field on each rendered
row and column (subtotals and the grand total included). The items' names come from the pivot
cache definition's ``sharedItems``. GETPIVOTDATA then finds the row and the column whose items
are exactly those asked for and reads the cell Excel computed there: no aggregation is redone,
so a "show values as", a calculated field or a filter is already in the number.

Parsing is a scan of tags (no DTD, no entity expansion), like the rest of the reader.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from html import unescape
from typing import Optional

from .sheetxml import parse_a1
from .values import Value, datetime_to_serial

DATA_FIELD = -2  # the "Values" pseudo-field of rowFields/colFields (written 4294967294 or -2)

_TAG = re.compile(r"<(/?)(?:[\w.]+:)?(\w+)((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>")
_ATTR = re.compile(r"([\w:]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list["Node"] = field(default_factory=list)

    def all(self, tag: str) -> list["Node"]:
        return [c for c in self.children if c.tag == tag]

    def first(self, tag: str) -> Optional["Node"]:
        return next((c for c in self.children if c.tag == tag), None)


def parse(xml: str) -> Node:
    """The element tree of ``xml`` (tags and attributes only; text is not needed here)."""
    root = Node("#root", {})
    stack = [root]
    for m in _TAG.finditer(xml):
        closing, tag, rest, empty = m.groups()
        if closing:
            while len(stack) > 1:
                if stack.pop().tag == tag:
                    break
            continue
        if rest.startswith(("?", "!")) or tag.startswith(("?", "!")):
            continue
        attrs = {k.split(":")[-1]: unescape(a if a else b) for k, a, b in _ATTR.findall(rest)}
        node = Node(tag, attrs)
        stack[-1].children.append(node)
        if not empty:
            stack.append(node)
    return root


def _field_index(v: str) -> int:
    n = int(v)
    return DATA_FIELD if n in (-2, 4294967294) else n


@dataclass
class Pivot:
    sheet: int
    area: tuple[int, int, int, int]  # the location: r1, c1, r2, c2
    first_data_row: int
    first_data_col: int
    page_rows: int
    names: list[str]  # each field's name (its caption in the pivot table, else the cache's)
    items: list[list[Value]]  # each field's items, in the pivot field's order
    data_fields: list[tuple[str, int]]  # (name, source field)
    row_fields: list[int]
    col_fields: list[int]
    row_items: list[tuple[str, tuple[int, ...], int]]  # (type, item of each field from the first, data field)
    col_items: list[tuple[str, tuple[int, ...], int]]
    pages: dict[int, Optional[int]]  # a page field → the item it filters on (None: all)


def _shared_value(n: Node, date1904: bool) -> Value:
    v = n.attrs.get("v")
    if n.tag == "n":
        return float(v) if v is not None else None
    if n.tag == "b":
        return v in ("1", "true")
    if n.tag == "d" and v:
        return datetime_to_serial(dt.datetime.fromisoformat(v.rstrip("Z")), date1904)
    if n.tag == "m":
        return None
    return v


def _axis_items(node: Optional[Node]) -> list[tuple[str, tuple[int, ...], int]]:
    out: list[tuple[str, tuple[int, ...], int]] = []
    prev: tuple[int, ...] = ()
    for i in node.all("i") if node is not None else []:
        r = int(i.attrs.get("r", "0"))
        xs = tuple(int(x.attrs.get("v", "0")) for x in i.all("x"))
        kind = i.attrs.get("t", "data")
        items = prev[:r] + xs
        out.append((kind, items, int(i.attrs.get("i", "0"))))
        prev = items
    return out


def read_pivot(table_xml: str, cache_xml: str, sheet: int, date1904: bool) -> Optional[Pivot]:
    """A pivot table from its definition and its cache definition; None when either lacks what
    GETPIVOTDATA needs (a location)."""
    table = parse(table_xml).first("pivotTableDefinition")
    cache = parse(cache_xml).first("pivotCacheDefinition")
    if table is None or cache is None:
        return None
    loc = table.first("location")
    if loc is None or "ref" not in loc.attrs:
        return None
    ref = loc.attrs["ref"]
    a, _, b = ref.partition(":")
    r1, c1 = parse_a1(a)
    r2, c2 = parse_a1(b) if b else (r1, c1)
    cache_fields = cache.first("cacheFields")
    cfs = cache_fields.all("cacheField") if cache_fields is not None else []
    pfs_node = table.first("pivotFields")
    pfs = pfs_node.all("pivotField") if pfs_node is not None else []
    names: list[str] = []
    items: list[list[Value]] = []
    for k, pf in enumerate(pfs):
        cf = cfs[k] if k < len(cfs) else Node("cacheField", {})
        names.append(pf.attrs.get("name") or cf.attrs.get("name", ""))
        si = cf.first("sharedItems")
        group = cf.first("fieldGroup")
        grouped = group.first("groupItems") if group is not None else None
        if grouped is not None:  # grouped dates or numbers ("Jan", "2024", "1-10"): the items are the groups
            si = grouped
        shared = [_shared_value(n, date1904) for n in si.children] if si is not None else []
        listed: list[Value] = []
        its = pf.first("items")
        for it in its.all("item") if its is not None else []:
            if it.attrs.get("t", "data") != "data":
                listed.append(None)  # a subtotal's slot: never asked for by name
                continue
            x = int(it.attrs.get("x", "0"))
            custom = it.attrs.get("n")
            listed.append(custom if custom is not None else shared[x] if x < len(shared) else None)
        items.append(listed)

    def fields(tag: str) -> list[int]:
        n = table.first(tag)  # type: ignore[union-attr]
        return [_field_index(f.attrs.get("x", "0")) for f in n.all("field")] if n is not None else []

    dfs = table.first("dataFields")
    data_fields = [(d.attrs.get("name", ""), int(d.attrs.get("fld", "0"))) for d in dfs.all("dataField")] \
        if dfs is not None else []
    pages: dict[int, Optional[int]] = {}
    pfn = table.first("pageFields")
    for p in pfn.all("pageField") if pfn is not None else []:
        item = p.attrs.get("item")
        pages[int(p.attrs.get("fld", "0"))] = int(item) if item is not None else None
    return Pivot(sheet, (r1, c1, r2, c2), int(loc.attrs.get("firstDataRow", "1")),
                 int(loc.attrs.get("firstDataCol", "1")), int(loc.attrs.get("rowPageCount", "0")),
                 names, items, data_fields, fields("rowFields"), fields("colFields"),
                 _axis_items(table.first("rowItems")), _axis_items(table.first("colItems")), pages)
