"""SPEC §9, size: a ZIP part whose headers declare a few kilobytes but whose deflate stream
inflates to far more. The size checks read the headers; python-calamine's reader stops at the
end of the compressed data and buffers what it inflates (300 MB of text declared as 5 KB took
626 MB before it said so; a gigabyte would pass the 2 GB limit). Such a part is refused."""

from __future__ import annotations

import random
import struct
import zipfile
from pathlib import Path

import pytest

from kpisheet import zipguard
from kpisheet.errors import WorkbookError
from kpisheet.zipguard import check_inflated
from tests.hostile.harness import SALES, assert_clean, run_bounded, sheet_xml, snapshot, write_config, write_xlsx

_PART = "xl/worksheets/sheet1.xml"


def _lying_book(path: Path, declared: int) -> Path:
    """A book whose sheet holds 2 MB of digits (about 1 MB deflated, past the 256 KiB trusted
    unchecked) in one cell, its part's headers declaring ``declared`` bytes."""
    digits = "".join(random.Random(14).choices("0123456789", k=2 << 20))
    xml = sheet_xml({**SALES, "A9": digits})
    write_xlsx(path, {"Data": xml})
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        offset = z.getinfo(_PART).header_offset
    struct.pack_into("<I", data, offset + 22, declared)  # the local header's uncompressed size
    at = data.index(b"PK\x01\x02")  # the central directory: the part's entry, its name after 46 bytes
    while data[at + 46:at + 46 + len(_PART)] != _PART.encode():
        at = data.index(b"PK\x01\x02", at + 4)
    struct.pack_into("<I", data, at + 24, declared)
    path.write_bytes(bytes(data))
    return path


def test_a_part_inflating_past_what_it_declares_is_refused(tmp_path: Path) -> None:
    book = _lying_book(tmp_path / "book.xlsx", declared=5000)
    with zipfile.ZipFile(book) as z:
        assert z.getinfo(_PART).file_size == 5000 and z.getinfo(_PART).compress_size > 256 << 10
    write_config(tmp_path)
    before = snapshot(tmp_path)
    for command in ("evaluate", "accounts"):
        run = run_bounded(command, str(book), "--period", "2026-02")
        assert_clean(run, codes=(2,))
        assert (f"error: {book}: part {_PART} inflates to more than the 4.9 KiB its header declares: "
                "refused as a possible zip bomb") in run.err
    assert snapshot(tmp_path) == before


def test_a_part_declaring_its_true_size_passes(tmp_path: Path) -> None:
    """The same part with its true size: inflated once by the check, which finds nothing."""
    honest = tmp_path / "honest.xlsx"
    digits = "".join(random.Random(14).choices("0123456789", k=2 << 20))
    write_xlsx(honest, {"Data": sheet_xml({**SALES, "A9": digits})})
    with zipfile.ZipFile(honest) as z:
        assert z.getinfo(_PART).compress_size > 256 << 10
        check_inflated(z, "honest.xlsx")


class _Pieces:
    """A :class:`kpisheet.zipguard.PartReader` keeping what it is given."""

    def __init__(self) -> None:
        self.pieces: list[bytes] = []
        self.ended = False

    def feed(self, piece: bytes) -> None:
        assert not self.ended
        self.pieces.append(piece)

    def end(self) -> None:
        self.ended = True


def _honest_book(path: Path) -> Path:
    digits = "".join(random.Random(14).choices("0123456789", k=2 << 20))
    return write_xlsx(path, {"Data": sheet_xml({**SALES, "A9": digits})})


def test_a_reader_is_fed_the_checked_pieces_of_its_part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 12: the check's one inflate serves a reader of the part too (the extent scan)."""
    monkeypatch.setattr(zipguard, "PIECE", 1000)
    reader, other = _Pieces(), _Pieces()
    with zipfile.ZipFile(_honest_book(tmp_path / "honest.xlsx")) as z:
        check_inflated(z, "honest.xlsx", {_PART: reader, "xl/workbook.xml": other})
        assert reader.ended and b"".join(reader.pieces) == z.read(_PART)
    assert max(map(len, reader.pieces)) <= 1000 and min(map(len, reader.pieces)) > 0
    assert other.pieces == [] and not other.ended  # a small part is not inflated by the check


def test_a_reader_of_a_lying_part_is_never_told_it_ended(tmp_path: Path) -> None:
    reader = _Pieces()
    with zipfile.ZipFile(_lying_book(tmp_path / "book.xlsx", declared=5000)) as z:
        with pytest.raises(WorkbookError, match="inflates to more than"):
            check_inflated(z, "book.xlsx", {_PART: reader})
    assert not reader.ended and sum(map(len, reader.pieces)) <= 5000


def test_a_reader_of_a_cut_part_is_never_told_it_ended(tmp_path: Path) -> None:
    """A part whose deflate stream stops short (its compressed size cut in the central directory)
    inflates in part: its reader gets what there is, and no end."""
    book = _honest_book(tmp_path / "cut.xlsx")
    data = bytearray(book.read_bytes())
    with zipfile.ZipFile(book) as z:
        size = z.getinfo(_PART).compress_size
    at = data.index(b"PK\x01\x02")
    while data[at + 46:at + 46 + len(_PART)] != _PART.encode():
        at = data.index(b"PK\x01\x02", at + 4)
    struct.pack_into("<I", data, at + 20, size // 2)
    book.write_bytes(bytes(data))
    reader = _Pieces()
    with zipfile.ZipFile(book) as z:
        assert z.getinfo(_PART).compress_size == size // 2
        check_inflated(z, "cut.xlsx", {_PART: reader})
    assert reader.pieces and not reader.ended


def test_a_part_named_twice_feeds_no_reader(tmp_path: Path) -> None:
    """Two parts of one name: a reader fed one of them could vouch for the other, which calamine
    may read instead (a dense copy first, a far cell in the second): neither feeds a reader, and
    the sheet's extent is judged as before, on the part zipfile reads."""
    import warnings

    from kpisheet.sources import FileReader, SourceRef
    from kpisheet.sources.extent import too_sparse

    book = _honest_book(tmp_path / "twice.xlsx")
    far = sheet_xml({**SALES, "XFD1048576": 1})
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        with zipfile.ZipFile(book, "a", zipfile.ZIP_DEFLATED) as z:
            z.writestr(_PART, far)
    assert any("Duplicate name" in str(w.message) for w in said)
    reader = _Pieces()
    with zipfile.ZipFile(book) as z:
        assert [i.filename for i in z.infolist()].count(_PART) == 2
        check_inflated(z, "twice.xlsx", {_PART: reader})
    assert reader.pieces == [] and not reader.ended
    files = FileReader()
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        files.read(SourceRef("s", book, sheet="Data"))
    assert [str(w.message) for w in said] == []  # the compact copy holds the part once: no "Duplicate name"
    assert [b.scanned for b in files._books.values()] == [{}]
    assert too_sparse(book.read_bytes(), "Data")  # zipfile's copy (the last) has the far cell
