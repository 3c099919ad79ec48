"""The Excel functions in-process: one cold call, then 10,000 warm calls (SPEC §4, issue 5).

    python /work/shared/bench/make_book.py OUT --rows 200000
    python benchmarks/bench_udfs.py OUT [--calls 10000]

The workbook is opened as Excel would hold it: its cells loaded once (not timed) into the
in-memory stand-in of xlwings' Book (tests/excel/xlstandin.py), since desktop Excel cannot
run here. Each call goes through ``kpisheet.excel.udfs`` as a cell's call would (caller cell,
workbook, config found beside it, live reader, engine cache, registry, conversion) — only the
COM round trip of a real Excel is missing.

- cold: the first call, ``=KPI(...)`` on a fresh process cache: finds and loads the config,
  reads every source from the open workbook, builds the engine, computes that KPI.
- warm: 10,000 calls of KPI / KPI_TARGET / KPI_STATUS / KPI_TREND over distinct
  (KPI, period, account) triples, in a fixed random order: later KPIs' grids are computed
  within these calls, as they would be in a recalculation.
Target: warm total <= 0.5 x cold.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpisheet.excel import udfs  # noqa: E402
from kpisheet.excel.live import WORKSPACE  # noqa: E402
from tests.excel import xlstandin  # noqa: E402
from tests.excel.xlstandin import book_from_file  # noqa: E402

_handover = [0.0]


def _timed_value(fget):  # type: ignore[no-untyped-def]
    """Count the time the stand-in spends handing cell values over (a COM read in Excel)."""
    def value(self):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return fget(self)
        finally:
            _handover[0] += time.perf_counter() - t
    return value


_value: Any = xlstandin.Range.__dict__["value"]
setattr(xlstandin.Range, "value", property(_timed_value(_value.fget), _value.fset))


def _timed(method):  # type: ignore[no-untyped-def]
    """Count the time the stand-in spends doing Excel's own work (Find, Evaluate: native in Excel)."""
    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            _handover[0] += time.perf_counter() - t
    return timed


xlstandin._SheetApi.Evaluate = _timed(xlstandin._SheetApi.Evaluate)  # type: ignore[method-assign]
xlstandin._Cells_Api.Find = _timed(xlstandin._Cells_Api.Find)  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="the folder make_book.py wrote (book.xlsx, kpisheet.yaml)")
    ap.add_argument("--calls", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    t = time.perf_counter()
    book = book_from_file(args.out / "book.xlsx")
    loaded = time.perf_counter() - t
    cell = book.caller_cell()
    rows = len(book.sheets["Data"].cells) // 5

    WORKSPACE.clear()
    from kpisheet.excel.live import WORKSPACE as space

    config = space.config_for(args.out / "book.xlsx")
    kpis = list(config.kpis)
    months = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
    accounts = [None] + [f"ACC{i:03d}" for i in range(1, 201)]
    triples = list(itertools.product(kpis, months, accounts))
    random.Random(args.seed).shuffle(triples)
    first, calls = triples[0], triples[1: args.calls + 1]
    functions = [udfs.KPI, udfs.KPI_TARGET, udfs.KPI_STATUS, udfs.KPI_TREND]

    WORKSPACE.clear()
    _handover[0] = 0.0
    t = time.perf_counter()
    cold_value = udfs.KPI(*first, caller=cell)
    cold = time.perf_counter() - t
    handover = _handover[0]

    errors = 0
    t = time.perf_counter()
    for i, (k, p, a) in enumerate(calls):
        value = functions[i % 4](k, p, a, caller=cell)
        errors += isinstance(value, str) and value.startswith("#VALUE!")
    warm = time.perf_counter() - t

    print(f"workbook: {args.out / 'book.xlsx'} ({rows:,} data rows; loaded into the stand-in in {loaded:.1f} s, not timed)")
    print(f"cold: 1 call  KPI{first} = {cold_value!r}: {cold:.3f} s")
    print(f"warm: {len(calls):,} calls over distinct (KPI, period, account): {warm:.3f} s "
          f"({warm / len(calls) * 1e6:.0f} us a call)")
    print(f"engines built: {WORKSPACE.evaluations}; #VALUE! results: {errors}")
    warm_excel = _handover[0] - handover
    print(f"  of the cold call, the stand-in handing over the cell values and doing Excel's Find/Evaluate "
          f"(COM in Excel): {handover:.3f} s; of the warm calls, {warm_excel:.3f} s (checks once a second); "
          f"without both the ratio would be {(warm - warm_excel) / max(cold - handover, 1e-9):.2f}")
    ratio = warm / cold
    print(f"ratio warm total / cold = {ratio:.2f}  (target <= 0.50: {'met' if ratio <= 0.5 else 'NOT met'})")
    return 0 if ratio <= 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
