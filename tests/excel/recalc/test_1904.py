"""A workbook in the 1904 date system: a period argument is a date of that system, and
any other argument (an account ``12345``) reaches the engine as it is in the cell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from kpisheet.excel.recalc import recalc
from tests.excel.recalc.test_excel_files import package, values


class _Recorder:
    """An engine that answers 1 for every KPI and remembers how it was asked."""

    def __init__(self) -> None:
        self.config = SimpleNamespace(kpis={"revenue": None})
        self.calls: list[tuple[Any, ...]] = []

    def result(self, name: str, period: Any = None, account: Any = None) -> Any:
        self.calls.append((name, period, account))
        return SimpleNamespace(value=1.0, error=None)


def _run(tmp_path: Path, date1904: bool) -> list[tuple[Any, ...]]:
    # A1 holds 2026-01-15 as the book's system stores it: 46037 (1900) or 46037 - 1462 (1904)
    serial = 46037 - 1462 if date1904 else 46037
    body = (f'<row r="1"><c r="A1"><v>{serial}</v></c>'
            '<c r="B1"><f>KPI("revenue",A1,12345)</f><v>0</v></c>'
            '<c r="C1"><f>KPI("revenue","2026-01",12345)</f><v>0</v></c>'
            '<c r="D1"><f>KPI("revenue",2026)</f><v>0</v></c></row>')
    extra = '<workbookPr date1904="1"/>' if date1904 else ""
    book = package(tmp_path / "b.xlsx", {"S": body}, workbook_extra=extra)
    (tmp_path / "kpisheet.yaml").write_text("kpis: {}\n")  # found beside the book; the recorder stands in
    engine = _Recorder()
    recalc(book, engine_factory=lambda cfg, wb: engine)
    assert values(book)[(1, 2)] == 1.0
    return sorted(engine.calls, key=repr)


def test_1904_account_number_stays_an_account(tmp_path: Path) -> None:
    calls = _run(tmp_path, date1904=True)
    assert ("revenue", "2026-01", "12345") in calls
    assert ("revenue", dt.date(2026, 1, 15), "12345") in calls
    assert ("revenue", "2026", None) in calls


def test_1904_and_1900_books_ask_the_same(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert _run(tmp_path / "a", date1904=True) == _run(tmp_path / "b", date1904=False)


def test_1904_dates_in_text_and_from_text(tmp_path: Path) -> None:
    body = ('<row r="1"><c r="A1"><f>DATE(2025,1,15)</f><v>0</v></c>'
            '<c r="B1"><f>TEXT(A1,"yyyy-mm-dd dddd")</f><v>0</v></c>'
            '<c r="C1"><f>DATEVALUE("2025-01-15")</f><v>0</v></c>'
            '<c r="D1"><f>YEAR("2025-01-15")</f><v>0</v></c>'
            '<c r="E1"><f>TEXT(0,"yyyy-mm-dd")</f><v>0</v></c>'
            '<c r="F1"><f>WEEKDAY(0)</f><v>0</v></c>'
            '<c r="G1"><f>DAY(0)</f><v>0</v></c></row>')
    book = package(tmp_path / "b.xlsx", {"S": body}, workbook_extra='<workbookPr date1904="1"/>')
    recalc(book)
    v = values(book)
    assert v[(1, 1)] == 45672 - 1462 and v[(1, 3)] == 45672 - 1462  # 2025-01-15, counted from 1904
    assert v[(1, 2)] == "2025-01-15 Wednesday" and v[(1, 4)] == 2025.0
    assert v[(1, 5)] == "1904-01-01" and v[(1, 6)] == 6.0 and v[(1, 7)] == 1.0  # serial 0 is Friday 1904-01-01


def test_1904_date_text_in_arithmetic_and_criteria(tmp_path: Path) -> None:
    # C1 and D1 hold 2025-01-15 and 2025-01-14 as a 1904 book stores them
    body = ('<row r="1"><c r="A1"><f>"2025-01-15"+0</f><v>0</v></c>'
            '<c r="B1"><f>COUNTIF(C1:D1,"&gt;=2025-01-15")</f><v>0</v></c>'
            f'<c r="C1"><v>{45672 - 1462}</v></c><c r="D1"><v>{45671 - 1462}</v></c>'
            '<c r="E1"><f>"2025-01-15"-C1</f><v>9</v></c>'
            '<c r="F1"><f>SUMIFS(C1:D1,C1:D1,"&lt;1/15/2025")</f><v>0</v></c></row>')
    book = package(tmp_path / "b.xlsx", {"S": body}, workbook_extra='<workbookPr date1904="1"/>')
    recalc(book)
    v = values(book)
    assert v[(1, 1)] == 45672 - 1462 and v[(1, 2)] == 1.0 and v[(1, 5)] == 0.0 and v[(1, 6)] == 45671 - 1462
