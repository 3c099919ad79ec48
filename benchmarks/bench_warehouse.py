"""Issue 17 (past Excel's million rows), measured as ratios in one run.

    python benchmarks/bench_warehouse.py [--rows 20000000] [--accounts 200] [--xlsx-rows 1000000] [--runs 3]

Part 1 writes a Parquet file of ``--rows`` sales lines with DuckDB (the columns of
``shared/bench/make_book.py``'s Data sheet: Date, Account, Amount, Qty, Category, two years,
unsorted) and a config of that book's KPIs over it (``parquet:``; the key-account rules are
left out, their attributes sheet being a workbook's). Each side runs in a process of its own,
alternating, so that drift hits all alike:

1. ``kpisheet evaluate --config DIR --period 2025-06`` of every KPI, no WORKBOOK;
2. ``pandas.read_parquet`` of the file alone (what loading the rows into Python costs);
3. DuckDB running hand-written GROUP BY queries equivalent to the KPIs' measures itself.

Part 2 (``--xlsx-rows``; 0 leaves it out) takes make_book.py's workbook of that many rows
(made once, then reused: a million rows take minutes), converts its Data sheet to Parquet once,
and times ``evaluate`` of the same KPIs over the workbook and over that Parquet file.

It prints each side's median wall time and peak memory, and the ratios.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

from _common import DISCARD, OUT, alternate, book, median_time, peak_mb

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

EVALUATE = DISCARD + """
from kpisheet.cli import main
assert main([*{book!r}, "--config", {config!r}, "--period", "2025-06", "--format", "json", "-o", DISCARD]) == 0
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


# The Data sheet of a make_book.py workbook as Parquet (read once with python-calamine).
CONVERT = """
import pandas as pd
pd.read_excel({book!r}, sheet_name="Data", engine="calamine").to_parquet({path!r}, index=False)
"""


def evaluate(config: Path, workbook: Path | None = None) -> str:
    return EVALUATE.format(book=["evaluate", *([str(workbook)] if workbook else [])], config=str(config))


def make(rows: int, accounts: int) -> Path:
    folder = OUT / f"parquet{rows}"
    path = folder / "data.parquet"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-c", MAKE.format(rows=rows, accounts=accounts, path=str(path))], check=True)
    (folder / "kpisheet.yaml").write_text(CONFIG)
    return path


def workbook_and_parquet(rows: int) -> tuple[Path, Path, Path]:
    """make_book.py's workbook of ``rows`` rows, the same KPIs over its Data sheet, and over that
    sheet converted to Parquet: (workbook, its config, the Parquet config)."""
    xlsx = book(rows)
    folder = xlsx.parent / "warehouse"
    (folder / "xlsx").mkdir(parents=True, exist_ok=True)
    (folder / "parquet").mkdir(exist_ok=True)
    path = folder / "parquet" / "data.parquet"
    if not path.exists():
        subprocess.run([sys.executable, "-c", CONVERT.format(book=str(xlsx), path=str(path))], check=True)
    (folder / "parquet" / "kpisheet.yaml").write_text(CONFIG)
    (folder / "xlsx" / "kpisheet.yaml").write_text(CONFIG.replace("parquet: data.parquet", "sheet: Data"))
    return xlsx, folder / "xlsx" / "kpisheet.yaml", folder / "parquet" / "kpisheet.yaml"


def report(title: str, got: dict[str, list[tuple[float, int]]], ratios: list[tuple[str, str]]) -> None:
    t = {k: median_time(v) for k, v in got.items()}
    m = {k: peak_mb(v) for k, v in got.items()}
    print(title)
    for name in got:
        print(f"  {name:17s}: {t[name]:7.2f} s   peak {m[name]:6.0f} MB   (runs: "
              + ", ".join(f"{s:.2f}" for s, _ in got[name]) + ")")
    for a, b in ratios:  # runs alternate, so run i of each side met the same load
        per_run = statistics.median(x / y for (x, _), (y, _) in zip(got[a], got[b]))
        print(f"  {a} / {b} = {t[a] / t[b]:.2f}x time (median of the runs' own ratios: {per_run:.2f}x), "
              f"{m[a] / m[b]:.2f}x peak memory")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20_000_000, help="Parquet rows of part 1 (0: leave it out)")
    ap.add_argument("--accounts", type=int, default=200)
    ap.add_argument("--xlsx-rows", type=int, default=1_000_000, help="workbook rows of part 2 (0: leave it out)")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if args.rows:
        path = make(args.rows, args.accounts)
        got = alternate(args.runs, read_parquet=READ.format(path=str(path)),
                        evaluate=evaluate(path.parent / "kpisheet.yaml"),
                        duckdb_by_hand=DUCKDB.format(path=str(path)))
        report(f"{args.rows} Parquet rows, {args.accounts} accounts; {args.runs} alternating runs each, median wall "
               "time of a whole process (Python start and imports included)", got,
               [("evaluate", "read_parquet"), ("evaluate", "duckdb_by_hand")])
    if args.xlsx_rows:
        xlsx, over_xlsx, over_parquet = workbook_and_parquet(args.xlsx_rows)
        got = alternate(args.runs, evaluate_xlsx=evaluate(over_xlsx, xlsx), evaluate_parquet=evaluate(over_parquet))
        report(f"{args.xlsx_rows} rows: make_book.py's workbook and its Data sheet as Parquet; {args.runs} "
               "alternating runs each", got, [("evaluate_parquet", "evaluate_xlsx")])


if __name__ == "__main__":
    main()
