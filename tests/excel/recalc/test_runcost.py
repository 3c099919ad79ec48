"""How ``recalc`` spends its time, where that is observable: what it pauses and shares during a
run is restored afterwards, and what it remembers gives the answers it would compute."""

from __future__ import annotations

import gc
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from kpisheet.errors import WorkbookError
from kpisheet.excel.recalc import recalc
from tests.excel.recalc.test_excel_files import package, values


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
