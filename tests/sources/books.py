"""Real files for the source tests, written into a folder by other programs' writers.

openpyxl writes ``book.xlsx``, xlsxwriter writes ``tables.xlsx`` (Excel tables), pandas
with odfpy writes ``book.ods``, msoffcrypto-tool encrypts ``locked.xlsx``. There is no
writer for ``.xls`` or ``.xlsb`` in the environment, so those formats are covered only
through content sniffing (an ``.xls`` name over xlsx content) and messages, not real files.

Cell layout, which the tests check places against:

book.xlsx
  Data      A1:D6    Date | Account | Amount | Category, five rows
  Sales     A1 title "Sales report Q3"; header B3:E3 Order Date | Customer | Net Revenue | Qty;
            data rows 4-13, row 8 wholly blank
  Amounts   A1:B14   Account | Amount; B5 "   " (openpyxl writes it without xml:space, so it
            reads as blank), B6 "12.5" (text), B7 blank, B12 "n/a", B13 TRUE
  Dates     A1:F5    Booked (datetimes) | Text (ISO text) | Serial (numbers) | Mixed | Bad | Flag;
            E4 "01/02/2026", F3 TRUE
  Headers   A1:H3    Account | (blank, data) | (blank, empty) | Amount | Amount | 2026 | "Net\\nRevenue" | date
  Empty     nothing
  My Report A1 "Notes"; C4:E4 Month | Revenue | Cost; rows 5-8; C10 "Total" row below
tables.xlsx
  Summary   text only
  Data      table SalesTable C5:E9: Order Date | Customer | Amount, rows 6-8, totals row 9; E7 "n/a"
  Lists     table Accounts A1:B3: Account | Region
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import xlsxwriter
from openpyxl import Workbook

SALES_ROWS = [  # rows 4..13 of Sales; None is the blank row 8
    (dt.datetime(2026, 7, 1), "ACME", 1200.5, 3),
    (dt.datetime(2026, 7, 15), "Globex", 800.0, 1),
    (dt.datetime(2026, 8, 2), "ACME", 450.25, 2),
    (dt.datetime(2026, 8, 20), "Initech", 3000.0, 10),
    None,
    (dt.datetime(2026, 9, 1), "Globex", 99.99, 1),
    (dt.datetime(2026, 9, 5), "ACME", 10.0, 1),
    (dt.datetime(2026, 9, 9), "Umbrella", 2500.0, 5),
    (dt.datetime(2026, 9, 12), "Initech", 75.0, 1),
    (dt.datetime(2026, 9, 30), "ACME", 640.0, 4),
]


@dataclass(frozen=True)
class Books:
    folder: Path
    book: Path  # book.xlsx
    macro: Path  # book.xlsm: book.xlsx's bytes under a macro-enabled name
    tables: Path  # tables.xlsx
    ods: Path  # book.ods
    csv: Path  # sales.csv, UTF-8 with BOM, commas
    csv_semicolon: Path  # semi.csv, cp1252, semicolons
    truncated: Path  # the first half of book.xlsx
    text: Path  # a text file named .xlsx
    html: Path  # an HTML page named .xls, as some systems export
    word: Path  # a ZIP archive with no workbook inside, named .xlsx
    empty: Path  # a file of 0 bytes named .xlsx
    locked: Path  # book.xlsx encrypted with the password "secret"
    disguised: Path  # book.xlsx's bytes named .xls

    def all_files(self) -> list[Path]:
        return sorted(p for p in self.folder.iterdir() if p.is_file())


def write_book(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Date", "Account", "Amount", "Category"])
    for i in range(5):
        ws.append([dt.datetime(2026, 1, 10 + i), f"ACC{i % 3 + 1:03d}", 100.0 * (i + 1), "Sales" if i % 2 else "Services"])

    ws = wb.create_sheet("Sales")
    ws["A1"] = "Sales report Q3"
    for j, h in enumerate(["Order Date", "Customer", "Net Revenue", "Qty"]):
        ws.cell(3, 2 + j, h)
    for i, row in enumerate(SALES_ROWS):
        if row is not None:
            for j, v in enumerate(row):
                ws.cell(4 + i, 2 + j, v)

    ws = wb.create_sheet("Amounts")
    ws.append(["Account", "Amount"])
    amounts: list[object] = [10.0, 20.0, 30.0, "   ", "12.5", None, 40.0, 50.0, 60.0, 70.0, "n/a", True, 7.0]
    for i, v in enumerate(amounts):
        ws.cell(2 + i, 1, f"ACC{i:03d}")
        if v is not None:
            ws.cell(2 + i, 2, v)

    ws = wb.create_sheet("Dates")
    ws.append(["Booked", "Text", "Serial", "Mixed", "Bad", "Flag"])
    ws.append([dt.datetime(2026, 1, 31), "2026-01-31", 46053, dt.datetime(2026, 2, 1, 9, 30), dt.datetime(2026, 1, 1), None])
    ws.append([dt.datetime(2026, 2, 28, 12, 0), "2026-02-28 12:00", 46081.5, "2026-02-03", dt.datetime(2026, 1, 2), True])
    ws.append([None, "  ", None, 46054, "01/02/2026", None])
    ws.append([dt.datetime(2026, 3, 1), "2026-03-01T08:15:00", 46082, None, dt.datetime(2026, 1, 3), None])

    ws = wb.create_sheet("Headers")
    ws.append(["Account", None, None, "Amount", "Amount", 2026, "Net\nRevenue", "date"])
    ws.append(["A", "x", None, 1.0, 2.0, 3.0, 4.0, dt.datetime(2026, 1, 1)])
    ws.append(["B", "y", None, 5.0, 6.0, 7.0, 8.0, dt.datetime(2026, 1, 2)])

    wb.create_sheet("Empty")

    ws = wb.create_sheet("My Report")
    ws["A1"] = "Notes"
    for j, h in enumerate(["Month", "Revenue", "Cost"]):
        ws.cell(4, 3 + j, h)
    for i in range(4):
        ws.cell(5 + i, 3, f"2026-0{i + 1}")
        ws.cell(5 + i, 4, 1000.0 * (i + 1))
        ws.cell(5 + i, 5, 400.0 * (i + 1))
    ws["C10"] = "Total"
    ws["D10"] = 10000.0
    wb.save(path)


def write_tables(path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path))
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    wb.add_worksheet("Summary").write("A1", "See the Data sheet")
    ws = wb.add_worksheet("Data")
    ws.write("A1", "Orders")
    ws.add_table("C5:E9", {
        "name": "SalesTable",
        "total_row": True,
        "columns": [{"header": "Order Date", "total_string": "Total"}, {"header": "Customer"},
                    {"header": "Amount", "total_function": "sum"}],
    })
    rows = [(dt.datetime(2026, 3, 1), "ACME", 100.0), (dt.datetime(2026, 3, 2), "Globex", "n/a"),
            (dt.datetime(2026, 3, 3), "ACME", 300.0)]
    for i, (d, c, a) in enumerate(rows):
        ws.write_datetime(5 + i, 2, d, date)
        ws.write(5 + i, 3, c)
        ws.write(5 + i, 4, a)
    lists = wb.add_worksheet("Lists")
    lists.add_table("A1:B3", {"name": "Accounts", "columns": [{"header": "Account"}, {"header": "Region"}],
                              "data": [["ACME", "EMEA"], ["Globex", "AMER"]]})
    wb.close()


def write_ods(path: Path) -> None:
    df = pd.DataFrame({
        "Date": [dt.datetime(2026, 1, d) for d in (5, 6, 7, 8)],
        "Account": ["ACME", "Globex", "ACME", "Initech"],
        "Amount": [10.0, 20.0, "n/a", 40.0],
    })
    df.to_excel(path, engine="odf", sheet_name="Sales", index=False)


def encrypt(source: Path, target: Path, password: str = "secret") -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    with open(source, "rb") as f, open(target, "wb") as out:
        OOXMLFile(f).encrypt(password, out)


def make_books(folder: Path) -> Books:
    folder.mkdir(parents=True, exist_ok=True)
    book = folder / "book.xlsx"
    write_book(book)
    macro = folder / "book.xlsm"
    shutil.copyfile(book, macro)
    tables = folder / "tables.xlsx"
    write_tables(tables)
    ods = folder / "book.ods"
    write_ods(ods)
    csv = folder / "sales.csv"
    csv.write_bytes("\ufeffDate,Account,Code,Amount\n2026-01-05,ACME,007,10.5\n2026-01-06,Globex,012,20\n"
                    "2026-01-07,ACME,007,n/a\n\n2026-01-09,Initech,100,40\n".encode("utf-8"))
    semi = folder / "semi.csv"
    semi.write_bytes("Date;Account;Amount\n2026-02-01;Café Roma;12.5\n2026-02-02;Bäckerei;7\n".encode("cp1252"))
    data = book.read_bytes()
    truncated = folder / "truncated.xlsx"
    truncated.write_bytes(data[: len(data) // 2])
    text = folder / "text.xlsx"
    text.write_text("Date,Account,Amount\n2026-01-01,ACME,10\n")
    html = folder / "export.xls"
    html.write_text("<html><body><table><tr><td>Date</td></tr></table></body></html>\n")
    word = folder / "word.xlsx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    word.write_bytes(buf.getvalue())
    empty = folder / "empty.xlsx"
    empty.write_bytes(b"")
    locked = folder / "locked.xlsx"
    encrypt(book, locked)
    disguised = folder / "disguised.xls"
    disguised.write_bytes(data)
    return Books(folder, book, macro, tables, ods, csv, semi, truncated, text, html, word, empty, locked, disguised)
