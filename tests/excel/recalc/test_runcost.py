"""How ``recalc`` spends its time, where that is observable: what it pauses and shares during a
run is restored afterwards, and what it remembers gives the answers it would compute."""

from __future__ import annotations

import datetime as dt
import gc
import io
import itertools
import random
import re
import struct
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Optional, cast

import pytest

from kpisheet import zipguard
from kpisheet.errors import WorkbookError
import kpisheet.excel.recalc.run as recalc_module
from kpisheet.excel.recalc import recalc
from kpisheet.excel.recalc.book import _may_hold_formulas, _may_hold_formulas_in, load
from kpisheet.excel.recalc.sheetxml import CellEdit, _fast_patterns, _rewrite_cell, _scan_slow, patterns, rewrite_cell, scan
from kpisheet.excel.recalc.zipio import Package
from kpisheet.excel.recalc.values import Err
from kpisheet.inflated import read_part, sharing
from kpisheet.zipguard import check_inflated
from tests.conftest import SALES, write_book
from tests.excel.recalc.test_excel_files import package, values
from tests.excel.recalc.test_kpi import KPIS


class _Engine:
    """Answers 1 for every KPI, and notes whether cyclic garbage collection was on when asked."""

    def __init__(self) -> None:
        self.config = SimpleNamespace(kpis={"revenue": None})
        self.calls: list[tuple[Any, ...]] = []
        self.gc_on: list[bool] = []

    def result(self, name: str, period: Any = None, account: Any = None) -> Any:
        self.calls.append((name, period, account))
        self.gc_on.append(gc.isenabled())
        return SimpleNamespace(value=1.0, error=None, status="green")


def _book(tmp_path: Path, cells: str) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "kpisheet.yaml").write_text("kpis: {}\n")  # found beside the book; _Engine stands in
    return package(tmp_path / "b.xlsx", {"S": f'<row r="1">{cells}</row>'})


def test_no_cyclic_collection_during_the_run_and_back_after(tmp_path: Path) -> None:
    book = _book(tmp_path, '<c r="A1"><f>KPI("revenue","2026-01")</f><v>0</v></c>')
    engine = _Engine()
    assert gc.isenabled()
    recalc(book, engine_factory=lambda cfg, wb: engine)
    assert engine.gc_on == [False]
    assert gc.isenabled()
    assert values(book)[(1, 1)] == 1.0


def test_collection_back_on_after_a_failed_run(tmp_path: Path) -> None:
    book = _book(tmp_path, '<c r="A1"><f>KPI("revenue","2026-01")</f><v>0</v></c>')

    def broken(cfg: Path, wb: Path) -> Any:
        raise WorkbookError("cannot be read", place="b.xlsx")

    with pytest.raises(WorkbookError):
        recalc(book, engine_factory=broken)
    assert gc.isenabled()


def test_collection_left_off_when_it_was_off(tmp_path: Path) -> None:
    book = _book(tmp_path, '<c r="A1"><f>1+1</f><v>0</v></c>')
    gc.disable()
    try:
        recalc(book)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_source_sheet_is_inflated_once(tmp_path: Path, make_config: Callable[..., Path],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """recalc inflates the Sales sheet to look for formulas; the engine's extent check (SPEC §9)
    takes that copy instead of inflating the part again."""
    make_config(KPIS)
    dash: list[list[Any]] = [['=KPI("revenue","2026-01")']]
    book = write_book(tmp_path / "dash.xlsx", {"Sales": cast(list[list[Any]], SALES), "Dash": dash})
    reads: list[str] = []
    real = zipfile.ZipFile.read

    def counted(self: zipfile.ZipFile, name: Any, pwd: Any = None) -> bytes:
        reads.append(name if isinstance(name, str) else name.filename)
        return real(self, name, pwd)

    monkeypatch.setattr(zipfile.ZipFile, "read", counted)
    report = recalc(book)
    assert report.kpi_cells == 1 and not report.warnings
    assert reads.count("xl/worksheets/sheet1.xml") == 1
    monkeypatch.undo()
    loaded = load(book)
    assert loaded.parts[1].scan is not None and loaded.parts[1].scan.values[(1, 1)] == 155.0
    loaded.pkg.close()


def _big_source_book(tmp_path: Path, declared: Optional[int] = None) -> Path:
    """A book whose Sales sheet is past the 256 KiB of compressed bytes the size check trusts
    unread (2 MB of digits in one cell); ``declared``: its part's headers lie about its size."""
    from tests.hostile.harness import SALES as HOSTILE_SALES, sheet_xml, write_xlsx
    digits = "".join(random.Random(12).choices("0123456789", k=2 << 20))
    path = write_xlsx(tmp_path / "big.xlsx", {"Data": sheet_xml({**HOSTILE_SALES, "A9": digits})})
    if declared is not None:
        part = "xl/worksheets/sheet1.xml"
        data = bytearray(path.read_bytes())
        with zipfile.ZipFile(path) as z:
            offset = z.getinfo(part).header_offset
        struct.pack_into("<I", data, offset + 22, declared)
        at = data.index(b"PK\x01\x02")
        while data[at + 46:at + 46 + len(part)] != part.encode():
            at = data.index(b"PK\x01\x02", at + 4)
        struct.pack_into("<I", data, at + 24, declared)
        path.write_bytes(bytes(data))
    return path


class _Fed:
    def __init__(self) -> None:
        self.pieces: list[bytes] = []
        self.ended = False

    def feed(self, piece: bytes) -> None:
        self.pieces.append(piece)

    def end(self) -> None:
        self.ended = True


def test_the_size_check_takes_the_copy_recalc_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 12: recalc inflates a large sheet as the engine's size check does (within its declared
    size, its CRC right); the check, run on the same file in the same run, feeds that copy to its
    reader (the extent scan) instead of inflating the part a second time."""
    part = "xl/worksheets/sheet1.xml"
    monkeypatch.setattr(zipguard, "PIECE", 100_000)
    pkg = Package(_big_source_book(tmp_path))
    pieces = pkg.read_pieces(part)
    body = b"".join(pieces)
    assert part in pkg.checked and body == pkg.zip.read(part) == pkg.read(part)
    assert len(pieces) > 10 and max(map(len, pieces)) <= 100_000  # never joined into one copy
    fed = _Fed()
    with sharing(bytes(bytearray(pkg.data)), {part: pieces}, pkg.checked):  # the engine's own read of the file
        monkeypatch.setattr(zipguard, "_inflated", lambda *a: pytest.fail("inflated again"))
        check_inflated(zipfile.ZipFile(io.BytesIO(bytes(bytearray(pkg.data)))), "big.xlsx", {part: fed})
        assert read_part(zipfile.ZipFile(io.BytesIO(pkg.data)), pkg.data, part) == body
    assert fed.ended and fed.pieces == pieces
    monkeypatch.undo()
    fed = _Fed()
    with sharing(pkg.data, {part: body}):  # shared but not checked: inflated by the check itself
        check_inflated(zipfile.ZipFile(io.BytesIO(pkg.data)), "big.xlsx", {part: fed})
    assert fed.ended and b"".join(fed.pieces) == body
    pkg.close()


def test_a_lying_part_is_never_vouched_for(tmp_path: Path) -> None:
    """A part inflating past what its headers declare is read by zipfile as before (refused by
    recalc), never marked checked: the size check, shared copy or not, inflates it and refuses it."""
    part = "xl/worksheets/sheet1.xml"
    pkg = Package(_big_source_book(tmp_path, declared=5000))
    with pytest.raises(WorkbookError):
        pkg.read(part)
    assert part not in pkg.checked
    with sharing(pkg.data, {part: b"<worksheet/>"}, {part} & pkg.checked):
        with pytest.raises(WorkbookError, match="inflates to more than"):
            check_inflated(zipfile.ZipFile(io.BytesIO(pkg.data)), "big.xlsx", {part: _Fed()})
    pkg.close()


@pytest.mark.parametrize("raw", [b"<c><v>1</v></c>", b"<c><f>A1</f></c>", b"<x:f>", b"f<f", b"<", b"ff:f", b"",
                                 b"<c r=\"A1\"><v>ff</v></c>" * 3000 + b"<f>", b"<c><v>ff</v></c>" * 3000])
def test_the_formula_look_over_pieces_is_the_look_over_the_whole(raw: bytes) -> None:
    """A sheet inflated in pieces is looked at for formula tags piece by piece and where two
    pieces meet (a ``<f`` cut between two): the answer the whole part gives, wherever it is cut."""
    for size in (1, 2, 3, 7, 4096, len(raw) or 1):
        pieces = [raw[at:at + size] for at in range(0, len(raw), size)]
        assert _may_hold_formulas_in(pieces) == _may_hold_formulas(raw), size


def test_a_shared_part_serves_only_the_same_bytes(tmp_path: Path) -> None:
    path = tmp_path / "p.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/worksheets/sheet1.xml", b"<worksheet/>")
    data = path.read_bytes()
    archive = zipfile.ZipFile(io.BytesIO(data))
    with sharing(bytes(bytearray(data)), {"xl/worksheets/sheet1.xml": b"shared"}):  # equal bytes, another object
        assert read_part(archive, data, "xl/worksheets/sheet1.xml") == b"shared"
    with sharing(data + b"\0", {"xl/worksheets/sheet1.xml": b"shared"}):  # another file
        assert read_part(archive, data, "xl/worksheets/sheet1.xml") == b"<worksheet/>"
    assert read_part(archive, data, "xl/worksheets/sheet1.xml") == b"<worksheet/>"  # nothing kept after


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_cell_patterns_match_what_one_character_at_a_time_matches(prefix: str) -> None:
    """The cell patterns' content runs (possessive on Python 3.11+) find the same cells, spans and
    groups as the plain pattern stepping one character at a time, unclosed cells included."""
    p = prefix
    plain = re.compile(rf"<{p}row\b([^>]*?)(/?)>|<{p}c\b([^>]*?)(?:/>|>((?:[^<]|<(?!{p}c[\s>/]|/{p}c>))*)</{p}c>)")
    text = (f'<{p}row r="1"><{p}c r="A1"><{p}v>1</{p}v></{p}c><{p}c r="B1"><{p}f>A1&lt;2</{p}f><{p}v>0</{p}v></{p}c>'
            f'<{p}c r="C1" t="inlineStr"><{p}is><{p}t>a<b</{p}t></{p}is></{p}c><{p}c r="D1"><{p}v>unclosed'
            f'<{p}c r="E1"/><{p}c r="F1"><{p}v>2</{p}v></{p}c></{p}row><{p}row r="2"/><{p}c r="A3">'
            f'{"x" * 5000}<{p}cx/></{p}c><{p}c r="A4"><{p}v>cut')
    got = [(m.span(), m.groups()) for m in patterns(p)[0].finditer(text)]
    assert got == [(m.span(), m.groups()) for m in plain.finditer(text)]
    assert len(got) == 8  # the unclosed D1 and the cut A4 are not cells
    fast = _fast_patterns(p)[0]
    assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text) if m.group(3) is not None]


def test_the_same_call_in_many_cells_is_computed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cells = "".join(f'<c r="{c}1"><f>KPI("revenue","2026-01")</f><v>0</v></c>' for c in "ABC")
    cells += '<c r="D1"><f>KPI_STATUS("revenue","2026-01")</f><v>0</v></c>'
    cells += '<c r="E1"><f>KPI("revenue",TRUE)</f><v>0</v></c><c r="F1"><f>KPI("revenue",1)</f><v>0</v></c>'
    book = _book(tmp_path, cells)
    engine = _Engine()
    invoked: list[tuple[str, tuple[Any, ...]]] = []
    real = recalc_module.invoke

    def counted(name: str, ev: Any, args: Any, **kw: Any) -> Any:
        invoked.append((name, tuple(args)))
        return real(name, ev, args, **kw)

    monkeypatch.setattr(recalc_module, "invoke", counted)
    recalc(book, engine_factory=lambda cfg, wb: engine)
    got = values(book)
    assert [got[(1, c)] for c in range(1, 5)] == [1.0, 1.0, 1.0, "green"]
    assert got[(1, 5)] == Err("#VALUE!") and got[(1, 6)] == 1.0  # TRUE is no period; 1 is a date serial
    assert sorted(invoked, key=repr) == sorted([("KPI", ("revenue", "2026-01")), ("KPI_STATUS", ("revenue", "2026-01")),
                                                ("KPI", ("revenue", True)), ("KPI", ("revenue", 1.0))], key=repr)
    assert engine.calls.count(("revenue", dt.date(1900, 1, 1), None)) == 1


def test_the_formula_tag_look_says_what_the_two_searches_say() -> None:
    rng = random.Random(7)
    cases = [b"", b"f", b"<f", b"f<", b":f", b"x:f>", b"of<f", b"<c><v>1</v></c>" * 100,
             b"<fx" + b"f" * 20_000, b"f" * 20_000, b"af" * 20_000 + b"<f>"]
    cases += [bytes(rng.choice(b"<:f cv>") for _ in range(rng.randint(0, 60))) for _ in range(2000)]
    for raw in cases:
        assert _may_hold_formulas(raw) == (b"<f" in raw or b":f" in raw), raw[:40]


def test_a_book_of_kpi_cells_only_does_not_import_excels_functions(tmp_path: Path) -> None:
    """Excel's function families (xlfuncs) are imported when a formula names one of them, and
    only then; in a fresh interpreter a book of KPI() cells is computed without them."""
    book = _book(tmp_path, '<c r="A1"><f>KPI("revenue","2026-01")</f><v>0</v></c>'
                           '<c r="B1"><f>KPI_STATUS("revenue","2026-01")</f><v>0</v></c>')
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from types import SimpleNamespace
        from kpisheet.excel.recalc import recalc
        class Engine:
            config = SimpleNamespace(kpis={{"revenue": None}})
            def result(self, name, period=None, account=None):
                return SimpleNamespace(value=2.0, error=None, status="green")
        report = recalc(Path({str(book)!r}), engine_factory=lambda cfg, wb: Engine())
        assert report.written, report.summary()
        print("xlfuncs" if "kpisheet.excel.recalc.xlfuncs" in sys.modules else "none")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["none"]
    assert values(book)[(1, 1)] == 2.0 and values(book)[(1, 2)] == "green"
    mixed = _book(tmp_path / "m", '<c r="A1"><f>ROUND(KPI("revenue","2026-01"),0)</f><v>0</v></c>')
    out = subprocess.run([sys.executable, "-c", code.replace(str(book), str(mixed))],
                         capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["xlfuncs"]


def test_the_run_is_freed_without_a_cyclic_collection(tmp_path: Path) -> None:
    """When recalc returns, its evaluation, compiled formulas and book are gone by reference
    counting alone: the first collection after the run has none of them to walk."""
    from kpisheet.excel.recalc.calc import Evaluation
    from kpisheet.excel.recalc.model import Formula
    book = _book(tmp_path, '<c r="A1"><v>2</v></c><c r="B1"><f>A1*2</f><v>0</v></c>'
                           '<c r="C1"><f>B1+KPI("revenue","2026-01")</f><v>0</v></c>')
    engine = _Engine()
    gc.collect()
    gc.disable()
    try:
        report = recalc(book, engine_factory=lambda cfg, wb: engine)
        alive = [type(o).__name__ for o in gc.get_objects() if isinstance(o, (Evaluation, Formula))]
    finally:
        gc.enable()
    assert report.written and alive == []
    assert values(book)[(1, 2)] == 4.0 and values(book)[(1, 3)] == 5.0


def test_shared_strings_are_read_the_same_by_the_one_run_path() -> None:
    """Items of one plain run skip the join and the phonetic substitution: every other kind of
    item still gives its runs joined, phonetic readings left out, escapes undone."""
    from kpisheet.excel.recalc.book import shared_strings
    xml = ('<sst xmlns="m"><si><t>plain</t></si><si><t xml:space="preserve"> a &amp; b </t></si>'
           '<si><r><t>bold</t></r><r><rPr/><t>er</t></r></si><si><t>日本</t><rPh sb="0" eb="2"><t>ニホン</t></rPh></si>'
           '<si/><si><t/></si><si><t>line_x000D_end</t></si><si><t>x</t><t/><t>y</t></si>'
           '<x:si><x:t>prefixed</x:t></x:si><si><t>1 &lt; 2</t></si></sst>')
    assert shared_strings(xml) == ["plain", " a & b ", "bolder", "日本", "", "", "line\rend", "xy", "prefixed", "1 < 2"]


def test_the_fast_scan_reads_formula_cells_as_the_slow_scan() -> None:
    """Issue 12: a plain ``<f>`` and its ``<v>`` are read out of the fast pattern's own match; every
    cell of formulas, cached values and types, as the slow path (the cell-by-cell reference) reads it."""
    fs = ['<f>A1+1</f>', '<f>A1&amp;"x"</f>', '<f></f>', '<f/>', '<f t="shared" si="0">A1</f>', '<f ca="1">NOW()</f>']
    vs = ["<v>1</v>", "<v></v>", "<v/>", "<v />", "<v\n/>", "", "<v>#N/A</v>", "<v>abc</v>", "<v>1</v><v>2</v>",
          '<v xml:space="preserve"> x</v>']
    ts = ["", ' t="str"', ' t="e"', ' t="b"', ' t="n"', ' t="s"', ' t="inlineStr"', ' s="3" t="str"', ' t="d"']
    cells = []
    for n, (f, v, t) in enumerate(itertools.product(fs, vs, ts), start=1):
        cells.append(f'<c r="A{n}"{t}>{f}{v}</c>')
    text = "<worksheet><sheetData>" + "".join(f'<row r="{i}">{c}</row>' for i, c in enumerate(cells, 1)) + \
        "</sheetData></worksheet>"
    fast, slow = scan(text, ["s0", "s1"]), _scan_slow(text, "", ["s0", "s1"], False)
    assert len(fast.formulas) == 540 and fast.values
    assert {k: repr(v) for k, v in fast.values.items()} == {k: repr(v) for k, v in slow.values.items()}
    assert [repr(vars(c)) for c in fast.formulas] == [repr(vars(c)) for c in slow.formulas]


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_an_inline_string_cell_is_read_alike_by_both_scans(prefix: str) -> None:
    """A cell of type inlineStr holds the text of its <is> ("" for an empty one); without <is> it
    holds nothing, however it is closed: the fast scan and the slow one read each alike."""
    p = prefix
    cells = [f'<{p}c r="A1" t="inlineStr"/>', f'<{p}c r="A2" t="inlineStr"></{p}c>', f'<{p}c r="A3" t="inlineStr" />',
             f'<{p}c r="A4" s="2" t="inlineStr"/>', f'<{p}c r="A5" t="inlineStr"><{p}is><{p}t/></{p}is></{p}c>',
             f'<{p}c r="A6" t="inlineStr"><{p}is><{p}t>x &amp; y</{p}t></{p}is></{p}c>',
             f'<{p}c r="A7" t="inlineStr"><{p}is/></{p}c>', f'<{p}c r="A8" t="s"/>']
    text = f'<{p}worksheet><{p}sheetData>' + "".join(f'<{p}row r="{i}">{c}</{p}row>' for i, c in enumerate(cells, 1)) \
        + f'</{p}sheetData></{p}worksheet>'
    fast, slow = scan(text, ["s0"]), _scan_slow(text, prefix, ["s0"], False)
    assert fast.values == slow.values == {(5, 1): "", (6, 1): "x & y", (7, 1): ""}


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_a_plain_formula_cell_is_rewritten_as_any_cell(prefix: str) -> None:
    """Issue 12: rewrite_cell puts a plain formula cell (the most common) together from its match;
    the same text as the general rewrite, for every value kind and every cached-value form."""
    p = prefix
    heads = [f'<{p}c r="B2"', f'<{p}c r="B2" s="3"', f'<{p}c r="B2" t="str"', f'<{p}c r="B2" s="1" t="e" cm="1"',
             f'<{p}c r="B2"\tt="n" s="1"', f'<{p}c xt="1" r="B2"', f'<{p}c r="B2" t="n" t="str"']
    bodies = [f"<{p}f>A1&amp;\"x\"</{p}f>", f"<{p}f></{p}f>", f"<{p}f>SUM(A1:A3)</{p}f>"]
    tails = [f"<{p}v>1</{p}v>", f"<{p}v/>", f"<{p}v />", "", f"<{p}v>old</{p}v>", f'<{p}v xml:space="preserve"> </{p}v>']
    news: list[Any] = [1.0, 2.5, -0.0, 1e300, "green", "a<b&_x0041_\x01", "", True, False, Err("#N/A"), None]
    fast = 0
    for head, body, tail, new in itertools.product(heads, bodies, tails, news):
        element = f"{head}>{body}{tail}</{p}c>"
        edit = CellEdit(new)
        assert rewrite_cell(element, prefix, edit) == _rewrite_cell(element, prefix, edit), element
        fast += "xml:space" not in tail
    assert fast > 300
    edit = CellEdit(1.0, {"ref": "B2:B3"})  # attributes to set: the general rewrite, not the plain one
    element = f'<{p}c r="B2"><{p}f>A1</{p}f><{p}v>0</{p}v></{p}c>'
    assert f'<{p}f ref="B2:B3">' in rewrite_cell(element, prefix, edit)


def test_what_a_paused_block_made_is_long_lived_without_a_walk() -> None:
    """Issue 12: as collection resumes after :func:`gc_paused`, the objects the block made and
    still held are in the oldest generation and no collection is due: the first one would
    otherwise walk them all (40-50 ms after recalc of 10,000 KPI cells)."""
    from kpisheet.gcpause import gc_paused

    gc.collect()
    with gc_paused():
        made = [[i] for i in range(50_000)]
        assert gc.get_count()[0] >= 50_000  # counted, not collected
    assert gc.isenabled()
    assert gc.get_count()[0] < 700  # below the first generation's threshold: nothing walks them now
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert id(made) in oldest and id(made[-1]) in oldest


def test_a_paused_block_leaves_what_the_process_froze_frozen() -> None:
    from kpisheet.gcpause import gc_paused

    kept = [[1]]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with gc_paused():
            made = [[i] for i in range(1000)]
        assert gc.get_freeze_count() == frozen and made
    finally:
        gc.unfreeze()
    assert kept
