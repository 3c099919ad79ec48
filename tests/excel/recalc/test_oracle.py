"""``recalc --check`` against workbooks saved by Microsoft Excel: every non-volatile formula
cell must reproduce the value Excel cached.

The workbooks are the xlcalculator project's test resources (MIT), kept outside the
repository in ``shared/oracle/xlcalculator`` (found by walking up from the repository, or
named by ``KPISHEET_ORACLE``); each is recalculated on a temporary copy, never in place.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Optional

import pytest

from kpisheet.excel.recalc import recalc
from kpisheet.excel.recalc.values import show


def _oracle_folder() -> Optional[Path]:
    named = os.environ.get("KPISHEET_ORACLE")
    if named:
        return Path(named)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "oracle" / "xlcalculator"
        if candidate.is_dir():
            return candidate
    return None


ORACLE = _oracle_folder()
BOOKS = sorted(ORACLE.glob("*.xlsx")) if ORACLE is not None and ORACLE.is_dir() else []


@pytest.mark.skipif(not BOOKS, reason="the Excel oracle workbooks (shared/oracle/xlcalculator) are not on this machine")
@pytest.mark.parametrize("book", BOOKS, ids=[b.stem for b in BOOKS])
def test_every_cell_excel_cached_is_reproduced(book: Path, tmp_path: Path) -> None:
    copy = tmp_path / book.name
    shutil.copyfile(book, copy)
    before = copy.read_bytes()
    report = recalc(copy, check=True)
    assert not report.unsupported, f"functions missing: {sorted(report.unsupported)}"
    assert report.formulas > 0
    assert report.uncertain == 0
    wrong = [f"{c.place}: Excel {show(c.old)}, recalc {show(c.new)}" for c in report.changes]
    assert not wrong, wrong
    assert copy.read_bytes() == before  # --check writes nothing


def test_the_oracle_is_found_where_the_team_keeps_it() -> None:
    if ORACLE is None:
        pytest.skip("the Excel oracle workbooks (shared/oracle/xlcalculator) are not on this machine")
    assert len(BOOKS) >= 55, f"expected the 55 workbooks of {ORACLE}, found {len(BOOKS)}"
