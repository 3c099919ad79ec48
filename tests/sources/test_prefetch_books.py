"""Workbooks read ahead, in a thread, while the engine imports (kpisheet.sources.prefetch): the
thread opens them with the reader's own function and has calamine parse the sheets the sources
read; the reader takes a parsed sheet only of the workbook it opened from the same bytes, by
its exact name, so the tables and messages are those of a reader without the thread."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from kpisheet.config import load_config
from kpisheet.engine.core import Engine
from kpisheet.errors import WorkbookError
from kpisheet.sources import opening, prefetch
from kpisheet.sources.files import FileReader
from kpisheet.sources.prefetch import Prefetch

from .prefetchspy import run_spied

CONFIG = """\
version: 1
sources:
  sales:
    sheet: {sheet}
    columns: {{date: Day, account: Client, amount: Amount}}
  accounts:
    sheet: Accounts
kpis:
  revenue: {{description: Revenue, source: sales, measure: sum(amount), owner: Finance}}
"""


def _book(path: Path, far_cell: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    for row in [["Day", "Client", "Amount"], ["2026-01-05", "A", 12.5], ["2026-01-07", "B", 3],
                ["2026-02-01", "A", 7]]:
        ws.append(row)
    if far_cell:
        ws["XFD1048576"] = 1  # calamine would lay the sheet out densely: read by its cells
    acc = wb.create_sheet("Accounts")
    for row in [["account", "tier"], ["A", "gold"], ["B", "silver"]]:
        acc.append(row)
    wb.save(path)
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "kpisheet.yaml").write_text(CONFIG.format(sheet="Data"))
    _book(tmp_path / "book.xlsx")
    return tmp_path


class _Counted:
    """A calamine workbook whose sheet parses are counted by name."""

    def __init__(self, real: Any, parsed: list[str]) -> None:
        self._real, self._parsed = real, parsed

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def get_sheet_by_name(self, name: str) -> Any:
        self._parsed.append(name)
        return self._real.get_sheet_by_name(name)


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sheets calamine parses, in order, wherever the workbook was opened."""
    seen: list[str] = []
    real = opening.CalamineWorkbook

    class Counting:
        @staticmethod
        def from_filelike(f: Any, load_tables: bool = False) -> Any:
            return _Counted(real.from_filelike(f), seen)

    monkeypatch.setattr(opening, "CalamineWorkbook", Counting)
    return seen


def _tables(folder: Path, ahead: bool) -> dict[str, pd.DataFrame]:
    config = load_config(folder / "kpisheet.yaml")
    fetched = Prefetch(config, folder / "book.xlsx") if ahead else None
    try:
        engine = Engine(config, folder / "book.xlsx", reader=FileReader(prefetched=fetched))
        return {name: engine.table(name).df for name in config.sources}
    finally:
        if fetched is not None:
            fetched.close()


def _same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])


def test_the_sheets_parsed_ahead_are_taken_and_give_the_same_tables(folder: Path, parsed: list[str]) -> None:
    without = _tables(folder, ahead=False)
    assert sorted(parsed) == ["Accounts", "Data"]
    parsed.clear()
    _same(_tables(folder, ahead=True), without)
    assert sorted(parsed) == ["Accounts", "Data"]  # once each, in the thread: the reader took them


def test_a_workbook_changed_after_it_was_read_ahead_is_read_again(folder: Path) -> None:
    config = load_config(folder / "kpisheet.yaml")
    fetched = Prefetch(config, folder / "book.xlsx")
    fetched.settle(folder / "book.xlsx")
    wb = openpyxl.load_workbook(folder / "book.xlsx")
    wb["Data"]["C2"] = 1000
    wb.save(folder / "book.xlsx")
    st = os.stat(folder / "book.xlsx")
    os.utime(folder / "book.xlsx", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    try:
        engine = Engine(config, folder / "book.xlsx", reader=FileReader(prefetched=fetched))
        assert engine.result("revenue", "2026-01").value == 1003
    finally:
        fetched.close()


def test_a_damaged_workbook_is_the_readers_to_report(folder: Path, capfd: pytest.CaptureFixture[str]) -> None:
    with zipfile.ZipFile(folder / "book.xlsx", "w") as z:
        z.writestr("xl/workbook.xml", "<workbook")  # no sheets, no relationships
    messages = []
    for ahead in (False, True):
        with pytest.raises(WorkbookError) as caught:
            _tables(folder, ahead)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert capfd.readouterr().err == ""


def test_a_panic_in_the_thread_writes_nothing_and_the_reader_reads(folder: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    capfd: pytest.CaptureFixture[str]) -> None:
    class PanicException(BaseException):
        """Stands in for pyo3's exception of that name."""

    def panics(data: bytes, where: str) -> Any:
        os.write(2, b"thread '<unnamed>' panicked at src/xlsx.rs:1:1\n")
        raise PanicException("index out of bounds")

    monkeypatch.setattr(prefetch, "open_workbook", panics)  # the thread's; the reader's own is untouched
    without = _tables(folder, ahead=False)
    _same(_tables(folder, ahead=True), without)
    assert capfd.readouterr().err == ""


def test_a_sheet_named_in_another_case_is_left_to_the_reader(folder: Path, parsed: list[str]) -> None:
    (folder / "kpisheet.yaml").write_text(CONFIG.format(sheet="data"))
    config = load_config(folder / "kpisheet.yaml")
    fetched = Prefetch(config, folder / "book.xlsx")
    fetched.settle(folder / "book.xlsx")
    assert parsed == ["Accounts"]  # only the exact names are parsed ahead
    fetched.close()
    parsed.clear()
    (folder / "kpisheet.yaml").write_text(CONFIG.format(sheet="Data"))
    exact = _tables(folder, ahead=False)
    (folder / "kpisheet.yaml").write_text(CONFIG.format(sheet="data"))
    _same(_tables(folder, ahead=True), exact)


def test_a_sheet_too_sparse_to_lay_out_is_never_parsed_by_calamine(tmp_path: Path, parsed: list[str]) -> None:
    (tmp_path / "kpisheet.yaml").write_text(CONFIG.format(sheet="Data"))
    _book(tmp_path / "book.xlsx", far_cell=True)
    without = _tables(tmp_path, ahead=False)
    assert parsed == ["Accounts"]
    parsed.clear()
    _same(_tables(tmp_path, ahead=True), without)
    assert parsed == ["Accounts"]


def test_recalc_starts_reading_before_pandas_imports(folder: Path) -> None:
    """Importing kpisheet.excel.recalc imports no pandas, so that recalc's sources are read
    while the run imports it."""
    wb = openpyxl.load_workbook(folder / "book.xlsx")
    wb.create_sheet("Report")["A1"] = '=KPI("revenue","2026-01")'
    wb.save(folder / "book.xlsx")
    printed = run_spied(f"""
        from pathlib import Path
        from kpisheet.excel.recalc import recalc
        assert "pandas" not in sys.modules
        report = recalc(Path({str(folder / "book.xlsx")!r}), out=Path({str(folder / "out.xlsx")!r}))
        print(seen, report.written)
    """)
    assert printed == "[False] True"
    assert openpyxl.load_workbook(folder / "out.xlsx", data_only=True)["Report"]["A1"].value == 15.5


def _with_formula(folder: Path, formula: str) -> Path:
    wb = openpyxl.load_workbook(folder / "book.xlsx")
    wb.create_sheet("Report")["A1"] = formula
    wb.save(folder / "book.xlsx")
    return folder / "book.xlsx"


def test_recalc_parses_the_sources_ahead_once_when_a_cell_calls_our_functions(folder: Path,
                                                                             parsed: list[str]) -> None:
    from kpisheet.excel.recalc import recalc
    report = recalc(_with_formula(folder, '=kpi("revenue","2026-01")'), out=folder / "out.xlsx")
    assert report.kpi_cells == 1
    assert sorted(parsed) == ["Accounts", "Data"]  # in the thread, taken by the engine's reader
    assert openpyxl.load_workbook(folder / "out.xlsx", data_only=True)["Report"]["A1"].value == 15.5


def test_recalc_of_a_book_calling_none_of_our_functions_parses_nothing_ahead(folder: Path,
                                                                            parsed: list[str]) -> None:
    """A data workbook beside its config: no cell needs a source, so none is read ahead (it was
    parsed in vain, and waited for: 1.2 s became 4.9 s on 250,000 rows)."""
    from kpisheet.excel.recalc import recalc
    report = recalc(_with_formula(folder, "=SUM(Data!C2:C4)"), out=folder / "out.xlsx")
    assert report.kpi_cells == 0 and report.written
    assert parsed == []
    assert openpyxl.load_workbook(folder / "out.xlsx", data_only=True)["Report"]["A1"].value == 22.5


def test_the_cue_for_reading_ahead_is_in_every_call_of_our_functions() -> None:
    from kpisheet.excel.functions import EXCEL_FUNCTIONS
    from kpisheet.excel.recalc.ahead import OUR_CALL
    for name in EXCEL_FUNCTIONS:
        for written in (name, name.lower(), f"_xludf.{name}"):
            assert OUR_CALL.search(f'<f>IFERROR({written}("revenue",A1),"")</f>'.encode().upper()), written
    assert not OUR_CALL.search(b'<F>SUM(A1:A3)</F><V>KPI</V>')


def test_recalc_and_its_read_ahead_inflate_each_sheet_once(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The thread's size check of the workbook takes the sheets of values recalc inflated (it
    runs in the context that shares them), so a data sheet is inflated once, not once a thread.
    (A sheet of formulas is not shared: recalc decodes and parses it.)"""
    from kpisheet import limits, zipguard
    from kpisheet.excel.recalc import recalc
    monkeypatch.setattr(limits, "TRUST_COMPRESSED_BYTES", 0)  # every part is checked, as a large one is
    inflated: list[str] = []
    real = zipguard._inflated

    def counted(fp: Any, info: Any, place: str) -> Any:
        inflated.append(info.filename)
        return real(fp, info, place)

    monkeypatch.setattr(zipguard, "_inflated", counted)
    report = recalc(_with_formula(folder, '=KPI("revenue","2026-01")'), out=folder / "out.xlsx")
    assert report.kpi_cells == 1
    values = ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"]  # Data, Accounts (Report: formulas)
    assert [inflated.count(part) for part in values] == [1, 1], inflated
