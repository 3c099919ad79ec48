"""The xlwings functions: registration through xlwings' real decorators, the VBA xlwings
writes for them (against a golden file), and their values and errors over a workbook.

``xlwings.udfs`` imports Windows-only modules (pythoncom, pywintypes, win32com); the
``registered`` fixture stands in for those three modules only — nothing of xlwings — and
binds ``xw.func/arg/ret`` to ``xlwings.udfs``' decorators, as ``xlwings/__init__`` does on
Windows, before importing ``kpisheet.excel.udfs`` afresh. The workbook is the in-memory
stand-in of ``xlstandin.py``: desktop Excel cannot run here.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import os
import sys
import types
from pathlib import Path
from typing import Any, Iterator

import pytest

pytest.importorskip("xlwings", reason="the excel extra (xlwings) is not installed")

from . import xlstandin as xs
from ..conftest import ACCOUNTS, SALES, write_book
from .conftest import REVENUE_CONFIG

from kpisheet.excel.functions import EXCEL_FUNCTIONS
from kpisheet.excel.live import WORKSPACE, Workspace

GOLDEN = Path(__file__).parent / "golden" / "xlwings_udfs.bas"
MODULE = "kpisheet.excel.udfs"


def _windows_stand_ins() -> dict[str, types.ModuleType]:
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None  # type: ignore[attr-defined]
    pythoncom.IID_IDispatch = object()  # type: ignore[attr-defined]
    pywintypes = types.ModuleType("pywintypes")

    class com_error(Exception):  # noqa: N801 - pywin32's name
        pass

    pywintypes.com_error = com_error  # type: ignore[attr-defined]
    win32com = types.ModuleType("win32com")
    client = types.ModuleType("win32com.client")

    def dispatch(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("no COM here")

    client.Dispatch = dispatch  # type: ignore[attr-defined]
    win32com.client = client  # type: ignore[attr-defined]
    return {"pythoncom": pythoncom, "pywintypes": pywintypes, "win32com": win32com, "win32com.client": client}


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[types.ModuleType, types.ModuleType]]:
    """(kpisheet.excel.udfs decorated by xlwings' real UDF decorators, xlwings.udfs)."""
    import xlwings

    for name, module in _windows_stand_ins().items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)
    xludfs = importlib.import_module("xlwings.udfs")
    monkeypatch.setattr(xlwings, "func", xludfs.xlfunc)
    monkeypatch.setattr(xlwings, "arg", xludfs.xlarg)
    monkeypatch.setattr(xlwings, "ret", xludfs.xlret)
    monkeypatch.delitem(sys.modules, MODULE, raising=False)
    udfs = importlib.import_module(MODULE)
    yield udfs, xludfs
    sys.modules.pop(MODULE, None)  # the next import gets the plain module again
    sys.modules.pop("xlwings.udfs", None)


def test_imports_without_excel() -> None:
    udfs = importlib.import_module(MODULE)
    assert callable(udfs.KPI)


def test_every_registry_function_is_registered(registered: tuple[types.ModuleType, types.ModuleType]) -> None:
    udfs, _ = registered
    found = {name: getattr(udfs, name) for name in dir(udfs) if hasattr(getattr(udfs, name), "__xlfunc__")}
    assert sorted(found) == sorted(EXCEL_FUNCTIONS)
    for name, f in found.items():
        xlf = f.__xlfunc__
        spec = EXCEL_FUNCTIONS[name]
        assert xlf["name"] == name and xlf["sub"] is False
        assert xlf["category"] == "kpisheet" and xlf["volatile"] is False and xlf["async_mode"] is None
        assert xlf["ret"]["doc"] == spec.doc
        args = xlf["args"]
        assert [a["name"] for a in args] == [udfs.PY_NAMES.get(p.name, p.name) for p in spec.params] + ["caller"]
        for a, p in zip(args, spec.params):
            assert ("optional" in a) == p.optional, (name, a)
            assert a["doc"] == p.doc
            # no converter; error cells as their text, never None ("omitted")
            assert a["options"] == {"err_to_str": True}
        assert args[-1]["name"] == "caller" and args[-1]["optional"] is None


def _vba(udfs: types.ModuleType, xludfs: types.ModuleType) -> str:
    out = io.StringIO()
    xludfs.generate_vba_wrapper(MODULE, udfs, out, types.SimpleNamespace(Name="kpisheet.xlam"))
    return out.getvalue()


def test_vba_wrapper_matches_golden(registered: tuple[types.ModuleType, types.ModuleType]) -> None:
    vba = _vba(*registered)
    if os.environ.get("KPISHEET_UPDATE_GOLDEN"):
        GOLDEN.write_text(vba, newline="")
    assert vba == GOLDEN.read_text(), "VBA changed: check it, then KPISHEET_UPDATE_GOLDEN=1 pytest"
    # what Excel shows: the SPEC names and optional arguments, no caller
    assert "Function KPI(name, Optional period, Optional account)" in vba
    assert "Function KPI_SERIES(name, period_from, period_to, Optional account)" in vba
    assert "Function KEY_ACCOUNTS(Optional period)" in vba
    assert 'XLPy.CallUDF("kpisheet.excel.udfs", "KPI", Array(name, period, account, Nothing), ActiveWorkbook' in vba


def test_ribbon_compares_the_vba_it_would_register(registered: tuple[types.ModuleType, types.ModuleType]) -> None:
    from kpisheet.excel import ribbon

    assert ribbon.wanted_vba() == _vba(*registered)


# --- values over a workbook ----------------------------------------------------------------------

CONFIG = REVENUE_CONFIG + """\
    target: 100
  growth:
    formula: revenue / prev(revenue) - 1
    unit: "%"
key_accounts:
  attributes: accounts
  criteria:
    rev: {formula: share(revenue), weight: 50, scale: [0, 0.5]}
    strat: {formula: attr(strategic_value), weight: 50, scale: [1, 5]}
  key_if: score >= 50
  tiers: {A: score >= 80, B: "true"}
"""


@pytest.fixture
def cell(tmp_path: Path) -> Iterator[xs.Range]:
    """A cell of an open workbook (stand-in) beside its kpisheet.yaml."""
    path = write_book(tmp_path / "book.xlsx", {"Sales": SALES, "Accounts": ACCOUNTS})
    (tmp_path / "kpisheet.yaml").write_text(CONFIG)
    WORKSPACE.clear()
    yield xs.book_from_file(path).caller_cell()
    WORKSPACE.clear()


def test_scalar_functions(cell: xs.Range) -> None:
    from kpisheet.excel import udfs

    assert udfs.KPI("revenue", "2026-01", caller=cell) == 155.0
    assert udfs.KPI("revenue", dt.datetime(2026, 2, 3), "A", caller=cell) == 120.0  # a date cell
    assert udfs.KPI("revenue", 2026.0, caller=cell) == 375.0  # a year typed as a number
    assert udfs.KPI("revenue", caller=cell) == 100.0  # latest: 2026-03
    assert udfs.KPI_TARGET("revenue", "2026-01", caller=cell) == 100.0
    assert udfs.KPI_TARGET("growth", "2026-02", caller=cell) == ""
    assert udfs.KPI_STATUS("revenue", "2026-01", caller=cell) == "green"
    assert udfs.KPI_STATUS("growth", "2026-02", caller=cell) == ""
    assert udfs.KPI_TREND("revenue", "2026-02", caller=cell) == "down"
    assert udfs.KPI("growth", "2026-02", caller=cell) == pytest.approx(120 / 155 - 1)
    assert udfs.IS_KEY_ACCOUNT("A", caller=cell) is True
    assert udfs.IS_KEY_ACCOUNT("B", caller=cell) is False
    assert udfs.ACCOUNT_SCORE("A", caller=cell) == 100.0
    assert udfs.ACCOUNT_TIER("B", caller=cell) == "B"


def test_tables_spill_with_headers(cell: xs.Range) -> None:
    from kpisheet.excel import udfs

    table = udfs.KPI_TABLE("2026-02", caller=cell)
    assert table[0] == ["KPI", "Description", "Period", "Value", "Target", "Status", "Trend", "Unit"]
    assert table[1] == ["revenue", "Net revenue of orders not cancelled", "2026-02", 120.0, 100.0, "green", "down", ""]
    assert table[2][:4] == ["growth", "", "2026-02", pytest.approx(120 / 155 - 1)]
    assert udfs.KPI_SERIES("revenue", "2026-01", "2026-03", caller=cell) == [
        ["Period", "Value"], ["2026-01", 155.0], ["2026-02", 120.0], ["2026-03", 100.0]]
    keys = udfs.KEY_ACCOUNTS(caller=cell)
    assert keys[0] == ["Account", "Score", "Tier", "Key", "rev", "strat"]
    # by score descending (A, D, C, B), those with a row in the quarter first: D is only in the attributes
    assert [r[0] for r in keys[1:]] == ["A", "C", "B", "D"]
    assert all(len(r) == len(keys[0]) for r in keys)


def test_errors_are_text_never_tracebacks(cell: xs.Range) -> None:
    from kpisheet.excel import udfs

    assert udfs.KPI("growth", "2026-02", "C", caller=cell) == "#DIV/0!"  # an error inside the result: its kind only
    assert udfs.KPI("nope", caller=cell).startswith("#NAME? ")
    assert udfs.KPI("revenue", "2026-13", caller=cell).startswith("#VALUE! ")
    assert udfs.KPI(None, caller=cell) == "#VALUE! a KPI name is needed"
    assert udfs.KPI("revenue", True, caller=cell).startswith("#VALUE! ")
    assert udfs.KPI([["revenue", "orders"]], caller=cell) == "#VALUE! one cell was expected, not a range of 2"
    assert udfs.KPI([["revenue"]], "2026-01", caller=cell) == 155.0  # one cell given as a block is fine
    assert udfs.ACCOUNT_SCORE("Z", caller=cell).startswith("#N/A ")
    assert udfs.KPI_SERIES("revenue", None, "2026-03", caller=cell).startswith("#VALUE! ")
    assert udfs.KPI_TABLE("garbage", caller=cell).startswith("#VALUE! ")
    assert udfs.KPI("revenue").startswith("#VALUE! ")  # no caller outside Excel
    for text in (udfs.KPI("nope", caller=cell), udfs.KPI_TABLE("garbage", caller=cell)):
        assert "Traceback" not in text and "\n" not in text


def test_config_and_source_problems_are_one_line(cell: xs.Range, tmp_path: Path) -> None:
    from kpisheet.excel import udfs

    (tmp_path / "kpisheet.yaml").write_text("version: 1\nkpis: [oops\n")
    WORKSPACE.clear()
    text = udfs.KPI("revenue", caller=cell)
    assert text.startswith("#VALUE! ") and "kpisheet.yaml" in text and "\n" not in text
    (tmp_path / "kpisheet.yaml").write_text(CONFIG.replace("sheet: Sales", "sheet: Sale"))
    WORKSPACE.clear()
    text = udfs.KPI("revenue", caller=cell)
    assert text.startswith("#VALUE! ") and "no sheet 'Sale'" in text


def test_internal_errors_are_caught(cell: xs.Range, monkeypatch: pytest.MonkeyPatch) -> None:
    from kpisheet.excel import udfs

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(udfs, "invoke", broken)
    assert udfs.KPI("revenue", caller=cell) == "#VALUE! internal error: ZeroDivisionError: boom"


def test_without_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kpisheet.excel import udfs

    monkeypatch.delenv("KPISHEET_CONFIG", raising=False)
    book = xs.Book(tmp_path / "lonely.xlsx")
    book.add_sheet("Sales", SALES)
    WORKSPACE.clear()
    assert udfs.KPI("revenue", caller=book.caller_cell()).startswith("#VALUE! ")
    assert "no config found" in udfs.KPI("revenue", caller=book.caller_cell())


def test_config_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kpisheet.excel import udfs

    elsewhere = tmp_path / "cfg" / "kpis.yaml"
    elsewhere.parent.mkdir()
    elsewhere.write_text(CONFIG)
    monkeypatch.setenv("KPISHEET_CONFIG", str(elsewhere))
    book = xs.Book(tmp_path / "unsaved" / "Book1")
    book.add_sheet("Sales", SALES)
    book.add_sheet("Accounts", ACCOUNTS)
    WORKSPACE.clear()
    assert udfs.KPI("revenue", "2026-01", caller=book.caller_cell()) == 155.0


# --- the cache ---------------------------------------------------------------------------------


def test_many_cells_cost_one_evaluation(cell: xs.Range, monkeypatch: pytest.MonkeyPatch) -> None:
    from kpisheet.excel import udfs

    reads: list[str] = []
    book = cell.sheet.book
    real = xs.Range.options

    def counting(self: xs.Range, **kw: Any) -> xs.Range:
        reads.append(self.address)
        return real(self, **kw)

    monkeypatch.setattr(xs.Range, "options", counting)
    months = [f"2026-{m:02d}" for m in (1, 2, 3)]
    for _ in range(50):
        for m in months:
            for a in (None, "A", "B", "C"):
                udfs.KPI("revenue", m, a, caller=book.caller_cell())
                udfs.KPI_STATUS("growth", m, a, caller=book.caller_cell())
    assert WORKSPACE.evaluations == 1
    assert len(reads) <= 6  # two sources read once, their fingerprints once: not once a cell


def test_data_change_is_seen_after_ttl(tmp_path: Path) -> None:
    from kpisheet.excel import live, udfs

    path = write_book(tmp_path / "book.xlsx", {"Sales": SALES, "Accounts": ACCOUNTS})
    (tmp_path / "kpisheet.yaml").write_text(CONFIG)
    now = [0.0]
    space = Workspace(ttl=1.0, clock=lambda: now[0])
    book = xs.book_from_file(path)
    c = book.caller_cell()
    old = live.WORKSPACE
    try:
        live.WORKSPACE = udfs.WORKSPACE = space  # type: ignore[attr-defined]
        assert udfs.KPI("revenue", "2026-03", caller=c) == 100.0
        book.sheets["Sales"].write([[dt.datetime(2026, 3, 30), "C", 5, "ok"]], top=len(SALES) + 1)
        now[0] = 0.5
        assert udfs.KPI("revenue", "2026-03", caller=c) == 100.0  # within the TTL: the same engine
        now[0] = 2.0
        assert udfs.KPI("revenue", "2026-03", caller=c) == 105.0  # a row added: a new fingerprint
        assert space.evaluations == 2
        now[0] = 4.0
        assert udfs.KPI("revenue", "2026-03", caller=c) == 105.0
        assert space.evaluations == 2  # nothing changed: the cached engine
        (tmp_path / "kpisheet.yaml").write_text(CONFIG.replace("target: 100", "target: 200"))
        os.utime(tmp_path / "kpisheet.yaml", ns=(10**18, 10**18))
        now[0] = 6.0
        assert udfs.KPI_TARGET("revenue", "2026-03", caller=c) == 200.0  # the config changed
        assert space.evaluations == 3
    finally:
        live.WORKSPACE = udfs.WORKSPACE = old  # type: ignore[attr-defined]
