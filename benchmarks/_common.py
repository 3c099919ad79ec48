"""Helpers shared by the benchmarks: making books with shared/bench/make_book.py, timing processes."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
MAKE_BOOK = Path(os.environ.get("KPISHEET_MAKE_BOOK", ROOT.parent / "shared" / "bench" / "make_book.py"))

# A child command's output goes to a file in benchmarks/out/ (one at a time: the runs alternate),
# not /dev/null: kpisheet refuses to write over anything that is not a regular file
# (README#hostile-and-broken-input). A constant, so that the child imports nothing more.
DISCARD = f"DISCARD = {str(OUT / 'discarded-output')!r}\n"

# A child reports its own peak memory on its last stderr line.
PEAK = "import resource, sys; print('peak_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)"


def book(rows: int, *flags: str) -> Path:
    """A benchmark workbook (made once, then reused) and its kpisheet.yaml beside it."""
    name = f"rows{rows}" + "".join(f.replace("--", "-") for f in flags)
    folder = OUT / name
    if not (folder / "book.xlsx").exists():
        if not MAKE_BOOK.exists():
            sys.exit(f"error: {MAKE_BOOK}: make_book.py not found (set KPISHEET_MAKE_BOOK)")
        subprocess.run([sys.executable, str(MAKE_BOOK), str(folder), "--rows", str(rows), *flags], check=True)
    return folder / "book.xlsx"


def run(code: str) -> tuple[float, int]:
    """Run Python code in a fresh process: (wall seconds, peak memory in kB)."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code + "\n" + PEAK], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"error: benchmark child failed:\n{proc.stderr}")
    peak = int(proc.stderr.strip().splitlines()[-1].split()[1])
    return elapsed, peak


def alternate(runs: int, **programs: str) -> dict[str, list[tuple[float, int]]]:
    """Run each program ``runs`` times, alternating, so that drift hits all alike."""
    results: dict[str, list[tuple[float, int]]] = {name: [] for name in programs}
    for _ in range(runs):
        for name, code in programs.items():
            results[name].append(run(code))
    return results


def median_time(samples: list[tuple[float, int]]) -> float:
    return statistics.median(t for t, _ in samples)


def peak_mb(samples: list[tuple[float, int]]) -> float:
    return max(p for _, p in samples) / 1024
