"""The four examples of SPEC §6: lint finds nothing, recalc --check is green, the Dashboard
is built from SPEC §4's functions only and caches every status, the data is the generator's,
and the copies ``kpisheet init`` ships are the repository's files."""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from kpisheet import Engine, load_config
from kpisheet.cli import main
from kpisheet.excel.functions import EXCEL_FUNCTIONS
from kpisheet.excel.recalc import recalc
from kpisheet.lint import lint

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ("startup", "consulting", "agency", "restaurant")
KEY_ACCOUNT = {"startup": "Client A", "consulting": "Globex International", "agency": "Lumina Cosmetics",
               "restaurant": "Giulia Romano"}
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def book(name: str) -> Path:
    return ROOT / "templates" / f"{name}.xlsx"


def config(name: str) -> Path:
    return ROOT / "config" / name


@lru_cache(maxsize=None)
def engine(name: str) -> Engine:
    return Engine(load_config(config(name)), book(name))


@lru_cache(maxsize=None)
def sheet_xml(name: str, sheet: str) -> str:
    """The XML of a worksheet, found through the workbook's relationships."""
    with zipfile.ZipFile(book(name)) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(rf'<sheet [^>]*name="{sheet}"[^>]*r:id="(rId\d+)"', wb)
        assert rid, f"no sheet {sheet}"
        target = re.search(rf'<Relationship [^>]*Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels)
        assert target
        return z.read("xl/" + target.group(1).lstrip("/").removeprefix("xl/")).decode()


@pytest.mark.parametrize("name", EXAMPLES)
def test_lint_finds_nothing(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert lint(load_config(config(name)), book(name)) == []
    assert main(["lint", str(config(name)), "--workbook", str(book(name)), "--strict"]) == 0
    out, err = capsys.readouterr()
    assert "0 errors, 0 warnings" in out + err


@pytest.mark.parametrize("name", EXAMPLES)
def test_recalc_check_is_green(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    report = recalc(book(name), config(name), check=True)
    assert not report.changes and not report.uncertain_changes and not report.volatile_changes
    assert not report.unsupported and not report.circular and not report.warnings
    assert report.formulas == report.kpi_cells >= 20
    assert main(["recalc", str(book(name)), "--config", str(config(name)), "--check"]) == 0, capsys.readouterr()


@pytest.mark.parametrize("name", EXAMPLES)
def test_dashboard_is_built_from_spec_functions(name: str) -> None:
    xml = sheet_xml(name, "Dashboard")
    formulas = re.findall(r"<f\b[^>]*>(.*?)</f>", xml)
    called = {f for text in formulas for f in re.findall(r"([A-Za-z_][A-Za-z0-9_.]*)\(", text)}
    assert called <= set(EXCEL_FUNCTIONS) | {"IF"}, called - set(EXCEL_FUNCTIONS)  # IF: the key flag's yes/no
    assert {"KPI_TABLE", "KPI_STATUS", "KEY_ACCOUNTS", "KPI_SERIES"} <= called
    spills = re.findall(r'<c [^>]*cm="1"[^>]*>\s*<f t="array" ref="[A-Z]+\d+:[A-Z]+\d+">([A-Z_]+)\(', xml)
    assert {"KPI_TABLE", "KEY_ACCOUNTS", "KPI_SERIES"} <= set(spills)  # dynamic arrays, spilled
    assert re.search(r'<f t="array"[^>]*>KPI_TABLE\(\)</f>', xml)  # the latest period
    rules = re.findall(r"<cfRule [^>]*>\s*<formula>([^<]*)</formula>", xml)
    assert {"&quot;green&quot;", "&quot;amber&quot;", "&quot;red&quot;"} <= set(rules) or \
        {'"green"', '"amber"', '"red"'} <= set(rules)


@pytest.mark.parametrize("name", EXAMPLES)
def test_dashboard_chart_reads_the_series_spills(name: str) -> None:
    xml = sheet_xml(name, "Dashboard")
    anchors = re.findall(r'<c r="([A-Z]+)(\d+)"[^>]*>\s*<f t="array" ref="[A-Z]+\d+:[A-Z]+(\d+)">KPI_SERIES\(', xml)
    assert anchors
    with zipfile.ZipFile(book(name)) as z:
        chart = z.read("xl/charts/chart1.xml").decode()
    refs = set(re.findall(r"<c:f>Dashboard!\$([A-Z]+)\$(\d+):\$[A-Z]+\$(\d+)</c:f>", chart))
    for col, row, last in anchors:
        assert (col, str(int(row) + 1), last) in refs  # categories: the periods under the header


@pytest.mark.parametrize("name", EXAMPLES)
def test_cached_values_show_numbers_and_every_status(name: str) -> None:
    rows = CalamineWorkbook.from_path(str(book(name))).get_sheet_by_name("Dashboard").to_python()
    cells = [v for row in rows for v in row]
    assert {"green", "amber", "red"} <= set(cells)
    assert not any(isinstance(v, str) and v.startswith("#NAME") for v in cells)
    assert "2026-10" in cells and "KPI" in cells and "Account" in cells and "Period" in cells
    assert sum(1 for v in cells if isinstance(v, float)) > 60


@pytest.mark.parametrize("name", EXAMPLES)
def test_latest_period_has_all_three_statuses(name: str) -> None:
    kpis = engine(name).config.kpis
    results = [r for r in engine(name).results() if kpis[r.kpi].has_bands()]  # a budget KPI has none
    assert {r.period for r in results} == {"2026-10"}
    assert {r.status for r in results} == {"green", "amber", "red"}


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_key_account_and_tiers_that_move(name: str) -> None:
    e = engine(name)
    latest = {a.account: a for a in e.key_accounts()}
    top_tier = next(iter(e.config.key_accounts.tiers))[0] if e.config.key_accounts else ""
    key = latest[KEY_ACCOUNT[name]]
    assert key.key and key.tier == top_tier
    criteria = set(e.config.key_accounts.criteria) if e.config.key_accounts else set()
    assert len(criteria) >= 4  # beyond revenue: strategic value, growth potential, engagement ...
    tiers: dict[str, set[str]] = {}
    for period in [f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in (1, 4, 7, 10)]:
        for a in e.key_accounts(period):
            tiers.setdefault(a.account, set()).add(a.tier)
    assert sum(1 for t in tiers.values() if len(t) > 1) >= 3


@pytest.mark.parametrize("name", EXAMPLES)
def test_data_spans_years_with_thousands_of_rows(name: str) -> None:
    e = engine(name)
    sources = [s for s in e.config.sources if e.config.key_accounts is None or s != e.config.key_accounts.attributes]
    rows = sum(len(e.table(s).df) for s in sources)
    assert rows >= 5000
    first = min(e.table(s).dates("date").min() for s in sources if "date" in e.table(s).df.columns)
    assert first.astype("datetime64[D]").item() <= dt.date(2024, 1, 31)


def _norm(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return value


@pytest.mark.parametrize("name", EXAMPLES)
def test_data_is_the_seeded_generators(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    from examplegen import BUILDERS

    example = BUILDERS[name](random.Random(f"kpisheet-{name}"))
    wb = CalamineWorkbook.from_path(str(book(name)))
    assert wb.sheet_names == ["Dashboard", *(s.name for s in example.sheets)]
    for sheet in example.sheets:
        found = [[_norm(v) for v in row] for row in wb.get_sheet_by_name(sheet.name).to_python()]
        want = [[_norm(v) for v in row] for row in [sheet.header, *sheet.rows]]
        width = len(sheet.header)
        found = [row + [None] * (width - len(row)) for row in found]
        assert len(found) == len(want), sheet.name
        for i, (a, b) in enumerate(zip(found, want)):
            assert all(x == y or (isinstance(x, float) and isinstance(y, float) and math.isclose(x, y))
                       for x, y in zip(a, b)), (sheet.name, i, a, b)
