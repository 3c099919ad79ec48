"""How far an .xlsb worksheet's cells really reach, and reading it by its cells (README#hostile-and-broken-input).

python-calamine reads an .xlsb sheet as a dense rectangle from its first cell to its
last, whatever its dimension record says: a single value at XFD1048576 makes it allocate
17 billion cells and abort the process, and a column number past Excel's grid (the file
stores 32 bits) or rows out of order make the rectangle larger still. An .xlsb is a ZIP
of binary BIFF12 records ([MS-XLSB] 2.1.4: a type and a size, each a 7-bit varint, then
the body), so the sheet part is walked record by record before calamine sees it:

- :func:`xlsb_too_sparse` takes every cell that holds a value (``BrtCellRk`` ...
  ``BrtFmlaError``; ``BrtCellBlank`` is formatting only) with the row of the ``BrtRowHdr``
  before it, and says whether the rectangle they span passes
  :data:`~kpisheet.limits.DENSE_CELLS` and DENSE_FACTOR times the cells held, whether a
  cell lies past Excel's grid, or whether the rows go backwards;
- :func:`read_xlsb_sparse` then writes the same records, with their rows and columns
  renumbered to only those holding something, next to each other, into a copy of the
  package held in memory, lets calamine read that compact sheet (shared strings, number
  formats and dates as for any sheet) and returns a :class:`~.sparse.SparseGrid` with the
  sheet's own row and column numbers, so messages name the sheet's own cells.
"""

from __future__ import annotations

import html
import io
import posixpath
import re
import zipfile
from typing import Iterator, Optional

from .. import limits
from ..errors import WorkbookError
from .sparse import SparseGrid, compact_axes, compact_copy_cells

_ROW_HDR, _BEGIN_DATA, _END_DATA, _DIM, _BUNDLE_SH, _END_SHEET = 0x00, 0x91, 0x92, 0x94, 0x9C, 0x82
_CELL_ISST, _BEGIN_SST = 0x07, 0x9F
_VALUE_CELLS = frozenset(range(0x02, 0x0C))
# the shortest body of each value cell ([MS-XLSB] 2.4: an 8-byte Cell, then the value); calamine
# reads these bytes without checking, so a shorter record is damage, never read
_MIN_SIZE = (0, 0, 12, 9, 9, 16, 12, 12, 12, 16, 9, 9)  # BrtCellRk .. BrtFmlaError: a cell with a value
_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*?)/?>")
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')

#: a cell found in the sheet part: (zero-based row, zero-based column, record type, body)
XlsbCell = tuple[int, int, int, bytes]


class _Damaged(ValueError):
    """The record stream ends inside a record."""


def records(data: bytes) -> Iterator[tuple[int, int, int]]:
    """Each record of a BIFF12 stream as (type, start of its body, end of its body)."""
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        i += 1
        kind = b & 0x7F
        if b & 0x80:
            if i >= n:
                raise _Damaged("a record type is cut")
            kind |= (data[i] & 0x7F) << 7
            i += 1
        size = shift = 0
        for _ in range(4):
            if i >= n:
                raise _Damaged("a record size is cut")
            b = data[i]
            i += 1
            size |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        if i + size > n:
            raise _Damaged("a record is cut")
        yield kind, i, i + size
        i += size


def _wide(data: bytes, at: int, end: int) -> tuple[Optional[str], int]:
    """An XLWideString at ``at``: its text (None when it is the null 0xFFFFFFFF) and where it ends."""
    if at + 4 > end:
        raise _Damaged("a text is cut")
    count = int.from_bytes(data[at:at + 4], "little")
    if count == 0xFFFFFFFF:
        return None, at + 4
    stop = at + 4 + 2 * count
    if stop > end:
        raise _Damaged("a text is cut")
    return data[at + 4:stop].decode("utf-16-le", "replace"), stop


def xlsb_sheet_part(archive: zipfile.ZipFile, sheet: str) -> Optional[str]:
    """The part holding worksheet ``sheet`` of an .xlsb (``BrtBundleSh`` records of
    xl/workbook.bin, through xl/_rels/workbook.bin.rels), or None when it cannot be told."""
    try:
        workbook = archive.read("xl/workbook.bin")
        rels = archive.read("xl/_rels/workbook.bin.rels")
        rid = None
        for kind, start, end in records(workbook):
            if kind != _BUNDLE_SH:
                continue
            relation, at = _wide(workbook, start + 8, end)
            name, _ = _wide(workbook, at, end)
            if name == sheet:
                rid = relation
                break
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None
    if rid is None:
        return None
    for m in _REL.finditer(rels):
        attrs = {k.decode("utf-8", "replace").split(":")[-1]: html.unescape(v.decode("utf-8", "replace"))
                 for k, v in _ATTR.findall(m.group(1))}
        if attrs.get("Id") == rid:
            target = attrs.get("Target", "")
            # calamine reads the part at "xl/" + Target, as Excel writes it
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return None


def _shared_count(archive: zipfile.ZipFile) -> int:
    """How many shared texts calamine holds: the count BrtBeginSst gives (it reads that many or
    fails to open the book); 0 without xl/sharedStrings.bin."""
    try:
        table = archive.read("xl/sharedStrings.bin")
        for kind, start, end in records(table):
            if kind == _BEGIN_SST:
                return int.from_bytes(table[start + 4:start + 8], "little") if end - start >= 8 else 0
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        pass
    return 0


def _cells(part: bytes) -> list[XlsbCell]:
    """The value cells of a worksheet part, in the order written."""
    cells: list[XlsbCell] = []
    row = -1
    inside = False
    for kind, start, end in records(part):
        if not inside:
            inside = kind == _BEGIN_DATA
            continue
        if kind == _END_DATA:
            break
        if kind == _ROW_HDR:
            if end - start < 4:
                raise _Damaged("a row header is cut")
            row = int.from_bytes(part[start:start + 4], "little")
        elif kind in _VALUE_CELLS:
            if end - start < _MIN_SIZE[kind]:
                raise _Damaged("a cell is cut")
            cells.append((row, int.from_bytes(part[start:start + 4], "little"), kind, part[start:end]))
    return cells


def _extent(part: bytes) -> Optional[tuple[int, int, int, int, int, int]]:
    """The value cells of a worksheet part counted, their rows' and columns' span (zero-based
    r1, r2, c1, c2) and the largest shared-text index a cell holds; None when the records are
    cut or shorter than calamine reads, a cell comes before any row, or the rows go backwards
    (calamine's rectangle then is wrong or huge). One tight loop, no object a record: it costs
    1.5 to 2.2 times calamine's own read of the sheet (benchmarks/bench_hostile.py)."""
    n, i = len(part), 0
    row, count, isst = -1, 0, -1
    r1 = r2 = c2 = -1
    c1 = 1 << 40
    number = int.from_bytes
    minimum = _MIN_SIZE
    inside = False
    try:
        while i < n:
            b = part[i]
            if b < 0x80:
                kind, i = b, i + 1
            else:
                kind, i = (b & 0x7F) | ((part[i + 1] & 0x7F) << 7), i + 2
            b = part[i]
            i += 1
            size = b & 0x7F
            if b >= 0x80:
                shift = 7
                while b >= 0x80 and shift < 28:
                    b = part[i]
                    i += 1
                    size |= (b & 0x7F) << shift
                    shift += 7
            if not inside:  # the records before the sheet data: the dimension is read unchecked
                if kind == _DIM and size < 16:
                    return None
                inside = kind == _BEGIN_DATA
            elif 0x02 <= kind <= 0x0B:  # a value cell
                if size < minimum[kind]:
                    return None
                if kind == _CELL_ISST:
                    j = number(part[i + 8:i + 12], "little")
                    if j > isst:
                        isst = j
                col = number(part[i:i + 4], "little")
                if col > c2:
                    c2 = col
                if col < c1:
                    c1 = col
                if not count:
                    r1 = row
                count += 1
                r2 = row
            elif kind == _ROW_HDR:
                new = number(part[i:i + 4], "little")
                if new < row:
                    return None
                row = new
            elif kind == _END_DATA:
                break
            i += size
    except IndexError:
        return None
    if i > n or (count and r1 < 0):
        return None
    return count, r1, r2, c1, c2, isst


def xlsb_too_sparse(data: bytes, sheet: str) -> bool:
    """Whether the .xlsb ``data``'s sheet ``sheet`` must not be read as one dense rectangle
    (then :func:`read_xlsb_sparse` reads it, or says why it cannot)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        part = xlsb_sheet_part(archive, sheet)
        if part is None:
            return False
        body = archive.read(part)
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return False  # calamine will say what is wrong with the file
    found = _extent(body)
    if found is None:
        return True  # the careful reader says what is wrong
    count, r1, r2, c1, c2, isst = found
    if not count:
        return False
    if isst >= _shared_count(archive):
        return True  # calamine would panic on the index: the careful reader names the cell
    if r2 >= limits.MAX_ROWS or c2 >= limits.MAX_COLS:
        return True
    return (r2 - r1 + 1) * (c2 - c1 + 1) > max(limits.DENSE_CELLS, limits.DENSE_FACTOR * count)


def _record(kind: int, body: bytes) -> bytes:
    head = bytes([kind]) if kind < 0x80 else bytes([(kind & 0x7F) | 0x80, kind >> 7])
    size, n = bytearray(), len(body)
    while True:
        size.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            break
    return head + bytes(size) + body



def read_xlsb_sparse(data: bytes, sheet: str, where: str,
                     area: Optional[tuple[int, int, int, int]] = None) -> SparseGrid:
    """The cells of ``sheet`` of the .xlsb ``data`` (only those inside ``area``, one-based r1, c1,
    r2, c2, if given), read through a compact copy of the sheet (see the module doc)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        part = xlsb_sheet_part(archive, sheet)
        if part is None:
            raise WorkbookError("cannot find the sheet's part in the workbook", place=where)
        body = archive.read(part)
        cells = _cells(body)
    except _Damaged as exc:
        raise WorkbookError(f"the sheet's binary records are damaged ({exc}): open it in Excel and save it again",
                            place=where) from None
    kept: list[XlsbCell] = []
    shared = _shared_count(archive)
    for row, col, kind, record in cells:
        if kind == _CELL_ISST and (len(record) < 12 or int.from_bytes(record[8:12], "little") >= shared):
            raise WorkbookError(f"the cell at row {row + 1:,}, column {col + 1:,} refers to a shared text the "
                                f"workbook does not have ({shared:,} texts): the file is damaged; open it in Excel "
                                "and save it again", place=where)
        if row < 0:
            raise WorkbookError("a cell before any row (a damaged file): open it in Excel and save it again",
                                place=where)
        if row >= limits.MAX_ROWS or col >= limits.MAX_COLS:
            shown = f"row {row + 1:,}, column {col + 1:,}"
            raise WorkbookError(f"a cell at {shown}, beyond Excel's grid (XFD1048576): the file is damaged; "
                                "open it in Excel and save it again", place=where)
        if area is not None and not (area[0] <= row + 1 <= area[2] and area[1] <= col + 1 <= area[3]):
            continue
        kept.append((row, col, kind, record))
    row_numbers, col_numbers = compact_axes((c[0] for c in kept), (c[1] for c in kept), len(kept), where)
    if not kept:
        return SparseGrid([], [], [])
    row_at = {r: i for i, r in enumerate(row_numbers)}
    col_at = {c: j for j, c in enumerate(col_numbers)}
    kept.sort(key=lambda c: (c[0], c[1]))
    # the records before the sheet data as they are (calamine reads the dimension and skips the
    # views and column widths there), the dimension made the compact one, then the cells
    out: list[bytes] = []
    for kind, begin, end in records(body):
        if kind == _DIM:
            dims = (0, len(row_numbers) - 1, 0, len(col_numbers) - 1)
            out.append(_record(_DIM, b"".join(n.to_bytes(4, "little") for n in dims)))
        elif kind == _BEGIN_DATA:
            break
        else:
            out.append(_record(kind, body[begin:end]))
    out.append(_record(_BEGIN_DATA, b""))
    current = None
    for row, col, kind, record in kept:
        if row != current:
            out.append(_record(_ROW_HDR, row_at[row].to_bytes(4, "little") + bytes(13)))
            current = row
        out.append(_record(kind, col_at[col].to_bytes(4, "little") + record[4:]))
    out += [_record(_END_DATA, b""), _record(_END_SHEET, b"")]
    full = compact_copy_cells(archive, part, b"".join(out), sheet, len(row_numbers), len(col_numbers))
    return SparseGrid(full, [r + 1 for r in row_numbers], [c + 1 for c in col_numbers])
