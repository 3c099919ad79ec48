"""Issue targets for the core and key accounts, measured as ratios in one run.

    python benchmarks/bench_evaluate.py [--rows 200000] [--runs 5]

1. `kpisheet evaluate` of every KPI at one period, against pandas + python-calamine
   reading the same sheet, each in a process of its own (target: at most 2.0x).
2. `kpisheet accounts` against `kpisheet evaluate` on the same file (target: at most 1.5x).
Peak memory of each process is printed next to the size of the data in memory.
"""

from __future__ import annotations

import argparse

from _common import DISCARD, alternate, book, median_time, peak_mb

RAW = """
import pandas as pd
from python_calamine import CalamineWorkbook
rows = CalamineWorkbook.from_path({path!r}).get_sheet_by_name("Data").to_python()
df = pd.DataFrame(rows[1:], columns=rows[0])
"""
CLI = DISCARD + """
from kpisheet.cli import main
assert main([{command!r}, {path!r}, "--period", "2025-06", "--format", "json", "-o", DISCARD]) == 0
"""
SIZE = """
import pandas as pd
from python_calamine import CalamineWorkbook
rows = CalamineWorkbook.from_path({path!r}).get_sheet_by_name("Data").to_python()
df = pd.DataFrame(rows[1:], columns=rows[0])
print(df.memory_usage(deep=True).sum())
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    path = str(book(args.rows))
    import subprocess
    import sys

    data_mb = int(subprocess.run([sys.executable, "-c", SIZE.format(path=path)], capture_output=True, text=True,
                                 check=True).stdout) / 2**20
    got = alternate(args.runs, raw=RAW.format(path=path), evaluate=CLI.format(command="evaluate", path=path),
                    accounts=CLI.format(command="accounts", path=path))
    raw, ev, acc = (median_time(got[k]) for k in ("raw", "evaluate", "accounts"))
    print(f"{args.rows} rows, {args.runs} alternating runs each, median wall time of a whole process")
    print(f"  calamine + pandas read : {raw:6.2f} s   peak {peak_mb(got['raw']):6.0f} MB")
    print(f"  kpisheet evaluate      : {ev:6.2f} s   peak {peak_mb(got['evaluate']):6.0f} MB")
    print(f"  kpisheet accounts      : {acc:6.2f} s   peak {peak_mb(got['accounts']):6.0f} MB")
    print(f"  data sheet in memory   : {data_mb:6.1f} MB (pandas, deep)")
    print(f"evaluate / raw read   = {ev / raw:.2f}x  (target <= 2.0x)")
    print(f"accounts / evaluate   = {acc / ev:.2f}x  (target <= 1.5x)")


if __name__ == "__main__":
    main()
