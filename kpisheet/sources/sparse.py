"""Reading a sheet by the cells it holds, when its cells are few and far apart (README#hostile-and-broken-input).

python-calamine reads a sheet as one dense rectangle from its first cell to its last, so
a single value at XFD1048576 beside data in A1:C500 would cost 17 billion cells.
:func:`read_sparse` reads such a sheet (as :mod:`.extent` tells) in three steps:

1. the cells that hold a value are taken from the sheet's XML, each with its place;
2. they are written, unchanged but for their ``r`` attribute, into a *compact* sheet:
   only the rows and the columns that hold something, next to each other, in a copy of
   the package held in memory; calamine reads that sheet (number formats, shared strings
   and dates exactly as for any sheet);
3. :func:`sparse_frame` builds the frame as :func:`~.frames.build_frame` does and then
   puts back each row's offset and each column's number and letter, so cell places in
   messages (``book.xlsx!Data!XFD1048576``) are the sheet's own.

The compact rectangle is at most :data:`~kpisheet.limits.DENSE_CELLS` or DENSE_FACTOR
times the cells held; cells strewn on a diagonal, which even compacted would make a large
rectangle, are refused with one error line.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any, Iterable, Optional

import pandas as pd
from python_calamine import CalamineWorkbook

from .. import limits
from ..errors import WorkbookError
from .extent import col_number, sheet_part
from .frames import Frame, build_frame
from .headers import fold, header_text
from .refs import col_letter

# a cell's content never holds another cell's start: an unclosed <c> fails at once (linear time)
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>((?:[^<]|<(?!(?:\w+:)?c[\s>/]|/(?:\w+:)?c>))*)</(?:\w+:)?c>)")
_CELL_START = re.compile(rb"<(?:\w+:)?c[\s>/]")
_REF = re.compile(rb'(\s)r\s*=\s*"\$?([A-Za-z]+)\$?(\d+)"')
_ROOT = re.compile(rb"<(\w+:)?worksheet\b[^>]*>")


@dataclass
class SparseGrid:
    """A compact grid: ``rows[i][j]`` is the cell at sheet row ``row_numbers[i]``, column ``col_numbers[j]``."""

    rows: list[list[Any]]
    row_numbers: list[int]
    col_numbers: list[int]



def compact_axes(rows: Iterable[int], cols: Iterable[int], count: int, where: str) -> tuple[list[int], list[int]]:
    """The distinct rows and columns, sorted, of a sheet's ``count`` cells read by their cells.

    :class:`WorkbookError` at ``where`` when the grid they span passes the dense cap of
    :mod:`kpisheet.limits` (cells strewn so widely that even the compact grid would be huge);
    the one rule for every format read by its cells (.xlsx, .xlsb, .xls, .ods)."""
    row_numbers, col_numbers = sorted(set(rows)), sorted(set(cols))
    compact = len(row_numbers) * len(col_numbers)
    if compact > max(limits.DENSE_CELLS, limits.DENSE_FACTOR * count):
        raise WorkbookError(f"the sheet's {count:,} cells are strewn over {len(row_numbers):,} rows and "
                            f"{len(col_numbers):,} columns; kpisheet refuses to read them as a grid of "
                            f"{compact:,} cells: delete the cells outside the data, then save", place=where)
    return row_numbers, col_numbers

def read_sparse(data: bytes, sheet: str, where: str,
                area: Optional[tuple[int, int, int, int]] = None) -> SparseGrid:
    """The cells of ``sheet`` of the .xlsx ``data`` (only those inside ``area``, r1, c1, r2, c2, if given)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    part = sheet_part(archive, sheet)
    if part is None:
        raise WorkbookError("cannot find the sheet's part in the workbook", place=where)
    xml = archive.read(part)
    root = _ROOT.search(xml)
    if root is None:
        raise WorkbookError("the sheet's XML has no worksheet element (a damaged file)", place=where)
    prefix = (root.group(1) or b"")
    cells: list[tuple[int, int, bytes, bytes]] = []
    found = 0
    for m in _CELL.finditer(xml):
        found += 1
        if m.group(2) is None:
            continue  # <c r="XFD1048576" s="1"/>: formatting only, no value
        ref = _REF.search(m.group(1))
        if ref is None:
            raise WorkbookError("a cell without its place (r attribute) in a sheet this sparse: "
                                "open the file in Excel and save it again", place=where)
        if len(ref.group(2)) > 3 or len(ref.group(3)) > 7:
            row, col = limits.MAX_ROWS + 1, limits.MAX_COLS + 1
        else:
            row, col = int(ref.group(3)), col_number(ref.group(2))
        if not (1 <= row <= limits.MAX_ROWS and col <= limits.MAX_COLS):
            shown = (ref.group(2) + ref.group(3))[:20].decode("ascii", "replace")
            raise WorkbookError(f"a cell at {shown}, beyond Excel's grid (XFD1048576): the file is damaged; "
                                "open it in Excel and save it again", place=where)
        if area is not None and not (area[0] <= row <= area[2] and area[1] <= col <= area[3]):
            continue
        attrs = m.group(1)[:ref.start()] + m.group(1)[ref.end():]
        cells.append((row, col, attrs, m.group(2)))
    if found != len(_CELL_START.findall(xml)):
        raise WorkbookError("the sheet's XML has a cell that is not closed (a damaged file): open it in Excel and "
                            "save it again", place=where)
    row_numbers, col_numbers = compact_axes((c[0] for c in cells), (c[1] for c in cells), len(cells), where)
    if not cells:
        return SparseGrid([], [], [])
    row_at = {r: i + 1 for i, r in enumerate(row_numbers)}
    col_at = {c: j + 1 for j, c in enumerate(col_numbers)}
    cells.sort(key=lambda c: (c[0], c[1]))
    p = prefix
    out = [root.group(0), b"<", p, b"sheetData>"]
    current = None
    for row, col, attrs, inner in cells:
        if row != current:
            if current is not None:
                out += [b"</", p, b"row>"]
            out += [b"<", p, b'row r="', str(row_at[row]).encode(), b'">']
            current = row
        place = f"{col_letter(col_at[col])}{row_at[row]}".encode()
        out += [b"<", p, b'c r="', place, b'"', attrs, b">", inner, b"</", p, b"c>"]
    out += [b"</", p, b"row></", p, b"sheetData></", p, b"worksheet>"]
    return SparseGrid(compact_copy_cells(archive, part, b"".join(out), sheet, len(row_numbers), len(col_numbers)),
                      row_numbers, col_numbers)


def compact_copy_cells(archive: zipfile.ZipFile, part: str, body: bytes, sheet: str, height: int,
                       width: int) -> list[list[Any]]:
    """The cells calamine reads from sheet ``sheet`` of a copy of ``archive`` (held in memory)
    whose ``part`` is ``body``, a compact sheet of ``height`` rows and ``width`` columns, as
    rows of that size (None where the compact sheet holds nothing); number formats, shared
    strings and dates are read as for any sheet. The one step of every format read by its
    cells through calamine (.xlsx here, .xlsb in :mod:`.xlsbextent`)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as copy:
        # A part named twice is copied once, as zipfile reads it (the last): a copy holding both
        # made zipfile warn "Duplicate name" on the user's terminal, and calamine could pick either.
        for name in dict.fromkeys(info.filename for info in archive.infolist()):
            copy.writestr(name, body if name == part else archive.read(name))
    grid = CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue())).get_sheet_by_name(sheet)
    start = grid.start or (0, 0)
    full: list[list[Any]] = [[None] * width for _ in range(height)]
    for i, values in enumerate(grid.to_python()):
        target = full[start[0] + i]
        for j, value in enumerate(values):
            target[start[1] + j] = value
    return full


def sparse_frame(grid: SparseGrid, header_row: Optional[int], sheet: str, where: str,
                 header_name: Optional[str] = None, first_col: Optional[int] = None) -> Frame:
    """The frame under ``header_row`` (None: the first row with data) of a compact grid, with the
    sheet's own row offsets and column numbers; the same rules and messages as a dense sheet."""
    if not grid.row_numbers:
        raise WorkbookError(f"{header_name} is empty" if header_name else "the sheet is empty",
                            place=where if header_name is None else f"{where}!{col_letter(first_col or 1)}"
                                                                      f"{header_row}")
    top, bottom, left = grid.row_numbers[0], grid.row_numbers[-1], grid.col_numbers[0]
    row = top if header_row is None else header_row
    name = header_name or f"header row {row}"
    if row < top or row not in grid.row_numbers:
        more = f" (the first row with data is {top})" if row < top and header_name is None else ""
        raise WorkbookError(f"{name} is empty{more}", place=f"{where}!{col_letter(first_col or left)}{row}")
    if row > bottom:
        raise WorkbookError(f"header row {row} is below the data (the last row with data is {bottom})",
                            place=f"{where}!{col_letter(left)}{row}")
    k = grid.row_numbers.index(row)
    frame = build_frame(grid.rows[k:], row, left, sheet, where, header_name=header_name)
    below = grid.row_numbers[k + 1:]
    frame.df.index = pd.Index([below[int(i)] - row - 1 for i in frame.df.index], dtype="int64")
    for j, codes in frame.errors.items():  # error codes go by row label too: the sheet's own offsets
        codes.index = pd.Index([below[int(i)] - row - 1 for i in codes.index], dtype="int64")
    headers = [header_text(v) for v in grid.rows[k]]
    real_cols: list[int] = []
    names: list[str] = []
    for shown, number in zip(frame.headers, frame.col_numbers):
        c = number - left  # build_frame numbered the compact columns from ``left``
        real = grid.col_numbers[c]
        real_cols.append(real)
        names.append(headers[c] or f"column {col_letter(real)}")
    frame.col_numbers = real_cols
    frame.headers = names
    if header_name is None:
        for number, cells in zip(grid.row_numbers, grid.rows):
            if number >= top + 20:
                break
            for cell in cells:
                if isinstance(cell, str) and cell.strip():
                    frame.texts_above.setdefault(fold(cell), number)
    return frame


def lay_over_sparse(grid: SparseGrid, cells: dict[tuple[int, int], Any]) -> SparseGrid:
    """``grid`` with ``cells`` ((sheet row, sheet column) -> value: the error cells and uncached
    formulas calamine reads as blank, :mod:`.hidden`) written in where the compact grid has
    their row and column; the others lie outside what was read."""
    if not cells:
        return grid
    rows = {number: i for i, number in enumerate(grid.row_numbers)}
    cols = {number: j for j, number in enumerate(grid.col_numbers)}
    for (row, col), value in cells.items():
        i, j = rows.get(row), cols.get(col)
        if i is not None and j is not None:
            grid.rows[i][j] = value
    return grid
