"""Cells python-calamine reads as blank that are not blank (README#your-data), in .xlsx/.xlsm files
(and the error cells of .xls and .ods files; .xlsb error cells still read as blank).

python-calamine 0.9 gives ``''`` both for an error cell (``#N/A``) and for a formula cell
without a cached value (a workbook written by a script, never saved by Excel): read as
blanks, both would make a plausible wrong number. This module finds them in the sheet XML
and gives their real values, to be laid over calamine's grid:

- an error cell: its Excel error text (``'#N/A'``); the table builder turns such text into
  an error cell (:mod:`.frames`), which is also what the live Excel door hands over;
- a formula cell without a cached value: its value, computed in memory by the recalculation
  engine (:mod:`kpisheet.excel.recalc`); the file is never written. With ``everything``
  (``--recalc``) every formula cell is recomputed, whatever its cached value says.

A quick byte search decides first whether a workbook holds any such cell, so the common
file (saved by Excel, no error cells) costs one scan of its sheet parts and nothing more.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from ..errors import KpisheetError, WorkbookError

Cells = dict[tuple[int, int], Any]  # (sheet row, sheet column), 1-based -> value

_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*\bt="e"')
_NO_CACHED_VALUE = re.compile(rb"</(?:\w+:)?f>\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
                              rb"|<(?:\w+:)?f\b[^>]*/>\s*</(?:\w+:)?c>")
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")


def may_hide_cells(data: bytes, everything: bool = False) -> bool:
    """Whether any worksheet of the .xlsx bytes holds an error cell or a formula cell without
    a cached value (or, with ``everything``, any formula cell)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                part = archive.read(name)
                if b't="e"' not in part and b"<f" not in part and b":f" not in part:
                    continue  # byte searches first (memchr-fast); the patterns only where they find something
                if _ERROR_CELL.search(part):
                    return True
                if _FORMULA.search(part) and (everything or _NO_CACHED_VALUE.search(part)):
                    return True
    except (zipfile.BadZipFile, OSError, ValueError):
        return False  # calamine reports a damaged file in its own words
    return False


def hidden_cells(path: Path, everything: bool = False) -> dict[str, Cells]:
    """Sheet name -> the cells calamine would read as blank, with their values: error cells
    as error text, uncached (or, with ``everything``, all) formula cells computed."""
    from ..excel.recalc.book import load
    from ..excel.recalc.calc import Calculator
    from ..excel.recalc.values import Err

    def shown(value: Any) -> Any:
        return value.text if isinstance(value, Err) else value

    try:
        loaded = load(path)
    except KpisheetError:
        raise
    except Exception as exc:  # never a traceback for a file a user gave us
        raise WorkbookError(f"cannot read its formula cells ({type(exc).__name__})", place=str(path)) from None
    try:
        out: dict[str, Cells] = {part.name: {} for part in loaded.parts}
        uncached = {(f.sheet, f.row, f.col) for f in loaded.book.formulas}
        if not everything:
            uncached = {(part.index, fc.row, fc.col) for part in loaded.parts if part.scan is not None
                        for fc in part.scan.formulas if not fc.has_cached}
        result = Calculator().calculate(loaded.book, {}) if uncached else None
        for part in loaded.parts:
            if part.part is None:
                continue
            values = result.values(part.index) if result else loaded.book.sheets[part.index].values
            cells = out[part.name]
            for (row, col), value in values.items():
                if isinstance(value, Err):
                    cells[(row, col)] = value.text
            for index, row, col in uncached:
                if index == part.index:
                    cells[(row, col)] = shown(values.get((row, col)))
        return out
    finally:
        loaded.pkg.close()


def xls_error_cells(data: bytes) -> dict[str, Cells]:
    """Sheet name -> the error cells of a legacy .xls workbook, as their error text, read with
    xlrd (BIFF stores each cell's type; calamine reads errors as blank). A .xls sheet holds at
    most 65,536 rows, so the rows are looked through one by one, skipping those without an error;
    each row only up to its own last cell (``ragged_rows``), never padded to the sheet's widest
    (a value at IV65536 would make that 16.7 million cells, README#hostile-and-broken-input)."""
    import xlrd

    out: dict[str, Cells] = {}
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, ragged_rows=True)
    except Exception:  # calamine reported the file readable; xlrd's disagreement is no reason to stop
        return out
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            cells: Cells = {}
            for row in range(sheet.nrows):
                types = sheet.row_types(row)
                if xlrd.XL_CELL_ERROR not in types:
                    continue
                for col, kind in enumerate(types):
                    if kind == xlrd.XL_CELL_ERROR:
                        code = sheet.cell_value(row, col)
                        cells[(row + 1, col + 1)] = xlrd.error_text_from_code.get(code, "#N/A")
            out[sheet.name] = cells
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return out


def sheet_grid(path: Path, name: str) -> tuple[list[list[Any]], int, int]:
    """The cells of sheet ``name`` from its XML, error cells as their text, for the sheets
    python-calamine refuses (0.9 stops at Excel 365's ``#SPILL!``, ``#CALC!`` ...). Dates
    come as Excel serial numbers (the sheet XML holds no other kind), which ``Table.dates``
    reads. Returns the rows from the first used cell, with that cell's row and column."""
    from ..excel.recalc.book import load
    from ..excel.recalc.values import Err

    loaded = load(path)
    try:
        part = next((p for p in loaded.parts if p.name.casefold() == name.casefold()), None)
        if part is None:
            return [], 1, 1
        values = loaded.book.sheets[part.index].values
        if not values:
            return [], 1, 1
        top = min(r for r, _ in values)
        left = min(c for _, c in values)
        bottom = max(r for r, _ in values)
        right = max(c for _, c in values)
        rows: list[list[Any]] = [[""] * (right - left + 1) for _ in range(bottom - top + 1)]
        for (row, col), value in values.items():
            rows[row - top][col - left] = value.text if isinstance(value, Err) else ("" if value is None else value)
        return rows, top, left
    finally:
        loaded.pkg.close()


def lay_over(rows: list[list[Any]], top: int, left: int, cells: Cells, grow: bool = True) -> list[list[Any]]:
    """``rows`` (``rows[0][0]`` at sheet row ``top``, column ``left``) with ``cells`` written in;
    with ``grow`` the grid grows where a cell lies beyond it (calamine may not count an
    uncached formula), else such cells are left out (an Excel table has its own bounds)."""
    width = max((len(r) for r in rows), default=0)
    if not grow:
        cells = {(r, c): v for (r, c), v in cells.items() if top <= r < top + len(rows) and left <= c < left + width}
    if not cells:
        return rows
    bottom = max(max(r for r, _ in cells), top + len(rows) - 1)
    width = max(max(c for _, c in cells) - left + 1, width)
    out = [list(r) + [""] * (width - len(r)) for r in rows]
    out.extend([""] * width for _ in range(bottom - top + 1 - len(out)))
    for (row, col), value in cells.items():
        if row >= top and col >= left:
            out[row - top][col - left] = "" if value is None else value
    return out


_ODS_TAG = re.compile(rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>")
_ODS_NAME = re.compile(rb'table:name="([^"]*)"')
_ODS_ROWS = re.compile(rb'table:number-rows-repeated="(\d{1,12})"')
_ODS_COLS = re.compile(rb'table:number-columns-repeated="(\d{1,12})"')
_ODS_ERROR = b'calcext:value-type="error"'
_ODS_TEXT = re.compile(rb"<text:p>([^<]*)</text:p>")


def ods_error_cells(data: bytes) -> dict[str, Cells]:
    """Sheet name -> the error cells of an OpenDocument workbook, as their error text.

    LibreOffice marks a cell whose value is an error ``calcext:value-type="error"`` and
    writes the error's text as the cell's paragraph; calamine reads such a cell as blank.
    One pass over the tags of ``content.xml``, counting repeated rows and columns (their
    expansion was bounded before calamine opened the file, README#hostile-and-broken-input)."""
    import html

    try:
        content = zipfile.ZipFile(io.BytesIO(data)).read("content.xml")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return {}
    if _ODS_ERROR not in content:
        return {}
    out: dict[str, Cells] = {}
    cells: Cells = {}
    row = col = row_repeat = 0
    errors_in_row: list[tuple[int, int, str]] = []  # (first column, repeat, text)
    for m in _ODS_TAG.finditer(content):
        closing, tag, attrs, empty = m.group(1), m.group(2), m.group(3), m.group(4)
        if tag == b"table":
            if not closing:
                name = _ODS_NAME.search(attrs)
                cells, row = {}, 0
                out[html.unescape(name.group(1).decode("utf-8", "replace")) if name else ""] = cells
            continue
        if tag == b"table-row":
            if not closing:
                found = _ODS_ROWS.search(attrs)
                row_repeat, col, errors_in_row = max(1, int(found.group(1))) if found else 1, 0, []
            if closing or empty:
                for r in range(row + 1, row + 1 + (row_repeat if errors_in_row else 0)):
                    for first, repeat, text in errors_in_row:
                        for c in range(first, first + repeat):
                            cells[(r, c)] = text
                row += row_repeat
            continue
        if closing:
            continue
        found = _ODS_COLS.search(attrs)
        repeat = max(1, int(found.group(1))) if found else 1
        if _ODS_ERROR in attrs and not empty:
            paragraph = _ODS_TEXT.search(content, m.end(), m.end() + 512)
            shown = html.unescape(paragraph.group(1).decode("utf-8", "replace")).strip() if paragraph else ""
            errors_in_row.append((col + 1, repeat, shown if shown.startswith("#") else "#VALUE!"))
        col += repeat
    return out
