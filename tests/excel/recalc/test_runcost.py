"""How ``recalc`` spends its time, where that is observable: what it pauses and shares during a
run is restored afterwards, and what it remembers gives the answers it would compute."""

from __future__ import annotations

import gc
import io
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, cast

import pytest

from kpisheet.errors import WorkbookError
from kpisheet.excel.recalc import recalc
from kpisheet.excel.recalc.book import load
from kpisheet.inflated import read_part, sharing
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
