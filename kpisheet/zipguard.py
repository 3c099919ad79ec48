"""Refusing a ZIP package that would inflate past the limits, before inflating it (README#hostile-and-broken-input).

Workbooks (.xlsx .xlsm .xlsb .ods) are ZIP archives, and a few megabytes of ZIP can
inflate to many gigabytes (a "zip bomb"). :func:`check_package` reads only the central
directory, the sizes each part declares, and refuses the package when a part inflates
beyond :data:`~kpisheet.limits.MAX_PART_BYTES`, the parts together beyond
:data:`~kpisheet.limits.MAX_BOOK_BYTES`, or a large part compresses suspiciously well
(:func:`~kpisheet.limits.ratio_too_high`). :mod:`zipfile` never returns more bytes than
a part declares, so the declared sizes bound what reading a part can cost.
"""

from __future__ import annotations

import struct
import zipfile
from collections import Counter
import zlib
from typing import IO, Iterator, Mapping, Optional, Protocol

from . import limits
from .errors import WorkbookError
from .inflated import checked_part


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def check_package(archive: zipfile.ZipFile, place: str) -> None:
    """Raise :class:`WorkbookError` at ``place`` if ``archive`` is past a size limit."""
    total = 0
    for info in archive.infolist():
        inflated = info.file_size
        total += inflated
        if inflated > limits.MAX_PART_BYTES:
            raise WorkbookError(f"part {info.filename} would inflate to {_size(inflated)}, beyond the limit of "
                                f"{_size(limits.MAX_PART_BYTES)} a part: refused as a possible zip bomb", place=place)
        if limits.ratio_too_high(info.compress_size, inflated):
            raise WorkbookError(f"part {info.filename} is compressed {inflated // max(info.compress_size, 1)}:1 "
                                f"({_size(info.compress_size)} to {_size(inflated)}), beyond the limit of "
                                f"{limits.MAX_RATIO}:1: refused as a possible zip bomb", place=place)
    if total > limits.MAX_BOOK_BYTES:
        raise WorkbookError(f"the workbook would inflate to {_size(total)}, beyond the limit of "
                            f"{_size(limits.MAX_BOOK_BYTES)}: refused as a possible zip bomb", place=place)


class PartReader(Protocol):
    """Reads a part from the pieces :func:`check_inflated` inflates anyway (issue 12: one inflate of
    a 244 MB sheet serves both the size check and :mod:`kpisheet.sources.extent`'s scan)."""

    def feed(self, piece: bytes) -> None:
        """The next piece of the part's inflated bytes, in order (each within its declared size)."""

    def end(self) -> None:
        """The part was inflated in full and every piece fed; not called when it was not (a part
        past its declared size is refused, a truncated one stops early, a small one is skipped)."""


#: Inflated bytes handed out at a time: 4 MiB stays in the cache and bounds what is held.
PIECE = 4 << 20


def check_inflated(archive: zipfile.ZipFile, place: str, readers: Mapping[str, PartReader] = {}) -> None:
    """Raise :class:`WorkbookError` at ``place`` if a part of ``archive`` inflates to more than its
    headers declare (see :data:`~kpisheet.limits.TRUST_COMPRESSED_BYTES`): each part past that
    many compressed bytes is inflated :data:`PIECE` bytes at a time, counted and discarded, and
    the count stops one byte past the declared size. Run before python-calamine opens the package.

    A part named in ``readers`` that is inflated here has each piece handed to its reader as
    well, checked first, then :meth:`PartReader.end` once the part is inflated in full; not
    where the package holds two parts of that name (which one another reader takes is not
    ours to say)."""
    fp = archive.fp
    if fp is None:
        return
    named = Counter(info.filename for info in archive.infolist())
    for info in archive.infolist():
        if info.compress_size <= limits.TRUST_COMPRESSED_BYTES or info.compress_type == zipfile.ZIP_STORED:
            continue
        if info.compress_type != zipfile.ZIP_DEFLATED:
            raise WorkbookError(f"part {info.filename} is compressed with method {info.compress_type}, which "
                                "spreadsheet programs do not write: refused", place=place)
        reader = readers.get(info.filename) if named[info.filename] == 1 else None
        # checked already, in this run, by inflate_checked (kpisheet recalc's read of the same file):
        # its pieces are fed as they are, not inflated again (issue 12: the 48 MB sheet was inflated twice)
        done = checked_part(archive, info.filename) if named[info.filename] == 1 else None
        if done is not None:
            if reader is not None:
                for checked in done:
                    reader.feed(checked)
                reader.end()
            continue
        whole = True
        for piece in _inflated(fp, info, place):
            if reader is None:
                continue
            if piece is None:
                whole = False
            else:
                reader.feed(piece)
        if reader is not None and whole:
            reader.end()


def inflate_checked(archive: zipfile.ZipFile, info: zipfile.ZipInfo, place: str) -> Optional[list[bytes]]:
    """Part ``info`` of ``archive`` inflated in full as :func:`check_inflated` inflates it (the
    same pieces, the same :class:`WorkbookError` past its declared size or for a stream that does
    not inflate), kept as those pieces: never joined into one copy of a 48 MB sheet. None for a
    part the check does not inflate (small, stored, another method), a stream that ends before
    the part is whole, or bytes whose CRC is not the declared one (the caller reads such a part
    its own way, and says what is wrong with it)."""
    if archive.fp is None or info.compress_type != zipfile.ZIP_DEFLATED \
            or info.compress_size <= limits.TRUST_COMPRESSED_BYTES:
        return None
    pieces: list[bytes] = []
    size = crc = 0
    for piece in _inflated(archive.fp, info, place):
        if piece is None:
            return None
        pieces.append(piece)
        size += len(piece)
        crc = zlib.crc32(piece, crc)
    if size != info.file_size or crc != info.CRC:
        return None
    return pieces


def _data_start(fp: IO[bytes], info: zipfile.ZipInfo, place: str) -> int:
    """Where part ``info``'s compressed bytes start, after its local header."""
    fp.seek(info.header_offset)
    head = fp.read(30)
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise WorkbookError(f"the workbook is damaged (part {info.filename} has no local header); open it in "
                            "Excel and save it again", place=place)
    name_length, extra_length = struct.unpack("<HH", head[26:30])
    return int(info.header_offset + 30 + name_length + extra_length)


def _past_declared(info: zipfile.ZipInfo, place: str) -> WorkbookError:
    return WorkbookError(f"part {info.filename} inflates to more than the {_size(info.file_size)} "
                         "its header declares: refused as a possible zip bomb", place=place)


def _not_inflating(info: zipfile.ZipInfo, place: str) -> WorkbookError:
    return WorkbookError(f"the workbook is damaged (part {info.filename} does not inflate); open it in "
                         "Excel and save it again", place=place)


def _inflated(fp: IO[bytes], info: zipfile.ZipInfo, place: str) -> Iterator[Optional[bytes]]:
    """The pieces part ``info`` inflates to, each checked against its declared size; a last None
    when the deflate stream ends before it is whole (the reader that needs it tells the damage)."""
    fp.seek(_data_start(fp, info, place))
    inflate = zlib.decompressobj(-15)
    left, inflated = info.compress_size, 0
    try:
        while left > 0 and not inflate.eof:
            pending = fp.read(min(left, 1 << 20))
            if not pending:
                break
            left -= len(pending)
            while pending and not inflate.eof:
                piece = inflate.decompress(pending, PIECE)
                inflated += len(piece)
                if inflated > info.file_size:
                    raise _past_declared(info, place)
                if piece:
                    yield piece
                pending = inflate.unconsumed_tail
    except zlib.error:
        raise _not_inflating(info, place) from None
    if not inflate.eof:
        yield None
