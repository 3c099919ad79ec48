"""Issue 9's target for sources as pipelines, measured as a ratio in one run.

    python benchmarks/bench_join.py [--rows 200000] [--runs 5]

The book of shared/bench/make_book.py, evaluated by `kpisheet evaluate` (every KPI at one
period) in a process of its own, twice: with the book's own config, and with the same KPIs
over a data source that joins a price list (a CSV file, one price per category) and derives
a column from it (qty * prices.unit_price). Target: at most 1.2x.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

from _common import DISCARD, alternate, book, median_time, peak_mb

PRICES = "category,unit_price\nSales,12.5\nServices,80\nCOGS,3.25\nOpex,1\nCapex,250\n"
CLI = DISCARD + """
from kpisheet.cli import main
assert main(["evaluate", {path!r}, "--config", {config!r}, "--period", "2025-06", "--format", "json",
             "-o", DISCARD]) == 0
"""
CHECK = """
from kpisheet.config import load_config
from kpisheet.engine.core import Engine
e = Engine(load_config({config!r}), {path!r})
t = e.table("data")
import numpy as np
want = t.df["qty"].to_numpy(float) * t.df["category"].map({prices}).to_numpy(float)
assert np.allclose(t.df["list_value"].to_numpy(float), want, equal_nan=True), "derived column is wrong"
print(len(t.df), int(np.isnan(t.df["prices.unit_price"].to_numpy(float)).sum()))
"""


def joined_config(plain: str) -> str:
    """The book's config with the data source joined to prices.csv and a derived column."""
    extra = ("    join: {prices: {on: {category: category}}}\n"
             "    derive: {list_value: qty * prices.unit_price}\n"
             "  prices:\n"
             "    workbook: prices.csv\n")
    out, n = re.subn(r"(    columns: \{date: Date, account: Account[^\n]*\n)", lambda m: m.group(1) + extra, plain, count=1)
    if n != 1:
        sys.exit("error: the book's kpisheet.yaml does not have the expected data source")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    path = book(args.rows)
    folder = path.parent
    plain = folder / "kpisheet.yaml"
    (folder / "prices.csv").write_text(PRICES)
    joined = folder / "joined.yaml"
    joined.write_text(joined_config(plain.read_text()))
    prices = {line.split(",")[0]: float(line.split(",")[1]) for line in PRICES.splitlines()[1:]}
    rows, unmatched = subprocess.run([sys.executable, "-c", CHECK.format(config=str(joined), path=str(path),
                                                                          prices=prices)],
                                     capture_output=True, text=True, check=True).stdout.split()
    got = alternate(args.runs, plain=CLI.format(path=str(path), config=str(plain)),
                    joined=CLI.format(path=str(path), config=str(joined)))
    base, with_join = median_time(got["plain"]), median_time(got["joined"])
    print(f"{args.rows} rows ({rows} read, {unmatched} without a price), {args.runs} alternating runs each, "
          "median wall time of a whole process")
    print(f"  evaluate, the book's config          : {base:6.2f} s   peak {peak_mb(got['plain']):6.0f} MB")
    print(f"  evaluate, + price-list join + derive : {with_join:6.2f} s   peak {peak_mb(got['joined']):6.0f} MB")
    print(f"joined / plain = {with_join / base:.2f}x  (target <= 1.2x)")


if __name__ == "__main__":
    main()
