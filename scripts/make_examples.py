"""Make the example workbooks of SPEC §6 from a fixed seed.

    python scripts/make_examples.py [NAME ...]     (default: every example)

For each of startup, consulting, agency and restaurant it writes templates/<name>.xlsx:
seeded, realistic data (from January 2024 to October 2026, with seasonality and noise;
generators in scripts/examplegen/) for the config in config/<name>/, and a Dashboard
sheet built from SPEC §4's functions (scripts/dashboard.py). The cached values are then
written by ``kpisheet recalc``, and checked with ``recalc --check``. ``kpisheet init`` copies
config/<name>/ and templates/<name>.xlsx from where they are (a wheel carries them as package
data, put there by setup.py at build time), so there is no second copy to make.

Same seed, same bytes: rerun it after changing a generator or a config, and commit both.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

from dashboard import write_dashboard  # noqa: E402
from examplegen import BUILDERS, Example, Sheet  # noqa: E402

from kpisheet import Engine, load_config  # noqa: E402
from kpisheet.excel.recalc import recalc  # noqa: E402

CREATED = dt.datetime(2026, 11, 2, 9, 0, 0)  # fixed, so that the files are the same every time
EXCEL_CALC_ID = 191029  # Excel 365's: Excel shows the cached values instead of recalculating on open


def _write_sheet(wb: Workbook, sheet: Sheet) -> Worksheet:
    ws = wb.add_worksheet(sheet.name)
    bold = wb.add_format({"bold": True, "bottom": 1})
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    formats = {h: wb.add_format({"num_format": f}) for h, f in sheet.formats.items()}
    for col, name in enumerate(sheet.header):
        ws.write_string(0, col, name, bold)
        width = sheet.widths.get(name, max(11.0, len(name) + 2.0))
        ws.set_column(col, col, width, formats.get(name))
    col_formats = [formats.get(h) for h in sheet.header]
    for r, row in enumerate(sheet.rows, start=1):
        for c, value in enumerate(row):
            _write_value(ws, r, c, value, col_formats[c], date_format)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(sheet.rows), len(sheet.header) - 1)
    return ws


def _write_value(ws: Worksheet, row: int, col: int, value: Any, fmt: Any, date_format: Any) -> None:
    if value is None:
        return
    if isinstance(value, (dt.date, dt.datetime)):
        ws.write_datetime(row, col, value, fmt or date_format)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def _workbook(path: Path) -> Workbook:
    wb = Workbook(str(path))
    wb.set_properties({"title": "kpisheet example", "author": "kpisheet", "created": CREATED,
                       "comments": "Made by scripts/make_examples.py; cached values by kpisheet recalc"})
    wb.calc_on_load = False
    wb.calc_id = EXCEL_CALC_ID
    return wb


def write_data(example: Example, path: Path) -> None:
    """The data sheets alone: what the engine reads to work out the Dashboard's values."""
    wb = _workbook(path)
    for sheet in example.sheets:
        _write_sheet(wb, sheet)
    wb.close()


def make(name: str) -> Path:
    example = BUILDERS[name](random.Random(f"kpisheet-{name}"))
    config_dir = ROOT / "config" / name
    config = load_config(config_dir)
    out = ROOT / "templates" / f"{name}.xlsx"
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / f"{name}-data.xlsx"
        write_data(example, data)
        engine = Engine(config, data)
        wb = _workbook(out)
        write_dashboard(wb, example, config, engine)
        for sheet in example.sheets:
            _write_sheet(wb, sheet)
        wb.close()
    report = recalc(out, config_dir)
    for line in report.warning_lines():
        print(f"  {line}")
    print(f"  {report.summary()}")
    check = recalc(out, config_dir, check=True)
    if check.changes or check.uncertain_changes or check.unsupported or check.warnings:
        raise SystemExit(f"{out}: recalc --check still finds {len(check.changes)} changes")
    rows = sum(len(s.rows) for s in example.sheets)
    print(f"wrote {out.relative_to(ROOT)} ({rows} rows of data, {out.stat().st_size // 1024} KiB)")
    return out


def main(names: list[str]) -> None:
    unknown = [n for n in names if n not in BUILDERS]
    if unknown:
        raise SystemExit(f"unknown example {', '.join(unknown)}: choose from {', '.join(BUILDERS)}")
    for name in names or list(BUILDERS):
        make(name)


if __name__ == "__main__":
    main(sys.argv[1:])
