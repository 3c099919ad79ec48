"""SPEC §9, size: a ZIP part whose headers declare a few kilobytes but whose deflate stream
inflates to far more. The size checks read the headers; python-calamine's reader stops at the
end of the compressed data and buffers what it inflates (300 MB of text declared as 5 KB took
626 MB before it said so; a gigabyte would pass the 2 GB limit). Such a part is refused."""

from __future__ import annotations

import random
import struct
import zipfile
from pathlib import Path

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
