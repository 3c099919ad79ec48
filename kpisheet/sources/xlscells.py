"""Reading a legacy .xls sheet by the cells it holds, when they are few and far apart
(README#hostile-and-broken-input).

python-calamine reads an .xls sheet as one dense rectangle from its first cell to its
last: a single value at IV65536 (the far corner of the .xls grid) beside data in A1:C5
cost 16.7 million cells, 14 s and 1.4 GB. Before calamine reads a sheet, xlrd (which
reads BIFF record by record) takes the sheet's cells with ``ragged_rows``, so each row
holds only up to its own last cell and nothing is laid out as a rectangle:

- :func:`xls_by_cells` says, from the row and column of each cell record of the sheet's
  BIFF stream (found by xlrd; no cell is decoded), whether the rectangle of the cells that
  hold a value passes :data:`~kpisheet.limits.DENSE_CELLS` and DENSE_FACTOR times the cells held
  (the rule of every other format). calamine lays out every sheet densely as it opens the
  book (536 MB for that one value), so then the book is never opened by calamine;
- :func:`read_xls_sparse` then makes the same compact :class:`~.sparse.SparseGrid` as a
  far-apart .xlsx sheet, each value as calamine gives it: text, booleans, numbers (an RK
  record holding an integer is an ``int``, as calamine reads it; a NUMBER record or a
  formula's cached number a float), and date cells (xlrd's XL_CELL_DATE serials,
  in the book's datemode) as a ``time`` below one day, a ``date`` on a whole day, else a
  ``datetime``, or a ``timedelta`` in an elapsed-time format (``[h]:mm``; which cells are
  integers and each cell's format come from the same record walk). Error cells are left blank
  here and laid over from :func:`~.hidden.xls_error_cells`, as for a dense sheet.
"""

from __future__ import annotations

import datetime as dt
import struct
from typing import Any, Iterator, Optional

from .. import limits
from ..errors import WorkbookError
from .sparse import SparseGrid, compact_axes

_XLS_ROWS, _XLS_COLS = 65_536, 256  # BIFF8's grid: A1:IV65536
_RK_INT = 1 << 29  # an RK record holds a 30-bit signed integer; calamine reads it as an int

#: a cell that holds a value: (zero-based row, zero-based column, xlrd cell type, value)
XlsCell = tuple[int, int, int, Any]


def _sheet_cells(found: Any) -> Iterator[XlsCell]:
    """The cells of an xlrd sheet that hold a value (error cells too), row by row."""
    import xlrd

    empty = (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK)
    for row in range(found.nrows):
        types = found.row_types(row)
        if not types:
            continue
        values = found.row_values(row)
        for col, kind in enumerate(types):
            if kind not in empty:
                yield row, col, kind, values[col]


_CELL_RECORDS = frozenset({0x06, 0x406, 0xFD, 0x204, 0xD6, 0x203, 0x27E, 0x205})  # FORMULA .. BOOLERR: one value
_MULRK, _RK, _BOF, _EOF = 0xBD, 0x27E, 0x809, 0x0A
_HEAD = struct.Struct("<HH")


def _sheet_records(mem: bytes, pos: int) -> Iterator[tuple[int, int, int]]:
    """(code, start of the body, body size) of each cell record (one value, or a MULRK) of the
    sheet substream at ``pos`` of a BIFF5/8 workbook stream, from the record headers only: a
    chart embedded in the sheet (its own BOF .. EOF) is stepped over, and a record too short
    to hold a row and a column is left out."""
    unpack = _HEAD.unpack_from
    n, depth = len(mem), 0
    while pos + 4 <= n:
        code, size = unpack(mem, pos)
        pos += 4
        if code == _BOF:
            depth += 1
        elif code == _EOF:
            depth -= 1
            if depth <= 0:
                return
        elif depth == 1 and size >= 6 and (code in _CELL_RECORDS or code == _MULRK):
            yield code, pos, size
        pos += size


def _record_extent(mem: bytes, pos: int) -> tuple[int, int, int, int, int]:
    """The cells holding a value in the sheet substream at ``pos`` and their rectangle (count,
    r1, r2, c1, c2; zero-based), from each cell record's row and column (an eighth of xlrd's
    time on a big sheet)."""
    unpack = _HEAD.unpack_from
    count = 0
    r1 = c1 = 1 << 30
    r2 = c2 = -1
    for code, at, size in _sheet_records(mem, pos):  # comparisons, not min/max: a third of the time
        row, col = unpack(mem, at)
        last = unpack(mem, at + size - 2)[0] if code == _MULRK else col
        count += max(1, last - col + 1)
        if row < r1:
            r1 = row
        if row > r2:
            r2 = row
        if col < c1:
            c1 = col
        if last > c2:
            c2 = last
        if col > c2:
            c2 = col
    return count, r1, r2, c1, c2


def _record_kinds(mem: bytes, pos: int) -> dict[tuple[int, int], tuple[bool, int]]:
    """(zero-based row, column) -> (whether calamine reads the cell's number as an int, its XF
    index), for each cell record of the sheet substream at ``pos``: an RK holding an integer
    (flag bit 1, not scaled by 100) is an int, a NUMBER or a formula's cached number a float.
    xlrd keeps neither (XFs only with ``formatting_info``, which would lay out every formatted blank)."""
    unpack = _HEAD.unpack_from
    out: dict[tuple[int, int], tuple[bool, int]] = {}
    for code, at, size in _sheet_records(mem, pos):
        row, col = unpack(mem, at)
        if code == _MULRK:
            for k in range((size - 6) // 6):  # row, first column, (XF, RK) each, last column
                out[(row, col + k)] = (mem[at + 6 + 6 * k] & 3 == 2, unpack(mem, at + 4 + 6 * k)[0])
        else:
            out[(row, col)] = (code == _RK and size >= 10 and mem[at + 6] & 3 == 2, unpack(mem, at + 4)[0])
    return out


def is_duration(number_format: str) -> bool:
    """Whether python-calamine reads a date cell of ``number_format`` as a timedelta: an
    elapsed-time bracket (``[h]``, ``[mm]``, ``[ss]``) before any date or time letter outside
    brackets, in the format's first section."""
    escaped = quoted = False
    depth, prev, hms = 0, " ", False
    for ch in number_format:
        if escaped:
            escaped = False
        elif quoted:
            quoted = ch != '"'
        elif ch in "_\\":
            escaped = True
        elif ch == '"':
            quoted = True
        elif ch == ";":
            return False
        elif ch == "[":
            depth += 1
        elif ch == "]":
            if depth == 1 and hms:
                return True
            depth = max(0, depth - 1)
        elif depth == 0 and ch in "dmhysDMHYSaApP":
            return False
        elif not (hms and ch.lower() == prev.lower()):
            hms = prev == "[" and ch in "hmsHMS"
        prev = ch
    return False


def _passes_cap(count: int, r1: int, r2: int, c1: int, c2: int) -> bool:
    return count > 0 and (r2 - r1 + 1) * (c2 - c1 + 1) > max(limits.DENSE_CELLS, limits.DENSE_FACTOR * count)


def _too_sparse(cells: Iterator[XlsCell]) -> bool:
    count = 0
    r1 = c1 = 1 << 30
    r2 = c2 = -1
    for row, col, _, _ in cells:
        count += 1
        r1, r2, c1, c2 = min(r1, row), max(r2, row), min(c1, col), max(c2, col)
    return _passes_cap(count, r1, r2, c1, c2)


def xls_by_cells(data: bytes) -> Optional[list[str]]:
    """The sheet names of the .xls ``data`` when one of its sheets must not be read as a dense
    rectangle (python-calamine lays out every sheet densely as it opens the book, so then none
    is read by calamine: :func:`read_xls_sparse` reads each), else None."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, ragged_rows=True)
    except Exception:  # calamine will say what is wrong with the file, if anything
        return None
    try:
        mem, places = getattr(book, "mem", None), getattr(book, "_sh_abs_posn", None)
        records = book.biff_version >= 50 and isinstance(mem, bytes) and isinstance(places, list)
        for index in range(book.nsheets):
            if records:  # the record headers of the sheet: no cell is decoded
                assert isinstance(mem, bytes) and isinstance(places, list)
                sparse = _passes_cap(*_record_extent(mem, int(places[index])))
            else:  # BIFF2-4 (or an xlrd without those attributes): xlrd reads the cells
                sparse = _too_sparse(_sheet_cells(book.sheet_by_index(index)))
                book.unload_sheet(index)
            if sparse:
                return list(book.sheet_names())
    except Exception:
        return None
    finally:
        book.release_resources()
    return None


def _date(serial: float, datemode: int) -> Any:
    """A date cell's value as python-calamine gives it."""
    import xlrd

    stamp = xlrd.xldate_as_datetime(serial, datemode)
    if serial < 1:
        return stamp.time()
    if stamp.time() == dt.time():
        return stamp.date()
    return stamp


def cell_value(kind: int, value: Any, datemode: int, whole: Optional[bool] = None, duration: bool = False) -> Any:
    """The value of one xlrd cell as python-calamine reads the same cell ('' for an error): a
    number an int when its record holds an integer (``whole``; unknown: a whole number in RK's
    range); a date cell of an elapsed-time format a timedelta."""
    import xlrd

    if kind == xlrd.XL_CELL_NUMBER:
        number = float(value)
        if whole is None:
            whole = -_RK_INT <= number < _RK_INT
        return int(number) if whole and number.is_integer() else number
    if kind == xlrd.XL_CELL_DATE:
        if duration:
            return dt.timedelta(milliseconds=round(float(value) * 86_400_000))
        return _date(float(value), datemode)
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if kind == xlrd.XL_CELL_TEXT:
        return str(value)
    return ""  # an error cell: laid over from xls_error_cells


def read_xls_sparse(data: bytes, sheet: str, where: str,
                    area: Optional[tuple[int, int, int, int]] = None) -> SparseGrid:
    """The cells of ``sheet`` of the .xls ``data`` (only those inside ``area``, one-based r1, c1,
    r2, c2, if given) as a compact grid with the sheet's own row and column numbers."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, ragged_rows=True)
        try:
            datemode = int(book.datemode)
            mem, places = getattr(book, "mem", None), getattr(book, "_sh_abs_posn", None)
            kinds: dict[tuple[int, int], tuple[bool, int]] = {}
            if book.biff_version >= 50 and isinstance(mem, bytes) and isinstance(places, list):
                kinds = _record_kinds(mem, int(places[book.sheet_names().index(sheet)]))
            past = next((c for c in kinds if c[0] >= _XLS_ROWS or c[1] >= _XLS_COLS), None)
            kept = [] if past is not None else [
                c for c in _sheet_cells(book.sheet_by_name(sheet))
                if area is None or (area[0] <= c[0] + 1 <= area[2] and area[1] <= c[1] + 1 <= area[3])]
            formats = {i: book.format_map[xf.format_key].format_str for i, xf in enumerate(book.xf_list)
                       if xf.format_key in book.format_map}
        finally:
            book.release_resources()
    except Exception as exc:  # never a traceback for a file a user gave us
        raise WorkbookError(f"the workbook is damaged ({type(exc).__name__}: {' '.join(str(exc).split())[:120]}); "
                            "open it in Excel and save it again", place=where) from None
    if past is not None:  # BIFF stores 16 bits (xlrd asserts); calamine would lay out billions of cells
        raise WorkbookError(f"a cell at row {past[0] + 1:,}, column {past[1] + 1:,}, beyond the .xls grid (IV65536): "
                            "the file is damaged; open it in Excel and save it again", place=where)
    row_numbers, col_numbers = compact_axes((c[0] + 1 for c in kept), (c[1] + 1 for c in kept), len(kept), where)
    row_at = {r: i for i, r in enumerate(row_numbers)}
    col_at = {c: j for j, c in enumerate(col_numbers)}
    rows: list[list[Any]] = [[""] * len(col_numbers) for _ in row_numbers]
    for row, col, kind, value in kept:
        known = kinds.get((row, col))
        whole, xf = (None, -1) if known is None else known
        rows[row_at[row + 1]][col_at[col + 1]] = cell_value(kind, value, datemode, whole,
                                                            is_duration(formats.get(xf) or ""))
    return SparseGrid(rows, row_numbers, col_numbers)
