"""Issue 15: no hostile-but-valid workbook breaks ``recalc``, and every output is lossless and
well-formed. Books come from :mod:`tests.excel.recalc.fuzzbooks` (random formulas over the whole
registry: every argument kind, other sheets, defined names, whole columns and rows, spill refs,
LET/LAMBDA and its helpers; dynamic, legacy-array and shared formulas), written by hand and by
openpyxl. For each book:

- recalc raises nothing and no cell's evaluation fails inside (no "internal error" warning);
- every part parses as XML, rows and cells are unique and ordered, each dynamic array's ``ref``
  is the area the engine computed (:func:`~tests.excel.recalc.test_wellformed.assert_wellformed`);
- openpyxl reads the result (when it reads the book), and every formula cell holds a value or an
  Excel error;
- every part recalc had no reason to touch is byte-identical, compressed bytes included;
- a second ``recalc --check`` of the output finds nothing to change: what was written reads back
  as what was computed.

Hypothesis with derandomized settings (a fixed set of examples, CI's 2 cores in mind);
``KPISHEET_FUZZ_BOOKS=2000`` runs many more locally.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpisheet.excel.recalc import recalc
from kpisheet.excel.recalc.book import load
from kpisheet.excel.recalc.values import Err
from tests.excel.recalc.fuzzbooks import book_spec, write_openpyxl, write_package
from tests.excel.recalc.test_lossless import _raw
from tests.excel.recalc.test_wellformed import assert_wellformed, computed_refs

BOOKS = int(os.environ.get("KPISHEET_FUZZ_BOOKS", "60"))
FUZZ = settings(max_examples=BOOKS, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])
# Parts recalc may rewrite: sheets holding formulas, and what adding a metadata part touches.
MAY_CHANGE = ("xl/worksheets/", "[Content_Types].xml", "xl/_rels/workbook.xml.rels", "xl/metadata.xml")


def _openpyxl_reads(path: Path) -> bool:
    from openpyxl import load_workbook
    try:
        load_workbook(path).close()
    except Exception:  # noqa: BLE001 - any refusal of openpyxl's
        return False
    return True


def check_book(book: Path, out: Path) -> None:
    """Every promise of the module docstring, for one book."""
    expected = computed_refs(book)
    report = recalc(book, out=out)
    internal = [w for w in report.warnings if "internal error" in w]
    assert not internal, internal
    assert_wellformed(out, expected)
    if _openpyxl_reads(book):  # its tokenizer refuses some formulas Excel writes (``H13#`` in a shared one)
        assert _openpyxl_reads(out)
    with zipfile.ZipFile(book) as a, zipfile.ZipFile(out) as b:
        before = {i.filename: i for i in a.infolist()}
        for info in b.infolist():
            old = before.get(info.filename)
            if old is None:
                assert info.filename == "xl/metadata.xml", info.filename
            elif not info.filename.startswith(MAY_CHANGE) or a.read(old) == b.read(info):
                assert _raw(a, old) == _raw(b, info), info.filename
    loaded = load(out)
    try:
        for f in loaded.book.formulas:
            v = loaded.book.sheets[f.sheet].values.get((f.row, f.col))
            assert v is None or isinstance(v, (float, str, bool, Err)), (f.text, v)
    finally:
        loaded.pkg.close()
    again = recalc(out, check=True)
    assert not again.changes, again.lines()[:5]


@FUZZ
@given(data=st.data())
def test_fuzzed_books(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    folder = tmp_path_factory.mktemp("fuzzbook")
    spec = book_spec(lambda n: data.draw(st.integers(0, n - 1)))
    write = write_openpyxl if data.draw(st.integers(0, 3)) == 0 else write_package
    check_book(write(folder / "in.xlsx", spec), folder / "out.xlsx")
