"""SPEC §4's functions in ``recalc``, against values worked out by hand from tests/conftest.py's
SALES book (cancelled excluded): revenue 2025-12 = 10 (A), 2026-01 = 155 (A 100, B 55),
2026-02 = 120 (A), 2026-03 = 100 (A 60, C 40); target 130, so 2026-01 green, 2026-02 amber
(>= 117), 2026-03 red; latest = 2026-03."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any, Callable

import pytest
import xlsxwriter

from kpisheet.errors import ConfigError, WorkbookError
from kpisheet.excel.recalc import cli_recalc, recalc
from kpisheet.excel.recalc.book import load
from kpisheet.excel.recalc.values import Err
from tests.conftest import ACCOUNTS, KEY_ACCOUNTS, SALES, write_book

KPIS = """\
revenue: {description: Net revenue, source: sales, measure: sum(amount), filter: "status != 'cancelled'", target: 130, unit: EUR}
orders: {source: sales, measure: count()}
growth: {formula: revenue / prev(revenue) - 1, unit: "%"}
"""

CELLS: list[tuple[str, Any]] = [
    ('=KPI("revenue","2026-01")', 155.0),
    ('=KPI("revenue","2026-02")', 120.0),
    ('=KPI("revenue")', 100.0),  # latest
    ('=KPI("revenue","2026-01","A")', 100.0),
    ('=KPI("revenue","2026-01","Z")', Err("#N/A")),
    ('=KPI("revenue",DATE(2026,2,14))', 120.0),  # a date means its month
    ('=KPI("revenue",2026)', 375.0),  # a whole number is a year
    ('=KPI("orders","2026-02")', 2.0),
    ('=KPI("growth","2026-02")', 120 / 155 - 1),
    ('=KPI("growth","2026-02","C")', Err("#DIV/0!")),  # C had no revenue in January (inside the data)
    ('=KPI("nope","2026-01")', Err("#NAME?")),
    ('=KPI("revenue","2026-13")', Err("#VALUE!")),
    ('=KPI_TARGET("revenue","2026-01")', 130.0),
    ('=KPI_STATUS("revenue","2026-01")', "green"),
    ('=KPI_STATUS("revenue","2026-02")', "amber"),
    ('=KPI_STATUS("revenue","2026-03")', "red"),
    ('=KPI_STATUS("orders","2026-03")', ""),
    ('=KPI_TREND("revenue","2026-02")', "down"),
    ('=IFERROR(KPI("growth","2025-12"),"n/a")', "n/a"),
    ('=ROUND(KPI("revenue","2026-01")/KPI("orders","2026-01"),2)', 51.67),
    ('=IS_KEY_ACCOUNT("A","2026-Q1")', True),
    ('=IS_KEY_ACCOUNT("B","2026-Q1")', False),
    ('=ACCOUNT_TIER("A","2026-Q1")', "A"),
    ('=ACCOUNT_SCORE("A","2026-Q1")', 100.0),
    ('=ACCOUNT_SCORE("nobody","2026-Q1")', Err("#N/A")),
]


def _values(path: Path) -> dict[tuple[str, int, int], Any]:
    loaded = load(path)
    out = {}
    for sp in loaded.parts:
        if sp.scan:
            for (r, c), v in sp.scan.values.items():
                out[(sp.name, r, c)] = v
    loaded.pkg.close()
    return out


@pytest.fixture
def dash(tmp_path: Path, make_config: Callable[..., Path]) -> Path:
    make_config(KPIS, KEY_ACCOUNTS)  # kpisheet.yaml beside the workbook: found without --config
    rows = [[f] for f, _ in CELLS]
    return write_book(tmp_path / "dash.xlsx", {"Sales": SALES, "Accounts": ACCOUNTS, "Dash": rows,
                                               "Tables": [['=KPI_SERIES("revenue","2026-01","2026-03")'],
                                                          [], [], [], [],
                                                          ['=KPI_TABLE("2026-02")']]})


def test_kpi_cells_match_hand_computed_values(dash: Path) -> None:
    report = recalc(dash)
    assert report.kpi_cells == len(CELLS) + 2
    assert not report.unsupported
    values = _values(dash)
    for i, (formula, expected) in enumerate(CELLS):
        got = values[("Dash", i + 1, 1)]
        if isinstance(expected, float):
            assert got == pytest.approx(expected), formula
        else:
            assert got == expected or got is expected, (formula, got)


def test_error_results_are_real_error_cells(dash: Path) -> None:
    recalc(dash)
    xml = zipfile.ZipFile(dash).read("xl/worksheets/sheet3.xml").decode()
    assert re.search(r'<c r="A10" t="e"><f>[^<]*</f><v>#DIV/0!</v></c>', xml)


def test_spilled_tables_are_dynamic_arrays(dash: Path) -> None:
    recalc(dash)
    values = _values(dash)
    series = [[values.get(("Tables", r, c)) for c in (1, 2)] for r in range(1, 5)]
    assert series == [["Period", "Value"], ["2026-01", 155.0], ["2026-02", 120.0], ["2026-03", 100.0]]
    table = [[values.get(("Tables", r, c)) for c in range(1, 9)] for r in range(6, 10)]
    assert table[0] == ["KPI", "Description", "Period", "Value", "Target", "Status", "Trend", "Unit"]
    assert table[1] == ["revenue", "Net revenue", "2026-02", 120.0, 130.0, "amber", "down", "EUR"]
    assert table[3][0] == "growth" and table[3][3] == pytest.approx(120 / 155 - 1)
    z = zipfile.ZipFile(dash)
    xml = z.read("xl/worksheets/sheet4.xml").decode()
    for anchor, area in (("A1", "A1:B4"), ("A6", "A6:H9")):
        cell = re.search(rf'<c r="{anchor}"([^>]*)><f t="array" ref="{area}">', xml)
        assert cell and ' cm="1"' in cell.group(1), anchor
    assert "xl/metadata.xml" in z.namelist()
    assert "sheetMetadata" in z.read("xl/_rels/workbook.xml.rels").decode()
    assert "/xl/metadata.xml" in z.read("[Content_Types].xml").decode()


def test_second_run_changes_nothing(dash: Path) -> None:
    recalc(dash)
    before = dash.read_bytes()
    report = recalc(dash, check=True)
    assert report.changes == [] and report.exit_code == 0
    report = recalc(dash)
    assert not report.written and dash.read_bytes() == before


def test_key_accounts_table(tmp_path: Path, make_config: Callable[..., Path]) -> None:
    make_config(KPIS, KEY_ACCOUNTS)
    book = write_book(tmp_path / "ka.xlsx", {"Sales": SALES, "Accounts": ACCOUNTS,
                                              "Key": [['=KEY_ACCOUNTS("2026-Q1")']]})
    recalc(book)
    values = _values(book)
    header = [values.get(("Key", 1, c)) for c in range(1, 7)]
    assert header == ["Account", "Score", "Tier", "Key", "revenue_share", "strategic"]
    # by score descending (A, C, D, B), those with a row in the quarter first: D is only in the attributes
    assert [values.get(("Key", r, 1)) for r in range(2, 6)] == ["A", "C", "B", "D"]
    assert values[("Key", 2, 4)] is True and values[("Key", 3, 4)] is False


def test_shrinking_spill_clears_old_cells(tmp_path: Path, make_config: Callable[..., Path]) -> None:
    make_config(KPIS)
    path = tmp_path / "shrink.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in (("Sales", SALES),):
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            ws.write_row(r, 0, row)
    ws = wb.add_worksheet("S")
    ws.write_dynamic_array_formula("A1:B8", '=KPI_SERIES("revenue","2026-01","2026-02")')
    wb.close()
    report = recalc(path)
    values = _values(path)
    assert values[("S", 3, 2)] == 120.0
    assert ("S", 4, 1) not in values and ("S", 8, 2) not in values
    assert {c.place for c in report.changes} >= {"S!A4", "S!B8"}
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet2.xml").decode()
    assert '<f t="array" ref="A1:B3">' in xml


def test_check_lists_stale_cells_and_writes_nothing(dash: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = dash.read_bytes()
    code = cli_recalc(dash, check=True)
    assert code == 1 and dash.read_bytes() == before
    out = capsys.readouterr().out
    assert 'Dash!A1: (no value) → 155' in out
    recalc(dash)
    assert cli_recalc(dash, check=True) == 0
    assert "(100.0% of 27 judged formula cells match their cached value)" in capsys.readouterr().out


def test_text_error_equals_error_in_check(tmp_path: Path, make_config: Callable[..., Path]) -> None:
    """The add-in writes '#DIV/0!' as text; recalc's error cell counts as the same value."""
    make_config(KPIS)
    path = tmp_path / "text.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Sales")
    for r, row in enumerate(SALES):
        ws.write_row(r, 0, row)
    ws2 = wb.add_worksheet("X")
    ws2.write_formula("A1", '=KPI("growth","2026-02","C")', None, "#DIV/0!")
    ws2.write_formula("A2", "=1/0", None, "#DIV/0!")
    wb.close()
    assert recalc(path, check=True).changes == []


def test_no_config_needed_without_our_functions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KPISHEET_CONFIG", raising=False)
    book = write_book(tmp_path / "plain.xlsx", {"S": [[1, 2, "=A1+B1"]]})
    report = recalc(book)
    assert report.config is None and _values(book)[("S", 1, 3)] == 3.0


def test_missing_config_is_an_error_and_leaves_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KPISHEET_CONFIG", raising=False)
    book = write_book(tmp_path / "k.xlsx", {"S": [['=KPI("revenue")']]})
    before = book.read_bytes()
    with pytest.raises(ConfigError):
        recalc(book)
    assert book.read_bytes() == before


def test_config_from_environment(tmp_path: Path, make_config: Callable[..., Path],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = make_config(KPIS, name="elsewhere.yaml")
    monkeypatch.setenv("KPISHEET_CONFIG", str(cfg))
    book = write_book(tmp_path / "env.xlsx", {"Sales": SALES, "S": [['=KPI("revenue","2026-02")']]})
    assert recalc(book).config == cfg
    assert _values(book)[("S", 1, 1)] == 120.0


@pytest.mark.parametrize("content,name", [(b"not a zip", "bad.xlsx"), (b"PK\x03\x04garbage", "cut.xlsx"),
                                          (b"a,b\n", "data.csv")])
def test_bad_input(tmp_path: Path, content: bytes, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(WorkbookError) as err:
        recalc(path)
    assert err.value.problems[0].place.endswith(name)
    assert path.read_bytes() == content


def test_unsupported_function_and_circular_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kpisheet.excel.recalc.xlfuncs import FUNCTIONS
    monkeypatch.delitem(FUNCTIONS, "ECMA.CEILING")  # an Excel function of its own the registry lacks
    book = write_book(tmp_path / "u.xlsx", {"S": [["=ECMA.CEILING(1,1)", "=B2+1", "=1+1"], ["=A2", "=B1"]]})
    report = recalc(book)
    values = _values(book)
    assert values[("S", 1, 1)] is Err("#NAME?")
    assert report.unsupported == {"ECMA.CEILING": "S!A1"}
    assert report.circular and values[("S", 1, 2)] == 0.0 and values[("S", 1, 3)] == 2.0
    assert any("ECMA.CEILING (S!A1)" in line for line in report.warning_lines())


def test_output_elsewhere_leaves_input(dash: Path, tmp_path: Path) -> None:
    before = dash.read_bytes()
    out = tmp_path / "out.xlsx"
    recalc(dash, out=out)
    assert dash.read_bytes() == before
    assert _values(out)[("Dash", 1, 1)] == 155.0


def test_cells_reading_a_new_spill_see_its_values(tmp_path: Path, make_config: Callable[..., Path]) -> None:
    """The first recalc of a dashboard: nothing in the file says where KPI_TABLE will spill."""
    make_config(KPIS)
    book = write_book(tmp_path / "first.xlsx", {
        "Sales": SALES,
        "Dash": [["=J1*2", None, None, None, None, None, None, None, None, "=D2+0"],
                 ["=SUM(_xlfn.ANCHORARRAY(A4))"], [],
                 ['=KPI_SERIES("revenue","2026-01","2026-02")']],
    })
    # Dash!J1 reads D2, which KPI_SERIES at A4 never fills: 0; A2 sums the spilled column B
    recalc(book)
    values = _values(book)
    assert values[("Dash", 5, 2)] == 155.0 and values[("Dash", 6, 2)] == 120.0
    assert values[("Dash", 2, 1)] == 275.0  # SUM over the spill, header text skipped
    book2 = write_book(tmp_path / "first2.xlsx", {"Sales": SALES, "Dash": [
        ['=KPI_SERIES("revenue","2026-01","2026-02")', None, "=B2*2", "=A1#"]]})
    report = recalc(book2)
    assert _values(book2)[("Dash", 1, 3)] == 310.0 and not report.warnings  # =A1# reads
