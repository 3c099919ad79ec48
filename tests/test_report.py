"""Formatted xlsx reports: written by ``evaluate``/``accounts --format xlsx``, read back with
openpyxl, and rendered by LibreOffice headless (the second program) to CSV and to PDF."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path
from typing import Callable

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from kpisheet.cli import main
from kpisheet.report import STATUS_FILLS, number_format
from tests import conftest
from tests.excel.libreoffice_tool import make_profile, soffice

KPIS = """\
revenue: {description: Net revenue booked, source: sales, measure: sum(amount), target: 100, unit: EUR}
growth: {description: Month over month revenue growth, formula: revenue / prev(revenue) - 1, unit: "%",
         target: 0.5}
orders: {description: "=SUM(1) orders booked", source: sales, measure: count(), unit: orders}
"""

# the shared key accounts, with a criterion in the KPI's unit (EUR) that scores nothing
KEY_ACCOUNTS = conftest.KEY_ACCOUNTS.replace("    strategic:", "    revenue_q: {formula: revenue}\n    strategic:", 1)


@pytest.mark.parametrize("unit, whole, expected", [
    ("%", False, "0.0%"),
    ("%", True, "0.0%"),
    ("EUR", False, '#,##0.00 "EUR"'),
    ("USD", True, '#,##0.00 "USD"'),
    ("€", False, '"€"#,##0.00'),
    ("clients", True, "#,##0"),
    ("clients", False, "#,##0.00"),
    (None, True, "#,##0"),
    ("Eur", False, "#,##0.00"),  # not a currency code: a plain measure
])
def test_number_format_from_unit(unit: str | None, whole: bool, expected: str) -> None:
    assert number_format(unit, whole) == expected


def _table(ws: Worksheet) -> tuple[int, list[str]]:
    """The header row of the report's table (the first row with a fill) and its names."""
    for row in ws.iter_rows(min_row=1, max_row=12):
        if row[0].fill.fgColor.rgb not in (None, "00000000") and row[0].value:
            return row[0].row, [c.value for c in row if c.value is not None]
    raise AssertionError("no table header")


def _rows(ws: Worksheet, header_row: int, header: list[str]) -> list[dict[str, object]]:
    out = []
    for cells in ws.iter_rows(min_row=header_row + 1, max_col=len(header)):
        out.append({name: cell for name, cell in zip(header, cells)})
    return out


def test_evaluate_xlsx_report_reads_back(capsys: pytest.CaptureFixture[str], book: Path,
                                         make_config: Callable[..., Path], tmp_path: Path) -> None:
    cfg = make_config(KPIS)
    out = tmp_path / "report.xlsx"
    assert main(["evaluate", str(book), "-c", str(cfg), "-p", "2026-02", "-f", "xlsx", "-o", str(out)]) == 0
    assert capsys.readouterr().out == ""
    ws = load_workbook(out).active
    assert ws.title == "KPIs"
    head = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(2, 6)}
    assert head["Period"] == "2026-02" and head["Config"] == str(cfg) and head["Workbook"] == str(book)
    header_row, header = _table(ws)
    assert header == ["KPI", "Description", "Period", "Value", "Target", "Status", "Trend", "Unit"]
    assert ws.freeze_panes == f"A{header_row + 1}"
    assert ws.auto_filter.ref == f"A{header_row}:H{header_row + 3}"
    assert ws.print_title_rows == f"${header_row}:${header_row}"
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert "2026-02" in (ws.oddHeader.center.text or "")
    rows = {r["KPI"].value: r for r in _rows(ws, header_row, header)}
    revenue, growth, orders = rows["revenue"], rows["growth"], rows["orders"]
    assert revenue["Value"].value == 150 and revenue["Value"].number_format == '#,##0.00 "EUR"'
    assert revenue["Target"].value == 100 and revenue["Status"].value == "green"
    assert revenue["Status"].fill.fgColor.rgb == "00" + STATUS_FILLS["green"][0]
    assert growth["Value"].value == pytest.approx(150 / 155 - 1)
    assert growth["Value"].number_format == "0.0%" and growth["Status"].value == "red"
    assert growth["Status"].fill.fgColor.rgb == "00" + STATUS_FILLS["red"][0]
    assert orders["Value"].value == 2 and orders["Value"].number_format == "#,##0"
    description = orders["Description"]
    assert description.value == "=SUM(1) orders booked" and description.data_type == "s"
    widths = [ws.column_dimensions[c].width for c in "ABCDEFGH"]
    assert all(6 <= w <= 60 for w in widths) and widths[1] > widths[2]  # descriptions are wider than periods


def test_error_values_are_error_cells_and_accounts_get_a_column(
        capsys: pytest.CaptureFixture[str], book: Path, make_config: Callable[..., Path], tmp_path: Path) -> None:
    cfg = make_config(KPIS + "broken: {description: A ratio over nothing, formula: revenue / (revenue - revenue), "
                             "target: 1}\n")
    out = tmp_path / "a.xlsx"
    assert main(["evaluate", str(book), "-c", str(cfg), "-p", "2026-01", "-a", "A", "-k", "broken",
                 "-f", "xlsx", "-o", str(out)]) == 0, capsys.readouterr().err
    ws = load_workbook(out).active
    header_row, header = _table(ws)
    assert "Account" in header
    (row,) = _rows(ws, header_row, header)
    assert row["Account"].value == "A"
    assert row["Value"].value == "#DIV/0!" and row["Value"].data_type == "e"
    assert row["Status"].value == "red"


def test_accounts_xlsx_report(capsys: pytest.CaptureFixture[str], book: Path, make_config: Callable[..., Path],
                              tmp_path: Path) -> None:
    cfg = make_config(KPIS, KEY_ACCOUNTS)
    out = tmp_path / "accounts.xlsx"
    assert main(["accounts", str(book), "-c", str(cfg), "-p", "2026-Q1", "-f", "xlsx", "-o", str(out)]) == 0, \
        capsys.readouterr().err
    ws = load_workbook(out).active
    assert ws.title == "Key accounts"
    header_row, header = _table(ws)
    assert header[:7] == ["Account", "Period", "Score", "Tier", "Key", "Previous tier", "Movement"]
    assert header[7:] == ["revenue_share", "revenue_share points", "revenue_q", "revenue_q points",
                          "strategic", "strategic points", "Reason"]
    rows = _rows(ws, header_row, header)
    by_account = {r["Account"].value: r for r in rows}
    a = by_account["A"]
    # Q1 2026: A 100 + 120 + 60, B 5 + 50 + 30 (revenue has no filter), C 40 -> A's share 280 / 405
    assert a["revenue_share"].value == pytest.approx(280 / 405)
    assert a["revenue_share"].number_format == "0.0%"
    assert a["revenue_q"].value == 280 and a["revenue_q"].number_format == '#,##0.00 "EUR"'
    assert a["strategic points"].value == pytest.approx(40.0)
    assert a["Score"].number_format == "0.0" and a["Key"].value == "yes"
    assert a["Key"].fill.fgColor.rgb == "00" + STATUS_FILLS["green"][0]
    scores = [r["Score"].value for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert {r["Key"].value for r in rows} <= {"yes", "no"}


@pytest.mark.parametrize("command", ["evaluate", "accounts"])
def test_xlsx_needs_an_output_file(command: str, capsys: pytest.CaptureFixture[str], book: Path,
                                   make_config: Callable[..., Path], tmp_path: Path) -> None:
    cfg = make_config(KPIS, KEY_ACCOUNTS)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main([command, str(book), "-c", str(cfg), "-f", "xlsx"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == "error: --format: an xlsx report is a file: add -o report.xlsx\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_shows_the_formats_and_prints_one_page(capsys: pytest.CaptureFixture[str], book: Path,
                                                            make_config: Callable[..., Path], tmp_path: Path) -> None:
    cfg = make_config(KPIS)
    report = tmp_path / "report.xlsx"
    assert main(["evaluate", str(book), "-c", str(cfg), "-p", "2026-02", "-f", "xlsx", "-o", str(report)]) == 0
    profile = make_profile(tmp_path / "lo")
    outdir = tmp_path / "lo-out"
    for target in ("pdf", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true"):
        subprocess.run([str(soffice()), f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless",
                        "--norestore", "--convert-to", target, "--outdir", str(outdir), str(report)],
                       check=True, capture_output=True, timeout=180)
    pdf = (outdir / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert _pdf_pages(pdf) == 1
    shown = list(csv.reader((outdir / "report.csv").open(encoding="utf-8")))
    rows = {r[0]: r for r in shown if r}
    assert rows["Period"][1] == "2026-02"
    assert rows["revenue"][3:6] == ["150.00 EUR", "100.00 EUR", "green"]  # as formatted, "as shown"
    assert rows["growth"][3] == "-3.2%" and rows["orders"][3] == "2"


def _pdf_pages(pdf: bytes) -> int:
    """The page count a PDF's page tree declares (``/Type /Pages ... /Count N``)."""
    import re

    counts = [int(m) for m in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf)]
    counts += [int(m) for m in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf)]
    assert counts, "no page tree found"
    return max(counts)


README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.mark.parametrize("line", [line for line in README.read_text().splitlines()
                                  if line.startswith("kpisheet ") and "--format xlsx" in line])
def test_readme_report_commands_write_reports(line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import shlex

    root = README.parent
    for name in ("config", "templates"):
        (tmp_path / name).symlink_to(root / name)
    monkeypatch.chdir(tmp_path)
    args = shlex.split(line)[1:]
    assert main(args) == 0, capsys.readouterr().err
    ws = load_workbook(tmp_path / args[args.index("-o") + 1]).active
    assert ws.freeze_panes and ws.auto_filter.ref and ws.cell(2, 1).value == "Period"


def test_hostile_account_names_stay_text(capsys: pytest.CaptureFixture[str], make_config: Callable[..., Path],
                                         tmp_path: Path) -> None:
    import xlsxwriter

    from tests.conftest import ACCOUNTS, SALES

    rows = [list(r) for r in SALES]
    rows[1][1] = "=HYPERLINK(\"http://x\")"
    rows[2][1] = "bell\x07ring"  # XlsxWriter stores it escaped (_x0007_); openpyxl could not write it
    book = tmp_path / "hostile.xlsx"
    wb = xlsxwriter.Workbook(str(book), {"strings_to_formulas": False})
    for name, sheet_rows in (("Sales", rows), ("Accounts", ACCOUNTS)):
        ws = wb.add_worksheet(name)
        for r, row in enumerate(sheet_rows):
            for c, value in enumerate(row):
                ws.write_datetime(r, c, value) if hasattr(value, "year") else ws.write(r, c, value)
    wb.close()
    cfg = make_config(KPIS, KEY_ACCOUNTS)
    out = tmp_path / "h.xlsx"
    assert main(["accounts", str(book), "-c", str(cfg), "-p", "2026", "-f", "xlsx", "-o", str(out)]) == 0, \
        capsys.readouterr().err
    ws = load_workbook(out).active
    names = {c.value: c for c in ws["A"] if isinstance(c.value, str)}
    assert names['=HYPERLINK("http://x")'].data_type == "s"
    assert "bell\\x07ring" in names


def test_a_number_a_worksheet_cannot_hold_is_num_error() -> None:
    from openpyxl import Workbook

    from kpisheet.report import _put

    ws = Workbook().active
    assert ws is not None
    for col, value in enumerate([float("nan"), float("inf"), 1.5], start=1):
        _put(ws.cell(1, col), value)
    assert [(c.value, c.data_type) for c in ws[1]] == [("#NUM!", "e"), ("#NUM!", "e"), (1.5, "n")]
