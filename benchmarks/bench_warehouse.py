"""Issue 17 (past Excel's million rows), measured as ratios in one run.

    python benchmarks/bench_warehouse.py [--rows 1000000] [--accounts 200] [--runs 3]

Writes a Parquet file of ``--rows`` sales lines with DuckDB (the columns of
``shared/bench/make_book.py``'s Data sheet: Date, Account, Amount, Qty, Category, two years,
unsorted) and a config of that book's KPIs over it (``parquet:``; the key-account rules are
left out, their attributes sheet being a workbook's). Each side runs in a process of its own,
alternating, so that drift hits all alike:

1. ``kpisheet evaluate --config DIR --period 2025-06`` of every KPI, no WORKBOOK;
2. ``pandas.read_parquet`` of the file alone (what loading the rows into Python costs);
3. DuckDB running hand-written GROUP BY queries equivalent to the KPIs' measures itself.

It prints each side's median wall time and peak memory, and evaluate's ratio to the others.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from _common import OUT, alternate, median_time, peak_mb

CONFIG = """version: 1
sources:
  data:
    parquet: data.parquet
    columns: {date: Date, account: Account, amount: Amount, qty: Qty, category: Category}
kpis:
  revenue:        {description: Revenue booked, source: data, measure: sum(amount), owner: Finance, target: 1500000, grain: month}
  orders:         {description: Order lines, source: data, measure: count(), owner: Finance}
  avg_amount:     {description: Average line amount, source: data, measure: average(amount), owner: Finance}
  services:       {description: Services revenue, source: data, measure: sum(amount), filter: "category == 'Services'", owner: Finance}
  services_share: {description: Services share of revenue, formula: services / revenue, owner: Finance, target: 0.2}
  growth:         {description: Revenue growth on the previous period, formula: revenue / prev(revenue) - 1, owner: Finance, target: 0.01}
  yoy:            {description: Revenue growth on the same period a year earlier, formula: revenue / prev(revenue, 12) - 1, owner: Finance}
  revenue_ytd:    {description: Revenue year to date, formula: ytd(revenue), owner: Finance}
  rolling_3:      {description: Revenue of the last three periods, formula: rolling(revenue, 3), owner: Finance}
"""

MAKE = """
import duckdb
duckdb.sql('''
copy (
  select date '2024-01-01' + cast(hash(i, 1) % 730 as integer) as "Date",
         'ACC' || lpad(cast(1 + hash(i, 2) % {accounts} as varchar), 3, '0') as "Account",
         round(-500 + (hash(i, 3) % 550000) / 100.0, 2) as "Amount",
         cast(hash(i, 4) % 51 as integer) as "Qty",
         ['Sales', 'Services', 'COGS', 'Opex', 'Capex'][1 + cast(hash(i, 5) % 5 as integer)] as "Category"
  from range({rows}) t(i)
) to '{path}' (format parquet)
''')
"""

READ = """
import pandas as pd
df = pd.read_parquet({path!r})
"""

EVALUATE = """
from kpisheet.cli import main
assert main(["evaluate", "--config", {config!r}, "--period", "2025-06", "--format", "json", "-o", "/dev/null"]) == 0
"""

# The grouped queries a person would write for the same answers: revenue, orders, the average and
# services per month x account and per month, over the months the formulas need (2024-06..2025-06).
DUCKDB = """
import duckdb
con = duckdb.connect()
con.sql("create view d as select * from read_parquet({path!r})")
for by in ("date_trunc('month', \\"Date\\"), \\"Account\\"", "date_trunc('month', \\"Date\\")"):
    con.sql(f'''select {{by}}, sum("Amount"), count(*), avg("Amount"),
                      sum("Amount") filter (where lower("Category") = 'services')
               from d where "Date" >= date '2024-06-01' and "Date" < date '2025-07-01'
               group by {{by}}''').fetchall()
"""


def make(rows: int, accounts: int) -> Path:
    folder = OUT / f"parquet{rows}"
    path = folder / "data.parquet"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-c", MAKE.format(rows=rows, accounts=accounts, path=str(path))], check=True)
    (folder / "kpisheet.yaml").write_text(CONFIG)
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--accounts", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    path = make(args.rows, args.accounts)
    got = alternate(args.runs, read_parquet=READ.format(path=str(path)),
                    evaluate=EVALUATE.format(config=str(path.parent / "kpisheet.yaml")),
                    duckdb_by_hand=DUCKDB.format(path=str(path)))
    t = {k: median_time(v) for k, v in got.items()}
    m = {k: peak_mb(v) for k, v in got.items()}
    print(f"{args.rows} Parquet rows, {args.accounts} accounts; {args.runs} alternating runs each, "
          "median wall time of a whole process (Python start and imports included)")
    for name in got:
        print(f"  {name:15s}: {t[name]:7.2f} s   peak {m[name]:6.0f} MB")
    print(f"evaluate / pandas.read_parquet = {t['evaluate'] / t['read_parquet']:.2f}x time, "
          f"{m['evaluate'] / m['read_parquet']:.2f}x peak memory")
    print(f"evaluate / DuckDB by hand      = {t['evaluate'] / t['duckdb_by_hand']:.2f}x time, "
          f"{m['evaluate'] / m['duckdb_by_hand']:.2f}x peak memory")


if __name__ == "__main__":
    main()
