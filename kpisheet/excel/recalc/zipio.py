"""Reading an .xlsx package and writing it back with only some parts replaced.

Parts that are not replaced are copied as raw bytes (local header, compressed data
and data descriptor exactly as they were), so they stay byte-for-byte identical even
in compressed form; the central directory is copied too, with only offsets (and, for
replaced parts, sizes and CRC) updated. Entry order, compression method, timestamps,
extra fields and the archive comment are kept. Anything unusual (ZIP64, multi-disk,
encrypted entries) falls back to :mod:`zipfile`, which keeps order, names, methods and
timestamps and every part's content, but re-compresses.

The file is read once, when the package is opened: parts are read and copied from those
bytes, never from the path again, and writing back over the same file is refused when
it changed on disk since (:func:`kpisheet.atomic.write_atomic`, which also makes the
write atomic). A package that would inflate past README#hostile-and-broken-input's limits is refused before any
part is inflated (:mod:`kpisheet.zipguard`).
"""

from __future__ import annotations

import io
import os
import stat
import struct
import threading
import zipfile
import zlib
from collections import Counter
from pathlib import Path
from typing import BinaryIO, Mapping, Optional

from ... import limits
from ...atomic import read_with_state, real_target, write_atomic
from ...errors import KpisheetError, WorkbookError
from ...zipguard import check_package, inflate_checked

_LOCAL = struct.Struct("<IHHHHHIIIHH")  # sig, version, flags, method, time, date, crc, csize, usize, nlen, xlen
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_EOCD = struct.Struct("<IHHHHIIH")
_LOCAL_SIG, _CENTRAL_SIG, _EOCD_SIG, _DD_SIG = 0x04034B50, 0x02014B50, 0x06054B50, 0x08074B50


class Package:
    """The parts of an OOXML zip, read lazily by name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            st = os.stat(path)
            if not stat.S_ISREG(st.st_mode):  # /dev/zero would fill memory, a FIFO would hang: never opened
                raise WorkbookError("not a regular file (a device, a pipe or a socket)", place=path.name)
            if st.st_size > limits.MAX_BOOK_BYTES:
                raise WorkbookError("the file is larger than the 4 GiB a workbook may have", place=path.name)
            self.data, self.state = read_with_state(path)
        except OSError as exc:
            raise WorkbookError(f"cannot be read ({exc.strerror or exc})", place=path.name) from None
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(self.data))
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise WorkbookError(f"not an .xlsx/.xlsm file (or it is damaged or password-protected): {exc}",
                                place=path.name) from None
        check_package(self.zip, path.name)
        self.names = [i.filename for i in self.zip.infolist()]
        self._set = set(self.names)
        self.checked: set[str] = set()  # parts read through zipguard's own inflate (see read)
        self._once = {n for n, k in Counter(self.names).items() if k == 1}  # a name held twice is zipfile's
        for info in self.zip.infolist():
            if info.flag_bits & 0x1:
                raise WorkbookError("the workbook is encrypted", place=path.name)

    def __contains__(self, name: str) -> bool:
        return name in self._set

    def read(self, name: str) -> bytes:
        """Part ``name``, inflated (:meth:`read_pieces`, joined)."""
        pieces = self.read_pieces(name)
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def read_pieces(self, name: str) -> list[bytes]:
        """Part ``name``, inflated, in the pieces it was inflated in. A large part is inflated
        as :mod:`kpisheet.zipguard`'s size check inflates it (:func:`~kpisheet.zipguard.inflate_checked`)
        and named in ``checked``: the engine's check of the same file takes those pieces
        (:mod:`kpisheet.inflated`) rather than inflating it again; any part that check would not
        vouch for is read whole by :mod:`zipfile`, as one piece."""
        if name in self._once:
            try:
                pieces = inflate_checked(self.zip, self.zip.getinfo(name), self.path.name)
            except WorkbookError:
                pieces = None  # zipfile's read below says what is wrong, as it always has
            if pieces is not None:
                self.checked.add(name)
                return pieces
        return [self._read_whole(name)]

    def _read_whole(self, name: str) -> bytes:
        try:
            return self.zip.read(name)
        except (zipfile.BadZipFile, zlib.error, KeyError, OSError, EOFError, ValueError,
                NotImplementedError) as exc:
            raise WorkbookError(f"cannot read part {name}: {exc}", place=self.path.name) from None

    def close(self) -> None:
        self.zip.close()

    def write(self, out: Path, replaced: Mapping[str, bytes], added: Optional[Mapping[str, bytes]] = None) -> None:
        """Write the package to ``out`` (atomically) with some parts replaced or added.

        Over the file it was read from (a symbolic link to it included), the write is refused
        when that file changed on disk since it was read."""
        added = dict(added or {})
        out = Path(out)
        fh = io.BytesIO()
        try:
            try:
                _write_raw(self.data, fh, replaced, added)
            except _Unusual:
                fh = io.BytesIO()
                _write_zipfile(self.zip, fh, replaced, added)
        except OSError as exc:
            raise WorkbookError(f"cannot write the workbook: {exc.strerror or exc}", place=str(out)) from None
        same = real_target(out) == real_target(self.path)
        try:
            write_atomic(out, fh.getvalue(), was=self.state if same else None)
        except KpisheetError as exc:  # read-only, changed meanwhile, a full disk, a read-only folder
            raise WorkbookError(exc.problems) from None


class _Unusual(Exception):
    pass


_LEVEL = 6  # zlib's default, as most writers of .xlsx use
_HALVES_FROM = 1 << 20  # bytes: a part this large is deflated in two halves side by side
_WINDOW = 1 << 15  # deflate's window: what the second half may refer back to


def _deflate(data: bytes) -> bytes:
    """``data`` as raw deflate. A large part (a patched sheet) in two halves at once, as pigz
    does: zlib lets go of the interpreter's lock while it compresses, so the halves take both
    cores (issue 12: 0.05 s became 0.03 s on 10,000 KPI rows). The first half ends on a byte
    boundary (a sync flush, not a final block), the second starts with the first's last 32 KiB
    as its dictionary: one stream any inflater reads, as small as a whole one within bytes."""
    if len(data) < _HALVES_FROM:
        c = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush()
    cut = len(data) // 2
    view = memoryview(data)  # the halves are read in place, not copied
    first: list[bytes] = []

    def deflate_first() -> None:
        try:
            c = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
            first.append(c.compress(view[:cut]) + c.flush(zlib.Z_SYNC_FLUSH))
        except Exception:  # noqa: BLE001 - out of memory: the whole part is deflated below, which says what is wrong
            pass

    helper = threading.Thread(target=deflate_first, name="kpisheet-deflate")
    helper.start()
    c = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15, zdict=view[cut - _WINDOW:cut])
    second = c.compress(view[cut:]) + c.flush()
    helper.join()
    if not first:  # the helper failed (out of memory): the whole part here
        c = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush()
    return first[0] + second


def _write_raw(data: bytes, fh: BinaryIO, replaced: Mapping[str, bytes],
               added: Mapping[str, bytes]) -> None:
    end = data.rfind(struct.pack("<I", _EOCD_SIG))
    if end < 0 or len(data) - end < _EOCD.size:
        raise _Unusual
    sig, disk, cd_disk, n_this, n_total, cd_size, cd_offset, comment_len = _EOCD.unpack_from(data, end)
    if disk or cd_disk or n_this != n_total or 0xFFFF in (n_this, n_total) or 0xFFFFFFFF in (cd_size, cd_offset):
        raise _Unusual
    comment = data[end + _EOCD.size:end + _EOCD.size + comment_len]
    out = bytearray()
    central = bytearray()
    pos = cd_offset
    seen: set[str] = set()
    for _ in range(n_total):
        if pos + _CENTRAL.size > len(data):
            raise _Unusual
        fields = list(_CENTRAL.unpack_from(data, pos))
        if fields[0] != _CENTRAL_SIG:
            raise _Unusual
        (_, _made, _ver, flags, method, _t, _d, crc, csize, usize, nlen, xlen, clen, _disk, _ia, _ea, offset) = fields
        raw_name = data[pos + _CENTRAL.size:pos + _CENTRAL.size + nlen]
        rest = data[pos + _CENTRAL.size + nlen:pos + _CENTRAL.size + nlen + xlen + clen]
        pos += _CENTRAL.size + nlen + xlen + clen
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
        seen.add(name)
        if 0xFFFFFFFF in (csize, usize, offset) or flags & 0x1:
            raise _Unusual
        lf = list(_LOCAL.unpack_from(data, offset))
        if lf[0] != _LOCAL_SIG:
            raise _Unusual
        start = offset + _LOCAL.size + lf[9] + lf[10]
        new_offset = len(out)
        if name in replaced:
            if method not in (0, 8):
                raise _Unusual
            body = replaced[name]
            comp = _deflate(body) if method == 8 else body
            crc, csize, usize = zlib.crc32(body) & 0xFFFFFFFF, len(comp), len(body)
            flags &= ~0x8
            lf[2], lf[6], lf[7], lf[8] = flags, crc, csize, usize
            out += _LOCAL.pack(*lf) + data[offset + _LOCAL.size:start] + comp
        else:
            stop = start + csize
            if flags & 0x8:  # a data descriptor follows the data
                stop += 16 if data[stop:stop + 4] == struct.pack("<I", _DD_SIG) else 12
            out += data[offset:stop]
        fields[3], fields[7], fields[8], fields[9], fields[16] = flags, crc, csize, usize, new_offset
        central += _CENTRAL.pack(*fields) + raw_name + rest
    for name, body in added.items():
        if name in seen:
            raise _Unusual
        comp = _deflate(body)
        crc = zlib.crc32(body) & 0xFFFFFFFF
        raw_name = name.encode("utf-8")
        new_offset = len(out)
        out += _LOCAL.pack(_LOCAL_SIG, 20, 0, 8, 0, 0x21, crc, len(comp), len(body), len(raw_name), 0) + raw_name + comp
        central += _CENTRAL.pack(_CENTRAL_SIG, 20, 20, 0, 8, 0, 0x21, crc, len(comp), len(body), len(raw_name),
                                 0, 0, 0, 0, 0, new_offset) + raw_name
    n = n_total + len(added)
    if n > 0xFFFF or len(out) + len(central) > 0xFFFFFFFF:
        raise _Unusual
    cd_at = len(out)
    out += central
    out += _EOCD.pack(_EOCD_SIG, 0, 0, n, n, len(central), cd_at, len(comment)) + comment
    fh.write(bytes(out))


def _write_zipfile(src: zipfile.ZipFile, fh: BinaryIO, replaced: Mapping[str, bytes],
                   added: Mapping[str, bytes]) -> None:
    with zipfile.ZipFile(fh, "w") as dst:
        for info in src.infolist():
            body = replaced.get(info.filename)
            dst.writestr(info, src.read(info.filename) if body is None else body)
        for name, body in added.items():
            dst.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), body, compress_type=zipfile.ZIP_DEFLATED)
