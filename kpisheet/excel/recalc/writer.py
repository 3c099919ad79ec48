"""From computed values to patched sheet parts: which cells change, and the new part text.

Only cached values (``<v>`` and the cell's ``t``) of formula cells and of the cells their
arrays spill over are touched; for a dynamic array also its ``<f ref>`` (and, when one of
docs/excel.md's tables is turned into a dynamic array, ``<f t="array">`` and the cell's ``cm``
with the ``xl/metadata.xml`` part Excel needs to see it as one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

from ...errors import WorkbookError
from .book import LoadedBook, rels
from .model import CellResult, Formula
from .sheetxml import (CellEdit, FormulaCell, PlainCell, a1, apply_splices, parse_area, plain_cell, rewrite_cell, rows_of,
                       value_cell)
from .values import Value, same
from .wellformed import order_problems

CT_METADATA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"
REL_METADATA = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata"
METADATA_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">'
    '<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" '
    'pasteAll="1" pasteValues="1" merge="1" splitFirst="1" rowColShift="1" clearFormats="1" '
    'clearComments="1" assign="1" coerce="1" cellMeta="1"/></metadataTypes>'
    '<futureMetadata name="XLDAPR" count="1"><bk><extLst><ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}">'
    '<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk></futureMetadata>'
    '<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata></metadata>')


@dataclass
class Change:
    sheet: str
    row: int
    col: int
    old: Value
    new: Value
    volatile: bool = False
    had_value: bool = True
    uncertain: bool = False  # a function we lack is involved: --check does not judge the cell
    formula: bool = True  # False: a cell an array spills over

    @property
    def place(self) -> str:
        return f"{self.sheet}!{a1(self.row, self.col)}"


def _area_text(area: tuple[int, int, int, int]) -> str:
    r1, c1, r2, c2 = area
    return a1(r1, c1) if (r1, c1) == (r2, c2) else f"{a1(r1, c1)}:{a1(r2, c2)}"


def dynamic_cm(loaded: LoadedBook) -> Optional[int]:
    """The ``cm`` index of a dynamic-array cell in the existing metadata part, if any."""
    if loaded.metadata_part is None or loaded.metadata_part not in loaded.pkg:
        return None
    xml = loaded.pkg.read(loaded.metadata_part).decode("utf-8", "replace")
    types = re.findall(r"<(?:\w+:)?metadataType\b[^>]*\bname=\"([^\"]+)\"", xml)
    if "XLDAPR" not in types:
        return None
    t_index = types.index("XLDAPR") + 1
    fm = re.search(r'<(?:\w+:)?futureMetadata\b[^>]*name="XLDAPR"[^>]*>(.*?)</(?:\w+:)?futureMetadata>', xml, re.S)
    if not fm:
        return None
    bks = re.findall(r"<(?:\w+:)?bk>(.*?)</(?:\w+:)?bk>", fm.group(1), re.S)
    dyn = [i for i, b in enumerate(bks) if 'fDynamic="1"' in b]
    if not dyn:
        return None
    cm = re.search(r"<(?:\w+:)?cellMetadata\b[^>]*>(.*?)</(?:\w+:)?cellMetadata>", xml, re.S)
    if not cm:
        return None
    for i, bk in enumerate(re.findall(r"<(?:\w+:)?bk>(.*?)</(?:\w+:)?bk>", cm.group(1), re.S)):
        rc = re.search(r'<(?:\w+:)?rc\b[^>]*\bt="(\d+)"[^>]*\bv="(\d+)"', bk)
        if rc and int(rc.group(1)) == t_index and int(rc.group(2)) in dyn:
            return i + 1
    return None


def add_metadata_part(loaded: LoadedBook) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Parts to replace and to add so that the workbook has a dynamic-array metadata part (cm=1)."""
    pkg = loaded.pkg
    wb_folder, wb_name = loaded.workbook_part.rsplit("/", 1) if "/" in loaded.workbook_part else ("", loaded.workbook_part)
    part = f"{wb_folder}/metadata.xml" if wb_folder else "metadata.xml"
    ct = pkg.read("[Content_Types].xml").decode("utf-8")
    ct = ct.replace("</Types>", f'<Override PartName="/{part}" ContentType="{CT_METADATA}"/></Types>')
    rel_part = f"{wb_folder}/_rels/{wb_name}.rels" if wb_folder else f"_rels/{wb_name}.rels"
    rx = pkg.read(rel_part).decode("utf-8")
    ids = set(rels(pkg, loaded.workbook_part)) | set(re.findall(r'Id="([^"]+)"', rx))
    n = 1
    while f"rId{n}" in ids:
        n += 1
    rx = rx.replace("</Relationships>",
                    f'<Relationship Id="rId{n}" Type="{REL_METADATA}" Target="metadata.xml"/></Relationships>')
    return ({"[Content_Types].xml": ct.encode("utf-8"), rel_part: rx.encode("utf-8")},
            {part: METADATA_XML.encode("utf-8")})


@dataclass
class SheetPatch:
    text: str
    changes: list[Change]


@dataclass(frozen=True)
class SheetPlan:
    """What :func:`patch_sheet` needs of one sheet part that no computed value changes: each
    formula cell by its place, with its :class:`~.sheetxml.PlainCell` cut where it is one.
    ``kpisheet recalc`` makes the plans before it calculates, while the engine would wait for
    its data (issue 12: cutting 20,000 cells as they are written took a twentieth of a second)."""

    sheet: int
    cells: dict[tuple[int, int], tuple[FormulaCell, Optional[PlainCell]]]


def plan_sheet(loaded: LoadedBook, sheet: int) -> SheetPlan:
    """The :class:`SheetPlan` of sheet ``sheet`` of ``loaded``."""
    sp = loaded.parts[sheet]
    assert sp.text is not None and sp.scan is not None
    text, prefix = sp.text, sp.scan.prefix
    return SheetPlan(sheet, {(fc.row, fc.col): (fc, plain_cell(text[fc.start:fc.end], prefix))
                             for fc in sp.scan.formulas})


def patch_sheet(loaded: LoadedBook, sheet: int, computed: list[tuple[Formula, CellResult]],
                original: dict[tuple[int, int], Value], cm: Optional[int],
                plan: Optional[SheetPlan] = None) -> SheetPatch:
    """New text of one sheet part, with every changed cached value written: ``computed`` holds
    the sheet's formula cells with what the engine computed for each; ``original`` the values
    their arrays' areas held before (:func:`snapshot`); ``cm`` the dynamic-array metadata index
    for a plain formula the engine spilled (None: written as a legacy array formula); ``plan``
    the sheet's :func:`plan_sheet`, made here where it is not given."""
    sp = loaded.parts[sheet]
    assert sp.text is not None and sp.scan is not None
    text = sp.text
    prefix = sp.scan.prefix
    name = sp.name
    if plan is None or plan.sheet != sheet:
        plan = plan_sheet(loaded, sheet)
    places = plan.cells
    splices: list[tuple[int, int, str]] = []
    changes: list[Change] = []
    spill_writes: dict[tuple[int, int], Value] = {}
    spill_owner: dict[tuple[int, int], CellResult] = {}
    spill_clears: set[tuple[int, int]] = set()
    max_r = max_c = 0
    formula_places: set[tuple[int, int]] = set()
    for f, res in computed:
        place = (f.row, f.col)
        planned = places.get(place)
        if planned is None:
            continue
        fc, cut = planned
        formula_places.add(place)
        f_attrs: Optional[dict[str, Optional[str]]] = None
        c_attrs: Optional[dict[str, Optional[str]]] = None
        if res.spill_area is not None:
            new_area = res.spill_area
            old_area = f.area or (f.row, f.col, f.row, f.col)
            if res.kind == "dynamic":
                if f.kind == "normal":  # one of docs/excel.md's tables, spilled: now a dynamic array
                    f_attrs = {"t": "array", "ref": _area_text(new_area)}
                    if cm is not None:
                        c_attrs = {"cm": str(cm)}
                elif fc.ref is None or parse_area(fc.ref) != new_area:
                    f_attrs = {"ref": _area_text(new_area)}
            assert res.spill is not None
            for i in range(res.spill.shape[0]):
                for j in range(res.spill.shape[1]):
                    if i or j:
                        spill_writes[(new_area[0] + i, new_area[1] + j)] = res.spill[i, j]
                        spill_owner[(new_area[0] + i, new_area[1] + j)] = res
            for r in range(old_area[0], old_area[2] + 1):
                for c in range(old_area[1], old_area[3] + 1):
                    if (r, c) != (f.row, f.col) and not (new_area[0] <= r <= new_area[2] and new_area[1] <= c <= new_area[3]):
                        spill_clears.add((r, c))
                        spill_owner.setdefault((r, c), res)
            max_r, max_c = max(max_r, new_area[2]), max(max_c, new_area[3])
        value_changed = not fc.has_cached or not same(fc.cached, res.value)
        if value_changed:
            changes.append(Change(name, f.row, f.col, fc.cached if fc.has_cached else None, res.value, res.volatile,
                                  fc.has_cached, res.uncertain))
        if value_changed or f_attrs or c_attrs:
            new_value = res.value if value_changed else fc.cached
            if cut is not None and not f_attrs and not c_attrs:
                new = cut.with_value(new_value)  # rewrite_cell's own way with such a cell
            else:
                new = rewrite_cell(text[fc.start:fc.end], prefix, CellEdit(new_value, f_attrs, c_attrs))
            splices.append((fc.start, fc.end, new))
    spill_clears -= set(spill_writes)
    for place in formula_places:  # a formula cell is its own formula's to write, never a spill's
        spill_writes.pop(place, None)
        spill_clears.discard(place)
    rewrites_only = True
    if spill_writes or spill_clears:
        more = _spill_splices(text, spill_writes, spill_clears, original, name, changes, spill_owner)
        rewrites_only = not more
        splices.extend(more)
        splices.extend(_dimension(text, prefix, max_r, max_c))
    if not splices:
        return SheetPatch(text, changes)
    new_text = apply_splices(text, splices)
    if rewrites_only:
        # Each formula cell rewritten in place keeps its place and its r (rewrite_cell sets t and
        # cm only): rows and cells stay in the order they had, which the check would walk the
        # whole part to confirm (70 ms on 10,000 KPI rows). Cells added or cleared are checked.
        return SheetPatch(new_text, changes)
    problems = order_problems(new_text)
    if problems and not order_problems(text):
        raise WorkbookError(f"recalc would write a malformed sheet ({'; '.join(problems)}); nothing written",
                            place=name)
    return SheetPatch(new_text, changes)


def _spill_splices(text: str, writes: dict[tuple[int, int], Value], clears: set[tuple[int, int]],
                   original: dict[tuple[int, int], Value], sheet: str, changes: list[Change],
                   owner: dict[tuple[int, int], CellResult]) -> list[tuple[int, int, str]]:
    prefix, rows, data_end = rows_of(text)
    by_row = {r.row: r for r in rows}
    out: list[tuple[int, int, str]] = []
    todo: dict[int, dict[int, Value]] = {}
    for (r, c), v in list(writes.items()) + [(k, None) for k in clears]:
        old = original.get((r, c))
        if same(old, v) and not (old is None and v is not None):
            continue
        f = owner[(r, c)]
        changes.append(Change(sheet, r, c, old, v, f.volatile, old is not None, f.uncertain, formula=False))
        todo.setdefault(r, {})[c] = v
    for r in sorted(todo):
        cols = todo[r]
        row = by_row.get(r)
        if row is None:
            if all(v is None for v in cols.values()):
                continue
            cells = "".join(value_cell(prefix, r, c, v) for c, v in sorted(cols.items()) if v is not None)
            at = next((x.start for x in rows if x.row > r), data_end)
            out.append((at, at, f'<{prefix}row r="{r}">{cells}</{prefix}row>'))
            continue
        existing = {cp.col: cp for cp in row.cells}
        if row.self_closing:
            m = re.match(rf"<{re.escape(prefix)}row\b([^>]*?)/>", text[row.start:row.end])
            assert m is not None
            cells = "".join(value_cell(prefix, r, c, v) for c, v in sorted(cols.items()) if v is not None)
            out.append((row.start, row.end, f"<{prefix}row{m.group(1)}>{cells}</{prefix}row>"))
            continue
        for c, v in sorted(cols.items()):
            cp = existing.get(c)
            if cp is not None:
                out.append((cp.start, cp.end, rewrite_cell(cp.element, prefix, CellEdit(v))))
            elif v is not None:
                at = next((x.start for x in row.cells if x.col > c), row.end - len(f"</{prefix}row>"))
                out.append((at, at, value_cell(prefix, r, c, v)))
    return out


def _dimension(text: str, prefix: str, max_r: int, max_c: int) -> list[tuple[int, int, str]]:
    m = re.search(rf'<{re.escape(prefix)}dimension\b[^>]*\bref="([^"]+)"', text)
    if not m or not max_r:
        return []
    try:
        r1, c1, r2, c2 = parse_area(m.group(1))
    except ValueError:
        return []
    if max_r <= r2 and max_c <= c2:
        return []
    new = _area_text((r1, c1, max(r2, max_r), max(c2, max_c)))
    return [(m.start(1), m.end(1), new)]


def snapshot(values: dict[tuple[int, int], Value], formulas: list[Formula]) -> dict[tuple[int, int], Any]:
    """The values a sheet's arrays may spill over, before calculation changes them."""
    out: dict[tuple[int, int], Any] = {}
    for f in formulas:
        if f.area:
            r1, c1, r2, c2 = f.area
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    out[(r, c)] = values.get((r, c))
    return out
