"""What-if data tables ({=TABLE(row_input, column_input)}) computed by recalc: one-variable
(values down a column, values across a row) and two-variable tables, written as Excel writes
them (a master cell's ``<f t="dataTable">``, the other body cells values only). Expected values
are computed here from the model's own arithmetic; LibreOffice, which reads Excel's data tables
as MULTIPLE.OPERATIONS, is the second reader."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import pytest

from kpisheet.excel.recalc import recalc
from kpisheet.excel.recalc.values import Err
from tests.excel.recalc.test_unseen_features import Case, assert_wellformed, build, fx, num, row, sheet_values

RATES = [0.01, 0.02, 0.04, 0.07]
TERMS = [1.0, 5.0, 10.0]
PRINCIPAL = 1000.0
RATE, TERM = 0.05, 10.0  # what B1 and B2 hold


def grown(rate: Optional[float], term: Optional[float]) -> float:
    """B4: the principal grown at ``rate`` for ``term`` years (a blank is 0)."""
    return PRINCIPAL * (1 + (rate or 0.0)) ** (term or 0.0)


def master(ref: str, body: str, value: Any = 0, **attrs: str) -> str:
    a = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return f'<c r="{ref}"><f t="dataTable" ref="{body}"{a}/><v>{value}</v></c>'


def stale(ref: str, value: Any = 0) -> str:
    return f'<c r="{ref}"><v>{value}</v></c>'


def col(n: int) -> str:
    return "ABCDEFGHIJ"[n - 1]


def model_rows(rate: Any = RATE, extra1: str = "", extra4: str = "") -> list[str]:
    """B1 rate, B2 term, B3 principal; B4 = B3*(1+B1)^B2, B5 = B4-B3 (interest), B6 = B5*2 via INDIRECT."""
    return [row(1, num("B1", rate) if rate is not None else "", extra1),
            row(2, num("B2", TERM)),
            row(3, num("B3", PRINCIPAL)),
            row(4, fx("B4", "B3*(1+B1)^B2", "0"), extra4),
            row(5, fx("B5", "B4-B3", "0")),
            row(6, fx("B6", 'INDIRECT("B5")*2', "0"))]


def one_variable_column() -> str:
    """Rates down D8:D11 into B1; formulas =B4, =B5, =B6 across E7:G7; body E8:G11."""
    rows = [row(7, fx("E7", "B4"), fx("F7", "B5"), fx("G7", "B6"))]
    for k, rate in enumerate(RATES):
        r = 8 + k
        cells = [num(f"D{r}", rate)]
        cells.append(master("E8", "E8:G11", r1="B1") if k == 0 else stale(f"E{r}"))
        cells += [stale(f"F{r}"), stale(f"G{r}")]
        rows.append(row(r, *cells))
    return "".join(rows)


def one_variable_row() -> str:
    """Terms across E14:G14 into B2; formulas =B4, =B5 down D15:D16; body E15:G16."""
    rows = [row(14, *(num(f"{col(5 + k)}14", t) for k, t in enumerate(TERMS)))]
    rows.append(row(15, fx("D15", "B4"), master("E15", "E15:G16", dtr="1", r1="B2"), stale("F15"), stale("G15")))
    rows.append(row(16, fx("D16", "B5"), stale("E16"), stale("F16"), stale("G16")))
    return "".join(rows)


def two_variable() -> str:
    """Corner D20 =B5; terms across E20:G20 (row input B2), rates down D21:D24 (column input B1);
    body E21:G24; H21 reads the body."""
    rows = [row(20, fx("D20", "B5"), *(num(f"{col(5 + k)}20", t) for k, t in enumerate(TERMS)))]
    for k, rate in enumerate(RATES):
        r = 21 + k
        cells = [num(f"D{r}", rate)]
        cells.append(master("E21", "E21:G24", dt2D="1", dtr="1", r1="B2", r2="B1") if k == 0 else stale(f"E{r}"))
        cells += [stale(f"F{r}"), stale(f"G{r}")]
        if k == 0:
            cells.append(fx("H21", "SUM(E21:G24)"))
        rows.append(row(r, *cells))
    return "".join(rows)


def loan_book(path: Path, rate: Any = RATE, after_sheets: str = "") -> Path:
    body = "".join(model_rows(rate)[:6]) + one_variable_column() + one_variable_row() + two_variable()
    return build(path, Case("tables", [("S", body)], {}, after_sheets=after_sheets))


def expected(rate: Optional[float] = RATE) -> dict[tuple[int, int], Any]:
    out: dict[tuple[int, int], Any] = {(4, 2): grown(rate, TERM), (5, 2): grown(rate, TERM) - PRINCIPAL}
    for k, r in enumerate(RATES):  # one variable, down a column
        out[(8 + k, 5)] = grown(r, TERM)
        out[(8 + k, 6)] = grown(r, TERM) - PRINCIPAL
        out[(8 + k, 7)] = 2 * (grown(r, TERM) - PRINCIPAL)
    for k, t in enumerate(TERMS):  # one variable, across a row
        out[(15, 5 + k)] = grown(rate, t)
        out[(16, 5 + k)] = grown(rate, t) - PRINCIPAL
    for i, r in enumerate(RATES):  # two variables
        for k, t in enumerate(TERMS):
            out[(21 + i, 5 + k)] = grown(r, t) - PRINCIPAL
    out[(21, 8)] = sum(grown(r, t) - PRINCIPAL for r in RATES for t in TERMS)
    return out


def assert_values(path: Path, want: dict[tuple[int, int], Any]) -> None:
    got = sheet_values(path, 0)
    for (r, c), v in want.items():
        assert got.get((r, c)) == pytest.approx(v, rel=1e-12), f"{col(c)}{r}: {got.get((r, c))!r} != {v!r}"


def test_one_and_two_variable_tables_are_computed(tmp_path: Path) -> None:
    book = loan_book(tmp_path / "loan.xlsx")
    out = tmp_path / "out.xlsx"
    report = recalc(book, out=out)
    assert not report.warnings and not report.circular, report.warnings
    assert_values(out, expected())  # the inputs' own cells and their formulas are as they were
    assert sheet_values(out, 0).get((1, 2)) == RATE
    assert_wellformed(out, book)
    again = recalc(out, check=True)
    assert again.exit_code == 0, again.lines()  # a second run finds nothing to change


def test_a_blank_input_cell_is_substituted_and_left_blank(tmp_path: Path) -> None:
    """The input cell may hold nothing (Excel's own examples leave it empty): each trial puts a
    value there; afterwards it is blank again and the model reads it as 0."""
    book = loan_book(tmp_path / "blank.xlsx", rate=None)
    out = tmp_path / "out.xlsx"
    recalc(book, out=out)
    assert_values(out, expected(rate=None))
    assert (1, 2) not in sheet_values(out, 0)


def test_the_first_run_writes_every_body_cell(tmp_path: Path) -> None:
    """The body's cached values were all 0: every one changes, the master cell and the others.
    The first table reads INDIRECT (volatile) through G7: its cells are volatile changes."""
    report = recalc(loan_book(tmp_path / "loan.xlsx"), check=True)
    assert {"S!E15", "S!G16", "S!E21", "S!G24"} <= {c.place for c in report.changes}
    assert {"S!E8", "S!G11"} <= {c.place for c in report.volatile_changes}
    assert report.exit_code == 1


def test_automatic_except_tables_keeps_cached_values(tmp_path: Path) -> None:
    book = loan_book(tmp_path / "notable.xlsx", after_sheets='<calcPr calcId="191029" calcMode="autoNoTable"/>')
    out = tmp_path / "out.xlsx"
    report = recalc(book, out=out)
    assert sum("except for data tables" in w for w in report.warnings) == 3, report.warnings
    got = sheet_values(out, 0)
    assert got[(8, 5)] == 0.0 and got[(24, 7)] == 0.0  # as cached
    assert got[(4, 2)] == pytest.approx(grown(RATE, TERM))  # the rest is computed


def _small(path: Path, body_rows: str, **case: Any) -> Path:
    return build(path, Case("small", [("S", body_rows)], {}, **case))


def error_book(path: Path, input_cell: str = "A1") -> Path:
    """=1/A1 over the values 0, 2 and a blank, A1 holding 4."""
    return _small(path, row(1, num("A1", 4), fx("C1", "1/A1"))
                  + row(2, num("B2", 0), master("C2", "C2:C4", r1=input_cell))
                  + row(3, num("B3", 2), stale("C3"))
                  + row(4, stale("C4")))


@pytest.mark.parametrize("input_cell", ["A1", "$A$1"])  # Excel writes A1; other producers $A$1
def test_an_error_in_the_table_formula_is_the_cells_error(tmp_path: Path, input_cell: str) -> None:
    """=1/A1 over 0, 2 and a blank value: #DIV/0!, 0.5, #DIV/0! (a blank value is substituted
    as blank, read as 0); the input cell keeps its 4."""
    out = tmp_path / "out.xlsx"
    recalc(error_book(tmp_path / "err.xlsx", input_cell), out=out)
    got = sheet_values(out, 0)
    assert [got.get((r, 3)) for r in (1, 2, 3, 4)] == [0.25, Err("#DIV/0!"), 0.5, Err("#DIV/0!")]
    assert got[(1, 1)] == 4.0


def test_a_table_reading_itself_is_circular(tmp_path: Path) -> None:
    """The formula the table reads reads the table's body: a cycle, reported, its cells 0 as
    Excel shows cycles without iteration; cells outside the cycle are computed."""
    body = (row(1, num("A1", 4), fx("C1", "A1+C3", "9"), fx("E1", "A1*3", "0"))
            + row(2, num("B2", 1), master("C2", "C2:C3", value=5, r1="A1"))
            + row(3, num("B3", 2), stale("C3", 6)))
    out = tmp_path / "out.xlsx"
    report = recalc(_small(tmp_path / "cycle.xlsx", body), out=out)
    assert "S!C2" in report.circular and "S!C1" in report.circular
    got = sheet_values(out, 0)
    assert got[(2, 3)] == 0.0 and got[(3, 3)] == 0.0 and got[(1, 5)] == 12.0


@pytest.mark.parametrize("attrs, why", [
    ({"r1": "A1", "del1": "1"}, "deleted"),
    ({"dt2D": "1", "r1": "A1", "r2": "A2", "del2": "1"}, "deleted"),
    ({}, "no input cell"),
    ({"r1": "C3"}, "inside the table"),
    ({"r1": "ZZZ1"}, "outside the grid"),
    ({"r1": "A1", "ref": "C2:XFD1048576"}, "more than"),
    ({"r1": "A1", "ref": "C2:C1048577"}, "past the grid"),
    ({"dt2D": "1", "r1": "A1", "r2": "A1"}, "both its row and its column"),
])
def test_a_table_we_cannot_compute_keeps_its_cached_values(tmp_path: Path, attrs: dict[str, str], why: str) -> None:
    attrs = dict(attrs)
    body = (row(1, num("A1", 4), fx("C1", "A1*2", "8"))
            + row(2, num("B2", 1), master("C2", attrs.pop("ref", "C2:C3"), value=11, **attrs))
            + row(3, num("B3", 2), stale("C3", 12)))
    out = tmp_path / "out.xlsx"
    report = recalc(_small(tmp_path / "kept.xlsx", body), out=out)
    assert any("S!C2:" in w and why in w and "kept" in w for w in report.warnings), report.warnings
    got = sheet_values(out, 0)
    assert (got[(2, 3)], got[(3, 3)]) == (11.0, 12.0)


def test_libreoffice_computes_the_same_tables(tmp_path: Path) -> None:
    """LibreOffice reads Excel's data tables as MULTIPLE.OPERATIONS and recalculates them: a
    second, independent reader of the same file."""
    from tests.excel.libreoffice_tool import make_profile, recalc_with_libreoffice, soffice
    if soffice() is None:
        pytest.skip("LibreOffice is not installed")
    # Not compared: a blank input cell, which LibreOffice 7 leaves unsubstituted (its tables show
    # the formula's own value); Microsoft's example below substitutes into a blank one, as we do.
    (tmp_path / "src").mkdir()
    book = loan_book(tmp_path / "src" / "loan.xlsx")
    errors = error_book(tmp_path / "src" / "errors.xlsx")
    theirs = recalc_with_libreoffice([book, errors], tmp_path / "lo", make_profile(tmp_path / "profile"))
    mine = []
    for b in (book, errors):
        recalc(b, out=tmp_path / b.name)
        mine.append(sheet_values(tmp_path / b.name, 0))
    # a blank value is put in as blank, an error from the formula is the cell's: LibreOffice too
    assert [sheet_values(theirs[1], 0).get((r, 3)) for r in (2, 3, 4)] == [mine[1][(r, 3)] for r in (2, 3, 4)]
    lo = sheet_values(theirs[0], 0)
    # G8:G11 read B5 through INDIRECT, which LibreOffice 7's MULTIPLE.OPERATIONS does not
    # substitute into (it shows 0): those are checked against the arithmetic above only
    body = [(r, c) for r in range(8, 12) for c in (5, 6)] + [(r, c) for r in (15, 16) for c in (5, 6, 7)] \
        + [(r, c) for r in range(21, 25) for c in (5, 6, 7)] + [(21, 8)]
    for r, c in body:  # LibreOffice writes 15 significant digits
        assert lo[(r, c)] == pytest.approx(mine[0][(r, c)], rel=1e-13), f"{col(c)}{r}"


def test_microsofts_one_input_example(tmp_path: Path) -> None:
    """Microsoft's KB 282855: values 10, 13, 14, 19 in B3:B6, =B1+2, =B1*2, =INT(B1/2) in C2:E2,
    column input cell B1, which "may or may not contain data" (here: none)."""
    values = [10, 13, 14, 19]
    rows = [row(2, fx("C2", "B1+2"), fx("D2", "B1*2"), fx("E2", "INT(B1/2)"))]
    for k, v in enumerate(values):
        r = 3 + k
        first = master("C3", "C3:E6", r1="B1") if k == 0 else stale(f"C{r}")
        rows.append(row(r, num(f"B{r}", v), first, stale(f"D{r}"), stale(f"E{r}")))
    out = tmp_path / "out.xlsx"
    recalc(_small(tmp_path / "kb.xlsx", "".join(rows)), out=out)
    got = sheet_values(out, 0)
    assert [[got[(3 + k, c)] for c in (3, 4, 5)] for k in range(4)] == [[v + 2, v * 2, v // 2] for v in values]
    assert [got[(2, c)] for c in (3, 4, 5)] == [2.0, 0.0, 0.0] and (1, 2) not in got


def test_the_model_may_lie_on_another_sheet(tmp_path: Path) -> None:
    """The input cell is on the table's sheet (Excel's rule); the formulas between it and the
    table's formula may be anywhere: M!A1 = S!A1^2 is computed again in each trial."""
    table = (row(1, num("A1", 3), fx("C1", "M!A1+1", "10"))
             + row(2, num("B2", 2), master("C2", "C2:C4", r1="A1"))
             + row(3, num("B3", 5), stale("C3"))
             + row(4, num("B4", -1), stale("C4")))
    book = build(tmp_path / "two.xlsx", Case("two", [("S", table), ("M", row(1, fx("A1", "S!A1^2", "9")))], {}))
    out = tmp_path / "out.xlsx"
    recalc(book, out=out)
    got = sheet_values(out, 0)
    assert [got[(r, 3)] for r in (1, 2, 3, 4)] == [10.0, 5.0, 26.0, 2.0]
    assert sheet_values(out, 1)[(1, 1)] == 9.0  # as it was, with A1 = 3


def test_a_table_past_the_work_cap_keeps_its_cached_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kpisheet import limits
    monkeypatch.setattr(limits, "MAX_DATA_TABLE_WORK", 5)  # 3 cells times 2 formula cells
    body = (row(1, num("A1", 4), fx("D1", "A1*2", "8"), fx("C1", "D1+1", "9"))
            + row(2, num("B2", 1), master("C2", "C2:C4", value=11, r1="A1"))
            + row(3, num("B3", 2), stale("C3", 12))
            + row(4, num("B4", 3), stale("C4", 13)))
    out = tmp_path / "out.xlsx"
    report = recalc(_small(tmp_path / "big.xlsx", body), out=out)
    assert any("S!C2:C4" in w and "5 cell computations" in w for w in report.warnings), report.warnings
    got = sheet_values(out, 0)
    assert [got[(r, 3)] for r in (2, 3, 4)] == [11.0, 12.0, 13.0]
    monkeypatch.setattr(limits, "MAX_DATA_TABLE_WORK", 6)
    recalc(_small(tmp_path / "big.xlsx", body), out=out)
    got = sheet_values(out, 0)
    assert [got[(r, 3)] for r in (2, 3, 4)] == [3.0, 5.0, 7.0]


def test_a_table_reading_itself_iterates_when_the_workbook_does(tmp_path: Path) -> None:
    """With iterative calculation on, each pass computes the table with the body as the last
    pass left it: C3 = 2 + C3/2 settles at 4, C2 = 1 + C3/2 at 3, C1 (A1 = 4) at 6."""
    body = (row(1, num("A1", 4), fx("C1", "A1+C3/2", "0"))
            + row(2, num("B2", 1), master("C2", "C2:C3", r1="A1"))
            + row(3, num("B3", 2), stale("C3")))
    out = tmp_path / "out.xlsx"
    report = recalc(_small(tmp_path / "iter.xlsx", body,
                           after_sheets='<calcPr calcId="191029" iterate="1" iterateCount="100" iterateDelta="0.0001"/>'),
                    out=out)
    assert "S!C2" in report.circular
    got = sheet_values(out, 0)
    assert got[(3, 3)] == pytest.approx(4.0, abs=1e-3) and got[(2, 3)] == pytest.approx(3.0, abs=1e-3)
    assert got[(1, 3)] == pytest.approx(6.0, abs=1e-3)


def test_a_table_may_read_another_table(tmp_path: Path) -> None:
    """T2's formula sums T1's body, and T1 depends on T2's input: each T2 trial computes T1
    again (a trial inside a trial), and both come back as they were."""
    body = (row(1, num("A1", 1)) + row(2, num("A2", 5))
            + row(4, fx("C4", "A1*A2"))
            + row(5, num("B5", 1), master("C5", "C5:C6", r1="A1"))
            + row(6, num("B6", 2), stale("C6"))
            + row(8, fx("E8", "SUM(C5:C6)"))
            + row(9, num("D9", 10), master("E9", "E9:E10", r1="A2"))
            + row(10, num("D10", 20), stale("E10")))
    out = tmp_path / "out.xlsx"
    report = recalc(_small(tmp_path / "nested.xlsx", body), out=out)
    assert not report.warnings and not report.circular
    got = sheet_values(out, 0)
    assert [got[(4, 3)], got[(5, 3)], got[(6, 3)]] == [5.0, 5.0, 10.0]
    assert [got[(8, 5)], got[(9, 5)], got[(10, 5)]] == [15.0, 30.0, 60.0]


def test_body_cells_missing_from_the_file_are_written_in_order(tmp_path: Path) -> None:
    """Another producer may write only the master cell: the other body cells (and a row that
    holds only them) are added where they belong, and the part stays well-formed."""
    body = (row(1, num("A1", 1), fx("C1", "A1*10"), fx("D1", "A1+1"))
            + row(2, num("B2", 2), master("C2", "C2:D4", r1="A1"), fx("F2", "SUM(C2:D4)"))
            + row(3, num("B3", 3))
            + row(5, num("A5", 7)))
    book = _small(tmp_path / "sparse.xlsx", body)
    out = tmp_path / "out.xlsx"
    recalc(book, out=out)
    assert_wellformed(out, book)
    got = sheet_values(out, 0)
    assert [[got.get((r, c)) for c in (3, 4)] for r in (2, 3, 4)] == [[20.0, 3.0], [30.0, 4.0], [0.0, 1.0]]
    assert got[(2, 6)] == 58.0 and got[(5, 1)] == 7.0
    assert recalc(out, check=True).exit_code == 0
