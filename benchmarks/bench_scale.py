"""Issue 12 (scale with real cardinality), measured as ratios in one run.

    python benchmarks/bench_scale.py [--rows 250000] [--accounts 20000] [--wide 16] [--runs 3]
                                     [--csv-runs 9] [--million]

Every side runs in a process of its own, alternating, so that drift hits all alike:
1. ``kpisheet accounts`` against ``kpisheet evaluate`` of every KPI, on a book of ``--rows``
   rows, ``--accounts`` accounts and ``--wide`` columns no KPI reads (must reach 1.5x).
2. ``kpisheet evaluate`` of the same data saved as CSV against ``pandas.read_csv`` of that
   file (must reach 1.5x); half-second processes, alternated ``--csv-runs`` times on their own.
3. ``kpisheet evaluate`` of the .xlsx against a bare python-calamine read of the sheet
   (must reach 1.3x).
4. Peak memory of ``evaluate`` at a day (``--period 2025-12-15``) against the read's
   (must reach 1.5x).
5. With ``--million``: peak memory of ``evaluate`` on 1,000,000 rows against the read's
   (must reach 1.0x). The book takes minutes to make, once.
``recalc`` of 10,000 KPI cells against one evaluation is ``bench_recalc.py``'s part (b).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from _common import DISCARD, alternate, book, median_time, peak_mb

RAW_XLSX = """
import pandas as pd
from python_calamine import CalamineWorkbook
rows = CalamineWorkbook.from_path({path!r}).get_sheet_by_name("Data").to_python()
df = pd.DataFrame(rows[1:], columns=rows[0])
"""
RAW_CSV = """
import pandas as pd
df = pd.read_csv({path!r})
"""
CLI = DISCARD + """
from kpisheet.cli import main
assert main([{command!r}, {path!r}, "--config", {config!r}, "--period", {period!r},
             "--format", "json", "-o", DISCARD]) == 0
"""

CSV_CONFIG_HEAD = """version: 1
sources:
  data:
    workbook: data.csv
    columns: {date: Date, account: Account, amount: Amount, qty: Qty, category: Category}
  accounts:
    workbook: accounts.csv
"""


def csv_copy(xlsx: Path) -> tuple[Path, Path]:
    """The book's two sheets as CSV files beside it, and a config reading them (made once)."""
    folder = xlsx.parent
    data, config = folder / "data.csv", folder / "csv" / "kpisheet.yaml"
    if not data.exists() or not config.exists():
        subprocess.run([sys.executable, "-c", f"""
import pandas as pd
for sheet, name in (("Data", "data.csv"), ("Accounts", "accounts.csv")):
    df = pd.read_excel({str(xlsx)!r}, sheet_name=sheet, engine="calamine")
    if "Date" in df.columns:
        df["Date"] = pd.to_datetime(df["Date"]).dt.strftime("%Y-%m-%d")
    df.to_csv({str(folder)!r} + "/" + name, index=False)
"""], check=True)
        yaml = (folder / "kpisheet.yaml").read_text()
        body = yaml[yaml.index("kpis:"):]
        config.parent.mkdir(exist_ok=True)
        for name in ("data.csv", "accounts.csv"):
            (config.parent / name).unlink(missing_ok=True)
            (config.parent / name).symlink_to(folder / name)
        config.write_text(CSV_CONFIG_HEAD + body)
    return data, config


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=250_000)
    ap.add_argument("--accounts", type=int, default=20_000)
    ap.add_argument("--wide", type=int, default=16)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--csv-runs", type=int, default=9,
                    help="runs of the CSV pair: half-second processes, whose medians of 3 moved by 0.3x")
    ap.add_argument("--million", action="store_true")
    ap.add_argument("--skip-accounts", action="store_true",
                    help="leave out part 1 (while `accounts` is quadratic in the accounts it takes many minutes)")
    args = ap.parse_args()
    xlsx = book(args.rows, "--accounts", str(args.accounts), "--wide", str(args.wide))
    config = str(xlsx.parent / "kpisheet.yaml")
    data_csv, csv_config = csv_copy(xlsx)

    def cli(command: str, path: Path, cfg: str, period: str = "2025-06") -> str:
        return CLI.format(command=command, path=str(path), config=cfg, period=period)

    programs = dict(raw_xlsx=RAW_XLSX.format(path=str(xlsx)), evaluate=cli("evaluate", xlsx, config),
                    accounts=cli("accounts", xlsx, config), evaluate_day=cli("evaluate", xlsx, config, "2025-12-15"))
    if args.skip_accounts:
        del programs["accounts"]
    got = alternate(args.runs, **programs)
    got.update(alternate(max(args.runs, args.csv_runs), raw_csv=RAW_CSV.format(path=str(data_csv)),
                         evaluate_csv=cli("evaluate", data_csv, str(csv_config))))
    t = {k: median_time(v) for k, v in got.items()}
    m = {k: peak_mb(v) for k, v in got.items()}
    print(f"{args.rows} rows, {args.accounts} accounts, {args.wide} unread columns; "
          f"{args.runs} alternating runs each ({max(args.runs, args.csv_runs)} of the CSV pair), "
          "median wall time of a whole process")
    for name in got:
        print(f"  {name:13s}: {t[name]:7.2f} s   peak {m[name]:6.0f} MB")
    if "accounts" in t:
        print(f"accounts / evaluate                = {t['accounts'] / t['evaluate']:.2f}x  (must reach <= 1.5x)")
    print(f"evaluate CSV / pandas.read_csv     = {t['evaluate_csv'] / t['raw_csv']:.2f}x  (must reach <= 1.5x)")
    print(f"evaluate xlsx / calamine read      = {t['evaluate'] / t['raw_xlsx']:.2f}x  (must reach <= 1.3x)")
    print(f"peak memory at a day / the read's  = {m['evaluate_day'] / m['raw_xlsx']:.2f}x  (must reach <= 1.5x)")
    if args.million:
        big = book(1_000_000)
        big_config = str(big.parent / "kpisheet.yaml")
        got = alternate(1, raw=RAW_XLSX.format(path=str(big)), evaluate=cli("evaluate", big, big_config))
        print(f"1,000,000 rows: read peak {peak_mb(got['raw']):.0f} MB, evaluate peak {peak_mb(got['evaluate']):.0f} MB")
        print(f"peak memory 1M rows / the read's   = {peak_mb(got['evaluate']) / peak_mb(got['raw']):.2f}x  "
              "(must reach <= 1.0x)")


if __name__ == "__main__":
    main()
