"""SPEC §7: real files in — European CSV, text dates, where / join / derive, measure expressions.

Every number is checked against an independent pandas computation over the same files.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpisheet.config import load_config
from kpisheet.engine.core import Engine
from kpisheet.errors import ConfigError, WorkbookError
from kpisheet.lint import lint

MENU = "item_id,Price,Category\nA1,12.50,Food\nB2,3.00,Drink\nC3,8.00,Food\nD4,1000.25,Wine\n"
# cp1252, ';', decimal comma, '.' thousands, DD/MM/YYYY text dates, a footer without a date
ORDERS = (
    "Order Date;Customer;Item;Qty\r\n"
    "31/08/2023;Café Rossi;A1;2\r\n"
    "31/08/2023;Bar Blu;b2 ;1,5\r\n"
    "01/09/2023;Café Rossi;C3;1.000\r\n"
    "02/09/2023;Bar Blu;Z9;4\r\n"
    "15/09/2023;Bäckerei;D4;2\r\n"
    "Total;TOTAL;;1.009,5\r\n"
)
CONFIG = """
sources:
  menu:
    workbook: menu.csv
    columns: {item: item_id, price: Price, category: Category}
  lines:
    workbook: orders.csv
    csv: {delimiter: ";", decimal: ",", thousands: ".", encoding: cp1252}
    date_format: "%d/%m/%Y"
    columns: {date: Order Date, account: Customer, item: Item, qty: Qty}
    where: account != 'TOTAL'
    join:
      menu: {on: {item: item}}
    derive:
      amount: qty * menu.price
      big: amount >= 100
      label: upper(left(account, 3)) & '-' & coalesce(menu.category, '?')
      weekday: weekday(date)
kpis:
  revenue: {source: lines, measure: sum(amount), grain: month}
  revenue_expr: {source: lines, measure: sum(qty * menu.price), grain: month}
  average_line: {source: lines, measure: average(qty * menu.price), grain: month}
  big_food: {source: lines, measure: count(), filter: big and menu.category == 'Food', grain: month}
  labels: {source: lines, measure: count_distinct(label), grain: year}
  qty: {source: lines, measure: sum(qty), grain: month}
"""


def write(folder: Path, config: str = CONFIG, orders: str = ORDERS, menu: str = MENU) -> Path:
    (folder / "menu.csv").write_text(menu, encoding="utf-8-sig")  # with a BOM
    (folder / "orders.csv").write_bytes(orders.encode("cp1252"))
    (folder / "kpisheet.yaml").write_text(textwrap.dedent(config), encoding="utf-8")
    return folder / "kpisheet.yaml"


def expected(folder: Path) -> pd.DataFrame:
    """The same rows computed by pandas alone, as a reviewer would check them."""
    lines = pd.read_csv(folder / "orders.csv", sep=";", decimal=",", thousands=".", encoding="cp1252")
    lines = lines[lines["Customer"] != "TOTAL"].copy()
    lines["date"] = pd.to_datetime(lines["Order Date"], format="%d/%m/%Y")
    menu = pd.read_csv(folder / "menu.csv", encoding="utf-8-sig")
    lines["key"] = lines["Item"].str.strip().str.lower()
    menu["key"] = menu["item_id"].str.lower()
    merged = lines.merge(menu, on="key", how="left")
    merged["amount"] = merged["Qty"] * merged["Price"]
    merged["month"] = merged["date"].dt.strftime("%Y-%m")
    return merged


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return Engine(load_config(write(tmp_path)), tmp_path / "orders.csv")


@pytest.mark.parametrize("month", ["2023-08", "2023-09"])
def test_joined_and_derived_numbers_equal_pandas(engine: Engine, tmp_path: Path, month: str) -> None:
    rows = expected(tmp_path)
    here = rows[rows["month"] == month]
    assert engine.result("revenue", month).value == pytest.approx(here["amount"].sum())
    assert engine.result("revenue_expr", month).value == pytest.approx(here["amount"].sum())
    assert engine.result("average_line", month).value == pytest.approx(here["amount"].mean())  # blanks skipped
    assert engine.result("qty", month).value == pytest.approx(here["Qty"].sum())
    food = here[(here["amount"] >= 100) & (here["Category"] == "Food")]
    assert engine.result("big_food", month).value == len(food)
    assert engine.result("revenue", month, "Café Rossi").value == pytest.approx(
        here.loc[here["Customer"] == "Café Rossi", "amount"].sum())


def test_the_footer_is_dropped_and_rows_keep_their_lines(engine: Engine) -> None:
    table = engine.table("lines")
    assert list(table.df["account"]) == ["Café Rossi", "Bar Blu", "Café Rossi", "Bar Blu", "Bäckerei"]
    assert table.df["date"].dtype == "datetime64[ns]"  # the footer made it text; where gave it its type back
    assert table.numbers("qty").tolist() == [2.0, 1.5, 1000.0, 4.0, 2.0]
    assert table.place(4, "qty").endswith("orders.csv!orders!D6")
    assert list(table.df["label"]) == ["CAF-Food", "BAR-Drink", "CAF-Food", "BAR-?", "BÄC-Wine"]
    assert list(table.df["weekday"]) == [4.0, 4.0, 5.0, 6.0, 5.0]  # 31 Aug 2023 was a Thursday
    assert table.unmatched == {"menu": 1}
    assert engine.result("labels", "2023").value == 4


def test_unmatched_rows_are_an_m_finding(tmp_path: Path) -> None:
    config = load_config(write(tmp_path))
    found = [f for f in lint(config, tmp_path / "orders.csv") if f.letter == "M"]
    assert [(f.severity, f.message) for f in found] == [
        ("warning", "source lines: 1 row has no match in 'menu' (their menu.* columns are blank)")]
    assert found[0].place.endswith("kpisheet.yaml:13:7")


def test_a_key_twice_in_the_joined_source_names_both_rows(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, menu=MENU + "E5,1,Food\nb2,4.00,Drink\n"))
    with pytest.raises(WorkbookError) as err:
        Engine(config, tmp_path / "orders.csv").result("revenue", "2023-08")
    message = str(err.value)
    assert "the key 'b2' occurs twice in source 'menu'" in message
    assert "menu.csv!menu!A3 and " in message and "menu.csv!menu!A7" in message
    assert message.startswith(f"{tmp_path / 'kpisheet.yaml'}:13:7: ")


def test_a_number_in_the_wrong_format_names_file_line_and_column(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, orders=ORDERS.replace("1,5", "1.5")))  # '.' is thousands here
    with pytest.raises(WorkbookError) as err:
        Engine(config, tmp_path / "orders.csv").result("qty", "2023-08")
    assert str(err.value) == f"{tmp_path / 'orders.csv'}!orders!D3: text '1.5' where numbers belong in column 'qty'"


def test_a_text_date_in_another_format_names_the_cell_and_the_format(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, orders=ORDERS.replace("01/09/2023", "2023-09-01")))
    with pytest.raises(WorkbookError) as err:
        Engine(config, tmp_path / "orders.csv").result("qty", "2023-08")
    assert str(err.value) == (f"{tmp_path / 'orders.csv'}!orders!A4: text '2023-09-01' does not match "
                              "date_format '%d/%m/%Y' in column 'date'")


def test_without_where_the_footer_is_an_error(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, config=CONFIG.replace("    where: account != 'TOTAL'\n", "")))
    with pytest.raises(WorkbookError, match=r"orders\.csv!orders!A7: text 'Total' does not match date_format"):
        Engine(config, tmp_path / "orders.csv").result("qty", "2023-08")


def test_chained_joins_and_a_joined_account(tmp_path: Path) -> None:
    (tmp_path / "wines.csv").write_text("category,owner\nFood,Kitchen\nWine,Cellar\n", encoding="utf-8")
    config = CONFIG.replace("""    columns: {item: item_id, price: Price, category: Category}
""", """    columns: {item: item_id, price: Price, category: Category}
    join:
      owners: {on: {category: category}}
""").replace("kpis:", """  owners:
    workbook: wines.csv
kpis:
  by_owner: {source: by_owner_lines, measure: sum(amount), grain: year}
""").replace("sources:", """sources:
  by_owner_lines:
    workbook: orders.csv
    csv: {delimiter: ";", decimal: ",", thousands: ".", encoding: cp1252}
    date_format: "%d/%m/%Y"
    columns: {date: Order Date, item: Item, qty: Qty}
    where: Customer != 'TOTAL'
    join: {menu: {on: {item: item}}}
    derive:
      account: coalesce(owners.owner, 'none')
      amount: qty * menu.price""")
    engine = Engine(load_config(write(tmp_path, config=config)), tmp_path / "orders.csv")
    rows = expected(tmp_path)
    owner = rows["Category"].map({"Food": "Kitchen", "Wine": "Cellar"}).fillna("none")
    for name in ("Kitchen", "Cellar", "none"):
        assert engine.result("by_owner", "2023", name).value == pytest.approx(rows.loc[owner == name, "amount"].sum())
    assert "Cellar" in engine.accounts


@pytest.mark.parametrize("change, message", [
    ("      menu: {on: {item: item}}", "kpisheet.yaml:13:7: source lines: join of unknown source 'menus' (did you mean 'menu'?)"),
    ("    csv: {delimiter: \";\"", "kpisheet.yaml:8:11: unknown key 'delimeter' (did you mean 'delimiter'?)"),
    ("encoding: cp1252", "sources.lines.csv: unknown encoding 'klingon'"),
    ("decimal: \",\"", "sources.lines.csv: decimal and thousands are both '.'"),
    ("      amount: qty * menu.price", "kpisheet.yaml:15:15: prev() cannot be used in a filter"),
    ("    where: account != 'TOTAL'", "kpisheet.yaml:11:20: unknown character"),
    ("  revenue: {source: lines, measure: sum(amount), grain: month}", "kpisheet.yaml:20:47: '(' is never closed"),
])
def test_new_keys_are_validated_with_their_place(tmp_path: Path, change: str, message: str) -> None:
    broken = {
        "      menu: {on: {item: item}}": "      menus: {on: {item: item}}",
        "    csv: {delimiter: \";\"": "    csv: {delimeter: \";\"",
        "encoding: cp1252": "encoding: klingon",
        "decimal: \",\"": "decimal: \".\"",
        "      amount: qty * menu.price": "      amount: prev(qty)",
        "    where: account != 'TOTAL'": "    where: account !! 'TOTAL'",
        "  revenue: {source: lines, measure: sum(amount), grain: month}":
            "  revenue: {source: lines, measure: sum(qty * (menu.price), grain: month}",
    }[change]
    assert change in CONFIG
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, config=CONFIG.replace(change, broken)))
    assert message in str(err.value)


def test_a_join_cycle_is_a_config_error(tmp_path: Path) -> None:
    config = CONFIG.replace("""    columns: {item: item_id, price: Price, category: Category}
""", """    columns: {item: item_id, price: Price, category: Category}
    join: {lines: {on: {item: item}}}
""")
    with pytest.raises(ConfigError, match="cycle between joined sources: (menu -> lines -> menu|lines -> menu -> lines)"):
        load_config(write(tmp_path, config=config))


def test_a_csv_source_needs_no_sheet_but_a_workbook_source_does(tmp_path: Path) -> None:
    config = CONFIG.replace("    workbook: menu.csv\n", "    workbook: menu.xlsx\n")
    with pytest.raises(ConfigError, match="a source needs exactly one of sheet, table or range"):
        load_config(write(tmp_path, config=config))


def test_numbers_with_spaces_apostrophes_and_a_bom(tmp_path: Path) -> None:
    (tmp_path / "swiss.csv").write_bytes("\ufeffDate,Amount\n2026-01-05,1'234.50\n2026-01-06,-2'000\n".encode("utf-8"))
    (tmp_path / "k.yaml").write_text(textwrap.dedent("""
        sources:
          s:
            workbook: swiss.csv
            csv: {thousands: "'"}
            columns: {date: Date, amount: Amount}
        kpis:
          total: {source: s, measure: sum(amount), grain: month}
    """))
    engine = Engine(load_config(tmp_path / "k.yaml"))
    assert engine.result("total", "2026-01").value == pytest.approx(1234.5 - 2000)
    assert engine.table("s").df["amount"].dtype == np.float64


def test_csv_header_row_error_text_and_a_derived_date(tmp_path: Path) -> None:
    (tmp_path / "export.csv").write_text(
        "Campaign export\ngenerated 2023-09-30\n"
        "Day,Campaign,Spend\n31-08-2023,Alpha,10\n01-09-2023,Beta,#N/A\n02-09-2023,Alpha,5\n", encoding="utf-8")
    (tmp_path / "k.yaml").write_text(textwrap.dedent("""
        sources:
          ads:
            workbook: export.csv
            header_row: 3
            date_format: "%d-%m-%Y"
            columns: {day: Day, account: Campaign, spend: Spend}
            derive:
              date: day + 1          # booked the day after
              ok: month(date) == 9
        kpis:
          spend: {source: ads, measure: sum(spend), grain: month}
          days_ok: {source: ads, measure: count(), filter: ok, grain: month}
    """))
    engine = Engine(load_config(tmp_path / "k.yaml"), tmp_path / "export.csv")
    assert engine.result("spend", "2023-09", "Alpha").value == 15  # both Alpha rows are booked in September
    assert engine.result("spend", "2023-09").error is not None and engine.result("spend", "2023-09").error.text == "#N/A"
    assert engine.result("days_ok", "2023-09").value == 3
    assert engine.source_warnings() == [f"{tmp_path / 'export.csv'}!export!C5: source 'ads' has an error cell "
                                        "(the first: #N/A); the KPIs that read them show the error"]


def test_date_format_reads_text_dates_in_a_workbook(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Ads"
    ws.append(["Day", "Spend"])
    for day, spend in [("31-08-2023", 4), ("01-09-2023", 6), ("30-09-2023", 1)]:
        ws.append([day, spend])
    wb.save(tmp_path / "ads.xlsx")
    (tmp_path / "k.yaml").write_text(textwrap.dedent("""
        sources:
          ads: {sheet: Ads, date_format: "%d-%m-%Y", columns: {date: Day, spend: Spend}}
        kpis:
          spend: {source: ads, measure: sum(spend), grain: month}
    """))
    engine = Engine(load_config(tmp_path / "k.yaml"), tmp_path / "ads.xlsx")
    assert [engine.result("spend", m).value for m in ("2023-08", "2023-09")] == [4, 7]


def test_recalc_evaluates_kpi_cells_over_joined_csv_sources(tmp_path: Path) -> None:
    import openpyxl

    from kpisheet.excel.recalc import recalc

    write(tmp_path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Dash"
    ws["A1"] = '=KPI("revenue","2023-09")'
    ws["A2"] = '=KPI("revenue_expr","2023-08","Bar Blu")'
    wb.save(tmp_path / "dash.xlsx")
    report = recalc(tmp_path / "dash.xlsx", tmp_path / "kpisheet.yaml")
    assert report.written
    rows = expected(tmp_path)
    got = openpyxl.load_workbook(tmp_path / "dash.xlsx", data_only=True)["Dash"]
    assert got["A1"].value == pytest.approx(rows.loc[rows["month"] == "2023-09", "amount"].sum())
    here = rows[(rows["month"] == "2023-08") & (rows["Customer"] == "Bar Blu")]
    assert got["A2"].value == pytest.approx(here["amount"].sum())


SPEC_SHAPE = """
sources:
  menu:
    workbook: menu.csv                 # a CSV file: options below
    columns: {item: item_id, price: Price, category: Category}
  lines:
    workbook: orders.csv
    csv: {delimiter: ";", decimal: ",", thousands: ".", encoding: cp1252}
    date_format: "%d/%m/%Y"            # text dates; strftime codes
    columns: {date: Order Date, account: Customer, item: Item, qty: Qty}
    where: account != 'TOTAL'          # rows kept; applied before joins and KPIs
    join:
      menu: {on: {item: item}}         # this source's column -> the joined source's column
    derive:                            # row-level columns, evaluated in order
      amount: qty * menu.price
      big: amount >= 100
  headcount:
    sheet: Staff
    date: none                         # a snapshot: no dates (section 7.4)
kpis:
  revenue: {description: Revenue of order lines at menu prices, source: lines, measure: sum(amount), grain: month}
  big_lines: {description: Order lines of 100 or more, source: lines, measure: count(), filter: big, grain: month}
  staff: {description: People on the staff list, source: headcount, measure: count()}
  revenue_per_head: {description: Revenue per person on the staff list, formula: revenue / staff, grain: month}
key_accounts:
  criteria:
    revenue_share: {formula: share(revenue), weight: 1, scale: [0, 1]}
  key_if: score >= 50
  tiers: {A: score >= 50, B: "true"}
"""


def test_the_spec_shape_loads_evaluates_lints_and_recalcs(tmp_path: Path) -> None:
    """SPEC §7's example config, as written there, through every door but Excel's."""
    import json

    import openpyxl
    from click.testing import CliRunner

    from kpisheet.cli import cli

    write(tmp_path, config=SPEC_SHAPE)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Staff"
    ws.append(["Name", "Role"])
    for person in [("Ann", "chef"), ("Bo", "waiter"), ("Cy", "waiter")]:
        ws.append(list(person))
    dash = wb.create_sheet("Dash")
    dash["A1"] = '=KPI("revenue_per_head","2023-09")'
    wb.save(tmp_path / "book.xlsx")
    rows = expected(tmp_path)
    sept = rows.loc[rows["month"] == "2023-09", "amount"].sum()
    runner = CliRunner()
    run = runner.invoke(cli, ["evaluate", str(tmp_path / "book.xlsx"), "-p", "2023-09", "-f", "json", "--recalc"])
    assert run.exit_code == 0, run.output
    got = {r["kpi"]: r for r in json.loads(run.stdout)}
    assert got["revenue"]["value"] == pytest.approx(sept)
    assert got["big_lines"]["value"] == int(((rows["month"] == "2023-09") & (rows["amount"] >= 100)).sum())
    assert (got["staff"]["value"], got["staff"]["period"]) == (3, "all")
    assert got["revenue_per_head"]["value"] == pytest.approx(sept / 3)
    run = runner.invoke(cli, ["accounts", str(tmp_path / "book.xlsx"), "-p", "2023", "-f", "json", "--recalc"])
    assert run.exit_code == 0, run.output
    assert {a["account"] for a in json.loads(run.stdout)} == {"Café Rossi", "Bar Blu", "Bäckerei"}
    run = runner.invoke(cli, ["lint", str(tmp_path / "kpisheet.yaml"), "--workbook", str(tmp_path / "book.xlsx")])
    assert run.exit_code == 0 and "M: source lines: 1 row has no match in 'menu'" in run.output
    run = runner.invoke(cli, ["recalc", str(tmp_path / "book.xlsx")])
    assert run.exit_code == 0, run.output
    cell = openpyxl.load_workbook(tmp_path / "book.xlsx", data_only=True)["Dash"]["A1"].value
    assert cell == pytest.approx(sept / 3)


def test_a_workbook_footer_is_dropped_by_where(tmp_path: Path) -> None:
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sales"
    ws.append(["Date", "Customer", "Amount"])
    for row in [(dt.datetime(2026, 1, 5), "A", 10), (dt.datetime(2026, 1, 9), "B", 5), ("Total", None, 15)]:
        ws.append(list(row))
    wb.save(tmp_path / "book.xlsx")
    (tmp_path / "k.yaml").write_text(textwrap.dedent("""
        sources:
          sales: {sheet: Sales, columns: {date: Date, account: Customer, amount: Amount}, where: date != 'total'}
        kpis:
          revenue: {source: sales, measure: sum(amount), grain: month, filter: "date >= '2026-01-06'"}
    """))
    engine = Engine(load_config(tmp_path / "k.yaml"), tmp_path / "book.xlsx")
    assert engine.result("revenue", "2026-01").value == 5
    assert engine.table("sales").df["date"].dtype == "datetime64[ns]"


def test_quotechar_and_a_tab_delimiter(tmp_path: Path) -> None:
    (tmp_path / "q.csv").write_text("Date\tClient\tAmount\n2026-01-05\t'Rossi\tFigli'\t3\n2026-01-06\tBlu\t4\n",
                                    encoding="utf-8")
    (tmp_path / "k.yaml").write_text(textwrap.dedent("""
        sources:
          s: {workbook: q.csv, csv: {delimiter: "\\t", quotechar: "'"}, columns: {date: Date, account: Client, amount: Amount}}
        kpis:
          revenue: {source: s, measure: sum(amount), grain: month}
    """))
    engine = Engine(load_config(tmp_path / "k.yaml"))
    assert engine.accounts == ["Blu", "Rossi\tFigli"]
    assert engine.result("revenue", "2026-01", "Rossi\tFigli").value == 3
