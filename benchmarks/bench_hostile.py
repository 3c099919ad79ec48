"""What SPEC §9's guards cost on an honest workbook, as ratios measured in one run.

    python benchmarks/bench_hostile.py [--rows 200000] [--runs 3]

For each sheet of ``make_book.py --rows N``'s workbook, in-process, best of ``--runs``:
- the extent check (``kpisheet.sources.extent.too_sparse``: is the sheet safe to read as a
  dense rectangle?) against python-calamine reading the sheet (``get_sheet_by_name`` +
  ``to_python``), the work it guards;
- the zip-bomb check (``kpisheet.zipguard.check_package``) against opening the package;
- the check that no part inflates past its declared size (``check_inflated``: every part
  over 256 KiB compressed inflated once, counted) against calamine reading every sheet;
- the .xlsb extent check (``kpisheet.sources.xlsbextent.xlsb_too_sparse``, a walk of the
  sheet's binary records in Python) against calamine reading the same sheet, on an .xlsb of
  ``--xlsb-rows`` rows by 5 columns written record by record (tests/hostile/harness.py).
Ratios well below 1 mean the guards are a small part of reading.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Callable

from _common import book

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from python_calamine import CalamineWorkbook  # noqa: E402

from kpisheet.sources.extent import sheet_names, too_sparse  # noqa: E402
from kpisheet.sources.xlsbextent import xlsb_too_sparse  # noqa: E402
from kpisheet.zipguard import check_inflated, check_package  # noqa: E402
from tests.hostile.harness import write_xlsb  # noqa: E402


def best(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--xlsb-rows", type=int, default=100000)
    args = parser.parse_args()
    data = book(args.rows).read_bytes()
    print(f"book of {args.rows:,} rows, {len(data) / 1e6:.1f} MB")
    for name in sheet_names(data):
        guard = best(lambda: too_sparse(data, name), args.runs)

        def read() -> None:
            CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(name).to_python()
        work = best(read, args.runs)
        print(f"{name:12} extent check {guard:7.3f} s   calamine read {work:7.3f} s   ratio {guard / work:.3f}")
    guard = best(lambda: check_package(zipfile.ZipFile(io.BytesIO(data)), "book"), args.runs)
    work = best(lambda: zipfile.ZipFile(io.BytesIO(data)).namelist(), args.runs)
    print(f"{'package':12} zip-bomb check {guard:.4f} s   open {work:.4f} s   ratio {guard / work:.3f}")
    guard = best(lambda: check_inflated(zipfile.ZipFile(io.BytesIO(data)), "book"), args.runs)

    def read_all() -> None:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        for name in workbook.sheet_names:
            workbook.get_sheet_by_name(name).to_python()
    work = best(read_all, args.runs)
    print(f"{'package':12} inflate check {guard:7.3f} s   calamine, all sheets {work:7.3f} s   ratio {guard / work:.3f}")
    with tempfile.TemporaryDirectory() as folder:
        cells = {f"{c}{r}": r * 10 + i for r in range(1, args.xlsb_rows + 1) for i, c in enumerate("ABCDE")}
        xlsb = write_xlsb(Path(folder) / "book.xlsb", cells).read_bytes()
    guard = best(lambda: xlsb_too_sparse(xlsb, "Data"), args.runs)
    work = best(lambda: CalamineWorkbook.from_filelike(io.BytesIO(xlsb)).get_sheet_by_name("Data").to_python(),
                args.runs)
    print(f"{'xlsb':12} extent check {guard:7.3f} s   calamine read {work:7.3f} s   ratio {guard / work:.3f}"
          f"   ({args.xlsb_rows:,} rows x 5)")


if __name__ == "__main__":
    main()
