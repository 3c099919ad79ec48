"""COM calls a cell costs (issue 11): the functions, one recalculation of many cells.

    python benchmarks/bench_com_calls.py [--rows 20000] [--calls 10000]

Every call from a cell into Python crosses to Excel again for each property of the
caller it reads, and each crossing is a COM round trip between processes. The workbook
is loaded (not timed) into the stand-in of xlwings' Book/Sheet/Range
(tests/excel/xlstandin.py), which counts, as ``app.com_calls``, each property that is a
COM call in xlwings on Windows. Both ways run in this one process, over the same cells:

- baseline: the calling workbook resolved at every call, as version 1 did
  (``caller.sheet.book``, then its full name: three COM calls), then the registry;
- now: ``kpisheet.excel.udfs.KPI`` (the cell's external address, one COM call; the
  workbook is resolved only when the workspace checks it again, once per recalculation).

The first call of each (config load, source reads, engine) is left out of the per-cell
count; the target is <= 1 COM call a cell after it. Milliseconds per COM call in real
Excel are not measured here (no Excel): multiply by your own.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import book as bench_book  # noqa: E402

from kpisheet.excel import udfs  # noqa: E402
from kpisheet.excel.functions import invoke  # noqa: E402
from kpisheet.excel.live import Workspace, book_of  # noqa: E402
from tests.excel.xlstandin import book_from_file  # noqa: E402


def _v1(cell: Any, *args: Any) -> Any:
    """What a cell did before issue 11: resolve the workbook, then look the engine up."""
    book = book_of(cell)
    engine = udfs.WORKSPACE.engine_for(book, str(book.fullname))
    return udfs.to_excel(invoke("KPI", engine, list(args), reasons=True))


def _run(name: str, call: Callable[..., Any], cell: Any, calls: list[tuple[Any, ...]]) -> tuple[float, float]:
    app = cell._sheet._book.app
    udfs.WORKSPACE = Workspace(ttl=3600.0)  # type: ignore[misc]  # one recalculation: no re-check within it
    call(cell, *calls[0])  # the first call of the recalculation
    before = app.com_calls
    t = time.perf_counter()
    for args in calls[1:]:
        call(cell, *args)
    elapsed = time.perf_counter() - t
    per_cell = (app.com_calls - before) / (len(calls) - 1)
    print(f"{name:9} {per_cell:5.2f} COM calls a cell after the first; {elapsed / (len(calls) - 1) * 1e6:6.0f} us a call "
          "in process (COM time not included)")
    return per_cell, elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--calls", type=int, default=10_000)
    args = ap.parse_args(argv)
    path = bench_book(args.rows)
    book = book_from_file(path)
    cell = book.caller_cell(0, "Z1")
    config = Workspace().config_for(path)
    months = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
    accounts = [None] + [f"ACC{i:03d}" for i in range(1, 201)]
    triples = list(itertools.product(list(config.kpis), months, accounts))
    random.Random(0).shuffle(triples)
    calls = triples[: args.calls]

    now = lambda c, *a: udfs.KPI(*a, caller=c)  # noqa: E731
    print(f"workbook: {path} ({args.rows:,} rows); {len(calls):,} calls of KPI over distinct (KPI, period, account)")
    base, _ = _run("baseline", _v1, cell, calls)
    ours, _ = _run("now", now, cell, calls)
    same = all(_v1(cell, *a) == now(cell, *a) for a in calls[:200])
    print(f"same values both ways (first 200 calls): {same}")
    print(f"ratio now / baseline COM calls a cell = {ours / base:.2f}  "
          f"(target <= 1 call a cell: {'met' if ours <= 1 else 'NOT met'})")
    return 0 if ours <= 1 and same else 1


if __name__ == "__main__":
    sys.exit(main())
