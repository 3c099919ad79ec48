"""Excel tables in recalc: which table an unqualified ``[@Qty]`` refers to."""

from __future__ import annotations

import zipfile
from pathlib import Path

import xlsxwriter

from kpisheet.excel.recalc import recalc
from kpisheet.excel.recalc.tables import TableDef, table_at

SALES: TableDef = (0, (1, 1, 10, 3), ["Item", "Qty", "Total"], 1, 0)  # sheet 0, A1:C10
COSTS: TableDef = (0, (1, 5, 10, 6), ["Item", "Cost"], 1, 0)  # E1:F10
ELSEWHERE: TableDef = (1, (1, 1, 10, 3), ["Item", "Qty", "Total"], 1, 0)  # sheet 1, A1:C10


def test_the_table_holding_a_cell() -> None:
    tables = {"SALES": SALES, "COSTS": COSTS, "ELSEWHERE": ELSEWHERE}
    assert table_at(tables, 0, 2, 3) is SALES
    assert table_at(tables, 0, 10, 1) is SALES  # corners belong to the table
    assert table_at(tables, 0, 1, 6) is COSTS
    assert table_at(tables, 1, 2, 3) is ELSEWHERE  # same cell, other sheet
    assert table_at(tables, 0, 2, 4) is None  # column D is between the two
    assert table_at(tables, 0, 11, 1) is None
    assert table_at({}, 0, 1, 1) is None


def test_overlapping_tables_of_a_damaged_file_give_the_first_name_whatever_the_order() -> None:
    """Excel lets no two tables overlap; where a damaged file has them, the answer does not
    depend on the order of its parts (the value and its dependencies use the same table)."""
    wide: TableDef = (0, (1, 1, 20, 8), ["A", "B", "C", "D", "E", "F", "G", "H"], 1, 0)
    assert table_at({"SALES": SALES, "AAA": wide}, 0, 2, 2) is wide
    assert table_at({"AAA": wide, "SALES": SALES}, 0, 2, 2) is wide
    assert table_at({"SALES": SALES, "ZZZ": wide}, 0, 2, 2) is SALES
    assert table_at({"ZZZ": wide, "SALES": SALES}, 0, 2, 2) is SALES


def test_recalc_reads_this_row_of_the_table_holding_the_formula(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.add_table("A1:B3", {"name": "Sales", "columns": [{"header": "Qty"}, {"header": "Twice"}],
                           "data": [[2, None], [5, None]]})
    ws.add_table("D1:E3", {"name": "Costs", "columns": [{"header": "Qty"}, {"header": "Twice"}],
                           "data": [[100, None], [300, None]]})
    for cell in ("B2", "B3", "E2", "E3"):
        ws.write_formula(cell, "=[@Qty]*2")  # unqualified: the table holding the cell
    wb.close()
    with zipfile.ZipFile(path) as z:
        assert "<f>[@Qty]*2</f>" in z.read("xl/worksheets/sheet1.xml").decode()
    report = recalc(path)
    assert {(c.row, c.col): c.new for c in report.changes} == {(2, 2): 4.0, (3, 2): 10.0, (2, 5): 200.0,
                                                                (3, 5): 600.0}
