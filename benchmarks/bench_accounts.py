"""Key accounts at many accounts: `kpisheet accounts` against `kpisheet evaluate`, one run.

    python benchmarks/bench_accounts.py [--rows 100000] [--accounts 20000] [--runs 3]

Issue 10 (SPEC §8.5): reasons read grids computed once per period, never per account, so the
key-account table costs about what evaluating every KPI costs, whatever the number of accounts
(issue 12 measured minutes at 20,000 accounts when `pareto` in `key_if` was recomputed for
each account's reason). Prints the ratio accounts / evaluate measured in the same run.
"""

from __future__ import annotations

import argparse

from _common import DISCARD, alternate, book, median_time, peak_mb

CLI = DISCARD + """
from kpisheet.cli import main
assert main([{command!r}, {path!r}, "--period", "2025-06", "--format", "json", "-o", DISCARD]) == 0
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--accounts", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    path = str(book(args.rows, "--accounts", str(args.accounts)))
    got = alternate(args.runs, evaluate=CLI.format(command="evaluate", path=path),
                    accounts=CLI.format(command="accounts", path=path))
    ev, acc = (median_time(got[k]) for k in ("evaluate", "accounts"))
    print(f"{args.rows} rows, {args.accounts} accounts, {args.runs} alternating runs each, median wall time")
    print(f"  kpisheet evaluate : {ev:6.2f} s   peak {peak_mb(got['evaluate']):6.0f} MB")
    print(f"  kpisheet accounts : {acc:6.2f} s   peak {peak_mb(got['accounts']):6.0f} MB")
    print(f"accounts / evaluate = {acc / ev:.2f}x  (target <= 1.5x)")


if __name__ == "__main__":
    main()
