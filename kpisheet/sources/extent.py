"""How far a worksheet's cells really reach, before python-calamine reads it (README#hostile-and-broken-input).

python-calamine reads a sheet as a dense rectangle from its first cell to its last: a
single value at XFD1048576 makes it allocate 17 billion cells (512 GiB) and abort the
process. :func:`too_sparse` looks at the sheet's XML first and says whether a sheet
must not be read that way (:mod:`.sparse` then reads it by its cells):

- fast path: the sheet's ``<dimension ref>`` describes a rectangle within
  :data:`~kpisheet.limits.DENSE_CELLS` or DENSE_FACTOR times the cell tags in the part
  (counted with ``bytes.count``), and no cell reference in the part has more
  column letters or row digits than that rectangle's corner (one regular-expression
  search, no match objects): the rectangle cannot be much larger than it says. The part
  is inflated and searched 4 MB at a time, never held whole (:class:`DimensionScan`);
  where the ZIP bomb check inflates the part anyway (:func:`kpisheet.zipguard.check_inflated`),
  the scan reads the pieces it inflates and its verdict is passed to :func:`too_sparse`,
  so that a 244 MB part is inflated once, not twice (issue 12);
- otherwise every cell that holds a value (``<c r="..." ...>`` not self-closing) is
  counted and its corner taken: the rectangle may be read when it is within
  DENSE_CELLS or DENSE_FACTOR times the cells it holds.

Only .xlsx/.xlsm are looked at; other formats are read as before.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from typing import Mapping, Optional

from .. import limits
from ..inflated import read_part
from . import refs
from .bytesearch import Finder

_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?>')
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*?)/?>")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="\$?([A-Za-z]{1,3})\$?(\d{1,7})(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?"')
_CELL = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br\s*=\s*"([A-Za-z]+)(\d+)"[^>]*?(/?)>')


def col_number(text: bytes) -> int:
    """``b"XFD"`` → 16384 (:func:`.refs.col_number` over the bytes of a sheet's XML)."""
    return refs.col_number(text.decode("ascii", "replace"))


def _attrs(text: bytes) -> dict[str, str]:
    return {k.decode("utf-8", "replace").split(":")[-1]: v.decode("utf-8", "replace")
            for k, v in _ATTR.findall(text)}


def sheet_part(archive: zipfile.ZipFile, sheet: str) -> Optional[str]:
    """The part holding worksheet ``sheet`` of an .xlsx, or None when it cannot be told."""
    try:
        workbook = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    rid = next((a.get("id") for a in (_attrs(m.group(0)) for m in _SHEET.finditer(workbook))
                if a.get("name") == sheet), None)
    if rid is None:
        return None
    for m in _REL.finditer(rels):
        a = _attrs(m.group(1))
        if a.get("Id") == rid:
            target = a.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return None


def sheet_scans(archive: zipfile.ZipFile) -> dict[str, "DimensionScan"]:
    """A fresh :class:`DimensionScan` for each worksheet part of an .xlsx ``archive`` (none
    where its sheets cannot be told), to be fed as the package is inflated."""
    try:
        workbook = archive.read("xl/workbook.xml")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, zlib.error):
        return {}
    parts = (sheet_part(archive, _attrs(m.group(0)).get("name", "")) for m in _SHEET.finditer(workbook))
    return {part: DimensionScan() for part in parts if part is not None}


_TABLE = re.compile(rb"<(?:\w+:)?table\b([^>]*)>")
_AREA = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7}):\$?([A-Za-z]{1,3})\$?(\d{1,7})")


def table_place(data: bytes, table: str) -> Optional[tuple[str, tuple[int, int, int, int], bool]]:
    """Where Excel table ``table`` of the .xlsx ``data`` is: its sheet's name, its area (r1, c1,
    r2, c2) and whether it has a header row; None when that cannot be told."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        workbook = archive.read("xl/workbook.xml")
        names = set(archive.namelist())
        for m in _SHEET.finditer(workbook):
            sheet = _attrs(m.group(0)).get("name", "")
            part = sheet_part(archive, sheet)
            if part is None:
                continue
            folder, base = posixpath.split(part)
            rels_part = posixpath.join(folder, "_rels", base + ".rels")
            if rels_part not in names:
                continue
            for rel in _REL.finditer(archive.read(rels_part)):
                a = _attrs(rel.group(1))
                if not a.get("Type", "").endswith("/table"):
                    continue
                target = a.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else \
                    posixpath.normpath(posixpath.join(folder, target))
                if target not in names:
                    continue
                head = _TABLE.search(archive.read(target))
                if head is None:
                    continue
                t = _attrs(head.group(1))
                if table not in (t.get("name"), t.get("displayName")):
                    continue
                area = _AREA.fullmatch(t.get("ref", ""))
                if area is None:
                    return None
                c1, r1 = col_number(area.group(1).encode()), int(area.group(2))
                c2, r2 = col_number(area.group(3).encode()), int(area.group(4))
                return sheet, (r1, c1, r2, c2), t.get("headerRowCount", "1") != "0"
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None
    return None


def sheet_names(data: bytes) -> list[str]:
    """The sheet names of the .xlsx ``data`` (empty when they cannot be read)."""
    try:
        workbook = zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return []
    return [_attrs(m.group(0)).get("name", "") for m in _SHEET.finditer(workbook)]


_CHUNK = 1 << 22  # XML inflated and searched at a time: 4 MB stays in the cache, 244 MB did not
_OVERLAP = 64  # bytes of the previous chunk searched again: longer than any reference the searches find
_LONG_SPACE = 1 << 20  # a run of white space longer than this: the careful path
_HEAD = 8192  # the <dimension> is looked for in the part's first this many bytes


class DimensionScan:
    """The fast path of the module doc, over a sheet part's XML fed a piece at a time (pieces of
    any size, in order; :class:`kpisheet.zipguard.PartReader`, so that the inflate of the ZIP
    bomb check serves it too). :attr:`fits` is None until :meth:`end`, then whether the
    dimension is small and no cell reference goes past it; :attr:`settled` tells that no
    further piece can change the answer (the caller may stop reading).

    Each piece is searched with the end of the one before it (and the whole of a trailing run
    of white space, so that ``r <many spaces> =`` cannot hide across two pieces). One search
    a piece, by RE2 where pyarrow is installed (:mod:`.bytesearch`): any attribute ending in
    r (a cell's r after a space, tab or line break) followed by spaces and =, by = and a space,
    or by ="... with a value past the corner. The literal prefix keeps the search fast; another
    attribute matching is only slower (the careful path)."""

    def __init__(self) -> None:
        self.fits: Optional[bool] = None
        self.settled = False
        self._head = b""
        self._area = 0
        self._finder: Optional[Finder] = None
        self._cells = 0  # cell tags seen, while more of them could still matter
        self._count = True
        self._tail = self._last = b""

    def feed(self, piece: bytes) -> None:
        """The next piece of the part's XML."""
        if self.settled:
            return
        if self._finder is None:  # the dimension is read once the head is in
            self._head += piece
            if len(self._head) < _HEAD:
                return
            piece, self._head = self._head, b""
            if not self._start(piece):
                return
        self._scan(piece)

    def end(self) -> None:
        """The part has been fed in full: settle :attr:`fits`."""
        if self._finder is None and not self.settled:  # a part shorter than the head
            head, self._head = self._head, b""
            if self._start(head):
                self._scan(head)
        if not self.settled:
            self.fits = self._area <= max(limits.DENSE_CELLS, limits.DENSE_FACTOR * self._cells)
            self.settled = True

    def _scan(self, piece: bytes) -> None:
        window = self._tail + piece
        assert self._finder is not None
        if self._finder.search(window):
            self._refuse()  # a far cell, or r = "..." with spaces: take the careful path
            return
        if self._count:
            # the cell tags (counted in C; a prefixed <x:c tag is not counted, which only makes the
            # test stricter): a rectangle a few times that size costs a few times the XML. Once
            # there are enough for any rectangle the dimension allows, counting stops (issue 12);
            # a tag across two pieces is counted once.
            self._cells += piece.count(b"<c ") + (self._last + piece[:2]).count(b"<c ")
            self._last = (self._last + piece[-2:])[-2:]
            self._count = limits.DENSE_FACTOR * self._cells < self._area
        space = len(window) - len(window.rstrip(b" \t\r\n"))
        if space > _LONG_SPACE:
            self._refuse()
            return
        self._tail = window[-(space + _OVERLAP):]

    def _start(self, head: bytes) -> bool:
        """Read the dimension at the part's head; False (settled, not fitting) without one."""
        m = _DIMENSION.search(head, 0, _HEAD)
        if m is None:
            self._refuse()
            return False
        c1, r1 = col_number(m.group(1)), int(m.group(2))
        c2, r2 = (col_number(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
        self._area = (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1)
        self._count = limits.DENSE_CELLS < self._area  # a small rectangle needs no count
        wide = len(refs.col_letter(max(c1, c2)))
        digits = len(str(max(r1, r2)))
        self._finder = Finder(rb'r(?:="(?:[A-Za-z]{%d,}\d|[A-Za-z]{1,3}\d{%d,})|[ \t\r\n]+=|=[ \t\r\n])'
                              % (wide + 1, digits + 1))
        return True

    def _refuse(self) -> None:
        self.fits, self.settled = False, True


def _fits_dimension(archive: zipfile.ZipFile, part: str) -> bool:
    """:class:`DimensionScan` of ``part``, inflated :data:`_CHUNK` bytes at a time, never held whole."""
    scan = DimensionScan()
    with archive.open(part) as stream:
        while not scan.settled:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            scan.feed(chunk)
    scan.end()
    return bool(scan.fits)


def too_sparse(data: bytes, sheet: str, scanned: Mapping[str, bool] = {}) -> bool:
    """Whether the .xlsx ``data``'s sheet ``sheet`` must not be read as a dense rectangle
    (then :mod:`.sparse` reads it by its cells). ``scanned``: parts of ``data`` whose
    :class:`DimensionScan` has run, and its verdict (the fast path is not taken again)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        part = sheet_part(archive, sheet)
        if part is None:
            return False
        fits = scanned.get(part)
        if fits is None:
            fits = _fits_dimension(archive, part)
        if fits:
            return False
        xml = read_part(archive, data, part)  # recalc may have inflated it already
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, zlib.error):
        return False  # calamine will say what is wrong with the file
    count = 0
    r1 = c1 = 1 << 30
    r2 = c2 = 0
    for m in _CELL.finditer(xml):
        if m.group(3):
            continue  # <c r="XFD1048576" s="1"/>: formatting only, no value
        count += 1
        if len(m.group(1)) > 3 or len(m.group(2)) > 7:
            return True  # past Excel's grid: the careful reader refuses it with its place
        row, col = int(m.group(2)), col_number(m.group(1))
        if row > limits.MAX_ROWS or col > limits.MAX_COLS or row < 1:
            return True
        r1, r2, c1, c2 = min(r1, row), max(r2, row), min(c1, col), max(c2, col)
    if not count:
        return False
    area = (r2 - r1 + 1) * (c2 - c1 + 1)
    return area > max(limits.DENSE_CELLS, limits.DENSE_FACTOR * count)
