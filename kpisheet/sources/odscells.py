"""Reading an OpenDocument sheet by the cells it holds (README#hostile-and-broken-input).

python-calamine expands every sheet of an .ods to its dense rectangle when the file is
opened, so one value at XFD1048576 (a row repeated a million times, a cell repeated 16,383
times, then the value) would cost 17 billion cells. When :mod:`.odsextent` finds such a
sheet, the book is read here instead, without calamine:

- ``content.xml`` is parsed by a streaming XML parser (no DTD is accepted, so no entity
  but XML's own can be expanded), each row dropped once read, so memory follows the cells written, not their repeats;
- a repeated empty cell or row only moves the position; a repeated cell that holds a value
  stands for that many real cells (bounded by :mod:`.odsextent`, and again here);
- each value is what python-calamine makes of it (``office:value`` a float,
  ``office:date-value`` a date or datetime, ``office:time-value`` a time of day,
  ``office:boolean-value``, ``office:string-value`` or the cell's paragraphs), so a sheet
  reads the same either way (``tests/hostile/test_ods_cells.py`` compares them);
- the cells make the same compact :class:`~.sparse.SparseGrid` as a far-apart .xlsx sheet,
  so :func:`~.sparse.sparse_frame` names the sheet's own cells in messages.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import Any, Optional
from xml.etree.ElementTree import Element, ParseError, iterparse

from .. import limits
from ..errors import WorkbookError
from .sparse import SparseGrid, compact_axes

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_SHEET, _ROW = _TABLE + "table", _TABLE + "table-row"
_CELLS = (_TABLE + "table-cell", _TABLE + "covered-table-cell")
_ROWS_REPEATED, _COLS_REPEATED = _TABLE + "number-rows-repeated", _TABLE + "number-columns-repeated"
_VALUE, _STRING, _DATE, _TIME, _BOOL = (_OFFICE + a for a in ("value", "string-value", "date-value", "time-value",
                                                               "boolean-value"))
_TYPE, _ANNOTATION = _OFFICE + "value-type", _OFFICE + "annotation"
_P, _S = _TEXT + "p", _TEXT + "s"
_FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:inf|infinity|nan)", re.IGNORECASE)
_DATE_TIME = re.compile(r"(\d{4}-\d\d-\d\d)(?:T(\d\d:\d\d:\d\d)(\.\d{1,9})?)?")
_DURATION = re.compile(r"PT(\d{1,9})H(\d{1,9})M(\d{1,9}(?:\.\d{1,9})?)S")


def _repeat(elem: Element, attr: str) -> int:
    text = elem.get(attr)
    if text is None:
        return 1
    return max(1, int(text)) if text.isdigit() and len(text) <= 12 else -1


def _date(text: str) -> Any:
    """A date-value as python-calamine gives it: a date, a datetime, or the text it could not read."""
    m = _DATE_TIME.fullmatch(text)
    try:
        if m is not None and m.group(2) is None:
            return dt.date.fromisoformat(text)
        if m is not None:
            return dt.datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}{(m.group(3) or '')[:7]}")
    except ValueError:
        pass
    return text


def _time(text: str) -> Any:
    """A time-value (``PT12H15M00S``) as python-calamine gives it: a time of day, or the text."""
    m = _DURATION.fullmatch(text)
    if m is not None:
        hours, minutes, seconds = int(m.group(1)), int(m.group(2)), float(m.group(3))
        if hours < 24 and minutes < 60 and seconds < 60:
            whole = int(seconds)
            return dt.time(hours, minutes, whole, round((seconds - whole) * 1_000_000) % 1_000_000)
    return text


def _paragraphs(cell: Element) -> str:
    """The cell's text as python-calamine joins it: paragraphs on lines, ``text:s`` as spaces,
    tabs and line breaks left out, comments (``office:annotation``) not part of it. The spaces
    ``text:s`` stands for are at most Excel's longest text a cell (``text:c="999999999"``
    is one element of 25 bytes)."""
    parts: list[str] = []
    first = True
    spaces = limits.MAX_TEXT
    todo: list[Element | str] = [*reversed(list(cell))]  # elements to walk and tails to write, in order:
    if cell.text:  # a loop, not recursion (spans may nest a million deep)
        parts.append(cell.text)
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        if item.tail:
            todo.append(item.tail)
        if item.tag == _ANNOTATION:
            continue
        if item.tag == _P:
            if not first:
                parts.append("\n")
            first = False
        elif item.tag == _S:
            count = item.get(_TEXT + "c", "1")
            n = min(int(count) if count.isdigit() and len(count) <= 12 else 1, spaces)
            parts.append(" " * n)
            spaces -= n
        if item.text:
            parts.append(item.text)
        todo.extend(reversed(list(item)))
    return "".join(parts)


def cell_value(cell: Element, where: str) -> Any:
    """The value of one ``table:table-cell`` as python-calamine reads it; None for an empty cell.

    The first value attribute in the element decides, as in calamine; without one, a cell of
    ``office:value-type="string"`` holds its paragraphs."""
    is_string = False
    for key, text in cell.attrib.items():
        if key == _VALUE:
            if _FLOAT.fullmatch(text) is None:
                raise WorkbookError(f"a cell whose value is not a number ('{text[:20]}'): the file is damaged; "
                                    "open it in LibreOffice and save it again", place=where)
            return float(text)
        if key == _STRING:
            return text
        if key == _DATE:
            return _date(text)
        if key == _TIME:
            return _time(text)
        if key == _BOOL:
            return text in ("TRUE", "true")
        if key == _TYPE:
            is_string = text == "string"
    return _paragraphs(cell) if is_string else None


def read_ods_sparse(data: bytes, sheet: str, where: str,
                    area: Optional[tuple[int, int, int, int]] = None) -> SparseGrid:
    """The cells of ``sheet`` of the .ods ``data`` (only those inside ``area``, r1, c1, r2, c2, if given)."""
    cells: dict[tuple[int, int], Any] = {}
    written = held = 0
    try:
        xml = zipfile.ZipFile(io.BytesIO(data)).read("content.xml")  # its size was checked (zipguard)
        if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:  # only a DTD declares entities (billion laughs)
            raise WorkbookError("the workbook's content.xml declares a DTD or entities, which no spreadsheet "
                                "writes: refused", place=where)
        with io.BytesIO(xml) as content:
            stack: list[Element] = []
            tables = 0  # tables open (a cell may hold a sub-table: its cells are not the sheet's)
            inside = False  # in the sheet asked for
            row = 0  # rows of the sheet before the current one
            row_repeat = col = 0
            row_cells: list[tuple[int, int, Any]] = []  # (first column, repeat, value)
            for event, elem in iterparse(content, events=("start", "end")):
                if event == "start":
                    stack.append(elem)
                    if elem.tag == _SHEET:
                        tables += 1
                        if tables == 1:
                            inside, row = elem.get(_TABLE + "name", "") == sheet, 0
                    elif elem.tag == _ROW and tables == 1 and inside:
                        row_repeat, col, row_cells = _repeat(elem, _ROWS_REPEATED), 0, []
                        if row_repeat < 0:
                            raise WorkbookError("a row repeated a number of times that is no number: the file is "
                                                "damaged; open it in LibreOffice and save it again", place=where)
                    continue
                stack.pop()
                if elem.tag == _SHEET:
                    tables -= 1
                    if tables == 0 and inside:
                        break
                elif elem.tag in _CELLS and tables == 1 and inside and stack and stack[-1].tag == _ROW:
                    repeat = _repeat(elem, _COLS_REPEATED)
                    if repeat < 0:
                        raise WorkbookError("a cell repeated a number of times that is no number: the file is "
                                            "damaged; open it in LibreOffice and save it again", place=where)
                    written += 1
                    value = cell_value(elem, where)
                    if value is not None:
                        row_cells.append((col + 1, repeat, value))
                    col += repeat
                    elem.clear()
                elif elem.tag == _ROW:
                    if tables == 1 and inside:
                        held += row_repeat * sum(r for _, r, _ in row_cells)
                        if held > max(limits.DENSE_CELLS, limits.DENSE_FACTOR * written):
                            raise WorkbookError(f"the sheet's repeated cells hold over {held:,} values, from "
                                                f"{written:,} cells written in the file: refused; save it again "
                                                "with only the data", place=where)
                        for first, repeat, value in row_cells:
                            if first + repeat - 1 > limits.MAX_COLS or row + row_repeat > limits.MAX_ROWS:
                                raise WorkbookError("a value past the sheet's last row or column (XFD1048576): the "
                                                    "file is damaged; open it in LibreOffice and save it again",
                                                    place=where)
                            for r in range(row + 1, row + row_repeat + 1):
                                for c in range(first, first + repeat):
                                    if area is None or (area[0] <= r <= area[2] and area[1] <= c <= area[3]):
                                        cells[(r, c)] = value
                        row += row_repeat
                    if stack:
                        stack[-1].remove(elem)  # memory follows the rows being read, not the sheet
                    elem.clear()
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise WorkbookError(f"the workbook is damaged ({' '.join(str(exc).split())[:120]})", place=where) from None
    except ParseError as exc:
        raise WorkbookError(f"the workbook is damaged (its content.xml is not well-formed XML: "
                            f"{' '.join(str(exc).split())[:120]}); open it in LibreOffice and save it again",
                            place=where) from None
    row_numbers, col_numbers = compact_axes((r for r, _ in cells), (c for _, c in cells), len(cells), where)
    col_at = {c: j for j, c in enumerate(col_numbers)}
    row_at = {r: i for i, r in enumerate(row_numbers)}
    rows: list[list[Any]] = [[None] * len(col_numbers) for _ in row_numbers]
    for (r, c), value in cells.items():
        rows[row_at[r]][col_at[c]] = value
    return SparseGrid(rows, row_numbers, col_numbers)
