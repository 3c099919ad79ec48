"""recalc changes cached values and nothing else: every other part byte-for-byte (compressed
bytes included), and in sheet parts everything but ``<v>`` and the cell's ``t``."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from kpisheet.errors import WorkbookError
from kpisheet.excel.recalc import recalc
from kpisheet.excel.recalc.book import load
from tests.excel.recalc.books import FAKE_VBA, rich_book

_V = re.compile(r"<v>[^<]*</v>|<v\s*/>")
_T = re.compile(r'(<c\b[^>]*?) t="\w+"')


def _strip_values(xml: str) -> str:
    return _T.sub(r"\1", _V.sub("", xml))


def _raw(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    fp = z.fp
    assert fp is not None
    fp.seek(info.header_offset)
    head = fp.read(30)
    start = info.header_offset + 30 + int.from_bytes(head[26:28], "little") + int.from_bytes(head[28:30], "little")
    fp.seek(start)
    return fp.read(info.compress_size)


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm"])
def test_only_cached_values_change(tmp_path: Path, suffix: str) -> None:
    original = rich_book(tmp_path / f"rich{suffix}")
    work = tmp_path / f"work{suffix}"
    shutil.copy(original, work)
    report = recalc(work)
    assert report.written and not report.unsupported and not report.warnings
    a, b = zipfile.ZipFile(original), zipfile.ZipFile(work)
    ia, ib = a.infolist(), b.infolist()
    assert [i.filename for i in ia] == [i.filename for i in ib]
    assert [(i.compress_type, i.date_time, i.external_attr) for i in ia] == \
           [(i.compress_type, i.date_time, i.external_attr) for i in ib]
    kinds = {i.filename for i in ia}
    assert {"xl/vbaProject.bin"} <= kinds if suffix == ".xlsm" else True
    assert any(n.startswith("xl/charts/") for n in kinds) and any(n.startswith("xl/media/") for n in kinds)
    assert any(n.startswith("xl/tables/") for n in kinds) and any("comments" in n for n in kinds)
    changed_parts = []
    for x, y in zip(ia, ib):
        if x.filename.startswith("xl/worksheets/sheet"):
            before, after = a.read(x).decode(), b.read(y).decode()
            assert _strip_values(before) == _strip_values(after), x.filename
            if before != after:
                changed_parts.append(x.filename)
        else:
            assert _raw(a, x) == _raw(b, y), x.filename  # not even re-compressed
    assert changed_parts == ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"]
    if suffix == ".xlsm":
        assert b.read("xl/vbaProject.bin") == FAKE_VBA
    xml = b.read("xl/worksheets/sheet1.xml").decode()
    assert "<conditionalFormatting" in xml and "<dataValidations" in xml and "<drawing " in xml
    assert '<c r="D15" t="e"><f>1/0</f><v>#DIV/0!</v></c>' in xml  # already right: left as it was
    assert '<c r="D14" t="str"><f>IF(SUM(D2:D13)&gt;5000,"good","bad")</f><v>good</v></c>' in xml


def test_values_written(tmp_path: Path) -> None:
    work = rich_book(tmp_path / "rich.xlsx")
    recalc(work)
    loaded = load(work)
    data = loaded.book.sheets[0].values
    table = loaded.book.sheets[1].values
    loaded.pkg.close()
    assert data[(2, 4)] == 400.0 and data[(14, 2)] == sum(1000 + 37 * i for i in range(12))
    assert [data[(r, 6)] for r in (2, 3, 4)] == [2000.0, 2074.0, 2148.0]  # the legacy array formula
    assert data[(16, 4)] == pytest.approx(sum(1000 + 37 * i for i in range(12)) / 12)  # a defined name
    assert [table[(r, 3)] for r in (2, 3, 4)] == [10.0, 20.0, 30.0] and table[(1, 5)] == 60.0  # structured refs


def test_atomic_failure_leaves_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = rich_book(tmp_path / "rich.xlsx")
    before = work.read_bytes()
    import kpisheet.excel.recalc.zipio as zipio

    def boom(*args: object) -> None:
        raise OSError("disk full")
    monkeypatch.setattr(zipio, "_write_raw", boom)
    with pytest.raises(WorkbookError, match="disk full"):
        recalc(work)
    assert work.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_large_part_is_deflated_in_two_halves_into_one_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 12: a patched sheet of a megabyte or more is deflated in two halves side by side;
    the halves join into one raw deflate stream of the same bytes, about as small as one made
    whole; and where the helper cannot deflate its half, the part is deflated whole."""
    import zlib

    import kpisheet.excel.recalc.zipio as zipio

    rows = "".join(f'<row r="{r}"><c r="D{r}"><f>KPI(A{r},B{r},C{r})</f><v>{r * 1.5}</v></c></row>'
                   for r in range(1, 40_000))
    part = f"<worksheet><sheetData>{rows}</sheetData></worksheet>".encode()
    assert len(part) >= zipio._HALVES_FROM
    whole = zlib.compressobj(zipio._LEVEL, zlib.DEFLATED, -15)
    one = whole.compress(part) + whole.flush()
    halves = zipio._deflate(part)
    assert zlib.decompress(halves, -15) == part
    assert halves != one and len(halves) <= len(one) + 64
    source = io.BytesIO()
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"<worksheet/>")
    written = io.BytesIO()
    zipio._write_raw(source.getvalue(), written, {"xl/worksheets/sheet1.xml": part}, {})
    with zipfile.ZipFile(written) as z:  # zipfile's own inflater and CRC check read the part back
        assert z.read("xl/worksheets/sheet1.xml") == part

    real = zlib.compressobj

    def no_memory(*args: object, **kwargs: object) -> object:
        import threading
        if threading.current_thread().name == "kpisheet-deflate":
            raise MemoryError
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(zipio.zlib, "compressobj", no_memory)
    assert zipio._deflate(part) == one
